//! A [`Mapping`] resolved against a file's header: the column positions each row is read from.

use std::collections::HashMap;

use csv::ByteRecord;

use crate::ImportError;
use crate::cell::Column;
use crate::mapping::{Mapping, MetricColumn, match_key};
use crate::timestamp::TimeFormat;

/// What to read from each row, and where.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) source: String,
    pub(crate) header_len: usize,
    pub(crate) external_id: Column,
    pub(crate) person: PersonPlan,
    pub(crate) occurred_at: Column,
    pub(crate) time_format: TimeFormat,
    pub(crate) metric: MetricPlan,
    pub(crate) value: Option<Column>,
    pub(crate) extras: Vec<ExtraPlan>,
    pub(crate) attributes: Vec<Column>,
}

#[derive(Debug, Clone)]
pub(crate) enum PersonPlan {
    Id(Column),
    External { column: Column, system: String },
}

#[derive(Debug, Clone)]
pub(crate) enum MetricPlan {
    Fixed(String),
    /// Keys are [`match_key`]s of the mapping's cell values.
    ByValue {
        column: Column,
        map: HashMap<String, String>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct ExtraPlan {
    pub(crate) metric: String,
    pub(crate) column: Column,
    pub(crate) scale: Option<f64>,
    pub(crate) when_metric: Option<String>,
}

impl Plan {
    /// Checks the mapping, then finds every column it uses in the header, reporting all missing
    /// or doubled columns at once.
    pub(crate) fn new(mapping: &Mapping, header: &ByteRecord) -> Result<Plan, ImportError> {
        mapping.validate()?;
        // A byte order mark is already gone unless it sat inside a quoted first header.
        let names: Vec<String> = header
            .iter()
            .map(|name| {
                String::from_utf8_lossy(name)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_owned()
            })
            .collect();
        if names.iter().all(String::is_empty) {
            return Err(ImportError::Header(
                "the file is empty; its first line must be the header row with the column names".into(),
            ));
        }
        let mut lookup = Lookup::new(&names);
        let optional = mapping.skip_missing_optional_columns;

        let external_id = lookup.required(&mapping.external_id);
        let person = match (&mapping.person_id, &mapping.person_external_id, &mapping.person_system) {
            (Some(column), _, _) => PersonPlan::Id(lookup.required(column)),
            (None, Some(column), system) => PersonPlan::External {
                column: lookup.required(column),
                system: system.as_deref().unwrap_or_default().trim().to_owned(),
            },
            // `validate` has already refused a mapping without a person.
            (None, None, _) => return Err(ImportError::InvalidMapping("no person column".into())),
        };
        let occurred_at = lookup.required(&mapping.occurred_at);
        let time_format = match &mapping.occurred_at_format {
            Some(format) => TimeFormat::custom(format).map_err(ImportError::InvalidMapping)?,
            None => TimeFormat::Iso,
        };
        let metric = match &mapping.metric {
            MetricColumn::Fixed(key) => MetricPlan::Fixed(key.trim().to_owned()),
            MetricColumn::ByValue { column, map } => MetricPlan::ByValue {
                column: lookup.required(column),
                map: map
                    .iter()
                    .map(|(value, key)| (match_key(value), key.trim().to_owned()))
                    .collect(),
            },
        };
        let value = mapping.value.as_deref().map(|column| lookup.required(column));
        let extras = mapping
            .extra
            .iter()
            .filter_map(|extra| {
                let column = lookup.column(&extra.value_column, optional)?;
                Some(ExtraPlan {
                    metric: extra.metric.trim().to_owned(),
                    column,
                    scale: extra.scale,
                    when_metric: extra.when_metric.as_deref().map(|m| m.trim().to_owned()),
                })
            })
            .collect();
        let attributes = mapping
            .attributes
            .iter()
            .filter_map(|name| lookup.column(name, optional))
            .collect();

        if !lookup.missing.is_empty() {
            return Err(ImportError::MissingColumns {
                missing: lookup.missing,
                found: names,
            });
        }
        if !lookup.duplicated.is_empty() {
            return Err(ImportError::DuplicateColumns(lookup.duplicated));
        }
        Ok(Plan {
            source: mapping.source.trim().to_owned(),
            header_len: header.len(),
            external_id,
            person,
            occurred_at,
            time_format,
            metric,
            value,
            extras,
            attributes,
        })
    }
}

/// Finds columns by name while collecting every problem, so one error can name them all.
struct Lookup<'h> {
    positions: HashMap<&'h str, Vec<usize>>,
    missing: Vec<String>,
    duplicated: Vec<String>,
}

impl<'h> Lookup<'h> {
    fn new(names: &'h [String]) -> Lookup<'h> {
        let mut positions: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, name) in names.iter().enumerate() {
            positions.entry(name.as_str()).or_default().push(index);
        }
        Lookup {
            positions,
            missing: Vec::new(),
            duplicated: Vec::new(),
        }
    }

    /// A column that must exist. When it is missing, the import fails with the names collected
    /// here, so the placeholder position is never read.
    fn required(&mut self, name: &str) -> Column {
        self.column(name, false).unwrap_or(Column {
            name: name.trim().to_owned(),
            index: usize::MAX,
        })
    }

    /// A column that may be skipped when `optional` and absent.
    fn column(&mut self, name: &str, optional: bool) -> Option<Column> {
        let name = name.trim();
        match self.positions.get(name).map(Vec::as_slice) {
            Some([index]) => Some(Column {
                name: name.to_owned(),
                index: *index,
            }),
            Some([index, ..]) => {
                note(&mut self.duplicated, name);
                Some(Column {
                    name: name.to_owned(),
                    index: *index,
                })
            }
            Some([]) | None if optional => None,
            Some([]) | None => {
                note(&mut self.missing, name);
                None
            }
        }
    }
}

fn note(names: &mut Vec<String>, name: &str) {
    if !names.iter().any(|n| n == name) {
        names.push(name.to_owned());
    }
}

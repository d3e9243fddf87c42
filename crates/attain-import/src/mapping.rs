//! How CSV columns map to events: the [`Mapping`] a preset builds or a JSON file describes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ImportError;
use crate::timestamp::TimeFormat;

/// How CSV columns map to events. [`Mapping::preset`] builds one for a known CRM export; a
/// custom one is read with [`Mapping::from_json`].
///
/// Column names are matched exactly against the header (after trimming spaces and a UTF-8 byte
/// order mark). A custom mapping in JSON looks like this:
///
/// ```json
/// {
///   "source": "pipedrive",
///   "external_id": "Activity ID",
///   "person_external_id": "Owner ID",
///   "person_system": "pipedrive",
///   "occurred_at": "Due date",
///   "occurred_at_format": "%d.%m.%Y",
///   "metric": { "by_value": { "column": "Type", "map": { "Call": "calls", "Email": "emails" } } },
///   "extra": [ { "metric": "talk_time", "value_column": "Duration (s)", "when_metric": "calls" } ],
///   "attributes": ["Deal ID"]
/// }
/// ```
///
/// `metric` is either `{ "fixed": "calls" }` or `{ "by_value": { "column": …, "map": … } }`.
/// Optional fields may be left out; unknown fields are refused so a misspelt one is not silently
/// ignored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Where the events come from, e.g. `"salesforce"`. With `external_id` it identifies an event:
    /// the server derives the event id from both, so re-importing a file counts nothing twice.
    pub source: String,
    /// Column holding the source's unique row id (required in every row).
    pub external_id: String,
    /// Column holding an Attain person UUID. Set this, or `person_external_id` and `person_system`.
    #[serde(default)]
    pub person_id: Option<String>,
    /// Column holding the person's id in `person_system`.
    #[serde(default)]
    pub person_external_id: Option<String>,
    /// The system `person_external_id` ids belong to, e.g. `"salesforce"` or `"hubspot"`.
    #[serde(default)]
    pub person_system: Option<String>,
    /// Column holding when the activity happened.
    pub occurred_at: String,
    /// A chrono format for `occurred_at`, e.g. `"%m/%d/%Y"`. `None` reads ISO 8601: with an
    /// offset (`2026-03-08T14:05:00Z`), a naive date-time local to the tenant
    /// (`2026-03-08 14:05`), or a plain date (`2026-03-08`). Dates without a time mean noon
    /// local time, so the event lands on that local day.
    #[serde(default)]
    pub occurred_at_format: Option<String>,
    /// Which metric each row counts.
    pub metric: MetricColumn,
    /// Column with the event's value; when absent or empty the value is the metric's default
    /// (1 for counts).
    #[serde(default)]
    pub value: Option<String>,
    /// Further events from the same row, e.g. talk time from a call's duration.
    #[serde(default)]
    pub extra: Vec<ExtraMetric>,
    /// Columns copied into event attributes (e.g. `"Opportunity ID"`); empty cells are left out.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// When true, attribute columns and extra-metric value columns that the header lacks are
    /// left out instead of failing the import; the core columns are always required. Presets set
    /// it because exports differ in which optional columns they carry. A custom mapping defaults
    /// to false, so a misspelt column name fails loudly. (Not in the original API sketch: the
    /// presets need it to skip absent optional columns.)
    #[serde(default)]
    pub skip_missing_optional_columns: bool,
}

/// Which metric a row counts.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MetricColumn {
    /// Every row counts this metric key. JSON: `{ "fixed": "calls" }`.
    Fixed(String),
    /// The metric depends on a cell, e.g. an activity type column.
    /// JSON: `{ "by_value": { "column": "Type", "map": { "Call": "calls" } } }`.
    ByValue {
        /// The column whose value picks the metric.
        column: String,
        /// Cell value (matched case-insensitively, after trimming) → metric key. Rows whose
        /// value is not in the map are rejected.
        map: BTreeMap<String, String>,
    },
}

/// A further event read from the same row, e.g. talk time from a call's duration. It is emitted
/// only when its value is above zero, with the external id `"<row external id>:<metric>"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraMetric {
    /// The metric key, e.g. `"talk_time"`.
    pub metric: String,
    /// The column holding its value; an empty cell means no extra event.
    pub value_column: String,
    /// Multiplies the value, rounding to the nearest whole number; e.g. `0.001` turns
    /// milliseconds into seconds.
    #[serde(default)]
    pub scale: Option<f64>,
    /// Only for rows whose main metric is this key, e.g. talk time only for calls.
    #[serde(default)]
    pub when_metric: Option<String>,
}

impl Mapping {
    /// Reads a custom mapping from JSON and checks that it can work, naming every problem.
    pub fn from_json(text: &str) -> Result<Mapping, ImportError> {
        let mapping: Mapping = serde_json::from_str(text).map_err(|e| ImportError::MappingJson(e.to_string()))?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// Everything about the mapping that can be checked without the file.
    pub(crate) fn validate(&self) -> Result<(), ImportError> {
        let mut problems = Vec::new();
        let mut need = |ok: bool, problem: &str| {
            if !ok {
                problems.push(problem.to_owned());
            }
        };
        need(!self.source.trim().is_empty(), "source must not be empty");
        need(!self.external_id.trim().is_empty(), "external_id must name a column");
        need(!self.occurred_at.trim().is_empty(), "occurred_at must name a column");
        need(
            self.value.as_deref().is_none_or(named),
            "value must name a column or be left out",
        );
        need(
            self.attributes.iter().all(|a| named(a)),
            "attributes must not contain empty column names",
        );
        match (&self.person_id, &self.person_external_id, &self.person_system) {
            (Some(id), None, None) => need(named(id), "person_id must name a column"),
            (None, Some(column), Some(system)) => {
                need(named(column), "person_external_id must name a column");
                need(named(system), "person_system must not be empty");
            }
            (Some(_), Some(_), _) => need(false, "set person_id or person_external_id, not both"),
            (None, Some(_), None) => need(false, "person_external_id needs person_system (e.g. \"salesforce\")"),
            (_, None, Some(_)) => need(
                false,
                "person_system needs person_external_id (the column with the ids)",
            ),
            (None, None, None) => need(
                false,
                "say whose activity a row is: set person_id, or person_external_id and person_system",
            ),
        }
        if let Some(format) = &self.occurred_at_format
            && let Err(problem) = TimeFormat::custom(format)
        {
            problems.push(problem);
        }
        problems.extend(self.metric_problems());
        problems.extend(self.extra_problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ImportError::InvalidMapping(problems.join("; ")))
        }
    }

    fn metric_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.metric {
            MetricColumn::Fixed(key) if !named(key) => problems.push("metric must not be empty".to_owned()),
            MetricColumn::Fixed(_) => {}
            MetricColumn::ByValue { column, map } => {
                if !named(column) {
                    problems.push("metric.by_value.column must name a column".to_owned());
                }
                if map.is_empty() {
                    problems.push("metric.by_value.map must map at least one value to a metric".to_owned());
                }
                if map.iter().any(|(value, key)| !named(value) || !named(key)) {
                    problems.push("metric.by_value.map must not contain empty values or metric keys".to_owned());
                }
                let mut seen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
                for (value, key) in map {
                    if let Some((other, other_key)) = seen.insert(match_key(value), (value, key))
                        && other_key != key
                    {
                        problems.push(format!(
                            "metric.by_value.map has {other:?} and {value:?}, which match the same cells \
                             (case is ignored) but name different metrics"
                        ));
                    }
                }
            }
        }
        problems
    }

    fn extra_problems(&self) -> Vec<String> {
        let produced = self.main_metrics();
        let mut problems = Vec::new();
        for extra in &self.extra {
            if !named(&extra.metric) {
                problems.push("extra metrics need a metric key".to_owned());
            }
            if !named(&extra.value_column) {
                problems.push(format!("extra metric {:?} needs a value_column", extra.metric));
            }
            if let Some(scale) = extra.scale
                && !(scale.is_finite() && scale > 0.0)
            {
                problems.push(format!(
                    "extra metric {:?} has scale {scale}; it must be above 0",
                    extra.metric
                ));
            }
            if let Some(when) = &extra.when_metric
                && !produced.contains(when.as_str())
            {
                problems.push(format!(
                    "extra metric {:?} has when_metric {when:?}, which this mapping never produces (it produces {})",
                    extra.metric,
                    produced.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        // Two extras of one metric on one row would share an external id, and the server would
        // keep only one of them.
        for (i, a) in self.extra.iter().enumerate() {
            for b in &self.extra[i + 1..] {
                let exclusive = matches!((&a.when_metric, &b.when_metric), (Some(x), Some(y)) if x != y);
                if a.metric == b.metric && !exclusive {
                    problems.push(format!(
                        "extra metric {:?} is listed twice for the same rows; give each a different when_metric",
                        a.metric
                    ));
                }
            }
        }
        problems
    }

    /// The metric keys a row's main event can have.
    pub(crate) fn main_metrics(&self) -> BTreeSet<&str> {
        match &self.metric {
            MetricColumn::Fixed(key) => BTreeSet::from([key.as_str()]),
            MetricColumn::ByValue { map, .. } => map.values().map(String::as_str).collect(),
        }
    }
}

/// How a `by_value` cell is compared with the map's values.
pub(crate) fn match_key(value: &str) -> String {
    value.trim().to_lowercase()
}

fn named(name: &str) -> bool {
    !name.trim().is_empty()
}

//! One CSV row to its events, or the reasons it is rejected.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use csv::ByteRecord;
use uuid::Uuid;

use crate::cell::quoted;
use crate::event::{ImportEvent, PersonRef};
use crate::mapping::match_key;
use crate::plan::{ExtraPlan, MetricPlan, PersonPlan, Plan};
use crate::timestamp::{self, TimeError};

impl Plan {
    /// The row's main event followed by its extra events. Every problem in the row is reported
    /// together, so a rejected row can be fixed in one pass.
    pub(crate) fn events(&self, record: &ByteRecord, line: u64, tz: Tz) -> Result<Vec<ImportEvent>, String> {
        if record.len() != self.header_len {
            return Err(format!(
                "the row has {} fields but the header has {}; look for a stray comma or an unclosed quote",
                record.len(),
                self.header_len
            ));
        }
        let mut problems = Vec::new();
        let external_id = kept(
            &mut problems,
            self.external_id.required_text(record, "the row's unique id"),
        );
        let person = kept(&mut problems, self.person(record));
        let metric_key = kept(&mut problems, self.metric_key(record));
        let occurred_at = kept(&mut problems, self.occurred_at(record, tz));
        let value = kept(
            &mut problems,
            self.value.as_ref().map_or(Ok(None), |c| c.whole_number(record)),
        );
        let mut attributes = BTreeMap::new();
        for column in &self.attributes {
            if let Some(text) = kept(&mut problems, column.text(record))
                && !text.is_empty()
            {
                attributes.insert(column.name.clone(), text.to_owned());
            }
        }
        let extras: Vec<(&ExtraPlan, i64)> = match &metric_key {
            Some(key) => self
                .extras
                .iter()
                .filter_map(|extra| kept(&mut problems, extra.value(record, key))?)
                .collect(),
            None => Vec::new(),
        };
        let (Some(external_id), Some(person), Some(metric_key), Some(occurred_at), Some(value)) =
            (external_id, person, metric_key, occurred_at, value)
        else {
            return Err(problems.join("; "));
        };
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }

        let event = ImportEvent {
            line,
            source: self.source.clone(),
            external_id: external_id.to_owned(),
            person,
            metric_key,
            occurred_at,
            value,
            attributes,
        };
        let extra_events: Vec<ImportEvent> = extras
            .into_iter()
            .map(|(extra, value)| ImportEvent {
                external_id: format!("{}:{}", event.external_id, extra.metric),
                metric_key: extra.metric.clone(),
                value: Some(value),
                ..event.clone()
            })
            .collect();
        let events = std::iter::once(event).chain(extra_events).collect();
        Ok(events)
    }

    fn person(&self, record: &ByteRecord) -> Result<PersonRef, String> {
        match &self.person {
            PersonPlan::Id(column) => {
                let text = column.required_text(record, "the person's Attain id")?;
                Uuid::parse_str(text).map(PersonRef::Id).map_err(|_| {
                    format!(
                        "column {}: {} is not an Attain person id (a UUID)",
                        column.name,
                        quoted(text)
                    )
                })
            }
            PersonPlan::External { column, system } => {
                let id = column.required_text(record, &format!("the person's {system} id"))?;
                Ok(PersonRef::External {
                    system: system.clone(),
                    id: id.to_owned(),
                })
            }
        }
    }

    fn metric_key(&self, record: &ByteRecord) -> Result<String, String> {
        match &self.metric {
            MetricPlan::Fixed(key) => Ok(key.clone()),
            MetricPlan::ByValue { column, map } => {
                let text = column.required_text(record, "the activity type that picks the metric")?;
                map.get(&match_key(text))
                    .cloned()
                    .ok_or_else(|| format!("{} {} has no metric in this mapping", column.name, quoted(text)))
            }
        }
    }

    fn occurred_at(&self, record: &ByteRecord, tz: Tz) -> Result<DateTime<Utc>, String> {
        let column = &self.occurred_at;
        let text = column.required_text(record, "when the activity happened")?;
        timestamp::parse(text, &self.time_format, tz).map_err(|e| match e {
            TimeError::NotRecognized => format!(
                "column {}: {} is not a date; {}",
                column.name,
                quoted(text),
                self.time_format.expectation()
            ),
            TimeError::OutOfRange => format!(
                "column {}: {} is too far in the past or future",
                column.name,
                quoted(text)
            ),
        })
    }
}

impl ExtraPlan {
    /// The extra event's value for a row whose main metric is `main_metric`, or `None` when the
    /// row has none (other metric, empty cell, or nothing left after scaling).
    fn value<'p>(&'p self, record: &ByteRecord, main_metric: &str) -> Result<Option<(&'p ExtraPlan, i64)>, String> {
        if self.when_metric.as_deref().is_some_and(|when| when != main_metric) {
            return Ok(None);
        }
        let Some(raw) = self.column.whole_number(record)? else {
            return Ok(None);
        };
        let value = match self.scale {
            None => raw,
            Some(scale) => {
                let scaled = (raw as f64 * scale).round();
                // i64::MAX is not exact as f64; staying below 2^63 keeps the cast exact.
                if !(scaled.is_finite() && scaled < 9.223_372_036_854_775e18) {
                    return Err(format!(
                        "column {}: {raw} is too large once scaled by {scale}",
                        self.column.name
                    ));
                }
                scaled as i64
            }
        };
        Ok((value > 0).then_some((self, value)))
    }
}

/// Keeps a value, or notes why there is none.
fn kept<T>(problems: &mut Vec<String>, result: Result<T, String>) -> Option<T> {
    result.map_err(|problem| problems.push(problem)).ok()
}

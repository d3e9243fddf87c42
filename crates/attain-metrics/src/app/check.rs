//! Checks one event of a batch and turns it into what the store needs, or the reasons it is
//! refused. A refused event never affects the others.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    metric::{Aggregation, MetricKind, MetricState, derive_event_id},
    org::ExternalId,
};
use attain_runtime::directory::PersonRef;
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::catalog::record_kind;
use crate::store::catalog::MetricRecord;

pub const MAX_ATTRIBUTES: usize = 32;

/// An event that passed every check that needs no other service.
#[derive(Debug, Clone)]
pub struct Checked {
    pub event_id: Uuid,
    pub person: PersonRef,
    pub metric_id: i32,
    pub occurred_at: DateTime<Utc>,
    pub value: i64,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub attributes: Option<String>,
}

/// An event as a client sent it, before any check: the text as given, an unset field empty,
/// the time as Unix seconds and nanoseconds.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub event_id: String,
    pub source: String,
    pub external_id: String,
    pub person_id: String,
    /// The person's id in another system: (system, id).
    pub person_external_id: Option<(String, String)>,
    pub metric_key: String,
    pub occurred_at: Option<(i64, i32)>,
    pub value: Option<i64>,
    pub attributes: HashMap<String, String>,
}

/// The catalog by key, for checking a batch.
pub type CatalogIndex<'a> = HashMap<&'a str, &'a MetricRecord>;

fn check_text(v: &mut Violations, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    } else if text.chars().any(char::is_control) {
        v.add(field, "must not contain control characters");
    }
}

/// The event's id: given, or derived from source and external id; `None` if neither works.
pub fn event_id(v: &mut Violations, event_id: &str, source: &str, external_id: &str) -> Option<Uuid> {
    check_text(v, "source", source, 64);
    check_text(v, "external_id", external_id, 256);
    if !event_id.is_empty() {
        return v.check("event_id", Uuid::try_parse(event_id).map_err(|_| "must be a UUID"));
    }
    if source.is_empty() || external_id.is_empty() {
        v.add("event_id", "is required unless both source and external_id are given");
        return None;
    }
    Some(derive_event_id(source, external_id))
}

pub fn check(
    e: &EventInput,
    catalog: &CatalogIndex,
    now: DateTime<Utc>,
) -> Result<Checked, (Option<Uuid>, Violations)> {
    let mut v = Violations::new();
    let event_id = event_id(&mut v, &e.event_id, &e.source, &e.external_id);

    let person = match (e.person_id.is_empty(), &e.person_external_id) {
        (false, None) => v
            .check("person_id", Uuid::try_parse(&e.person_id).map_err(|_| "must be a UUID"))
            .map(PersonRef::Id),
        (true, Some((system, id))) => {
            let external = ExternalId {
                system: system.clone(),
                id: id.clone(),
            };
            let problems = external.check();
            let ok = problems.is_empty();
            v.extend_prefixed("person_external_id", problems);
            ok.then_some(PersonRef::External(external))
        }
        (false, Some(_)) => {
            v.add("person_id", "set person_id or person_external_id, not both");
            None
        }
        (true, None) => {
            v.add("person_id", "is required (or person_external_id)");
            None
        }
    };

    let metric = match catalog.get(e.metric_key.as_str()) {
        None if e.metric_key.is_empty() => {
            v.add("metric_key", "is required");
            None
        }
        None => {
            v.add(
                "metric_key",
                format!("no metric \"{}\" in the catalog", e.metric_key.escape_debug()),
            );
            None
        }
        Some(m) if m.state == MetricState::Retired => {
            v.add(
                "metric_key",
                format!("metric \"{}\" is retired and accepts no new events", m.key),
            );
            None
        }
        Some(m) => match record_kind(m) {
            MetricKind::Events(aggregation) => Some((m.metric_id, aggregation)),
            MetricKind::Ratio { .. } => {
                v.add(
                    "metric_key",
                    format!("\"{}\" is a ratio; send events to its numerator and denominator", m.key),
                );
                None
            }
        },
    };

    let occurred_at = match &e.occurred_at {
        None => {
            v.add("occurred_at", "is required");
            None
        }
        Some((seconds, nanos)) => match Utc
            .timestamp_opt(*seconds, (*nanos).try_into().unwrap_or(u32::MAX))
            .single()
        {
            Some(at) if at > now + Duration::days(1) => {
                v.add("occurred_at", "is more than a day in the future");
                None
            }
            Some(at) if at.timestamp() < 631_152_000 => {
                v.add("occurred_at", "is before 1990");
                None
            }
            Some(at) => Some(at),
            None => {
                v.add("occurred_at", "is not a valid timestamp");
                None
            }
        },
    };

    let value = match (e.value, metric.map(|m| m.1)) {
        (Some(value), _) if value < 0 => {
            v.add("value", "must not be negative");
            None
        }
        (Some(value), Some(aggregation)) if value > aggregation.max_event_value() => {
            v.add(
                "value",
                format!(
                    "must be at most {} for a {} metric",
                    aggregation.max_event_value(),
                    aggregation.as_str().to_uppercase()
                ),
            );
            None
        }
        (Some(value), _) => Some(value),
        (None, Some(Aggregation::Count)) => Some(1),
        (None, Some(_)) => {
            v.add("value", "is required for SUM, MAX and LATEST (state) metrics");
            None
        }
        (None, None) => None,
    };

    let attributes = if e.attributes.is_empty() {
        None
    } else {
        if e.attributes.len() > MAX_ATTRIBUTES {
            v.add("attributes", format!("at most {MAX_ATTRIBUTES} entries"));
        }
        for (key, value) in &e.attributes {
            if key.is_empty() || key.chars().count() > 64 {
                v.add("attributes", "keys must be 1 to 64 characters");
            }
            // JSON in PostgreSQL cannot hold a NUL character.
            if key.contains('\0') || value.contains('\0') {
                v.add(
                    format!("attributes[{}]", key.escape_debug()),
                    "must not contain NUL characters",
                );
            }
            if value.chars().count() > 1024 {
                v.add(
                    format!("attributes[{}]", key.escape_debug()),
                    "must be at most 1024 characters",
                );
            }
        }
        serde_json::to_string(&e.attributes).ok()
    };

    if !v.is_empty() {
        return Err((event_id, v));
    }
    match (event_id, person, metric, occurred_at, value) {
        (Some(event_id), Some(person), Some((metric_id, _)), Some(occurred_at), Some(value)) => Ok(Checked {
            event_id,
            person,
            metric_id,
            occurred_at,
            value,
            source: (!e.source.is_empty()).then(|| e.source.clone()),
            external_id: (!e.external_id.is_empty()).then(|| e.external_id.clone()),
            attributes,
        }),
        _ => Err((event_id, v)),
    }
}

#[cfg(test)]
mod hostile_input {
    use proptest::prelude::*;

    use super::*;

    fn record(metric_id: i32, key: &str, aggregation: Option<&str>, state: &str) -> MetricRecord {
        use attain_domain::metric::{Aggregation, Direction, Layer, MetricState, Unit};
        MetricRecord {
            metric_id,
            key: key.into(),
            display_name: key.into(),
            description: String::new(),
            layer: Layer::Activity,
            aggregation: aggregation.and_then(Aggregation::parse),
            unit: Unit::Count,
            direction: Direction::HigherIsBetter,
            numerator_key: aggregation.is_none().then(|| "calls".into()),
            denominator_key: aggregation.is_none().then(|| "connects".into()),
            state: MetricState::parse(state).unwrap_or(MetricState::Active),
            built_in: true,
            revision: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            any::<String>(),
            "[a-z0-9\\x00'\";%_-]{0,10}",
            any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
            Just("calls".to_string()),
            Just("connect_rate".to_string()),
            Just("retired_metric".to_string()),
            Just("talk_time".to_string()),
        ]
    }

    fn event() -> impl Strategy<Value = EventInput> {
        (
            (text(), text(), text(), text()),
            proptest::option::of((text(), text())),
            text(),
            proptest::option::of((any::<i64>(), any::<i32>())),
            proptest::option::of(prop_oneof![any::<i64>(), 0..1_000i64]),
            proptest::collection::hash_map(text(), text(), 0..3),
        )
            .prop_map(
                |((event_id, source, external_id, person_id), external, metric_key, at, value, attributes)| {
                    EventInput {
                        event_id,
                        source,
                        external_id,
                        person_id,
                        person_external_id: external,
                        metric_key,
                        occurred_at: at,
                        value,
                        attributes,
                    }
                },
            )
    }

    /// A valid event with hostile text in the fields that reach the database as text.
    fn nearly_valid_event() -> impl Strategy<Value = EventInput> {
        (
            text(),
            text(),
            proptest::option::of((text(), text())),
            proptest::collection::hash_map(text(), text(), 0..3),
        )
            .prop_map(|(source, external_id, external, attributes)| EventInput {
                event_id: if source.is_empty() || external_id.is_empty() {
                    Uuid::now_v7().to_string()
                } else {
                    String::new()
                },
                source,
                external_id,
                person_id: if external.is_some() {
                    String::new()
                } else {
                    Uuid::now_v7().to_string()
                },
                person_external_id: external,
                metric_key: "calls".into(),
                occurred_at: Some((Utc::now().timestamp() - 3_600, 0)),
                value: None,
                attributes,
            })
    }

    proptest! {
        /// Any event is either checked clean (with nothing PostgreSQL text cannot hold) or refused
        /// with at least one violation; none panics.
        #[test]
        fn any_event_is_checked_or_refused_with_reasons(e in prop_oneof![event(), nearly_valid_event()]) {
            let records = [
                record(1, "calls", Some("count"), "active"),
                record(2, "talk_time", Some("sum"), "active"),
                record(3, "connect_rate", None, "active"),
                record(4, "retired_metric", Some("count"), "retired"),
            ];
            let catalog: CatalogIndex = records.iter().map(|m| (m.key.as_str(), m)).collect();
            match check(&e, &catalog, Utc::now()) {
                Ok(c) => {
                    prop_assert!(c.value >= 0);
                    prop_assert!(c.metric_id == 1 || c.metric_id == 2);
                    let texts = [c.source.as_deref(), c.external_id.as_deref(), c.attributes.as_deref()];
                    prop_assert!(texts.iter().flatten().all(|t| !t.contains('\0')), "{c:?}");
                    if let PersonRef::External(x) = &c.person {
                        prop_assert!(!x.system.contains('\0') && !x.id.contains('\0'), "{x:?}");
                    }
                }
                Err((_, v)) => prop_assert!(!v.is_empty(), "refused without a reason: {e:?}"),
            }
        }
    }
}

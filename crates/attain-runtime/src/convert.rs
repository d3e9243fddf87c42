//! Conversions between protobuf wire types and domain types that every service needs, each
//! reporting a bad value as a field violation rather than failing the whole request blindly.

use attain_domain::{
    Violations,
    calendar::Calendar,
    period::{DateRange, Granularity, PeriodSpec},
};
use attain_proto::common::v1::{self as common, Date, period::Kind};

use crate::enums::from_wire;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use prost_types::{FieldMask, Timestamp};
use uuid::Uuid;

/// A required id: must be a UUID.
pub fn required_id(v: &mut Violations, field: &str, text: &str) -> Option<Uuid> {
    if text.is_empty() {
        v.add(field, "is required");
        return None;
    }
    v.check(field, parse_uuid(text))
}

/// An optional id: empty means none, anything else must be a UUID.
pub fn optional_id(v: &mut Violations, field: &str, text: &str) -> Option<Uuid> {
    if text.is_empty() {
        None
    } else {
        v.check(field, parse_uuid(text))
    }
}

fn parse_uuid(text: &str) -> Result<Uuid, String> {
    Uuid::try_parse(text).map_err(|_| "must be a UUID such as \"0190f7a4-2b6c-7d3e-9f10-3a4b5c6d7e8f\"".to_string())
}

/// An optional calendar date; a message with all zeros counts as unset.
pub fn optional_date(v: &mut Violations, field: &str, date: Option<&Date>) -> Option<NaiveDate> {
    let date = date.filter(|d| (d.year, d.month, d.day) != (0, 0, 0))?;
    let valid = (1900..=9999)
        .contains(&date.year)
        .then(|| NaiveDate::from_ymd_opt(date.year, date.month as u32, date.day as u32))
        .flatten();
    if valid.is_none() {
        v.add(field, "must be a real calendar date with a year from 1900 to 9999");
    }
    valid
}

/// A required calendar date.
pub fn required_date(v: &mut Violations, field: &str, date: Option<&Date>) -> Option<NaiveDate> {
    let before = v.iter().count();
    let parsed = optional_date(v, field, date);
    if parsed.is_none() && v.iter().count() == before {
        v.add(field, "is required");
    }
    parsed
}

pub fn date_to_proto(date: NaiveDate) -> Date {
    Date {
        year: date.year(),
        month: date.month() as i32,
        day: date.day() as i32,
    }
}

pub fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// Seconds of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z: the range of a protobuf
/// `Timestamp`, which every client can render and every column can hold.
const TIMESTAMP_SECONDS: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;

/// A timestamp in a request or from another service, or `None` when it is not a time a
/// protobuf `Timestamp` may hold (years 1 to 9999, nanos 0 to 999,999,999).
pub fn from_timestamp_opt(at: &Timestamp) -> Option<DateTime<Utc>> {
    if !TIMESTAMP_SECONDS.contains(&at.seconds) || !(0..1_000_000_000).contains(&at.nanos) {
        return None;
    }
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).ok()?)
}

/// A tenant's calendar as the org directory sends it.
pub fn calendar_from_proto(
    c: &attain_proto::org::v1::Calendar,
) -> Result<attain_domain::calendar::Calendar, Violations> {
    let days: Vec<_> = c.working_days.iter().map(|d| from_wire(*d)).collect();
    attain_domain::calendar::Calendar::new(
        &c.time_zone,
        from_wire(c.first_day_of_week),
        c.fiscal_year_start_month,
        &days,
    )
}

/// The etag of a row at a revision. Opaque to callers; only equality matters.
pub fn etag(revision: i64) -> String {
    format!("\"{revision}\"")
}

/// The revision an etag names; `Ok(None)` for an empty etag (no concurrency check).
pub fn parse_etag(v: &mut Violations, field: &str, etag: &str) -> Option<i64> {
    if etag.is_empty() {
        return None;
    }
    let revision = etag
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|s| s.parse().ok());
    if revision.is_none() {
        v.add(
            field,
            "is not an etag this server issued; send back the etag you read, or leave it empty",
        );
    }
    revision
}

/// Refuses a change made from a stale read: `expected` is the revision of the caller's etag
/// (none: no check), `current` the stored one.
pub fn check_revision(expected: Option<i64>, current: i64, what: &str) -> Result<(), crate::ApiError> {
    match expected {
        Some(revision) if revision != current => Err(crate::ApiError::Aborted(format!(
            "the {what} changed since it was read (etag mismatch); read it again and retry"
        ))),
        _ => Ok(()),
    }
}

/// An optional create `request_id` (AIP-155): empty, or a UUID.
pub fn request_id(v: &mut Violations, text: &str) -> Option<Uuid> {
    optional_id(v, "request_id", text)
}

/// The paths of a required update mask, each checked against the paths the method allows;
/// `*` stands for all of them.
pub fn update_paths<'a>(v: &mut Violations, mask: Option<&FieldMask>, allowed: &[&'a str]) -> Vec<&'a str> {
    let paths = mask.map(|m| m.paths.as_slice()).unwrap_or_default();
    if paths.is_empty() {
        v.add(
            "update_mask",
            format!("is required: name the fields to change, from {}", allowed.join(", ")),
        );
        return Vec::new();
    }
    if paths.iter().any(|p| p == "*") {
        return allowed.to_vec();
    }
    let mut out = Vec::new();
    for path in paths {
        match allowed.iter().find(|a| **a == path) {
            Some(a) if !out.contains(a) => out.push(*a),
            Some(_) => {}
            None => v.add(
                "update_mask",
                format!(
                    "\"{}\" cannot be updated; allowed: {}",
                    path.escape_debug(),
                    allowed.join(", ")
                ),
            ),
        }
    }
    out
}

/// Resolves a period in the tenant's calendar; a calendar period without a date means today.
pub fn resolve_period(
    v: &mut Violations,
    field: &str,
    period: Option<&common::Period>,
    calendar: &Calendar,
) -> Option<DateRange> {
    resolve_period_granularity(v, field, period, calendar).map(|(range, _)| range)
}

/// Like `resolve_period`, with the granularity of a calendar period (`None` for a date range).
pub fn resolve_period_granularity(
    v: &mut Violations,
    field: &str,
    period: Option<&common::Period>,
    calendar: &Calendar,
) -> Option<(DateRange, Option<Granularity>)> {
    let spec = period_spec(v, field, period)?;
    Some((
        spec.resolve(calendar, calendar.local_date(Utc::now())),
        spec.granularity(),
    ))
}

/// A request's period, checked, to be resolved in the tenant's calendar by the use case; a
/// calendar period without a date means the one containing today.
pub fn period_spec(v: &mut Violations, field: &str, period: Option<&common::Period>) -> Option<PeriodSpec> {
    match period.and_then(|p| p.kind.as_ref()) {
        None => {
            v.add(field, "is required: a calendar period or a date range");
            None
        }
        Some(Kind::Calendar(c)) => {
            let g = from_wire(c.granularity);
            if g.is_none() {
                v.add(format!("{field}.calendar.granularity"), "is required");
            }
            let date = match c.date.as_ref().filter(|d| (d.year, d.month, d.day) != (0, 0, 0)) {
                Some(d) => Some(optional_date(v, &format!("{field}.calendar.date"), Some(d))?),
                None => None,
            };
            Some(PeriodSpec::Calendar { granularity: g?, date })
        }
        Some(Kind::Range(r)) => {
            let start = required_date(v, &format!("{field}.range.start_date"), r.start_date.as_ref());
            let end = required_date(v, &format!("{field}.range.end_date"), r.end_date.as_ref());
            let range = DateRange::new(start?, end?);
            v.check(&format!("{field}.range"), range).map(PeriodSpec::Range)
        }
    }
}

/// A date range as the protobuf message.
pub fn range_to_proto(r: DateRange) -> common::DateRange {
    common::DateRange {
        start_date: Some(date_to_proto(r.start)),
        end_date: Some(date_to_proto(r.end)),
    }
}

/// An explicit range as a request's period, for calls to other services.
pub fn range_period(r: DateRange) -> common::Period {
    common::Period {
        kind: Some(common::period::Kind::Range(range_to_proto(r))),
    }
}

/// A count where 0 (the wire's unset) asks for `default`: the value itself when `allowed` holds
/// it; otherwise the violation `field` `description`, and the default so decoding goes on.
pub fn zero_is_default(
    v: &mut Violations,
    field: &str,
    value: i32,
    default: i32,
    allowed: std::ops::RangeInclusive<i32>,
    description: impl Into<String>,
) -> i32 {
    match value {
        0 => default,
        n if allowed.contains(&n) => n,
        _ => {
            v.add(field, description);
            default
        }
    }
}

/// A metric value from the metrics service as one number: its total (a sum, count or largest
/// value) or its ratio; `None` when there is no value (a ratio over nothing, a state never
/// recorded).
pub fn metric_number(value: Option<&attain_proto::metrics::v1::MetricValue>) -> Option<f64> {
    use attain_proto::metrics::v1::metric_value::Value;
    match value?.value.as_ref()? {
        Value::Total(t) => Some(*t as f64),
        Value::Ratio(r) => Some(*r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_are_refused_and_zero_dates_are_unset() {
        let mut v = Violations::new();
        assert_eq!(
            optional_date(
                &mut v,
                "d",
                Some(&Date {
                    year: 0,
                    month: 0,
                    day: 0
                })
            ),
            None
        );
        assert!(v.is_empty());
        assert_eq!(
            optional_date(
                &mut v,
                "d",
                Some(&Date {
                    year: 2026,
                    month: 2,
                    day: 30
                })
            ),
            None
        );
        assert_eq!(required_date(&mut v, "r", None), None);
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["d", "r"]);
    }

    #[test]
    fn etags_round_trip_and_garbage_is_named() {
        let mut v = Violations::new();
        assert_eq!(parse_etag(&mut v, "etag", &etag(7)), Some(7));
        assert_eq!(parse_etag(&mut v, "etag", ""), None);
        assert_eq!(parse_etag(&mut v, "etag", "W/abc"), None);
        assert_eq!(v.iter().count(), 1);
    }

    #[test]
    fn update_mask_refuses_unknown_paths_and_expands_star() {
        let mut v = Violations::new();
        let mask = FieldMask {
            paths: vec!["name".into(), "id".into()],
        };
        assert_eq!(update_paths(&mut v, Some(&mask), &["name", "motion"]), ["name"]);
        assert_eq!(v.iter().count(), 1);
        let star = FieldMask {
            paths: vec!["*".into()],
        };
        assert_eq!(
            update_paths(&mut Violations::new(), Some(&star), &["name", "motion"]),
            ["name", "motion"]
        );
    }

    #[test]
    fn a_metric_value_is_its_total_or_its_ratio_and_nothing_without_one() {
        use attain_proto::metrics::v1::{MetricValue, metric_value::Value};
        let value = |v| MetricValue {
            value: v,
            ..Default::default()
        };
        assert_eq!(metric_number(Some(&value(Some(Value::Total(1_250))))), Some(1250.0));
        assert_eq!(metric_number(Some(&value(Some(Value::Ratio(0.25))))), Some(0.25));
        assert_eq!(metric_number(Some(&value(None))), None);
        assert_eq!(metric_number(None), None);
    }

    #[test]
    fn zero_asks_for_the_default_and_a_count_outside_the_range_is_named() {
        let mut v = Violations::new();
        assert_eq!(
            zero_is_default(&mut v, "top_n", 0, 10, 1..=100, "must be from 0 to 100"),
            10
        );
        assert_eq!(
            zero_is_default(&mut v, "top_n", 100, 10, 1..=100, "must be from 0 to 100"),
            100
        );
        assert!(v.is_empty());
        assert_eq!(
            zero_is_default(&mut v, "top_n", -1, 10, 1..=100, "must be from 0 to 100"),
            10
        );
        assert_eq!(
            zero_is_default(&mut v, "top_n", 101, 10, 1..=100, "must be from 0 to 100"),
            10
        );
        assert_eq!(v.iter().filter(|x| x.field == "top_n").count(), 2);
    }
}

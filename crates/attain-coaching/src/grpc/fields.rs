//! Field checks the coaching and survey decoders share: ids, texts, lines, times, lengths.

use attain_domain::Violations;
use attain_runtime::{ApiError, ApiResult, convert};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A session's length when none is given.
const DEFAULT_MINUTES: i32 = 30;

/// A required id of a request, alone: INVALID_ARGUMENT naming `field` unless it is one.
pub fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

/// Free text: at most `max` characters, no NUL.
pub fn check_text(v: &mut Violations, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
    if text.contains('\0') {
        v.add(field, "must not contain NUL characters");
    }
}

/// Lines of text (what went well, metric keys): none empty, each at most 2,000 characters.
pub fn check_lines(v: &mut Violations, field: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            v.add(format!("{field}[{i}]"), "must not be empty");
        }
        check_text(v, &format!("{field}[{i}]"), line, 2000);
    }
}

/// The ids of a list field, each required; the ones that are ids, in order.
pub fn ids(v: &mut Violations, field: &str, texts: &[String]) -> Vec<Uuid> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, t)| convert::required_id(v, &format!("{field}[{i}]"), t))
        .collect()
}

/// A session's length in minutes, checked; 0 means the default.
pub fn duration(v: &mut Violations, field: &str, minutes: i32) -> i32 {
    match minutes {
        0 => DEFAULT_MINUTES,
        5..=480 => minutes,
        _ => {
            v.add(field, "must be from 5 to 480 minutes (0 for 30)");
            DEFAULT_MINUTES
        }
    }
}

/// An optional time: `None` when unset, reported when not one a Timestamp may hold.
pub fn optional_time(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let parsed = convert::from_timestamp_opt(t?);
    if parsed.is_none() {
        v.add(field, "is not a valid time");
    }
    parsed
}

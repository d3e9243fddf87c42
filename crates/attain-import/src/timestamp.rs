//! Turning an "occurred at" cell into an instant, in the tenant's time zone when the cell has
//! no offset.

use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};
use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

/// How the cell is written.
#[derive(Debug, Clone)]
pub(crate) enum TimeFormat {
    /// ISO 8601: with an offset, as a naive local date-time, or as a plain date.
    Iso,
    /// A chrono format string, with an example of it for error messages.
    Custom { format: String, example: String },
}

/// Naive date-times with a `T` or a space, seconds and fractions optional.
const ISO_NAIVE: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];
/// The same with a numeric offset (`+01:00`, `+0100`); a `Z` is covered by RFC 3339.
const ISO_OFFSET: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeError {
    /// The text is not in the expected format.
    NotRecognized,
    /// The text is a date, but one too far from today to be an instant.
    OutOfRange,
}

impl TimeFormat {
    /// Checks a custom format up front so a mapping mistake fails once, not once per row.
    pub(crate) fn custom(format: &str) -> Result<TimeFormat, String> {
        if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
            return Err(format!("occurred_at_format {format:?} is not a valid chrono format"));
        }
        let sample = FixedOffset::west_opt(5 * 3600)
            .and_then(|offset| offset.with_ymd_and_hms(2026, 3, 8, 14, 5, 9).single())
            .ok_or_else(|| "internal error: the sample date is invalid".to_owned())?;
        let mut example = String::new();
        if write!(example, "{}", sample.format(format)).is_err() {
            return Err(format!("occurred_at_format {format:?} is not a valid chrono format"));
        }
        let parsed = TimeFormat::Custom {
            format: format.to_owned(),
            example: example.clone(),
        };
        // A format that cannot read back what it writes (a time alone, a month and day without a year) would reject every
        // row, so say so now.
        if parse(&example, &parsed, Tz::UTC).is_err() {
            return Err(format!(
                "occurred_at_format {format:?} cannot be read back into a date; \
                 it needs at least the year, month and day (e.g. \"%m/%d/%Y\")"
            ));
        }
        Ok(parsed)
    }

    /// What to tell a user whose cell did not parse.
    pub(crate) fn expectation(&self) -> String {
        match self {
            TimeFormat::Iso => "expected ISO 8601 such as 2026-03-08T14:05:00Z, 2026-03-08 14:05 or 2026-03-08".into(),
            TimeFormat::Custom { format, example } => format!("expected the format {format} (e.g. {example})"),
        }
    }
}

/// Reads a cell. Offsets in the text win; otherwise the time is local to `tz`, and a date without
/// a time means noon local, so the event lands on that local day whatever the zone.
pub(crate) fn parse(text: &str, format: &TimeFormat, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    match format {
        TimeFormat::Iso => {
            if let Ok(at) = DateTime::parse_from_rfc3339(text) {
                return Ok(at.to_utc());
            }
            if let Some(at) = ISO_OFFSET.iter().find_map(|f| DateTime::parse_from_str(text, f).ok()) {
                return Ok(at.to_utc());
            }
            if let Some(at) = ISO_NAIVE
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            {
                return local_instant(tz, at);
            }
            match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) => local_noon(tz, date),
                Err(_) => Err(TimeError::NotRecognized),
            }
        }
        TimeFormat::Custom { format, .. } => {
            // Most specific first: a date parser would accept a date-time format and drop the time.
            if let Ok(at) = DateTime::parse_from_str(text, format) {
                return Ok(at.to_utc());
            }
            if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
                return local_instant(tz, at);
            }
            match NaiveDate::parse_from_str(text, format) {
                Ok(date) => local_noon(tz, date),
                Err(_) => Err(TimeError::NotRecognized),
            }
        }
    }
}

fn local_noon(tz: Tz, date: NaiveDate) -> Result<DateTime<Utc>, TimeError> {
    local_instant(tz, date.and_time(NaiveTime::MIN + TimeDelta::hours(12)))
}

/// The instant a wall-clock time in `tz` stands for.
///
/// When clocks go back, the repeated hour is read as its first occurrence. When they go forward,
/// a time in the skipped hour is read with the offset in force after the change, which gives the
/// earlier of the two instants it could mean (Temporal's `disambiguation: "earlier"`): 02:30 on
/// 2026-03-08 in New York becomes 01:30 EST.
pub(crate) fn local_instant(tz: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, TimeError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(at.to_utc()),
        LocalResult::Ambiguous(first, second) => Ok(first.to_utc().min(second.to_utc())),
        LocalResult::None => {
            let day = TimeDelta::days(1);
            let offsets = [local.checked_sub_signed(day), local.checked_add_signed(day)]
                .into_iter()
                .flatten()
                .map(|around| tz.offset_from_utc_datetime(&around).fix());
            offsets
                .filter_map(|offset| local.checked_sub_offset(offset))
                .min()
                .map(|utc| Utc.from_utc_datetime(&utc))
                .ok_or(TimeError::OutOfRange)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid RFC 3339").to_utc()
    }

    fn iso(text: &str, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
        parse(text, &TimeFormat::Iso, tz)
    }

    #[test]
    fn iso_accepts_offsets_naive_times_and_dates() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(iso("2026-03-08T14:05:00Z", ny), Ok(utc("2026-03-08T14:05:00Z")));
        assert_eq!(iso("2026-03-08T14:05:00.250Z", ny), Ok(utc("2026-03-08T14:05:00.25Z")));
        assert_eq!(iso("2026-03-08 14:05:00+01:00", ny), Ok(utc("2026-03-08T13:05:00Z")));
        assert_eq!(iso("2026-03-08T14:05:00+0100", ny), Ok(utc("2026-03-08T13:05:00Z")));
        assert_eq!(iso("2026-03-08T14:05+01:00", ny), Ok(utc("2026-03-08T13:05:00Z")));
        assert_eq!(iso("2026-03-09 14:05", ny), Ok(utc("2026-03-09T18:05:00Z")));
        assert_eq!(iso("2026-03-09T14:05:30", ny), Ok(utc("2026-03-09T18:05:30Z")));
        assert_eq!(iso("2026-03-09", ny), Ok(utc("2026-03-09T16:00:00Z")));
        assert_eq!(iso("03/09/2026", ny), Err(TimeError::NotRecognized));
        assert_eq!(iso("2026-02-30", ny), Err(TimeError::NotRecognized));
    }

    #[test]
    fn repeated_hour_reads_as_its_first_occurrence() {
        let ny = chrono_tz::America::New_York;
        let local = NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_opt(1, 30, 0))
            .expect("valid");
        assert_eq!(local_instant(ny, local), Ok(utc("2026-11-01T05:30:00Z")));
    }

    #[test]
    fn skipped_hour_reads_as_the_earlier_instant() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(iso("2026-03-08 02:30", ny), Ok(utc("2026-03-08T06:30:00Z")));
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(iso("2026-03-29 02:30", berlin), Ok(utc("2026-03-29T00:30:00Z")));
    }

    #[test]
    fn a_skipped_whole_day_still_resolves() {
        // Samoa skipped 2011-12-30 when it crossed the date line.
        let apia = chrono_tz::Pacific::Apia;
        assert!(iso("2011-12-30", apia).is_ok());
    }

    #[test]
    fn dates_at_the_edge_of_the_calendar_do_not_panic() {
        let format = TimeFormat::custom("%Y-%m-%d").expect("valid format");
        for text in ["+262142-12-31", "262143-12-31", "-262143-01-01", "99999-01-01"] {
            let _ = parse(text, &format, chrono_tz::Pacific::Kiritimati);
            let _ = parse(text, &format, chrono_tz::Pacific::Pago_Pago);
        }
    }

    #[test]
    fn custom_formats_read_dates_and_times() {
        let ny = chrono_tz::America::New_York;
        let us_date = TimeFormat::custom("%m/%d/%Y");
        assert!(matches!(&us_date, Ok(TimeFormat::Custom { example, .. }) if example == "03/08/2026"));
        let us_date = us_date.expect("valid format");
        assert_eq!(parse("3/9/2026", &us_date, ny), Ok(utc("2026-03-09T16:00:00Z")));
        let with_time = TimeFormat::custom("%d.%m.%Y %H:%M").expect("valid format");
        assert_eq!(
            parse("09.03.2026 08:15", &with_time, ny),
            Ok(utc("2026-03-09T12:15:00Z"))
        );
        let with_offset = TimeFormat::custom("%Y/%m/%d %H:%M %z").expect("valid format");
        assert_eq!(
            parse("2026/03/09 08:15 +0000", &with_offset, ny),
            Ok(utc("2026-03-09T08:15:00Z"))
        );
    }

    #[test]
    fn custom_formats_that_cannot_name_a_day_are_refused() {
        for format in ["%H:%M", "%Y", "%Q", "%m/%d"] {
            assert!(TimeFormat::custom(format).is_err(), "{format}");
        }
    }
}

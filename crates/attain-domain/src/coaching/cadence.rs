//! Recurring coaching cadences ("weekly 1:1 on Mondays at 09:00 Berlin time") and the session
//! start instants they generate. A cadence is kept in local wall-clock time so that a 09:00
//! meeting stays at 09:00 for the people in the room when their clocks change; the UTC instant
//! moves instead.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::kinds::Frequency;
use crate::Violations;

/// Most occurrences one call returns, so that a request for a century of weekly 1:1s cannot
/// make a caller build (or store) an unbounded list. A caller that gets this many should ask
/// again from just after the last one.
pub const MAX_OCCURRENCES: usize = 1000;

/// A recurring coaching slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Weekly and biweekly: on `weekday` every week or every other week, counted from the first
    /// `weekday` on or after `start_date`. Monthly: on the first `weekday` of each month.
    pub frequency: Frequency,
    pub weekday: Weekday,
    /// Wall-clock start time in `time_zone`.
    pub local_time: NaiveTime,
    pub time_zone: Tz,
    /// First local day a session may fall on.
    pub start_date: NaiveDate,
    /// Last local day a session may fall on (inclusive); `None` runs on.
    pub end_date: Option<NaiveDate>,
}

/// Checks a cadence's dates: the end, if any, is not before the start.
pub fn check_cadence_dates(start: NaiveDate, end: Option<NaiveDate>) -> Violations {
    let mut v = Violations::new();
    if end.is_some_and(|end| end < start) {
        v.add("end_date", "must not be before start_date");
    }
    v
}

/// The start instants of `c`'s sessions in `[from, to)`, earliest first, at most
/// [`MAX_OCCURRENCES`].
///
/// Each session starts at `local_time` on its local day in `time_zone`. A local time that does
/// not exist that day (the clocks spring forward over it) moves to the first instant after the
/// gap, so a 02:30 session on a night that jumps from 02:00 to 03:00 starts at 03:00: the
/// session still happens that day, as early as it can. A local time that happens twice (the
/// clocks fall back) takes the earlier instant, the one people reach first.
pub fn occurrences(c: &Cadence, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if to <= from {
        return out;
    }
    // A local day is within 14 hours of the UTC day and a gap moves a session forward by at
    // most a day, so local days two either side of the UTC range hold every candidate; the
    // instants are filtered exactly below.
    let lower = from
        .date_naive()
        .checked_sub_days(Days::new(2))
        .unwrap_or(NaiveDate::MIN)
        .max(c.start_date);
    let mut upper = to.date_naive().checked_add_days(Days::new(2)).unwrap_or(NaiveDate::MAX);
    if let Some(end) = c.end_date {
        upper = upper.min(end);
    }
    if upper < lower {
        return out;
    }
    // Sessions are at least a week apart, far more than any shift of a UTC offset, so the
    // instants increase with the days and the first one at or after `to` ends the walk.
    for day in days(c, lower, upper) {
        let Some(at) = instant(c.time_zone, day.and_time(c.local_time)) else {
            continue;
        };
        if at >= to {
            break;
        }
        if at >= from {
            out.push(at);
            if out.len() == MAX_OCCURRENCES {
                break;
            }
        }
    }
    out
}

/// The local days of `c`'s sessions in `[lower, upper]`, where `lower >= c.start_date`.
fn days(c: &Cadence, lower: NaiveDate, upper: NaiveDate) -> Box<dyn Iterator<Item = NaiveDate>> {
    let weekday = c.weekday;
    let step = match c.frequency {
        Frequency::Weekly => 7,
        Frequency::Biweekly => 14,
        Frequency::Monthly => {
            let months = std::iter::successors(lower.with_day(1), |m| m.checked_add_months(Months::new(1)));
            return Box::new(
                months
                    .map_while(move |m| on_or_after(m, weekday))
                    .filter(move |d| *d >= lower)
                    .take_while(move |d| *d <= upper),
            );
        }
    };
    // Jump straight to the first session on or after `lower`, keeping the biweekly rhythm
    // counted from the first session of the cadence.
    let first = on_or_after(c.start_date, weekday);
    let start = first.and_then(|first| {
        let behind = (lower - first).num_days().max(0) as u64;
        first.checked_add_days(Days::new(behind.div_ceil(step) * step))
    });
    Box::new(
        std::iter::successors(start, move |d| d.checked_add_days(Days::new(step))).take_while(move |d| *d <= upper),
    )
}

/// The first `weekday` on or after `date`.
fn on_or_after(date: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + weekday.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(Days::new(u64::from(ahead)))
}

/// The instant a wall clock in `tz` reads `local`: the earlier one when it reads it twice, the
/// end of the gap when it skips it. `None` only at the ends of the representable range.
fn instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(at) = tz.from_local_datetime(&local).earliest() {
        return Some(at.with_timezone(&Utc));
    }
    // In a gap: find the first second whose wall-clock reading is at or after `local`. UTC
    // offsets lie between -12 and +14 hours, so 15 hours either side of `local` read as UTC
    // reads before and after it; gaps (even Samoa's skipped day in 2011) lie in between.
    let reads_at_or_after = |secs: i64| {
        DateTime::from_timestamp(secs, 0).is_some_and(|at| tz.from_utc_datetime(&at.naive_utc()).naive_local() >= local)
    };
    let guess = local.and_utc().timestamp();
    let (mut before, mut after) = (guess - 15 * 3600, guess + 15 * 3600);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if reads_at_or_after(mid) {
            after = mid;
        } else {
            before = mid;
        }
    }
    DateTime::from_timestamp(after, 0)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDateTime, Timelike};
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap().and_utc()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn cadence(frequency: Frequency, weekday: Weekday, local_time: NaiveTime, tz: &str, start: NaiveDate) -> Cadence {
        Cadence {
            frequency,
            weekday,
            local_time,
            time_zone: tz.parse().unwrap(),
            start_date: start,
            end_date: None,
        }
    }

    fn text(instants: &[DateTime<Utc>]) -> Vec<String> {
        instants
            .iter()
            .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    #[test]
    fn weekly_berlin_one_on_one_keeps_nine_local_across_spring_forward() {
        // Berlin moves from CET (UTC+1) to CEST (UTC+2) on Sunday 2026-03-29.
        let c = cadence(
            Frequency::Weekly,
            Weekday::Mon,
            hm(9, 0),
            "Europe/Berlin",
            d(2026, 3, 1),
        );
        let got = occurrences(&c, utc("2026-03-14 00:00"), utc("2026-04-13 00:00"));
        assert_eq!(
            text(&got),
            [
                "2026-03-16 08:00",
                "2026-03-23 08:00",
                "2026-03-30 07:00",
                "2026-04-06 07:00"
            ]
        );
    }

    #[test]
    fn weekly_new_york_session_keeps_ten_local_across_fall_back() {
        // New York moves from EDT (UTC-4) to EST (UTC-5) on Sunday 2026-11-01.
        let c = cadence(
            Frequency::Weekly,
            Weekday::Thu,
            hm(10, 0),
            "America/New_York",
            d(2026, 10, 1),
        );
        let got = occurrences(&c, utc("2026-10-22 00:00"), utc("2026-11-13 00:00"));
        assert_eq!(
            text(&got),
            [
                "2026-10-22 14:00",
                "2026-10-29 14:00",
                "2026-11-05 15:00",
                "2026-11-12 15:00"
            ]
        );
    }

    #[test]
    fn a_time_that_happens_twice_takes_the_earlier_instant() {
        // 01:30 on 2026-11-01 happens first in EDT (05:30Z), then again in EST (06:30Z).
        let c = cadence(
            Frequency::Weekly,
            Weekday::Sun,
            hm(1, 30),
            "America/New_York",
            d(2026, 10, 1),
        );
        let got = occurrences(&c, utc("2026-10-25 00:00"), utc("2026-11-09 00:00"));
        assert_eq!(text(&got), ["2026-10-25 05:30", "2026-11-01 05:30", "2026-11-08 06:30"]);
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_moves_to_the_end_of_the_gap() {
        // On 2026-03-08 New York clocks jump from 02:00 EST to 03:00 EDT: 02:30 does not exist.
        let c = cadence(
            Frequency::Weekly,
            Weekday::Sun,
            hm(2, 30),
            "America/New_York",
            d(2026, 2, 1),
        );
        let got = occurrences(&c, utc("2026-03-01 00:00"), utc("2026-03-16 00:00"));
        assert_eq!(text(&got), ["2026-03-01 07:30", "2026-03-08 07:00", "2026-03-15 06:30"]);
        let local = got[1].with_timezone(&c.time_zone);
        assert_eq!((local.hour(), local.minute()), (3, 0));

        // Berlin jumps from 02:00 CET to 03:00 CEST on 2026-03-29: 02:30 starts at 03:00 CEST.
        let c = cadence(
            Frequency::Weekly,
            Weekday::Sun,
            hm(2, 30),
            "Europe/Berlin",
            d(2026, 3, 1),
        );
        let got = occurrences(&c, utc("2026-03-29 00:00"), utc("2026-03-30 00:00"));
        assert_eq!(text(&got), ["2026-03-29 01:00"]);
    }

    #[test]
    fn samoa_skipped_day_moves_to_the_start_of_the_next_day() {
        // Pacific/Apia skipped 2011-12-30 entirely, going from UTC-10 to UTC+14.
        let c = cadence(
            Frequency::Weekly,
            Weekday::Fri,
            hm(9, 0),
            "Pacific/Apia",
            d(2011, 12, 1),
        );
        let got = occurrences(&c, utc("2011-12-29 00:00"), utc("2011-12-31 00:00"));
        assert_eq!(text(&got), ["2011-12-30 10:00"]);
    }

    #[test]
    fn biweekly_sessions_are_fourteen_days_apart_from_the_first_one() {
        // 2026-01-01 is a Thursday: the first Monday is 2026-01-05.
        let c = cadence(Frequency::Biweekly, Weekday::Mon, hm(14, 0), "UTC", d(2026, 1, 1));
        let got = occurrences(&c, utc("2026-01-01 00:00"), utc("2026-02-17 00:00"));
        assert_eq!(
            text(&got),
            [
                "2026-01-05 14:00",
                "2026-01-19 14:00",
                "2026-02-02 14:00",
                "2026-02-16 14:00"
            ]
        );
        // Asking from the middle keeps the rhythm rather than restarting it.
        let later = occurrences(&c, utc("2026-01-10 00:00"), utc("2026-02-03 00:00"));
        assert_eq!(text(&later), ["2026-01-19 14:00", "2026-02-02 14:00"]);
    }

    #[test]
    fn monthly_is_the_first_monday_of_each_month_from_the_start_date() {
        // The first Monday of January 2026 is the 5th, before the start date, so it is skipped.
        let c = cadence(Frequency::Monthly, Weekday::Mon, hm(16, 0), "UTC", d(2026, 1, 10));
        let got = occurrences(&c, utc("2025-12-01 00:00"), utc("2026-06-01 00:00"));
        assert_eq!(
            text(&got),
            [
                "2026-02-02 16:00",
                "2026-03-02 16:00",
                "2026-04-06 16:00",
                "2026-05-04 16:00"
            ]
        );
    }

    #[test]
    fn end_date_is_the_last_day_a_session_may_fall_on() {
        let mut c = cadence(Frequency::Weekly, Weekday::Mon, hm(9, 0), "UTC", d(2026, 1, 1));
        c.end_date = Some(d(2026, 1, 19));
        let got = occurrences(&c, utc("2025-01-01 00:00"), utc("2027-01-01 00:00"));
        assert_eq!(text(&got), ["2026-01-05 09:00", "2026-01-12 09:00", "2026-01-19 09:00"]);
        c.end_date = Some(d(2026, 1, 18));
        assert_eq!(
            occurrences(&c, utc("2025-01-01 00:00"), utc("2027-01-01 00:00")).len(),
            2
        );
    }

    #[test]
    fn the_range_includes_from_and_excludes_to() {
        let c = cadence(Frequency::Weekly, Weekday::Mon, hm(9, 0), "UTC", d(2026, 1, 1));
        let got = occurrences(&c, utc("2026-01-05 09:00"), utc("2026-01-12 09:00"));
        assert_eq!(text(&got), ["2026-01-05 09:00"]);
        assert!(occurrences(&c, utc("2026-01-12 09:00"), utc("2026-01-05 09:00")).is_empty());
        assert!(occurrences(&c, utc("2025-01-01 00:00"), utc("2026-01-01 00:00")).is_empty());
    }

    #[test]
    fn at_most_a_thousand_occurrences_are_returned() {
        let c = cadence(
            Frequency::Weekly,
            Weekday::Mon,
            hm(9, 0),
            "Europe/Berlin",
            d(2000, 1, 1),
        );
        let got = occurrences(&c, utc("1990-01-01 00:00"), utc("2100-01-01 00:00"));
        assert_eq!(got.len(), MAX_OCCURRENCES);
        assert_eq!(text(&got[..1]), ["2000-01-03 08:00"]);
        let all = occurrences(&c, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        assert_eq!(all, got);
    }

    #[test]
    fn the_ends_of_time_do_not_panic() {
        for tz in ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"] {
            for frequency in Frequency::ALL {
                for start in [NaiveDate::MIN, NaiveDate::MAX] {
                    let c = cadence(*frequency, Weekday::Sun, hm(23, 59), tz, start);
                    let all = occurrences(&c, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
                    assert!(all.len() <= MAX_OCCURRENCES);
                }
            }
        }
    }

    #[test]
    fn end_before_start_is_refused() {
        let v = check_cadence_dates(d(2026, 2, 1), Some(d(2026, 1, 31)));
        assert_eq!(v.iter().map(|v| v.field.as_str()).collect::<Vec<_>>(), ["end_date"]);
        assert!(check_cadence_dates(d(2026, 2, 1), Some(d(2026, 2, 1))).is_empty());
        assert!(check_cadence_dates(d(2026, 2, 1), None).is_empty());
    }

    fn any_cadence() -> impl Strategy<Value = Cadence> {
        let zones = vec![
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Auckland",
            "Asia/Kolkata",
            "America/Santiago",
        ];
        (
            0usize..3,
            0u8..7,
            0u32..24 * 4,
            prop::sample::select(zones),
            0u64..3000,
            prop::option::of(0u64..800),
        )
            .prop_map(|(f, w, quarter_hours, tz, start, len)| {
                let start_date = d(2020, 1, 1) + Days::new(start);
                Cadence {
                    frequency: Frequency::ALL[f],
                    weekday: Weekday::try_from(w).unwrap(),
                    local_time: hm(quarter_hours / 4, quarter_hours % 4 * 15),
                    time_zone: tz.parse().unwrap(),
                    start_date,
                    end_date: len.map(|n| start_date + Days::new(n)),
                }
            })
    }

    proptest! {
        /// Every occurrence is in range, on the cadence's weekday and dates, at its local time
        /// or (in a gap) just after the gap; and splitting the range changes nothing.
        #[test]
        fn occurrences_follow_the_cadence_and_split_cleanly(
            c in any_cadence(), from in 1_550_000_000i64..1_900_000_000, len in 0i64..60_000_000, cut in 0.0f64..1.0
        ) {
            let from = DateTime::from_timestamp(from, 0).unwrap();
            let to = from + chrono::TimeDelta::seconds(len);
            let got = occurrences(&c, from, to);
            prop_assert!(got.len() <= MAX_OCCURRENCES);
            for pair in got.windows(2) {
                prop_assert!(pair[0] < pair[1]);
                let (a, b) = (pair[0].with_timezone(&c.time_zone).date_naive(), pair[1].with_timezone(&c.time_zone).date_naive());
                match c.frequency {
                    Frequency::Weekly => prop_assert_eq!((b - a).num_days(), 7),
                    Frequency::Biweekly => prop_assert_eq!((b - a).num_days(), 14),
                    Frequency::Monthly => prop_assert_eq!(a.checked_add_months(Months::new(1)).map(|m| m.month()), Some(b.month())),
                }
            }
            for at in &got {
                prop_assert!(from <= *at && *at < to);
                let local = at.with_timezone(&c.time_zone).naive_local();
                prop_assert_eq!(local.weekday(), c.weekday);
                prop_assert!(local.date() >= c.start_date);
                prop_assert!(c.end_date.is_none_or(|end| local.date() <= end));
                if c.frequency == Frequency::Monthly {
                    prop_assert!(local.day() <= 7);
                }
                if local.time() != c.local_time {
                    // Only in a gap: the wall clock skipped the time, so it reads later now and
                    // read earlier one second before.
                    let wanted = local.date().and_time(c.local_time);
                    prop_assert!(c.time_zone.from_local_datetime(&wanted).earliest().is_none());
                    prop_assert!(local > wanted);
                    let before = (*at - chrono::TimeDelta::seconds(1)).with_timezone(&c.time_zone).naive_local();
                    prop_assert!(before < wanted);
                }
            }
            if got.len() < MAX_OCCURRENCES {
                let mid = from + chrono::TimeDelta::seconds((len as f64 * cut) as i64);
                let mut split = occurrences(&c, from, mid);
                split.extend(occurrences(&c, mid, to));
                prop_assert_eq!(split, got);
            }
        }
    }
}

//! A tenant's calendar: the time zone its days are counted in, where its weeks start, when its
//! fiscal year starts and which days are working days. Every period in Attain is resolved
//! through one of these.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::Violations;

/// The set of weekdays reps are expected to work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingDays(u8);

impl WorkingDays {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: Self = Self(0b0001_1111);

    pub fn from_days(days: &[Weekday]) -> Self {
        Self(days.iter().fold(0, |bits, d| bits | 1 << d.num_days_from_monday()))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The days in the set, Monday first.
    pub fn days(self) -> Vec<Weekday> {
        let mut day = Weekday::Mon;
        let mut out = Vec::new();
        for _ in 0..7 {
            if self.contains(day) {
                out.push(day);
            }
            day = day.succ();
        }
        out
    }
}

/// A fiscal quarter: `fiscal_year` is named after the calendar year the fiscal year ends in
/// (so with a February start, February 2026 to January 2027 is fiscal year 2027), `quarter`
/// is 1 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FiscalQuarter {
    pub fiscal_year: i32,
    pub quarter: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    time_zone: Tz,
    first_day_of_week: Weekday,
    fiscal_year_start_month: u32,
    working_days: WorkingDays,
}

impl Default for Calendar {
    /// UTC, weeks from Monday, fiscal year = calendar year, Monday to Friday.
    fn default() -> Self {
        Self {
            time_zone: Tz::UTC,
            first_day_of_week: Weekday::Mon,
            fiscal_year_start_month: 1,
            working_days: WorkingDays::MONDAY_TO_FRIDAY,
        }
    }
}

impl Calendar {
    /// Builds a calendar, reporting every invalid part under its field name.
    pub fn new(
        time_zone: &str,
        first_day_of_week: Option<Weekday>,
        fiscal_year_start_month: i32,
        working_days: &[Option<Weekday>],
    ) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let tz = v.check("time_zone", parse_time_zone(time_zone));
        if first_day_of_week.is_none() {
            v.add("first_day_of_week", "must be a day of the week");
        }
        if !(1..=12).contains(&fiscal_year_start_month) {
            v.add("fiscal_year_start_month", "must be a month from 1 to 12");
        }
        let days: Vec<Weekday> = working_days.iter().flatten().copied().collect();
        let set = WorkingDays::from_days(&days);
        if days.len() != working_days.len() {
            v.add("working_days", "every entry must be a day of the week");
        } else if set.is_empty() {
            v.add("working_days", "must name at least one day");
        } else if set.days().len() != days.len() {
            v.add("working_days", "must not repeat a day");
        }
        match (tz, first_day_of_week) {
            (Some(time_zone), Some(first_day_of_week)) if v.is_empty() => Ok(Self {
                time_zone,
                first_day_of_week,
                fiscal_year_start_month: fiscal_year_start_month as u32,
                working_days: set,
            }),
            _ => Err(v),
        }
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    pub fn first_day_of_week(&self) -> Weekday {
        self.first_day_of_week
    }

    pub fn fiscal_year_start_month(&self) -> u32 {
        self.fiscal_year_start_month
    }

    pub fn working_days(&self) -> WorkingDays {
        self.working_days
    }

    /// The local calendar day an instant falls on in the tenant's time zone.
    /// The first instant of local `day` in the calendar's zone (see [`zone_day_start`]).
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        zone_day_start(self.time_zone(), day)
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.time_zone.from_utc_datetime(&at.naive_utc()).date_naive()
    }

    /// First day of the week containing `date`.
    pub fn week_start(&self, date: NaiveDate) -> NaiveDate {
        let back = (7 + date.weekday().num_days_from_monday() - self.first_day_of_week.num_days_from_monday()) % 7;
        date - Days::new(u64::from(back))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working_days.contains(date.weekday())
    }

    /// Number of working days from `start` to `end`, both inclusive; 0 when `end < start`.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> u32 {
        if end < start {
            return 0;
        }
        let days = (end - start).num_days() as u32 + 1;
        let per_week = self.working_days.days().len() as u32;
        let (weeks, rest) = (days / 7, days % 7);
        let tail = (0..rest)
            .filter(|i| self.is_working_day(start + Days::new(u64::from(weeks * 7 + i))))
            .count() as u32;
        weeks * per_week + tail
    }

    /// The fiscal quarter `date` falls in.
    pub fn fiscal_quarter(&self, date: NaiveDate) -> FiscalQuarter {
        let months_into_year = (date.month() + 12 - self.fiscal_year_start_month) % 12;
        let starts_in_prior_year = date.month() < self.fiscal_year_start_month;
        let start_year = date.year() - i32::from(starts_in_prior_year);
        let fiscal_year = if self.fiscal_year_start_month == 1 {
            start_year
        } else {
            start_year + 1
        };
        FiscalQuarter {
            fiscal_year,
            quarter: months_into_year / 3 + 1,
        }
    }
}

/// The first instant of local `day` in `tz`. A day whose midnight a clock change skips starts an
/// hour later; an ambiguous midnight is the earlier one.
pub fn zone_day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// Parses an IANA time zone name such as `America/New_York`.
pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    if name.is_empty() {
        return Err("is required: an IANA time zone name such as \"America/New_York\"".into());
    }
    name.parse::<Tz>().map_err(|_| {
        format!(
            "\"{}\" is not an IANA time zone name such as \"America/New_York\"",
            name.escape_debug()
        )
    })
}

/// Checks an ISO 4217 currency code's shape: three upper-case letters.
pub fn check_currency_code(code: &str) -> Result<(), String> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err("must be an ISO 4217 code of three upper-case letters, such as \"USD\"".into())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap().and_utc()
    }

    fn cal(tz: &str, fy_start: i32) -> Calendar {
        let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri].map(Some);
        Calendar::new(tz, Some(Weekday::Mon), fy_start, &weekdays).unwrap()
    }

    #[test]
    fn fiscal_year_starting_in_february_puts_15_may_in_q2() {
        let q = cal("UTC", 2).fiscal_quarter(date(2026, 5, 15));
        assert_eq!(
            q,
            FiscalQuarter {
                fiscal_year: 2027,
                quarter: 2
            }
        );
    }

    #[test]
    fn january_of_a_february_fiscal_year_is_its_q4() {
        let q = cal("UTC", 2).fiscal_quarter(date(2027, 1, 31));
        assert_eq!(
            q,
            FiscalQuarter {
                fiscal_year: 2027,
                quarter: 4
            }
        );
    }

    #[test]
    fn calendar_year_quarters() {
        let c = cal("UTC", 1);
        assert_eq!(c.fiscal_quarter(date(2026, 3, 31)).quarter, 1);
        assert_eq!(c.fiscal_quarter(date(2026, 4, 1)).quarter, 2);
        assert_eq!(
            c.fiscal_quarter(date(2026, 12, 31)),
            FiscalQuarter {
                fiscal_year: 2026,
                quarter: 4
            }
        );
    }

    #[test]
    fn local_day_follows_new_york_across_spring_forward() {
        let c = cal("America/New_York", 1);
        // 2026-03-08 02:00 local clocks jump to 03:00; EST is UTC-5 before, EDT UTC-4 after.
        assert_eq!(c.local_date(utc("2026-03-08 04:59")), date(2026, 3, 7));
        assert_eq!(c.local_date(utc("2026-03-08 05:00")), date(2026, 3, 8));
        assert_eq!(c.local_date(utc("2026-03-09 03:59")), date(2026, 3, 8));
        assert_eq!(c.local_date(utc("2026-03-09 04:00")), date(2026, 3, 9));
    }

    #[test]
    fn local_day_follows_berlin_across_fall_back() {
        let c = cal("Europe/Berlin", 1);
        // 2026-10-25 03:00 CEST falls back to 02:00 CET; the local day has 25 hours.
        assert_eq!(c.local_date(utc("2026-10-24 21:59")), date(2026, 10, 24));
        assert_eq!(c.local_date(utc("2026-10-24 22:00")), date(2026, 10, 25));
        assert_eq!(c.local_date(utc("2026-10-25 22:59")), date(2026, 10, 25));
        assert_eq!(c.local_date(utc("2026-10-25 23:00")), date(2026, 10, 26));
    }

    #[test]
    fn monday_to_friday_counts_weekdays_of_a_month() {
        assert_eq!(
            cal("UTC", 1).working_days_between(date(2027, 3, 1), date(2027, 3, 31)),
            23
        );
        assert_eq!(
            cal("UTC", 1).working_days_between(date(2026, 11, 1), date(2026, 11, 30)),
            21
        );
    }

    #[test]
    fn week_starts_on_the_configured_day() {
        let sunday_weeks = Calendar::new("UTC", Some(Weekday::Sun), 1, &[Some(Weekday::Mon)]).unwrap();
        // 2026-11-25 is a Wednesday.
        assert_eq!(sunday_weeks.week_start(date(2026, 11, 25)), date(2026, 11, 22));
        assert_eq!(cal("UTC", 1).week_start(date(2026, 11, 25)), date(2026, 11, 23));
    }

    #[test]
    fn every_bad_part_of_a_calendar_is_named() {
        let err = Calendar::new("Mars/Olympus", None, 13, &[]).unwrap_err();
        let fields: Vec<_> = err.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "time_zone",
                "first_day_of_week",
                "fiscal_year_start_month",
                "working_days"
            ]
        );
    }

    #[test]
    fn repeated_working_day_is_refused() {
        let err = Calendar::new("UTC", Some(Weekday::Mon), 1, &[Some(Weekday::Mon), Some(Weekday::Mon)]).unwrap_err();
        assert_eq!(err.iter().next().unwrap().field, "working_days");
    }

    proptest! {
        #[test]
        fn working_days_between_matches_counting_day_by_day(
            start in 0u64..3000, len in 0u64..400, mask in 1u8..128
        ) {
            let days = WorkingDays(mask).days().into_iter().map(Some).collect::<Vec<_>>();
            let c = Calendar::new("UTC", Some(Weekday::Mon), 1, &days).unwrap();
            let a = date(2020, 1, 1) + Days::new(start);
            let b = a + Days::new(len);
            let counted = (0..=len).filter(|i| c.is_working_day(a + Days::new(*i))).count() as u32;
            prop_assert_eq!(c.working_days_between(a, b), counted);
        }

        #[test]
        fn week_start_is_the_first_day_at_or_before(offset in 0u64..5000, first in 0u8..7) {
            let first = Weekday::try_from(first).unwrap();
            let c = Calendar::new("UTC", Some(first), 1, &[Some(Weekday::Mon)]).unwrap();
            let d = date(2015, 1, 1) + Days::new(offset);
            let s = c.week_start(d);
            prop_assert_eq!(s.weekday(), first);
            prop_assert!(s <= d && (d - s).num_days() < 7);
        }

        #[test]
        fn every_month_maps_to_one_quarter_and_quarters_advance_in_order(fy in 1i32..=12, y in 2000i32..2100) {
            let c = cal("UTC", fy);
            let quarters: Vec<_> = (0..12)
                .map(|i| {
                    let m0 = (fy as u32 - 1 + i) % 12;
                    let year = y + ((fy as u32 - 1 + i) / 12) as i32;
                    c.fiscal_quarter(date(year, m0 + 1, 1))
                })
                .collect();
            for (i, q) in quarters.iter().enumerate() {
                prop_assert_eq!(q.quarter, i as u32 / 3 + 1);
                prop_assert_eq!(q.fiscal_year, quarters[0].fiscal_year);
            }
        }

        #[test]
        fn local_date_is_within_a_day_of_utc_date(secs in 0i64..4_000_000_000, tz in prop::sample::select(vec!["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Auckland", "Pacific/Honolulu"])) {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            let local = cal(tz, 1).local_date(at);
            prop_assert!((local - at.date_naive()).num_days().abs() <= 1);
        }
    }
}

//! Reporting periods resolved in a tenant's calendar: the week, month, fiscal quarter or fiscal
//! year containing a day, and splitting a range into such buckets.

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::calendar::Calendar;

/// Longest range a query may cover: ten years.
pub const MAX_RANGE_DAYS: i64 = 3660;

text_enum! {
    /// A kind of reporting period, stored by name (a saved leaderboard's, for one).
    Granularity {
        Day = "day",
        Week = "week",
        Month = "month",
        Quarter = "quarter",
        Year = "year",
    }
}

/// A reporting period as a request names it: the calendar period of a granularity containing a
/// day (today, in the tenant's calendar, when none is named), or an explicit range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodSpec {
    Calendar {
        granularity: Granularity,
        date: Option<NaiveDate>,
    },
    Range(DateRange),
}

impl PeriodSpec {
    /// The days the period covers in `calendar`, where it is `today`.
    pub fn resolve(&self, calendar: &Calendar, today: NaiveDate) -> DateRange {
        match *self {
            PeriodSpec::Calendar { granularity, date } => {
                calendar.period_containing(granularity, date.unwrap_or(today))
            }
            PeriodSpec::Range(range) => range,
        }
    }

    /// The granularity of a calendar period; `None` for a range.
    pub fn granularity(&self) -> Option<Granularity> {
        match self {
            PeriodSpec::Calendar { granularity, .. } => Some(*granularity),
            PeriodSpec::Range(_) => None,
        }
    }
}

/// An inclusive range of local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<DateRange, String> {
        if end < start {
            Err("end_date must not be before start_date".into())
        } else if (end - start).num_days() >= MAX_RANGE_DAYS {
            Err(format!("a range may cover at most {MAX_RANGE_DAYS} days"))
        } else {
            Ok(DateRange { start, end })
        }
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// The range as the days before its first whole calendar month, its whole months, and the
    /// days after the last one: what a store with daily and monthly rollups reads. A range with
    /// no whole month is all `head`.
    pub fn split_months(&self) -> MonthSplit {
        let first = if self.start.day() == 1 {
            self.start
        } else {
            first_of_month(self.start) + Months::new(1)
        };
        // The first day after the last whole month.
        let after_last = match self.end.succ_opt() {
            Some(next) if next.day() == 1 => next,
            _ => first_of_month(self.end),
        };
        if first >= after_last {
            return MonthSplit {
                head: Some(*self),
                months: None,
                tail: None,
            };
        }
        let part = |start: NaiveDate, end: NaiveDate| (start <= end).then_some(DateRange { start, end });
        MonthSplit {
            head: part(self.start, last_day_before(first)),
            months: part(first, last_day_before(after_last)),
            tail: part(after_last, self.end),
        }
    }
}

/// A range split at calendar-month boundaries (see [`DateRange::split_months`]). `months` runs
/// from the first day of its first month to the last day of its last month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSplit {
    pub head: Option<DateRange>,
    pub months: Option<DateRange>,
    pub tail: Option<DateRange>,
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn last_day_before(date: NaiveDate) -> NaiveDate {
    date.pred_opt().unwrap_or(date)
}

impl Calendar {
    /// The period of `granularity` that contains `date`.
    pub fn period_containing(&self, granularity: Granularity, date: NaiveDate) -> DateRange {
        let months_into_year = (date.month() + 12 - self.fiscal_year_start_month()) % 12;
        let (start, months) = match granularity {
            Granularity::Day => return DateRange { start: date, end: date },
            Granularity::Week => {
                let start = self.week_start(date);
                return DateRange {
                    start,
                    end: start + Days::new(6),
                };
            }
            Granularity::Month => (first_of_month(date), 1),
            Granularity::Quarter => (first_of_month(date) - Months::new(months_into_year % 3), 3),
            Granularity::Year => (first_of_month(date) - Months::new(months_into_year), 12),
        };
        DateRange {
            start,
            end: last_day_before(start + Months::new(months)),
        }
    }

    /// The period of the same granularity right before the one containing `date`.
    pub fn previous_period(&self, granularity: Granularity, date: NaiveDate) -> DateRange {
        let current = self.period_containing(granularity, date);
        self.period_containing(granularity, last_day_before(current.start))
    }

    /// Splits `range` into consecutive periods of `granularity`, the first and last clipped to
    /// the range.
    pub fn buckets(&self, granularity: Granularity, range: DateRange) -> Vec<DateRange> {
        let mut out = Vec::new();
        let mut day = range.start;
        while day <= range.end {
            let period = self.period_containing(granularity, day);
            let end = period.end.min(range.end);
            out.push(DateRange { start: day, end });
            match end.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal(fy: i32) -> Calendar {
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri].map(Some);
        Calendar::new("UTC", Some(Weekday::Mon), fy, &days).unwrap()
    }

    #[test]
    fn fiscal_quarter_of_15_may_with_a_february_year_is_may_to_july() {
        let q = cal(2).period_containing(Granularity::Quarter, d(2026, 5, 15));
        assert_eq!(
            q,
            DateRange {
                start: d(2026, 5, 1),
                end: d(2026, 7, 31)
            }
        );
    }

    #[test]
    fn fiscal_year_of_january_with_a_february_year_began_the_february_before() {
        let y = cal(2).period_containing(Granularity::Year, d(2027, 1, 10));
        assert_eq!(
            y,
            DateRange {
                start: d(2026, 2, 1),
                end: d(2027, 1, 31)
            }
        );
    }

    #[test]
    fn month_and_week_and_previous_period() {
        let c = cal(1);
        assert_eq!(
            c.period_containing(Granularity::Month, d(2028, 2, 10)),
            DateRange {
                start: d(2028, 2, 1),
                end: d(2028, 2, 29)
            }
        );
        assert_eq!(
            c.period_containing(Granularity::Week, d(2026, 11, 25)),
            DateRange {
                start: d(2026, 11, 23),
                end: d(2026, 11, 29)
            }
        );
        assert_eq!(
            c.previous_period(Granularity::Quarter, d(2026, 1, 15)),
            DateRange {
                start: d(2025, 10, 1),
                end: d(2025, 12, 31)
            }
        );
    }

    #[test]
    fn weekly_buckets_are_clipped_to_the_range() {
        let range = DateRange::new(d(2026, 11, 1), d(2026, 11, 30)).unwrap();
        let weeks = cal(1).buckets(Granularity::Week, range);
        assert_eq!(
            weeks.first().unwrap(),
            &DateRange {
                start: d(2026, 11, 1),
                end: d(2026, 11, 1)
            }
        );
        assert_eq!(
            weeks.last().unwrap(),
            &DateRange {
                start: d(2026, 11, 30),
                end: d(2026, 11, 30)
            }
        );
        assert_eq!(weeks.len(), 6);
    }

    #[test]
    fn ranges_are_checked() {
        assert!(DateRange::new(d(2026, 2, 1), d(2026, 1, 31)).is_err());
        assert!(DateRange::new(d(2000, 1, 1), d(2026, 1, 1)).is_err());
    }

    #[test]
    fn a_quarter_is_whole_months_and_a_mid_month_range_has_edges() {
        let q = DateRange::new(d(2026, 7, 1), d(2026, 9, 30)).unwrap().split_months();
        assert_eq!((q.head, q.tail), (None, None));
        assert_eq!(q.months, DateRange::new(d(2026, 7, 1), d(2026, 9, 30)).ok());
        let r = DateRange::new(d(2026, 7, 15), d(2026, 9, 10)).unwrap().split_months();
        assert_eq!(r.head, DateRange::new(d(2026, 7, 15), d(2026, 7, 31)).ok());
        assert_eq!(r.months, DateRange::new(d(2026, 8, 1), d(2026, 8, 31)).ok());
        assert_eq!(r.tail, DateRange::new(d(2026, 9, 1), d(2026, 9, 10)).ok());
        let week = DateRange::new(d(2026, 7, 27), d(2026, 8, 2)).unwrap().split_months();
        assert_eq!((week.months, week.tail), (None, None));
        assert_eq!(week.head, DateRange::new(d(2026, 7, 27), d(2026, 8, 2)).ok());
    }

    proptest! {
        #[test]
        fn a_month_split_tiles_the_range_with_whole_months_in_the_middle(offset in 0u64..4000, len in 0u64..400) {
            let range = DateRange { start: d(2020, 1, 1) + Days::new(offset), end: d(2020, 1, 1) + Days::new(offset + len) };
            let split = range.split_months();
            let parts: Vec<DateRange> = [split.head, split.months, split.tail].into_iter().flatten().collect();
            prop_assert_eq!(parts.first().map(|p| p.start), Some(range.start));
            prop_assert_eq!(parts.last().map(|p| p.end), Some(range.end));
            for pair in parts.windows(2) {
                prop_assert_eq!(pair[0].end.succ_opt(), Some(pair[1].start));
            }
            if let Some(m) = split.months {
                prop_assert_eq!(m.start.day(), 1);
                prop_assert_eq!(m.end.succ_opt().map(|d| d.day()), Some(1));
            } else {
                prop_assert_eq!(split.tail, None);
            }
        }

        #[test]
        fn every_period_contains_its_day_and_buckets_tile_the_range(
            offset in 0u64..4000, len in 0u64..400, fy in 1i32..=12, g in 0usize..5
        ) {
            let granularity = [Granularity::Day, Granularity::Week, Granularity::Month, Granularity::Quarter, Granularity::Year][g];
            let c = cal(fy);
            let day = d(2020, 1, 1) + Days::new(offset);
            let period = c.period_containing(granularity, day);
            prop_assert!(period.contains(day));
            prop_assert_eq!(c.period_containing(granularity, period.start), period);
            prop_assert_eq!(c.period_containing(granularity, period.end), period);
            let range = DateRange { start: day, end: day + Days::new(len) };
            let buckets = c.buckets(granularity, range);
            prop_assert_eq!(buckets.iter().map(DateRange::days).sum::<i64>(), range.days());
            for pair in buckets.windows(2) {
                prop_assert_eq!(pair[0].end.succ_opt(), Some(pair[1].start));
            }
        }
    }
}

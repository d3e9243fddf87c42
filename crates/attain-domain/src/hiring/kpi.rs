//! Hiring KPIs: time to fill, time in stage, shares, bench strength, retention of tenured reps,
//! promotions and tenure. Every share is part ÷ whole with "no value" for an empty whole.

use chrono::{Months, NaiveDate};

use crate::{org::SalesRole, period::DateRange};

/// part ÷ whole; `None` when `whole` is 0.
pub fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// Days from the requisition's opening to the day it was filled (the offer's acceptance), never
/// below 0 (a seat filled the day it opened took 0 days).
pub fn time_to_fill_days(opened: NaiveDate, filled: NaiveDate) -> i64 {
    (filled - opened).num_days().max(0)
}

/// The median (mean of the middle two for an even count); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Whether someone with this start (and leaving) date had 12 or more months of tenure on `day`
/// and was still here then.
pub fn tenured_on(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> bool {
    let still_here = end.is_none_or(|e| e >= day);
    let twelve_months = start.checked_add_months(Months::new(12)).is_some_and(|d| d <= day);
    still_here && twelve_months
}

/// Retention of tenured reps over `range`: (tenured at the start, of whom still here at the end).
/// `people` are (start date, leaving date).
pub fn tenured_retention(people: &[(NaiveDate, Option<NaiveDate>)], range: DateRange) -> (u32, u32) {
    let mut tenured = 0;
    let mut retained = 0;
    for (start, end) in people {
        if tenured_on(*start, *end, range.start) {
            tenured += 1;
            if end.is_none_or(|e| e > range.end) {
                retained += 1;
            }
        }
    }
    (tenured, retained)
}

/// Seniority of a sales role for promotions: SDR, then the AE roles, then account manager, then
/// first-line manager, then leader. `None` for roles outside the sales ladder.
pub fn seniority(role: SalesRole) -> Option<u8> {
    match role {
        SalesRole::Sdr => Some(1),
        SalesRole::InsideSalesAe | SalesRole::FieldAe => Some(2),
        SalesRole::AccountManager => Some(3),
        SalesRole::SalesManager => Some(4),
        SalesRole::SalesLeader => Some(5),
        SalesRole::Other => None,
    }
}

/// Promotions in a role history (role, effective date) in `range`: changes to a more senior role.
pub fn promotions(history: &[(SalesRole, NaiveDate)], range: DateRange) -> u32 {
    let mut sorted = history.to_vec();
    sorted.sort_by_key(|(_, d)| *d);
    sorted
        .windows(2)
        .filter(|w| {
            range.contains(w[1].1) && matches!((seniority(w[0].0), seniority(w[1].0)), (Some(a), Some(b)) if b > a)
        })
        .count() as u32
}

/// Tenure in months (30.44-day months, as HR reports them) from the start to the leaving date or
/// `as_of`; `None` for someone who had not started by `as_of`.
pub fn tenure_months(start: NaiveDate, end: Option<NaiveDate>, as_of: NaiveDate) -> Option<f64> {
    let last = end.map_or(as_of, |e| e.min(as_of));
    (start <= as_of).then(|| (last - start).num_days().max(0) as f64 / 30.44)
}

/// A team's bench against its expected openings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchStrength {
    pub ready_now: u32,
    pub ready_6_months: u32,
    pub ready_12_months: u32,
    pub open_requisitions: u32,
    pub attrition_last_12_months: u32,
    pub expected_openings: u32,
    /// ready_now ÷ expected_openings; `None` when no opening is expected.
    pub coverage: Option<f64>,
}

/// Expected openings are the open seats plus as many as left in the last 12 months, on the
/// grounds that attrition repeats; only ready-now successors cover them.
pub fn bench_strength(readiness: [u32; 3], open_requisitions: u32, attrition_last_12_months: u32) -> BenchStrength {
    let expected_openings = open_requisitions + attrition_last_12_months;
    BenchStrength {
        ready_now: readiness[0],
        ready_6_months: readiness[1],
        ready_12_months: readiness[2],
        open_requisitions,
        attrition_last_12_months,
        expected_openings,
        coverage: share(readiness[0], expected_openings),
    }
}

/// Whether a leaving date falls in the 12 months up to and including `as_of`.
pub fn left_in_last_12_months(end: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    let from = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
    end.is_some_and(|e| e > from && e <= as_of)
}

/// One candidate's stay in a stage, for time in stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Spell<T> {
    pub stage: String,
    pub days: f64,
    /// When the stay ended; callers attribute the spell to the period containing it.
    pub exit: T,
}

/// The spells of a stage history (entry times in any order), each ending at the next entry or at
/// `closed` (rejection, withdrawal, hire); a spell still open has no length yet and is left out.
pub fn spells<T: Copy + Ord>(history: &[(String, T)], closed: Option<T>, days: impl Fn(T, T) -> f64) -> Vec<Spell<T>> {
    let mut sorted = history.to_vec();
    sorted.sort_by_key(|(_, at)| *at);
    let mut out = Vec::new();
    for (i, (stage, enter)) in sorted.iter().enumerate() {
        if let Some(exit) = sorted.get(i + 1).map(|(_, at)| *at).or(closed) {
            out.push(Spell {
                stage: stage.clone(),
                days: days(*enter, exit).max(0.0),
                exit,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn time_to_fill_counts_calendar_days() {
        assert_eq!(time_to_fill_days(d(2026, 1, 5), d(2026, 2, 4)), 30);
        assert_eq!(time_to_fill_days(d(2026, 1, 5), d(2026, 1, 5)), 0);
        let days = [30.0, 45.0, 90.0, 10.0];
        assert_eq!(median(&days), Some(37.5));
        assert_eq!(mean(&days), Some(43.75));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn tenured_reps_who_stay_are_retained() {
        let range = DateRange::new(d(2026, 1, 1), d(2026, 3, 31)).expect("range");
        let people = [
            (d(2024, 6, 1), None),                  // tenured, stays
            (d(2024, 12, 1), Some(d(2026, 2, 15))), // tenured, leaves in the period
            (d(2025, 6, 1), None),                  // not yet tenured
            (d(2023, 1, 1), Some(d(2025, 11, 30))), // left before the period
            (d(2025, 1, 1), None),                  // exactly 12 months at the start
        ];
        assert_eq!(tenured_retention(&people, range), (3, 2));
    }

    #[test]
    fn promotions_go_up_the_ladder_in_the_period() {
        let range = DateRange::new(d(2026, 1, 1), d(2026, 12, 31)).expect("range");
        let history = [
            (SalesRole::Sdr, d(2024, 1, 1)),
            (SalesRole::InsideSalesAe, d(2026, 3, 1)),
            (SalesRole::FieldAe, d(2026, 6, 1)), // a sideways move
            (SalesRole::SalesManager, d(2027, 1, 1)),
        ];
        assert_eq!(promotions(&history, range), 1);
    }

    #[test]
    fn tenure_runs_to_leaving_or_as_of() {
        assert_eq!(tenure_months(d(2026, 1, 1), None, d(2025, 1, 1)), None);
        let t = tenure_months(d(2025, 1, 1), Some(d(2025, 7, 1)), d(2026, 1, 1)).expect("tenure");
        assert!((t - 181.0 / 30.44).abs() < 1e-9);
    }

    #[test]
    fn bench_covers_open_seats_and_last_years_attrition() {
        let b = bench_strength([2, 1, 3], 1, 3);
        assert_eq!(b.expected_openings, 4);
        assert_eq!(b.coverage, Some(0.5));
        assert_eq!(bench_strength([2, 0, 0], 0, 0).coverage, None);
        assert!(left_in_last_12_months(Some(d(2025, 6, 1)), d(2026, 1, 1)));
        assert!(!left_in_last_12_months(Some(d(2025, 1, 1)), d(2026, 1, 1)));
        assert!(!left_in_last_12_months(None, d(2026, 1, 1)));
    }

    #[test]
    fn spells_end_at_the_next_move_or_the_close() {
        let history = vec![("screen".to_string(), 0i64), ("panel".to_string(), 3)];
        let days = |a: i64, b: i64| (b - a) as f64;
        let s = spells(&history, Some(10), days);
        let got: Vec<_> = s.iter().map(|x| (x.stage.as_str(), x.days, x.exit)).collect();
        assert_eq!(got, [("screen", 3.0, 3), ("panel", 7.0, 10)]);
        assert_eq!(spells(&history, None, days).len(), 1);
    }

    proptest! {
        #[test]
        fn median_and_mean_lie_between_the_extremes(values in prop::collection::vec(0f64..1e6, 1..50)) {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for x in [median(&values), mean(&values)].into_iter().flatten() {
                prop_assert!(x >= lo - 1e-6 && x <= hi + 1e-6);
            }
        }

        #[test]
        fn retained_never_exceed_tenured(starts in prop::collection::vec((0i64..2000, prop::option::of(0i64..2500)), 0..30)) {
            let base = d(2022, 1, 1);
            let people: Vec<_> = starts
                .iter()
                .map(|(s, e)| (base + chrono::Duration::days(*s), e.map(|e| base + chrono::Duration::days(e.max(*s)))))
                .collect();
            let range = DateRange::new(d(2025, 1, 1), d(2025, 12, 31)).expect("range");
            let (tenured, retained) = tenured_retention(&people, range);
            prop_assert!(retained <= tenured);
        }
    }
}

use chrono::{Days, Weekday};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn range(start: NaiveDate, end: NaiveDate) -> DateRange {
    DateRange { start, end }
}

/// UTC, Monday to Friday, calendar-year quarters.
fn cal() -> Calendar {
    Calendar::default()
}

/// A spec with only one value: 0 daily, 1 weekly, 2 monthly, 3 quarterly.
fn spec_of(kind: usize, value: f64) -> TargetSpec {
    let [daily, weekly, monthly, quarterly] = std::array::from_fn(|i| (i == kind).then_some(value));
    TargetSpec {
        daily,
        weekly,
        monthly,
        quarterly,
    }
}

fn daily(x: f64) -> TargetSpec {
    spec_of(0, x)
}

fn th(red_below: f64, green_from: f64) -> Thresholds {
    Thresholds { red_below, green_from }
}

fn line(weight: f64, attainment: Option<f64>) -> Line {
    Line { weight, attainment }
}

fn fields(v: &Violations) -> Vec<String> {
    v.iter().map(|x| x.field.clone()).collect()
}

#[test]
fn sdr_with_60_calls_a_day_has_300_a_week_and_a_month_by_its_working_days() {
    let (c, spec) = (cal(), daily(60.0));
    let week = c.period_containing(Granularity::Week, d(2026, 11, 25));
    assert_eq!(target_for(&spec, &c, week, Granularity::Week), Some(300.0));
    let nov = c.period_containing(Granularity::Month, d(2026, 11, 1));
    assert_eq!(target_for(&spec, &c, nov, Granularity::Month), Some(1260.0));
    let mar = c.period_containing(Granularity::Month, d(2027, 3, 1));
    assert_eq!(target_for(&spec, &c, mar, Granularity::Month), Some(1380.0));
    let saturday = range(d(2026, 11, 28), d(2026, 11, 28));
    assert_eq!(target_for(&spec, &c, saturday, Granularity::Day), Some(0.0));
}

#[test]
fn an_explicit_value_wins_over_the_derived_one() {
    let spec = TargetSpec {
        monthly: Some(1000.0),
        ..daily(60.0)
    };
    let nov = cal().period_containing(Granularity::Month, d(2026, 11, 1));
    assert_eq!(target_for(&spec, &cal(), nov, Granularity::Month), Some(1000.0));
    let week = cal().period_containing(Granularity::Week, d(2026, 11, 2));
    // No explicit weekly value: derived from daily, the finest given.
    assert_eq!(target_for(&spec, &cal(), week, Granularity::Week), Some(300.0));
}

#[test]
fn weekly_monthly_and_quarterly_values_spread_over_working_days() {
    let c = cal();
    let weekly = spec_of(1, 300.0);
    let nov = c.period_containing(Granularity::Month, d(2026, 11, 1));
    assert_eq!(target_for(&weekly, &c, nov, Granularity::Month), Some(1260.0));
    let monthly = spec_of(2, 2100.0);
    let monday = range(d(2026, 11, 2), d(2026, 11, 2));
    assert_eq!(target_for(&monthly, &c, monday, Granularity::Day), Some(100.0));
    // Q4 2026 has 22 + 21 + 23 = 66 working days.
    let quarterly = spec_of(3, 660.0);
    assert_eq!(target_for(&quarterly, &c, nov, Granularity::Month), Some(210.0));
    let q4 = c.period_containing(Granularity::Quarter, d(2026, 11, 1));
    let year = c.period_containing(Granularity::Year, d(2026, 11, 1));
    assert_eq!(target_for(&quarterly, &c, q4, Granularity::Quarter), Some(660.0));
    // A quarter from a monthly value is the sum of its months, not one month's rate × 66.
    assert_eq!(target_for(&monthly, &c, q4, Granularity::Quarter), Some(6300.0));
    // A week clipped to one working day (Monday 30 November) gets that day's share.
    let clipped = range(d(2026, 11, 30), d(2026, 11, 30));
    assert_eq!(target_for(&weekly, &c, clipped, Granularity::Week), Some(60.0));
    assert_eq!(target_for(&daily(1.0), &c, year, Granularity::Year), Some(261.0));
    assert_eq!(target_for(&TargetSpec::default(), &c, nov, Granularity::Month), None);
}

#[test]
fn bad_target_specs_name_their_fields() {
    assert!(check_target_spec(&daily(0.0)).is_empty(), "a zero target is allowed");
    let bad = TargetSpec {
        daily: Some(-1.0),
        weekly: Some(f64::NAN),
        monthly: None,
        quarterly: Some(f64::INFINITY),
    };
    assert_eq!(fields(&check_target_spec(&bad)), ["daily", "weekly", "quarterly"]);
    assert_eq!(fields(&check_target_spec(&TargetSpec::default())), ["target"]);
}

#[test]
fn days_off_prorate_only_working_days_in_range() {
    let c = cal();
    let week = range(d(2026, 11, 2), d(2026, 11, 8));
    // Tuesday off, Saturday off (not a working day), a day outside the week, Tuesday twice.
    let off = [d(2026, 11, 3), d(2026, 11, 7), d(2026, 11, 20), d(2026, 11, 3)];
    assert_eq!(prorate(300.0, &c, week, &off), 240.0);
    assert_eq!(prorate(300.0, &c, week, &[]), 300.0);
    let weekend = range(d(2026, 11, 7), d(2026, 11, 8));
    assert_eq!(prorate(300.0, &c, weekend, &[]), 0.0);
    let all: Vec<_> = (2..=6).map(|day| d(2026, 11, day)).collect();
    assert_eq!(prorate(300.0, &c, week, &all), 0.0);
}

fn standard_ramp() -> Ramp {
    Ramp {
        steps: vec![0.25, 0.5, 0.75, 1.0],
    }
}

#[test]
fn new_hire_in_month_2_of_a_25_50_75_100_ramp_has_half_quota() {
    let (r, start) = (standard_ramp(), d(2026, 1, 15));
    assert_eq!(ramp_factor(&r, start, d(2026, 1, 14)), 0.0, "before start");
    assert_eq!(ramp_factor(&r, start, d(2026, 1, 15)), 0.25);
    assert_eq!(ramp_factor(&r, start, d(2026, 2, 14)), 0.25);
    assert_eq!(ramp_factor(&r, start, d(2026, 2, 15)), 0.5);
    assert_eq!(ramp_factor(&r, start, d(2026, 4, 15)), 1.0);
    assert_eq!(ramp_factor(&r, start, d(2030, 1, 1)), 1.0, "the last step holds");
}

#[test]
fn month_anniversaries_clamp_to_the_end_of_short_months() {
    let r = standard_ramp();
    assert_eq!(ramp_factor(&r, d(2026, 1, 31), d(2026, 2, 27)), 0.25);
    assert_eq!(ramp_factor(&r, d(2026, 1, 31), d(2026, 2, 28)), 0.5);
    assert_eq!(ramp_factor(&Ramp { steps: vec![] }, d(2026, 1, 31), d(2026, 2, 1)), 1.0);
}

#[test]
fn bad_ramps_name_their_steps() {
    assert!(check_ramp(&standard_ramp().steps).is_empty());
    assert_eq!(fields(&check_ramp(&[])), ["steps"]);
    let bad = check_ramp(&[0.5, 1.5, f64::NAN, 0.25]);
    assert_eq!(fields(&bad), ["steps[1]", "steps[2]", "steps[3]"]);
    assert_eq!(fields(&check_ramp(&[1.0; 25])), ["steps"]);
}

#[test]
fn attainment_follows_the_direction_and_has_no_value_for_zero_divisors() {
    use Direction::*;
    assert_eq!(attainment(90.0, 100.0, HigherIsBetter), Some(0.9));
    assert_eq!(attainment(20.0, 30.0, LowerIsBetter), Some(1.5));
    assert_eq!(attainment(5.0, 0.0, HigherIsBetter), None);
    assert_eq!(attainment(0.0, 30.0, LowerIsBetter), None);
    assert_eq!(attainment(0.0, 100.0, HigherIsBetter), Some(0.0));
}

#[test]
fn bands_and_bad_thresholds() {
    let t = th(0.7, 1.0);
    assert_eq!(band(0.69, &t), Band::Red);
    assert_eq!(band(0.7, &t), Band::Amber);
    assert_eq!(band(1.0, &t), Band::Green);
    assert!(check_thresholds(&t).is_empty());
    assert!(check_thresholds(&th(0.8, 0.8)).is_empty(), "no amber band is allowed");
    assert_eq!(fields(&check_thresholds(&th(1.0, 0.7))), ["thresholds"]);
    assert_eq!(
        fields(&check_thresholds(&th(-0.1, f64::NAN))),
        ["red_below", "green_from"]
    );
}

/// Four weeks from Monday 2026-11-02: 20 working days.
fn four_weeks() -> DateRange {
    range(d(2026, 11, 2), d(2026, 11, 29))
}

#[test]
fn pace_and_projection_mid_period() {
    let p = pace(120.0, 300.0, &cal(), four_weeks(), d(2026, 11, 13), 1.0);
    assert_eq!((p.elapsed_working_days, p.total_working_days), (10, 20));
    assert_eq!((p.expected_to_date, p.pace, p.projection), (150.0, Some(0.8), 240.0));
    // The weekend after adds no working day.
    assert_eq!(
        pace(120.0, 300.0, &cal(), four_weeks(), d(2026, 11, 15), 1.0).projection,
        240.0
    );
}

/// December 2026: Tuesday the 1st to Thursday the 31st, 23 working days.
fn december() -> DateRange {
    range(d(2026, 12, 1), d(2026, 12, 31))
}

#[test]
fn the_day_in_progress_counts_for_the_part_of_it_that_has_passed() {
    // 09:00 UTC on Thursday the 3rd: the 1st and 2nd are done, and 9/24 of the 3rd.
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T09:00:00Z")
        .unwrap()
        .to_utc();
    let done = day_done(&cal(), d(2026, 12, 3), now);
    assert_eq!(done, 0.375);
    assert_eq!(day_done(&cal(), d(2026, 12, 2), now), 1.0);
    assert_eq!(day_done(&cal(), d(2026, 12, 4), now), 0.0);
    // 230 calls in the month is 10 a working day: 23.75 are due by now.
    let p = pace(23.5, 230.0, &cal(), december(), d(2026, 12, 3), done);
    assert_eq!(
        (p.elapsed, p.elapsed_working_days, p.total_working_days),
        (2.375, 2, 23)
    );
    assert_eq!(p.expected_to_date, 23.75);
    assert_eq!(p.pace, Some(23.5 / 23.75));
    // Projection: 23.5 over 2.375 days, times 23.
    assert_eq!(p.projection, 23.5 / 2.375 * 23.0);
}

#[test]
fn a_rep_at_99_percent_pace_on_day_3_is_not_red_and_nobody_is_red_that_early() {
    let t = th(0.7, 1.0);
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T09:00:00Z")
        .unwrap()
        .to_utc();
    let done = day_done(&cal(), d(2026, 12, 3), now);
    // 23.5 of 230: 10 % attainment (red on attainment), 99 % pace: amber.
    let on_pace = pace(23.5, 230.0, &cal(), december(), d(2026, 12, 3), done);
    assert_eq!(band(23.5 / 230.0, &t), Band::Red);
    assert_eq!(
        line_band(Some(23.5 / 230.0), Some(&on_pace), &t, &DEFAULT_RED_AFTER),
        Some(Band::Amber)
    );
    // Ahead of pace is green, even at 11 % of the month.
    let ahead = pace(25.0, 230.0, &cal(), december(), d(2026, 12, 3), done);
    assert_eq!(
        line_band(Some(25.0 / 230.0), Some(&ahead), &t, &DEFAULT_RED_AFTER),
        Some(Band::Green)
    );
    // At half pace on day 3 (2.375 of 23 days, under a fifth of them): amber, not yet red.
    let behind = pace(11.0, 230.0, &cal(), december(), d(2026, 12, 3), done);
    assert_eq!(behind.pace, Some(11.0 / 23.75));
    assert_eq!(
        line_band(Some(11.0 / 230.0), Some(&behind), &t, &DEFAULT_RED_AFTER),
        Some(Band::Amber)
    );
    // By the end of Tuesday the 8th (6 working days, over a fifth of 23): red.
    let later = pace(30.0, 230.0, &cal(), december(), d(2026, 12, 8), 1.0);
    assert_eq!((later.elapsed, later.expected_to_date), (6.0, 60.0));
    assert_eq!(
        line_band(Some(30.0 / 230.0), Some(&later), &t, &DEFAULT_RED_AFTER),
        Some(Band::Red)
    );
    // A closed period (no pace) is banded on attainment.
    assert_eq!(line_band(Some(0.69), None, &t, &DEFAULT_RED_AFTER), Some(Band::Red));
    assert_eq!(line_band(None, None, &t, &DEFAULT_RED_AFTER), None);
}

#[test]
fn pace_before_the_period_and_after_it() {
    let before = pace(0.0, 300.0, &cal(), four_weeks(), d(2026, 10, 30), 1.0);
    assert_eq!((before.elapsed_working_days, before.expected_to_date), (0, 0.0));
    assert_eq!((before.pace, before.projection), (None, 0.0));
    let after = pace(310.0, 300.0, &cal(), four_weeks(), d(2027, 1, 1), 1.0);
    assert_eq!((after.elapsed_working_days, after.expected_to_date), (20, 300.0));
    assert_eq!((after.pace, after.projection), (Some(310.0 / 300.0), 310.0));
    let weekend = range(d(2026, 11, 7), d(2026, 11, 8));
    let p = pace(5.0, 0.0, &cal(), weekend, d(2026, 11, 7), 1.0);
    assert_eq!((p.total_working_days, p.pace, p.projection), (0, None, 5.0));
}

#[test]
fn change_is_relative_to_the_previous_period_and_has_no_value_from_zero() {
    assert_eq!(change(120.0, 100.0), Some(0.2));
    assert_eq!(change(80.0, 100.0), Some(-0.2));
    assert_eq!(change(5.0, 0.0), None);
    assert_eq!(change(-50.0, -100.0), Some(0.5), "a smaller loss is a rise");
}

#[test]
fn weighted_score_caps_the_star_line_and_skips_empty_lines() {
    let lines = [
        line(1.0, Some(3.0)),
        line(1.0, Some(0.5)),
        line(2.0, None),
        line(0.0, Some(0.0)),
    ];
    assert_eq!(weighted_score(&lines, 1.5), Some(1.0));
    assert_eq!(weighted_score(&lines[2..], 1.5), None);
    assert_eq!(weighted_score(&[], 1.5), None);
}

#[test]
fn three_of_four_reps_to_daily_goal_is_75_percent() {
    let calls = [(60.0, 60.0), (75.0, 60.0), (61.0, 60.0), (59.0, 60.0)];
    assert_eq!(share_meeting(&calls), Some(0.75));
    assert_eq!(share_meeting(&[]), None);
}

#[test]
fn percent_of_reps_to_quota_differs_from_team_attainment_when_a_star_carries_the_team() {
    let reps = [(300.0, 100.0), (50.0, 100.0), (50.0, 100.0), (50.0, 100.0)];
    assert_eq!(share_meeting(&reps), Some(0.25));
    assert_eq!(team_attainment(&reps), Some(1.125));
    assert_eq!(team_attainment(&[]), None);
    assert_eq!(team_attainment(&[(5.0, 0.0)]), None);
}

#[test]
fn coverage_is_open_pipeline_over_remaining_quota_until_quota_is_met() {
    assert_eq!(coverage(300.0, 100.0), Some(3.0));
    assert_eq!(coverage(300.0, 0.0), None);
    assert_eq!(coverage(300.0, -20.0), None);
}

proptest! {
    #[test]
    fn finer_targets_add_up_to_the_coarser_one(
        offset in 0u64..3000, kind in 0usize..4, value in 0.0f64..10_000.0, fy in 1i32..=12
    ) {
        let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri].map(Some);
        let c = Calendar::new("UTC", Some(Weekday::Mon), fy, &weekdays).unwrap();
        let spec = spec_of(kind, value);
        let day = d(2020, 1, 1) + Days::new(offset);
        for (coarse, fine) in [
            (Granularity::Week, Granularity::Day),
            (Granularity::Month, Granularity::Week),
            (Granularity::Quarter, Granularity::Month),
            (Granularity::Year, Granularity::Quarter),
        ] {
            let period = c.period_containing(coarse, day);
            let whole = target_for(&spec, &c, period, coarse).unwrap();
            let parts: f64 = c.buckets(fine, period).into_iter()
                .map(|b| target_for(&spec, &c, b, fine).unwrap()).sum();
            prop_assert!((parts - whole).abs() <= 1e-9 * whole.max(1.0), "{:?}: {} vs {}", coarse, parts, whole);
        }
    }

    #[test]
    fn projection_equals_actual_once_the_period_is_over(
        offset in 0u64..3000, len in 0u64..100, after in 0u64..60, actual in 0.0f64..1e6, target in 0.0f64..1e6
    ) {
        let start = d(2020, 1, 1) + Days::new(offset);
        let period = range(start, start + Days::new(len));
        let p = pace(actual, target, &cal(), period, period.end + Days::new(after), 1.0);
        prop_assert_eq!(p.projection, actual);
        prop_assert_eq!(p.elapsed_working_days, p.total_working_days);
    }

    #[test]
    fn band_never_falls_as_attainment_rises(a in 0.0f64..3.0, b in 0.0f64..3.0, red in 0.0f64..1.5, gap in 0.0f64..1.0) {
        let t = th(red, red + gap);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(band(lo, &t) <= band(hi, &t));
    }

    #[test]
    fn weighted_score_lies_between_the_capped_attainments(
        lines in prop::collection::vec((0.0f64..10.0, prop::option::of(0.0f64..5.0)), 0..8), cap in 0.5f64..3.0
    ) {
        let lines: Vec<Line> = lines.into_iter().map(|(w, a)| line(w, a)).collect();
        let capped: Vec<f64> = lines.iter().filter(|l| l.weight > 0.0).filter_map(|l| l.attainment.map(|a| a.min(cap))).collect();
        match weighted_score(&lines, cap) {
            None => prop_assert!(capped.is_empty()),
            Some(score) => {
                let min = capped.iter().copied().fold(f64::INFINITY, f64::min);
                let max = capped.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(min - 1e-9 <= score && score <= max + 1e-9);
            }
        }
    }
}

//! Development and action plans: how long an action plan should run, what a metric goal must
//! look like, how far a rep has come towards it, and skill ratings.

use chrono::NaiveDate;

use crate::Violations;
use crate::metric::check_key;

/// Shortest and longest action plan, in days counting both ends, that the coaching method
/// recommends: 6 to 8 weeks is long enough for a habit to show in the numbers and short enough
/// to stay urgent. Other lengths are allowed with a warning.
const RECOMMENDED_DAYS: std::ops::RangeInclusive<i64> = 42..=56;

/// Checks an action plan's dates. An end before the start is a violation on `end_date`; a
/// length outside 6 to 8 weeks is only a warning for the person writing the plan, because a
/// shorter or longer plan is sometimes right (a two-week push before quarter end).
pub fn check_action_plan_dates(start: NaiveDate, end: NaiveDate) -> (Violations, Vec<String>) {
    let mut v = Violations::new();
    let mut warnings = Vec::new();
    if end < start {
        v.add("end_date", "must not be before start_date");
        return (v, warnings);
    }
    let days = (end - start).num_days() + 1;
    if !RECOMMENDED_DAYS.contains(&days) {
        warnings.push(format!(
            "action plans of 6 to 8 weeks work best; this one is {}",
            describe_days(days)
        ));
    }
    (v, warnings)
}

/// "3 weeks", "1 week and 2 days", "5 days".
fn describe_days(days: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match (days / 7, days % 7) {
        (0, d) => plural(d, "day"),
        (w, 0) => plural(w, "week"),
        (w, d) => format!("{} and {}", plural(w, "week"), plural(d, "day")),
    }
}

/// Another action plan of the same rep, as an overlap check sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherPlan<'a> {
    pub title: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// A warning for each other active plan of the rep whose days overlap `[start, end]`: two plans
/// at once split a rep's attention and blur whose before/after moved. Allowed, but said.
pub fn overlap_warnings(start: NaiveDate, end: NaiveDate, others: &[OtherPlan]) -> Vec<String> {
    others
        .iter()
        .filter(|o| o.start <= end && start <= o.end)
        .map(|o| {
            format!(
                "overlaps the active plan \"{}\" ({} to {}): one plan at a time keeps a rep's focus",
                o.title, o.start, o.end
            )
        })
        .collect()
}

/// Whether an active plan whose last day is `end` has run its course on `today`: from the day
/// after its end it is closed, with its before/after fixed.
pub fn has_ended(active: bool, end: NaiveDate, today: NaiveDate) -> bool {
    active && end < today
}

/// A goal to move a metric from one value to another, e.g. conversation-to-meeting rate from
/// 0.12 to 0.20, or days to first meeting from 9 down to 5.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricGoal {
    pub metric_key: String,
    pub from: f64,
    pub to: f64,
}

/// Checks a metric goal, naming `field.metric_key`, `field.from` and `field.to`: a metric key's
/// shape, finite values, and a `to` that differs from `from` (a goal that asks for no change has
/// no progress to measure).
pub fn check_metric_goal(v: &mut Violations, field: &str, g: &MetricGoal) {
    if let Err(err) = check_key(&g.metric_key) {
        v.add(format!("{field}.metric_key"), err);
    }
    for (name, value) in [("from", g.from), ("to", g.to)] {
        if !value.is_finite() {
            v.add(format!("{field}.{name}"), "must be a finite number");
        }
    }
    if g.from.is_finite() && g.from == g.to {
        v.add(format!("{field}.to"), "must differ from from");
    }
}

/// Where a rep stands on a metric goal: the value when the plan started, the value now, the
/// change between them, and the share of the way from the goal's `from` to its `to` covered.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Progress {
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// current − baseline.
    pub change: Option<f64>,
    /// (current − from) ÷ (to − from): 0 at `from`, 1 at `to`, above 1 past it and below 0 when
    /// the metric went the wrong way. It works the same for goals that go down.
    pub progress: Option<f64>,
}

/// The progress on `goal` given the metric's value at the plan's start and now. A value that is
/// missing or not finite (no data for the period) is `None`, and so is anything computed from it.
pub fn progress(goal: &MetricGoal, baseline: Option<f64>, current: Option<f64>) -> Progress {
    let finite = |x: f64| x.is_finite().then_some(x);
    let baseline = baseline.and_then(finite);
    let current = current.and_then(finite);
    let change = baseline.zip(current).and_then(|(b, c)| finite(c - b));
    let progress = current.and_then(|c| finite((c - goal.from) / (goal.to - goal.from)));
    Progress {
        baseline,
        current,
        change,
        progress,
    }
}

/// Checks a competency rating: 1 to 5.
pub fn check_rating(v: &mut Violations, field: &str, rating: i32) {
    if !(1..=5).contains(&rating) {
        v.add(field, "must be a rating from 1 to 5");
    }
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn plans_sharing_a_day_overlap_and_adjacent_ones_do_not() {
        let others = [
            OtherPlan {
                title: "Discovery",
                start: d(2026, 3, 2),
                end: d(2026, 4, 12),
            },
            OtherPlan {
                title: "Later",
                start: d(2026, 6, 1),
                end: d(2026, 7, 12),
            },
        ];
        // Starts on the first plan's last day: one shared day.
        let w = overlap_warnings(d(2026, 4, 12), d(2026, 5, 24), &others);
        assert_eq!(
            w,
            [
                "overlaps the active plan \"Discovery\" (2026-03-02 to 2026-04-12): one plan at a time keeps a rep's focus"
            ]
        );
        // The day after: none.
        assert!(overlap_warnings(d(2026, 4, 13), d(2026, 5, 24), &others).is_empty());
        // Spanning both.
        assert_eq!(overlap_warnings(d(2026, 1, 1), d(2026, 12, 31), &others).len(), 2);
    }

    #[test]
    fn an_active_plan_ends_the_day_after_its_last_day() {
        let end = d(2026, 4, 12);
        assert!(!has_ended(true, end, end));
        assert!(has_ended(true, end, d(2026, 4, 13)));
        assert!(
            !has_ended(false, end, d(2026, 4, 13)),
            "completed or abandoned stays so"
        );
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(v: &Violations) -> Vec<&str> {
        v.iter().map(|v| v.field.as_str()).collect()
    }

    fn goal(from: f64, to: f64) -> MetricGoal {
        MetricGoal {
            metric_key: "conversation_to_meeting_set".into(),
            from,
            to,
        }
    }

    #[test]
    fn end_before_start_is_a_violation_and_not_a_warning() {
        let (v, warnings) = check_action_plan_dates(d(2026, 3, 1), d(2026, 2, 28));
        assert_eq!(fields(&v), ["end_date"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn six_to_eight_weeks_pass_without_a_warning() {
        for end in [d(2026, 4, 12), d(2026, 4, 26)] {
            let (v, warnings) = check_action_plan_dates(d(2026, 3, 2), end);
            assert!(v.is_empty() && warnings.is_empty(), "{end}");
        }
    }

    #[test]
    fn a_three_week_plan_is_allowed_with_a_warning() {
        let (v, warnings) = check_action_plan_dates(d(2026, 3, 2), d(2026, 3, 22));
        assert!(v.is_empty());
        assert_eq!(
            warnings,
            ["action plans of 6 to 8 weeks work best; this one is 3 weeks"]
        );
        // One day either side of the recommended range.
        let (_, short) = check_action_plan_dates(d(2026, 3, 2), d(2026, 4, 11));
        assert_eq!(
            short,
            ["action plans of 6 to 8 weeks work best; this one is 5 weeks and 6 days"]
        );
        let (_, long) = check_action_plan_dates(d(2026, 3, 2), d(2026, 4, 27));
        assert_eq!(
            long,
            ["action plans of 6 to 8 weeks work best; this one is 8 weeks and 1 day"]
        );
        let (_, day) = check_action_plan_dates(d(2026, 3, 2), d(2026, 3, 2));
        assert_eq!(day, ["action plans of 6 to 8 weeks work best; this one is 1 day"]);
    }

    #[test]
    fn metric_goal_problems_are_named_per_field() {
        let mut v = Violations::new();
        check_metric_goal(&mut v, "goals[0]", &goal(0.12, 0.2));
        assert!(v.is_empty());
        check_metric_goal(
            &mut v,
            "goals[1]",
            &MetricGoal {
                metric_key: "Bad Key".into(),
                from: f64::NAN,
                to: 1.0,
            },
        );
        check_metric_goal(&mut v, "goals[2]", &goal(0.2, 0.2));
        check_metric_goal(&mut v, "goals[3]", &goal(0.2, f64::INFINITY));
        assert_eq!(
            fields(&v),
            ["goals[1].metric_key", "goals[1].from", "goals[2].to", "goals[3].to"]
        );
    }

    #[test]
    fn progress_reports_before_after_change_and_share_of_the_way() {
        let p = progress(&goal(0.12, 0.20), Some(0.12), Some(0.16));
        assert!((p.change.unwrap() - 0.04).abs() < 1e-12);
        assert!((p.progress.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!((p.baseline, p.current), (Some(0.12), Some(0.16)));
    }

    #[test]
    fn progress_works_for_goals_that_go_down() {
        // Days to first meeting from 9 down to 5; now at 6: three quarters of the way.
        let p = progress(&goal(9.0, 5.0), Some(9.0), Some(6.0));
        assert_eq!(p.change, Some(-3.0));
        assert_eq!(p.progress, Some(0.75));
        // Going the wrong way is negative progress.
        assert_eq!(progress(&goal(9.0, 5.0), None, Some(11.0)).progress, Some(-0.5));
    }

    #[test]
    fn progress_without_data_is_none() {
        let p = progress(&goal(0.1, 0.2), None, None);
        assert_eq!(p, Progress::default());
        let p = progress(&goal(0.1, 0.2), Some(0.1), Some(f64::NAN));
        assert_eq!(
            (p.baseline, p.current, p.change, p.progress),
            (Some(0.1), None, None, None)
        );
        assert_eq!(progress(&goal(0.2, 0.2), None, Some(0.3)).progress, None);
    }

    #[test]
    fn ratings_run_from_one_to_five() {
        let mut v = Violations::new();
        for r in 1..=5 {
            check_rating(&mut v, "rating", r);
        }
        assert!(v.is_empty());
        check_rating(&mut v, "ratings[0].rating", 0);
        check_rating(&mut v, "ratings[1].rating", 6);
        assert_eq!(fields(&v), ["ratings[0].rating", "ratings[1].rating"]);
    }

    proptest! {
        #[test]
        fn progress_is_zero_at_from_one_at_to_and_linear_between(
            from in -1e6f64..1e6, size in 1e-3f64..1e6, down in any::<bool>(), t in -2.0f64..3.0
        ) {
            let g = goal(from, if down { from - size } else { from + size });
            prop_assert_eq!(progress(&g, None, Some(g.from)).progress, Some(0.0));
            prop_assert_eq!(progress(&g, None, Some(g.to)).progress, Some(1.0));
            let p = progress(&g, Some(g.from), Some(g.from + t * (g.to - g.from)));
            prop_assert!((p.progress.unwrap() - t).abs() < 1e-6);
        }

        #[test]
        fn plan_length_warning_matches_the_six_to_eight_week_rule(start in 0u64..5000, len in 0u64..200) {
            let a = d(2020, 1, 1) + chrono::Days::new(start);
            let (v, warnings) = check_action_plan_dates(a, a + chrono::Days::new(len));
            prop_assert!(v.is_empty());
            prop_assert_eq!(warnings.is_empty(), (41..=55).contains(&len));
        }
    }
}

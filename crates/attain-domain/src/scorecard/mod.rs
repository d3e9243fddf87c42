//! Scorecard math (issue 4): targets per granularity, ramped quotas, attainment, bands, pace and
//! projection, weighted scores. Pure: no I/O.

use chrono::{Datelike, Months, NaiveDate};

use crate::Violations;
use crate::calendar::Calendar;
use crate::metric::Direction;
use crate::period::{DateRange, Granularity};

/// A scorecard line's target. The caller gives any one granularity and the others follow from
/// the tenant's working days; several may be given to override the derived values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TargetSpec {
    pub daily: Option<f64>,
    pub weekly: Option<f64>,
    pub monthly: Option<f64>,
    pub quarterly: Option<f64>,
}

impl TargetSpec {
    /// Each value with its field name and granularity, finest first.
    fn values(&self) -> [(&'static str, Granularity, Option<f64>); 4] {
        [
            ("daily", Granularity::Day, self.daily),
            ("weekly", Granularity::Week, self.weekly),
            ("monthly", Granularity::Month, self.monthly),
            ("quarterly", Granularity::Quarter, self.quarterly),
        ]
    }
}

/// Checks a target spec: at least one value, each finite and not negative.
pub fn check_target_spec(spec: &TargetSpec) -> Violations {
    let mut v = Violations::new();
    let values = spec.values();
    for (field, _, value) in values {
        match value {
            Some(x) if !x.is_finite() => v.add(field, "must be a finite number"),
            Some(x) if x < 0.0 => v.add(field, "must not be negative"),
            _ => {}
        }
    }
    if values.iter().all(|(_, _, value)| value.is_none()) {
        v.add("target", "give a daily, weekly, monthly or quarterly target");
    }
    v
}

/// The target for `range`, a period of `granularity` or part of one (such as a bucket clipped
/// to a query range).
///
/// The source is the explicit value for `granularity` if given, otherwise the finest value
/// given. A daily value applies to each working day. A weekly, monthly or quarterly value is
/// spread evenly over the working days of its own period (the week, month or fiscal quarter)
/// and each period overlapping `range` contributes its share for the working days they have in
/// common; so a full period with an explicit value gets exactly that value, a 60 calls/day SDR
/// is at 60 on every day they work whichever month it is, and targets add up across buckets.
/// `None` when the spec gives nothing to derive from.
pub fn target_for(spec: &TargetSpec, calendar: &Calendar, range: DateRange, granularity: Granularity) -> Option<f64> {
    let explicit = match granularity {
        Granularity::Day => spec.daily,
        Granularity::Week => spec.weekly,
        Granularity::Month => spec.monthly,
        Granularity::Quarter => spec.quarterly,
        // No yearly field: a year is always derived.
        Granularity::Year => None,
    };
    let (value, source) = match explicit {
        Some(value) => (value, granularity),
        // The finest value given.
        None => spec
            .values()
            .into_iter()
            .find_map(|(_, g, value)| value.map(|v| (v, g)))?,
    };
    if source == Granularity::Day {
        return Some(value * f64::from(calendar.working_days_between(range.start, range.end)));
    }
    let shares = calendar.buckets(source, range).into_iter().map(|part| {
        let whole = calendar.period_containing(source, part.start);
        let in_whole = calendar.working_days_between(whole.start, whole.end);
        let in_part = calendar.working_days_between(part.start, part.end);
        // in_part <= in_whole, so in_whole > 0 below. Returning the value itself for a full
        // period keeps an explicit value exact instead of value / n * n.
        match in_part {
            0 => 0.0,
            n if n == in_whole => value,
            n => value * f64::from(n) / f64::from(in_whole),
        }
    });
    Some(shares.sum())
}

/// Scales `target` by the share of `range`'s working days the person is not out of office.
/// Days off that are not working days or fall outside `range` change nothing (a holiday on a
/// Saturday costs no selling time); duplicates count once. A range without working days gives 0.
pub fn prorate(target: f64, calendar: &Calendar, range: DateRange, days_off: &[NaiveDate]) -> f64 {
    let working = calendar.working_days_between(range.start, range.end);
    if working == 0 {
        return 0.0;
    }
    let mut off: Vec<NaiveDate> = days_off
        .iter()
        .copied()
        .filter(|d| range.contains(*d) && calendar.is_working_day(*d))
        .collect();
    off.sort_unstable();
    off.dedup();
    let present = working.saturating_sub(off.len() as u32);
    target * f64::from(present) / f64::from(working)
}

/// Longest ramp schedule accepted: two years of monthly steps.
pub const MAX_RAMP_STEPS: usize = 24;

/// A ramp schedule: the fraction of full quota for each month since a person's start date, e.g.
/// `[0.25, 0.5, 0.75, 1.0]`. After the last step its value holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Ramp {
    pub steps: Vec<f64>,
}

/// Checks ramp steps: 1 to 24 of them, each a fraction from 0 to 1, never decreasing (a ramp
/// that lowers quota as a rep gains tenure is almost certainly a typo).
pub fn check_ramp(steps: &[f64]) -> Violations {
    let mut v = Violations::new();
    if steps.is_empty() || steps.len() > MAX_RAMP_STEPS {
        v.add("steps", format!("must have 1 to {MAX_RAMP_STEPS} monthly steps"));
    }
    // Compared with the highest valid step so far, so one bad step does not hide the next.
    let mut floor = 0.0;
    for (i, &step) in steps.iter().enumerate() {
        if !(0.0..=1.0).contains(&step) {
            v.add(format!("steps[{i}]"), "must be a fraction from 0 to 1");
        } else if step < floor {
            v.add(format!("steps[{i}]"), "must not be lower than the step before");
        } else {
            floor = step;
        }
    }
    v
}

/// Whole months from `start` to `on`; `None` when `on` is before `start`. Month *n* is reached
/// on the same day-of-month as `start` (clamped to the month's end, so a 31 January start
/// reaches one month on 28 or 29 February).
fn whole_months(start: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < start {
        return None;
    }
    let diff = (on.year() - start.year()) * 12 + on.month() as i32 - start.month() as i32;
    let months = u32::try_from(diff).ok()?;
    let reached = start.checked_add_months(Months::new(months)).is_some_and(|d| d <= on);
    Some(if reached { months } else { months.saturating_sub(1) })
}

/// The month of a ramp that `on` falls in for someone who started on `start_date`: 1 in the
/// first month since the start date, 2 from the first anniversary, and so on; 0 before the start.
pub fn ramp_month(start_date: NaiveDate, on: NaiveDate) -> u32 {
    whole_months(start_date, on).map_or(0, |m| m + 1)
}

/// The fraction of full quota a person who started on `start_date` carries on `on`: step *i*
/// during their (i+1)-th month since start (someone who started 2026-01-15 is in month 1 until
/// 2026-02-14 and in month 2 from 2026-02-15). 0 before the start date; 1 for a ramp without
/// steps, which `check_ramp` refuses but which must not zero anybody's quota.
pub fn ramp_factor(ramp: &Ramp, start_date: NaiveDate, on: NaiveDate) -> f64 {
    let Some(months) = whole_months(start_date, on) else {
        return 0.0;
    };
    let index = (months as usize).min(ramp.steps.len().saturating_sub(1));
    ramp.steps.get(index).copied().unwrap_or(1.0)
}

/// Attainment as a fraction of target (1.0 = on target).
///
/// Higher-is-better: actual / target. Lower-is-better (e.g. days to close): target / actual, so
/// beating a target of 30 days with 20 gives 1.5. `None` when it has no finite value: a target
/// of 0, or a lower-is-better actual of 0 (better than any ratio can express; the caller shows
/// the actual without an attainment).
pub fn attainment(actual: f64, target: f64, direction: Direction) -> Option<f64> {
    if target == 0.0 {
        return None;
    }
    let value = match direction {
        Direction::HigherIsBetter => actual / target,
        Direction::LowerIsBetter if actual == 0.0 => return None,
        Direction::LowerIsBetter => target / actual,
    };
    value.is_finite().then_some(value)
}

/// Red/amber/green boundaries as attainment fractions: red below `red_below`, green from
/// `green_from`, amber between (e.g. 0.7 and 1.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub red_below: f64,
    pub green_from: f64,
}

/// A line's colour on a scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    Red,
    Amber,
    Green,
}

/// The band an attainment falls in. Equal thresholds leave no amber band.
pub fn band(attainment: f64, t: &Thresholds) -> Band {
    if attainment >= t.green_from {
        Band::Green
    } else if attainment < t.red_below {
        Band::Red
    } else {
        Band::Amber
    }
}

/// Checks thresholds: each finite and not negative, and red not above green.
pub fn check_thresholds(t: &Thresholds) -> Violations {
    let mut v = Violations::new();
    for (field, value) in [("red_below", t.red_below), ("green_from", t.green_from)] {
        if !value.is_finite() || value < 0.0 {
            v.add(field, "must be a fraction of target, 0 or more");
        }
    }
    if v.is_empty() && t.red_below > t.green_from {
        v.add("thresholds", "red_below must not be above green_from");
    }
    v
}

/// Where a line stands in a period in progress, by elapsed working days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Working days of the period done as of the moment asked about: those before the as-of
    /// day, and the elapsed part of the as-of day when it is a working day.
    pub elapsed: f64,
    /// `elapsed`, in whole days (the day in progress counts once it is over).
    pub elapsed_working_days: u32,
    pub total_working_days: u32,
    /// The share of the target due by now: target × elapsed / total.
    pub expected_to_date: f64,
    /// actual / expected_to_date; `None` while nothing is expected yet.
    pub pace: Option<f64>,
    /// actual / elapsed × total: the period's end if the rest goes like so far. The actual
    /// itself once the period is over or before any working time has elapsed.
    pub projection: f64,
}

/// How much of `as_of` has passed in the tenant's time zone, for [`pace`]: the part of that
/// local day elapsed at `now` when it is today there, all of it when it is over, none when it
/// has not begun.
pub fn day_done(calendar: &Calendar, as_of: NaiveDate, now: chrono::DateTime<chrono::Utc>) -> f64 {
    let local = now.with_timezone(&calendar.time_zone());
    match as_of.cmp(&local.date_naive()) {
        std::cmp::Ordering::Less => 1.0,
        std::cmp::Ordering::Greater => 0.0,
        std::cmp::Ordering::Equal => {
            use chrono::Timelike;
            f64::from(local.num_seconds_from_midnight()) / 86_400.0
        }
    }
}

/// Pace and projection of `actual` against `target` for `period` as of the day `as_of`, of
/// which `day_done` (0 to 1, see [`day_done`]) has passed: elapsed working days are those from
/// `period.start` before `as_of`, plus `day_done` of `as_of` itself when it is a working day in
/// the period. So at 09:00 on the third working day, with that day's work mostly ahead, a rep
/// is measured against 2.4 days of target, not 3.
pub fn pace(actual: f64, target: f64, calendar: &Calendar, period: DateRange, as_of: NaiveDate, day_done: f64) -> Pace {
    let total = calendar.working_days_between(period.start, period.end);
    let day_done = day_done.clamp(0.0, 1.0);
    let elapsed = if as_of < period.start {
        0.0
    } else if as_of > period.end {
        f64::from(total)
    } else {
        let before = as_of
            .pred_opt()
            .map_or(0, |d| calendar.working_days_between(period.start, d));
        let today = if calendar.is_working_day(as_of) { day_done } else { 0.0 };
        f64::from(before) + today
    };
    let over = as_of > period.end || (as_of == period.end && day_done >= 1.0);
    let expected_to_date = if total == 0 {
        // No working days to spread over: all of it is due once the period is over.
        if over { target } else { 0.0 }
    } else {
        target * elapsed / f64::from(total)
    };
    let pace = (expected_to_date != 0.0).then(|| actual / expected_to_date);
    let projection = if over || elapsed <= 0.0 {
        actual
    } else {
        actual / elapsed * f64::from(total)
    };
    Pace {
        elapsed,
        elapsed_working_days: elapsed.floor() as u32,
        total_working_days: total,
        expected_to_date,
        pace,
        projection,
    }
}

/// When a line of a period in progress may turn red: once at least `min_days` working days and
/// `min_share` of the period's working days have passed. Before that, a line behind pace is
/// amber at worst: two days of a month say little about the month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedAfter {
    pub min_days: f64,
    pub min_share: f64,
}

/// 2 working days and a fifth of the period.
pub const DEFAULT_RED_AFTER: RedAfter = RedAfter {
    min_days: 2.0,
    min_share: 0.2,
};

impl RedAfter {
    /// Whether enough of the period has passed for a line to be red (or a rep behind pace).
    pub fn passed(&self, pace: &Pace) -> bool {
        pace.elapsed >= self.min_days && pace.elapsed >= self.min_share * f64::from(pace.total_working_days)
    }
}

/// A line's band. A period in progress is banded on pace (the actual against the share of the
/// target due by now), and not red before `red_after` has passed; a closed period, or a line
/// without a pace (a level or a ratio, which do not accumulate), on attainment.
pub fn line_band(attainment: Option<f64>, pace: Option<&Pace>, t: &Thresholds, red_after: &RedAfter) -> Option<Band> {
    match pace {
        Some(p) => {
            let b = band(p.pace?, t);
            Some(if b == Band::Red && !red_after.passed(p) {
                Band::Amber
            } else {
                b
            })
        }
        None => attainment.map(|a| band(a, t)),
    }
}

/// Relative change against the previous period: (current − previous) / |previous|, so a rise is
/// positive even from a negative base. `None` when previous is 0 (no base to compare with).
pub fn change(current: f64, previous: f64) -> Option<f64> {
    if previous == 0.0 {
        return None;
    }
    let value = (current - previous) / previous.abs();
    value.is_finite().then_some(value)
}

/// One line's part in a weighted overall score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub weight: f64,
    pub attainment: Option<f64>,
}

/// The weighted mean of the lines' attainments, each capped at `cap` (e.g. 1.5) so that one
/// star line cannot hide the rest. Lines without an attainment or without a positive finite
/// weight are skipped; `None` when none is left.
pub fn weighted_score(lines: &[Line], cap: f64) -> Option<f64> {
    let (weighted, weights) = lines
        .iter()
        .filter(|l| l.weight.is_finite() && l.weight > 0.0)
        .filter_map(|l| l.attainment.filter(|a| a.is_finite()).map(|a| (l.weight, a.min(cap))))
        .fold((0.0, 0.0), |(sum, total), (w, a)| (sum + w * a, total + w));
    (weights > 0.0).then(|| weighted / weights)
}

/// The share of (actual, goal) pairs with actual ≥ goal, e.g. the percent of a team to its daily
/// activity goal or of reps to quota. `None` for no pairs.
pub fn share_meeting(values: &[(f64, f64)]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let meeting = values.iter().filter(|(actual, goal)| actual >= goal).count();
    Some(meeting as f64 / values.len() as f64)
}

/// sum(actual) / sum(goal): the team's attainment, where one star can carry the rest (unlike
/// `share_meeting`). `None` when the goals add up to 0.
pub fn team_attainment(values: &[(f64, f64)]) -> Option<f64> {
    let (actual, goal) = values.iter().fold((0.0, 0.0), |(a, g), (x, y)| (a + x, g + y));
    let value = actual / goal;
    (goal != 0.0 && value.is_finite()).then_some(value)
}

/// Pipeline coverage: open pipeline ÷ remaining quota. `None` once the quota is met (remaining
/// ≤ 0), where coverage means nothing.
pub fn coverage(open_pipeline: f64, remaining_quota: f64) -> Option<f64> {
    (remaining_quota > 0.0).then(|| open_pipeline / remaining_quota)
}

pub mod kpi;
pub mod plan;
pub mod template;

#[cfg(test)]
mod tests;

//! Whose target wins for a person's line, and how much it is over a range: their own quota,
//! their share of the team's quota, their override, or the template; scaled by their ramp and
//! pro-rated for days off.

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::period::{DateRange, Granularity};

use super::{Ramp, TargetSpec, prorate, ramp_factor, target_for};

/// An amount of one metric due over a span of days (a month, quarter or year).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaSpan {
    pub range: DateRange,
    pub amount: f64,
}

/// Where a target came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetSource {
    PersonQuota,
    TeamQuota,
    Override,
    Template,
}

/// What sets one person's target for one additive line.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetInputs<'a> {
    /// The person's own quotas for the metric, before ramp.
    pub person_quotas: &'a [QuotaSpan],
    /// The person's shares of their team's quotas for the metric (see `distribute`; the ramp is
    /// already weighed in).
    pub team_shares: &'a [QuotaSpan],
    /// The person's override, else the template's target.
    pub spec: Option<(TargetSpec, TargetSource)>,
}

/// The person a target is for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Person<'a> {
    pub start_date: Option<NaiveDate>,
    pub ramp: Option<&'a Ramp>,
    /// Out-of-office days (any order, duplicates allowed).
    pub days_off: &'a [NaiveDate],
}

impl Person<'_> {
    /// The ramp factor on `on`: 1 for a person without a start date or a ramp.
    pub fn ramp_factor(&self, on: NaiveDate) -> f64 {
        match (self.start_date, self.ramp) {
            (Some(start), Some(ramp)) => ramp_factor(ramp, start, on),
            _ => 1.0,
        }
    }

    /// Whether the person's target depends on the day (a ramp and a start date).
    fn ramps(&self) -> bool {
        self.start_date.is_some() && self.ramp.is_some()
    }

    /// The ramp over `range`, as a factor on the range's target: each working day carries the
    /// factor of its own day (the step of its month since the start date, 0 before it), weighted
    /// by `weight` (what the day is worth of the target). So a rep who starts on the 10th carries
    /// the first step for the working days from the 10th and nothing before, and the next month
    /// blends the first step until the anniversary with the second after it.
    fn ramp_over(&self, calendar: &Calendar, range: DateRange, weight: impl Fn(NaiveDate) -> f64) -> f64 {
        if !self.ramps() {
            return 1.0;
        }
        let mut factors = Vec::new();
        let mut day = Some(range.start);
        while let Some(d) = day.filter(|d| *d <= range.end) {
            if calendar.is_working_day(d) {
                factors.push((d, self.ramp_factor(d)));
            }
            day = d.succ_opt();
        }
        // Every day on one step (the usual case, a fully ramped rep included): that step, exactly,
        // without weighing the days.
        match factors.first() {
            None => return self.ramp_factor(range.start),
            Some(&(_, f)) if factors.iter().all(|&(_, g)| g == f) => return f,
            Some(_) => {}
        }
        let (mut weighted, mut whole) = (0.0, 0.0);
        for (d, f) in factors {
            let w = weight(d);
            weighted += w * f;
            whole += w;
        }
        if whole > 0.0 {
            weighted / whole
        } else {
            self.ramp_factor(range.start)
        }
    }

    /// The mean ramp factor over the working days of `range` (e.g. a team quota's span), each
    /// day its own step.
    pub fn mean_ramp_factor(&self, calendar: &Calendar, range: DateRange) -> f64 {
        self.ramp_over(calendar, range, |_| 1.0)
    }
}

fn overlap(a: DateRange, b: DateRange) -> Option<DateRange> {
    let (start, end) = (a.start.max(b.start), a.end.min(b.end));
    (start <= end).then_some(DateRange { start, end })
}

/// The parts of `range` outside every range of `covered`.
fn uncovered(range: DateRange, covered: &mut [DateRange]) -> Vec<DateRange> {
    covered.sort_by_key(|r| r.start);
    let mut out = Vec::new();
    let mut next = Some(range.start);
    for c in covered.iter() {
        let Some(from) = next else { break };
        if c.start > from {
            out.push(DateRange {
                start: from,
                end: c.start.pred_opt().unwrap_or(c.start).min(range.end),
            });
        }
        if c.end >= from {
            next = c.end.succ_opt().filter(|d| *d <= range.end);
        }
    }
    if let Some(from) = next {
        out.push(DateRange {
            start: from,
            end: range.end,
        });
    }
    out
}

/// `amount` due over `span`, the share falling in `part` by working days.
fn share_of(calendar: &Calendar, span: DateRange, amount: f64, part: DateRange) -> f64 {
    let whole = calendar.working_days_between(span.start, span.end);
    let inside = calendar.working_days_between(part.start, part.end);
    match inside {
        0 => 0.0,
        n if n == whole => amount,
        n => amount * f64::from(n) / f64::from(whole),
    }
}

/// The target of an additive line (a COUNT or SUM metric) for `person` over `range`, a period
/// of `granularity` or part of one (`Granularity::Day` for an arbitrary range), with where it
/// came from; `None` when nothing sets one.
///
/// Quotas cover the days of their span that fall in `range`, a person's own before their
/// team's (a team quota overlapping one of the person's own is left out). Days no quota covers
/// take the override's or template's target. Own quotas and template targets are scaled by
/// the ramp day by day (see `Person::ramp_over`); team shares carry the ramp already. The total
/// is then pro-rated for days off.
pub fn additive_target(
    inputs: &TargetInputs,
    person: &Person,
    calendar: &Calendar,
    range: DateRange,
    granularity: Granularity,
) -> Option<(f64, TargetSource)> {
    let mut total = 0.0;
    let mut source = None;
    let mut covered = Vec::new();
    for q in inputs.person_quotas {
        if let Some(part) = overlap(q.range, range) {
            // A quota is due evenly over its span's working days.
            total += share_of(calendar, q.range, q.amount, part) * person.mean_ramp_factor(calendar, part);
            covered.push(part);
            source.get_or_insert(TargetSource::PersonQuota);
        }
    }
    for q in inputs.team_shares {
        let clashes = inputs
            .person_quotas
            .iter()
            .any(|own| overlap(own.range, q.range).is_some());
        if let (false, Some(part)) = (clashes, overlap(q.range, range)) {
            total += share_of(calendar, q.range, q.amount, part);
            covered.push(part);
            source.get_or_insert(TargetSource::TeamQuota);
        }
    }
    if let Some((spec, from)) = inputs.spec {
        let rest = uncovered(range, &mut covered);
        for part in rest {
            if let Some(t) = target_for(&spec, calendar, part, granularity) {
                // Each working day weighs what the spec makes it worth (months differ in length).
                let day = |d: NaiveDate| {
                    target_for(&spec, calendar, DateRange { start: d, end: d }, Granularity::Day).unwrap_or(0.0)
                };
                total += t * person.ramp_over(calendar, part, day);
                source.get_or_insert(from);
            }
        }
    }
    let source = source?;
    Some((prorate(total, calendar, range, person.days_off), source))
}

/// A team member as a team quota sees them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Their mean ramp factor over the working days of the quota's span.
    pub factor: f64,
    /// Their own quota for the same metric and span, if any.
    pub own: Option<f64>,
}

/// Splits a team quota: members with their own quota keep it and it is subtracted from the
/// team's; the rest (not below 0) is shared by the others in proportion to their ramp factors,
/// so a rep at 50 % ramp carries half a full rep's share. `None` for members with their own
/// quota, and for everyone when nobody is left to carry a share.
pub fn distribute(amount: f64, members: &[Member]) -> Vec<Option<f64>> {
    let own: f64 = members.iter().filter_map(|m| m.own).sum();
    let remainder = (amount - own).max(0.0);
    let weights: f64 = members
        .iter()
        .filter(|m| m.own.is_none())
        .map(|m| m.factor.max(0.0))
        .sum();
    members
        .iter()
        .map(|m| match m.own {
            Some(_) => None,
            None if weights > 0.0 => Some(remainder * m.factor.max(0.0) / weights),
            None => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn range(a: NaiveDate, b: NaiveDate) -> DateRange {
        DateRange { start: a, end: b }
    }

    fn calendar() -> Calendar {
        let weekdays = [
            Some(Weekday::Mon),
            Some(Weekday::Tue),
            Some(Weekday::Wed),
            Some(Weekday::Thu),
            Some(Weekday::Fri),
        ];
        Calendar::new("UTC", Some(Weekday::Mon), 1, &weekdays).expect("calendar")
    }

    fn daily(x: f64) -> Option<(TargetSpec, TargetSource)> {
        let spec = TargetSpec {
            daily: Some(x),
            ..TargetSpec::default()
        };
        Some((spec, TargetSource::Template))
    }

    #[test]
    fn template_targets_per_granularity() {
        let cal = calendar();
        let inputs = TargetInputs {
            spec: daily(60.0),
            ..TargetInputs::default()
        };
        let p = Person::default();
        // Week of Monday 2026-06-01: 5 working days.
        let week = cal.period_containing(Granularity::Week, day(2026, 6, 3));
        assert_eq!(
            additive_target(&inputs, &p, &cal, week, Granularity::Week),
            Some((300.0, TargetSource::Template))
        );
        // June 2026 has 22 weekdays.
        let june = cal.period_containing(Granularity::Month, day(2026, 6, 3));
        assert_eq!(
            additive_target(&inputs, &p, &cal, june, Granularity::Month),
            Some((1320.0, TargetSource::Template))
        );
    }

    /// A rep who starts on Wednesday 10 June 2026 on a 25/50/75/100 % ramp, at 100 calls a day.
    /// June: the 15 working days from the 10th carry 25 %: 100 × 15 × 0.25 = 375 (the 7 before
    /// carry nothing). July: 1 to 9 July (7 working days) are still month one at 25 %, 10 to 31
    /// July (16) month two at 50 %: 100 × (7 × 0.25 + 16 × 0.5) = 975.
    #[test]
    fn a_start_on_the_10th_pro_rates_the_first_month_and_blends_the_second() {
        let cal = calendar();
        let ramp = Ramp {
            steps: vec![0.25, 0.5, 0.75, 1.0],
        };
        let p = Person {
            start_date: Some(day(2026, 6, 10)),
            ramp: Some(&ramp),
            days_off: &[],
        };
        let inputs = TargetInputs {
            spec: daily(100.0),
            ..TargetInputs::default()
        };
        let june = cal.period_containing(Granularity::Month, day(2026, 6, 10));
        let july = cal.period_containing(Granularity::Month, day(2026, 7, 10));
        assert_eq!(cal.working_days_between(day(2026, 6, 10), day(2026, 6, 30)), 15);
        assert_eq!(cal.working_days_between(day(2026, 7, 1), day(2026, 7, 9)), 7);
        assert_eq!(cal.working_days_between(day(2026, 7, 10), day(2026, 7, 31)), 16);
        let near = |a: Option<(f64, TargetSource)>, b: f64| a.is_some_and(|(a, _)| (a - b).abs() < 1e-9);
        assert!(near(
            additive_target(&inputs, &p, &cal, june, Granularity::Month),
            375.0
        ));
        assert!(near(
            additive_target(&inputs, &p, &cal, july, Granularity::Month),
            975.0
        ));
        // A June quota of 2,200 (100 a working day) ramps the same way.
        let quota = [QuotaSpan {
            range: june,
            amount: 2200.0,
        }];
        let quota_inputs = TargetInputs {
            person_quotas: &quota,
            ..TargetInputs::default()
        };
        assert!(near(
            additive_target(&quota_inputs, &p, &cal, june, Granularity::Month),
            375.0
        ));
    }

    #[test]
    fn ramp_month_two_is_half_quota() {
        let cal = calendar();
        let ramp = Ramp {
            steps: vec![0.25, 0.5, 0.75, 1.0],
        };
        let q3 = cal.period_containing(Granularity::Quarter, day(2026, 7, 1));
        let quota = [QuotaSpan {
            range: q3,
            amount: 120_000.0,
        }];
        // Started 1 June: on 1 July they are in their second month.
        let p = Person {
            start_date: Some(day(2026, 6, 1)),
            ramp: Some(&ramp),
            days_off: &[],
        };
        let inputs = TargetInputs {
            person_quotas: &quota,
            ..TargetInputs::default()
        };
        // Each working day carries its own month's step: July (23 working days) 50 %, August
        // (21) 75 %, September (22) 100 %: 120,000 ÷ 66 × (11.5 + 15.75 + 22).
        let (target, source) = additive_target(&inputs, &p, &cal, q3, Granularity::Quarter).expect("a target");
        assert_eq!(source, TargetSource::PersonQuota);
        assert!((target - 120_000.0 / 66.0 * 49.25).abs() < 1e-6, "{target}");
        // On 1 July alone they are in their second month: half of that day's share.
        let first = DateRange {
            start: day(2026, 7, 1),
            end: day(2026, 7, 1),
        };
        let (one_day, _) = additive_target(&inputs, &p, &cal, first, Granularity::Day).expect("a target");
        assert!((one_day - 120_000.0 / 66.0 * 0.5).abs() < 1e-9, "{one_day}");
    }

    #[test]
    fn quotas_cover_their_days_and_the_template_the_rest() {
        let cal = calendar();
        // A July quota of 1,000 calls; August and September fall back to 10 a day.
        let july = cal.period_containing(Granularity::Month, day(2026, 7, 1));
        let quota = [QuotaSpan {
            range: july,
            amount: 1000.0,
        }];
        let inputs = TargetInputs {
            person_quotas: &quota,
            spec: daily(10.0),
            ..TargetInputs::default()
        };
        let q3 = cal.period_containing(Granularity::Quarter, day(2026, 7, 1));
        let aug_sep = cal.working_days_between(day(2026, 8, 1), day(2026, 9, 30));
        assert_eq!(
            additive_target(&inputs, &Person::default(), &cal, q3, Granularity::Quarter),
            Some((1000.0 + 10.0 * f64::from(aug_sep), TargetSource::PersonQuota))
        );
    }

    #[test]
    fn a_week_off_prorates() {
        let cal = calendar();
        let off: Vec<NaiveDate> = (1..=5).map(|d| day(2026, 6, d)).collect();
        let p = Person {
            days_off: &off,
            ..Person::default()
        };
        let inputs = TargetInputs {
            spec: daily(60.0),
            ..TargetInputs::default()
        };
        let june = cal.period_containing(Granularity::Month, day(2026, 6, 3));
        assert_eq!(
            additive_target(&inputs, &p, &cal, june, Granularity::Month),
            Some((60.0 * 17.0, TargetSource::Template))
        );
    }

    #[test]
    fn team_quota_shares_follow_ramps_and_own_quotas() {
        let members = [
            Member { factor: 1.0, own: None },
            Member { factor: 0.5, own: None },
            Member {
                factor: 1.0,
                own: Some(40.0),
            },
        ];
        assert_eq!(distribute(190.0, &members), [Some(100.0), Some(50.0), None]);
        assert_eq!(distribute(10.0, &members), [Some(0.0), Some(0.0), None]);
        assert_eq!(distribute(10.0, &[Member { factor: 0.0, own: None }]), [None]);
    }

    #[test]
    fn uncovered_parts() {
        let r = range(day(2026, 1, 1), day(2026, 1, 31));
        let mut covered = vec![
            range(day(2026, 1, 10), day(2026, 1, 12)),
            range(day(2025, 12, 1), day(2026, 1, 3)),
        ];
        assert_eq!(
            uncovered(r, &mut covered),
            [
                range(day(2026, 1, 4), day(2026, 1, 9)),
                range(day(2026, 1, 13), day(2026, 1, 31))
            ]
        );
        let mut all = vec![r];
        assert_eq!(uncovered(r, &mut all), []);
    }
}

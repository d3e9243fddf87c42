//! Milestones, with no I/O: which achievements a set of plain inputs (attainment, per-day goal
//! results, per-day values, top deals, leaderboard ranks, deal counts) amounts to, each with
//! the key that makes it recorded once however often detection runs on the same facts.
//!
//! A key names the achievement, never the moment detection noticed it: re-ingesting events,
//! rebuilding rollups or running two detectors gives the same keys, and the service's unique
//! index on them turns every repeat into nothing.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{Violations, webhook::EventType};

crate::text_enum! {
    /// What kind of achievement a milestone is; the webhook event type is `milestone.<name>`.
    Kind {
        QuotaAttained = "quota_attained",
        DailyGoalHit = "daily_goal_hit",
        Streak = "streak",
        PersonalBest = "personal_best",
        BiggestDeal = "biggest_deal",
        NewLeader = "new_leader",
        FirstDeal = "first_deal",
    }
}

impl Kind {
    /// The webhook event type that announces this kind.
    pub fn event_type(self) -> EventType {
        match self {
            Kind::QuotaAttained => EventType::QuotaAttained,
            Kind::DailyGoalHit => EventType::DailyGoalHit,
            Kind::Streak => EventType::Streak,
            Kind::PersonalBest => EventType::PersonalBest,
            Kind::BiggestDeal => EventType::BiggestDeal,
            Kind::NewLeader => EventType::NewLeader,
            Kind::FirstDeal => EventType::FirstDeal,
        }
    }
}

/// Highest quota step a tenant may set, in percent.
pub const MAX_QUOTA_STEP: u32 = 1000;
/// Most quota steps a tenant may set.
pub const MAX_QUOTA_STEPS: usize = 10;
/// Longest streak length a tenant may set, in working days.
pub const MAX_STREAK_DAYS: u32 = 250;
/// Most earlier days with data a personal best may ask for.
pub const MAX_BEST_HISTORY: u32 = 250;

/// A tenant's milestone settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Percent of quota at which `quota_attained` fires, ascending, each in 1..=1000.
    pub quota_steps: Vec<u32>,
    /// Working days in a row at daily goal that make a streak (and every multiple of it).
    pub streak_days: u32,
    /// Whether personal bests are announced at all.
    pub personal_best: bool,
    /// Earlier days with data a person needs before a day can be their personal best, so that
    /// a new rep's first busy days are not all "bests".
    pub personal_best_min_history: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            quota_steps: vec![50, 100, 150],
            streak_days: 5,
            personal_best: true,
            personal_best_min_history: 10,
        }
    }
}

/// Adds a violation for each bad setting, named by its field.
pub fn check_settings(v: &mut Violations, s: &Settings) {
    if s.quota_steps.is_empty() {
        v.add("settings.quota_steps", "must name at least one step");
    }
    if s.quota_steps.len() > MAX_QUOTA_STEPS {
        v.add(
            "settings.quota_steps",
            format!("must name at most {MAX_QUOTA_STEPS} steps"),
        );
    }
    if s.quota_steps.iter().any(|step| *step == 0 || *step > MAX_QUOTA_STEP) {
        v.add(
            "settings.quota_steps",
            format!("every step must be between 1 and {MAX_QUOTA_STEP} (percent)"),
        );
    }
    if s.quota_steps.windows(2).any(|w| w[0] >= w[1]) {
        v.add("settings.quota_steps", "must be in ascending order with no repeats");
    }
    if !(2..=MAX_STREAK_DAYS).contains(&s.streak_days) {
        v.add(
            "settings.streak_days",
            format!("must be between 2 and {MAX_STREAK_DAYS}"),
        );
    }
    if s.personal_best_min_history > MAX_BEST_HISTORY {
        v.add(
            "settings.personal_best_min_history",
            format!("must be at most {MAX_BEST_HISTORY}"),
        );
    }
}

/// One achievement to record: its kind, who, the key that makes it unique in the tenant, and
/// the step, run length or value it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: Kind,
    pub person: Uuid,
    pub dedup_key: String,
    /// The local day the achievement belongs to.
    pub day: NaiveDate,
    /// The quota step (percent), the streak length (days), or the value beaten or reached.
    pub amount: f64,
}

/// `quota_attained` for each step `actual / quota` has reached, in percent. Nothing without a
/// positive quota. The key holds the quota period's start, so a new period starts afresh.
pub fn quota_steps(
    person: Uuid,
    period_start: NaiveDate,
    actual: f64,
    quota: f64,
    steps: &[u32],
    today: NaiveDate,
) -> Vec<Found> {
    // NaN quotas fail `> 0` too, so they give nothing.
    if quota.is_nan() || quota <= 0.0 || !actual.is_finite() {
        return Vec::new();
    }
    // Compared as actual * 100 >= step * quota, so 100 % means actual >= quota exactly,
    // without the rounding of a division.
    steps
        .iter()
        .filter(|step| actual * 100.0 >= f64::from(**step) * quota)
        .map(|step| Found {
            kind: Kind::QuotaAttained,
            person,
            dedup_key: format!("quota:{person}:{period_start}:{step}"),
            day: today,
            amount: f64::from(*step),
        })
        .collect()
}

/// `daily_goal_hit` when `met` (every activity line of the day at its target, as the manager
/// KPI "percent of team to daily activity goal" counts it) is true.
pub fn daily_goal(person: Uuid, day: NaiveDate, met: Option<bool>) -> Option<Found> {
    (met == Some(true)).then(|| Found {
        kind: Kind::DailyGoalHit,
        person,
        dedup_key: format!("daily:{person}:{day}"),
        day,
        amount: 1.0,
    })
}

/// `streak` for each run of `n` (and 2n, 3n …) working days in a row at daily goal. `days`
/// are the working days of a window in order with whether the goal was met. A run that starts
/// on the window's first day may have begun before it, so its start is unknown and it is left
/// alone: it was announced, with its true first day in the key, when the window still held
/// that day. The key carries the run's first day, which does not move as the run grows.
pub fn streaks(person: Uuid, days: &[(NaiveDate, bool)], n: u32) -> Vec<Found> {
    let mut out = Vec::new();
    if n < 2 {
        return out;
    }
    let mut i = 0;
    while i < days.len() {
        if !days[i].1 {
            i += 1;
            continue;
        }
        let start = i;
        while i < days.len() && days[i].1 {
            i += 1;
        }
        if start == 0 {
            continue;
        }
        let len = (i - start) as u32;
        let first = days[start].0;
        for k in 1..=len / n {
            let at = start + (k * n) as usize - 1;
            out.push(Found {
                kind: Kind::Streak,
                person,
                dedup_key: format!("streak:{person}:{first}:{}", k * n),
                day: days[at].0,
                amount: f64::from(k * n),
            });
        }
    }
    out
}

/// What a personal best is measured against: a person's earlier days with data for one metric.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct History {
    /// The largest earlier value.
    pub best: f64,
    /// Earlier days with data.
    pub days: u32,
}

impl History {
    /// Adds one earlier day's value; zero and non-finite values are not data.
    pub fn add(&mut self, value: f64) {
        if value.is_finite() && value > 0.0 {
            self.best = if self.days == 0 { value } else { self.best.max(value) };
            self.days += 1;
        }
    }

    pub fn of(values: impl IntoIterator<Item = f64>) -> History {
        let mut h = History::default();
        for v in values {
            h.add(v);
        }
        h
    }
}

/// `personal_best` when `value` on `day` is above every earlier day of `history` and there are
/// at least `min_history` (and at least one) of those days. Zero is never a best.
pub fn personal_best(
    person: Uuid,
    metric: &str,
    day: NaiveDate,
    value: f64,
    history: History,
    min_history: u32,
) -> Option<Found> {
    let enough = history.days >= min_history.max(1);
    (enough && value > history.best && value > 0.0 && value.is_finite()).then(|| Found {
        kind: Kind::PersonalBest,
        person,
        dedup_key: format!("best:{person}:{metric}:{day}"),
        day,
        amount: value,
    })
}

/// `biggest_deal` for the holder of the period's largest single deal, when exactly one person
/// holds it. `top` is each person's largest deal in the period. A new holder or a bigger deal
/// gives a new key; the same holder with the same deal gives the same key.
pub fn biggest_deal(period_start: NaiveDate, top: &[(Uuid, f64)], today: NaiveDate) -> Option<Found> {
    let best = top
        .iter()
        .filter(|(_, v)| v.is_finite() && *v > 0.0)
        .map(|(_, v)| *v)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut holders = top.iter().filter(|(_, v)| *v == best);
    let (person, value) = holders.next()?;
    if holders.next().is_some() {
        return None;
    }
    Some(Found {
        kind: Kind::BiggestDeal,
        person: *person,
        dedup_key: format!("deal:{period_start}:{person}:{value}"),
        day: today,
        amount: *value,
    })
}

/// `new_leader` for the sole person ranked 1 on a saved leaderboard's current period (a tie
/// at the top leads nobody). Each person is announced once per board and period, however
/// often the lead changes hands.
pub fn new_leader(board: Uuid, period_start: NaiveDate, ranks: &[(Uuid, u32, f64)], today: NaiveDate) -> Option<Found> {
    let mut leaders = ranks.iter().filter(|(_, rank, _)| *rank == 1);
    let (person, _, value) = leaders.next()?;
    if leaders.next().is_some() || value.is_nan() || *value <= 0.0 {
        return None;
    }
    Some(Found {
        kind: Kind::NewLeader,
        person: *person,
        dedup_key: format!("leader:{board}:{period_start}:{person}"),
        day: today,
        amount: *value,
    })
}

/// `first_deal` for a person still ramping (`onboarding`) who has won at least one deal since
/// starting. Once per person, ever.
pub fn first_deal(person: Uuid, onboarding: bool, deals_won: f64, today: NaiveDate) -> Option<Found> {
    (onboarding && deals_won >= 1.0).then(|| Found {
        kind: Kind::FirstDeal,
        person,
        dedup_key: format!("first:{person}"),
        day: today,
        amount: deals_won,
    })
}

/// A one-line title for people, e.g. "Ana Ruiz hit 100% of quota (revenue won)". `what` is
/// the metric, period or board it is about; `amount` the value as people read it (money in
/// whole units of the currency, counts as counts).
pub fn title(found: &Found, name: &str, what: &str, amount: &str) -> String {
    let day = found.day.format("%a %-d %b");
    match found.kind {
        Kind::QuotaAttained => format!("{name} hit {}% of quota ({what})", found.amount),
        Kind::DailyGoalHit => format!("{name} hit every daily activity goal on {day}"),
        Kind::Streak => format!(
            "{name} hit the daily activity goal {} working days in a row",
            found.amount
        ),
        Kind::PersonalBest => format!("{name} set a personal best: {amount} {what} on {day}"),
        Kind::BiggestDeal => format!("{name} has the biggest deal of {what}: {amount}"),
        Kind::NewLeader => format!("{name} leads {what}"),
        Kind::FirstDeal => format!("{name} won their first deal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default()
    }

    fn keys(found: &[Found]) -> Vec<&str> {
        found.iter().map(|f| f.dedup_key.as_str()).collect()
    }

    #[test]
    fn quota_steps_fire_at_and_above_each_step() {
        let p = Uuid::nil();
        assert!(quota_steps(p, d(1), 49.0, 100.0, &[50, 100, 150], d(20)).is_empty());
        let at_100 = quota_steps(p, d(1), 100.0, 100.0, &[50, 100, 150], d(20));
        assert_eq!(
            keys(&at_100),
            [format!("quota:{p}:2026-11-01:50"), format!("quota:{p}:2026-11-01:100")]
        );
        assert!(quota_steps(p, d(1), 500.0, 0.0, &[50], d(20)).is_empty());
    }

    #[test]
    fn a_streak_is_announced_at_n_and_2n_with_its_first_day() {
        let p = Uuid::nil();
        let days: Vec<(NaiveDate, bool)> = (2..=13).map(|i| (d(i), i != 2)).collect();
        let found = streaks(p, &days, 5);
        assert_eq!(
            keys(&found),
            [format!("streak:{p}:2026-11-03:5"), format!("streak:{p}:2026-11-03:10")]
        );
        assert_eq!(found[0].day, d(7));
    }

    #[test]
    fn a_streak_that_may_have_begun_before_the_window_is_left_alone() {
        let days: Vec<(NaiveDate, bool)> = (2..=9).map(|i| (d(i), true)).collect();
        assert!(streaks(Uuid::nil(), &days, 5).is_empty());
    }

    #[test]
    fn a_personal_best_needs_history_and_must_beat_all_of_it() {
        let p = Uuid::nil();
        let history = History::of([3.0, 5.0, 0.0, 4.0]);
        assert_eq!(history, History { best: 5.0, days: 3 }, "a zero day is no data");
        assert!(personal_best(p, "calls", d(10), 6.0, history, 3).is_some());
        assert!(personal_best(p, "calls", d(10), 5.0, history, 3).is_none());
        assert!(personal_best(p, "calls", d(10), 6.0, history, 4).is_none());
        assert!(personal_best(p, "calls", d(10), 6.0, History::default(), 0).is_none());
    }

    #[test]
    fn ties_at_the_top_announce_nobody() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert!(biggest_deal(d(1), &[(a, 10.0), (b, 10.0)], d(5)).is_none());
        let found = biggest_deal(d(1), &[(a, 10.0), (b, 12.0)], d(5));
        assert_eq!(found.map(|f| f.person), Some(b));
        assert!(new_leader(Uuid::nil(), d(1), &[(a, 1, 3.0), (b, 1, 3.0)], d(5)).is_none());
        assert_eq!(
            new_leader(Uuid::nil(), d(1), &[(a, 1, 3.0), (b, 2, 2.0)], d(5)).map(|f| f.person),
            Some(a)
        );
    }

    #[test]
    fn titles_read_as_sentences() {
        let found = |kind, amount| Found {
            kind,
            person: Uuid::nil(),
            dedup_key: String::new(),
            day: d(16),
            amount,
        };
        assert_eq!(
            title(&found(Kind::QuotaAttained, 100.0), "Ana Ruiz", "revenue won", "100"),
            "Ana Ruiz hit 100% of quota (revenue won)"
        );
        assert_eq!(
            title(&found(Kind::PersonalBest, 8.0), "Ana Ruiz", "calls", "8"),
            "Ana Ruiz set a personal best: 8 calls on Mon 16 Nov"
        );
        assert_eq!(
            title(&found(Kind::BiggestDeal, 8e6), "Eve", "November 2026", "$80,000"),
            "Eve has the biggest deal of November 2026: $80,000"
        );
    }

    #[test]
    fn settings_name_each_bad_field() {
        let mut v = Violations::new();
        check_settings(
            &mut v,
            &Settings {
                quota_steps: vec![100, 50, 0],
                streak_days: 1,
                personal_best: true,
                personal_best_min_history: 1000,
            },
        );
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert!(fields.contains(&"settings.quota_steps"));
        assert!(fields.contains(&"settings.streak_days"));
        assert!(fields.contains(&"settings.personal_best_min_history"));
        let mut ok = Violations::new();
        check_settings(&mut ok, &Settings::default());
        assert!(ok.is_empty());
    }

    proptest! {
        #[test]
        fn a_quota_step_is_found_iff_attainment_reaches_it(
            actual in 0u32..100_000, quota in 1u32..100_000, step in 1u32..=1000,
        ) {
            let found = quota_steps(Uuid::nil(), d(1), f64::from(actual), f64::from(quota), &[step], d(2));
            let reached = u64::from(actual) * 100 >= u64::from(step) * u64::from(quota);
            prop_assert_eq!(found.len() == 1, reached);
        }

        #[test]
        fn a_best_beats_every_earlier_day_and_needs_enough_of_them(
            earlier in proptest::collection::vec(0u32..1000, 0..40), value in 0u32..1000, min in 0u32..20,
        ) {
            let history = History::of(earlier.iter().map(|v| f64::from(*v)));
            let found = personal_best(Uuid::nil(), "calls", d(20), f64::from(value), history, min);
            let with_data: Vec<u32> = earlier.iter().copied().filter(|v| *v > 0).collect();
            let expected = !with_data.is_empty()
                && with_data.len() >= min as usize
                && with_data.iter().all(|v| value > *v);
            prop_assert_eq!(found.is_some(), expected);
        }

        #[test]
        fn detecting_twice_gives_the_same_keys_and_a_longer_run_keeps_them(
            met in proptest::collection::vec(any::<bool>(), 0..60), n in 2u32..8, extra in 0usize..10,
        ) {
            let days: Vec<(NaiveDate, bool)> = met
                .iter()
                .enumerate()
                .map(|(i, m)| (d(1) + chrono::Days::new(i as u64), *m))
                .collect();
            let first = streaks(Uuid::nil(), &days, n);
            prop_assert_eq!(&first, &streaks(Uuid::nil(), &days, n));
            // More days at goal afterwards never take back or rename a streak already found.
            let mut later = days.clone();
            let last = later.last().map_or(d(1), |x| x.0);
            later.extend((1..=extra).map(|i| (last + chrono::Days::new(i as u64), true)));
            let again = streaks(Uuid::nil(), &later, n);
            for f in &first {
                prop_assert!(again.iter().any(|g| g.dedup_key == f.dedup_key));
            }
        }
    }
}

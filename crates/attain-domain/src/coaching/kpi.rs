//! Coaching KPIs (adherence to cadence, share of reps coached, days between 1:1s) and
//! metric-based suggestions: which reps to coach next, in what kind of session, on what.

use chrono::NaiveDate;

use super::kinds::SessionKind;

/// Adherence to cadence: sessions held ÷ sessions planned; `None` when nothing was planned.
/// Not capped at 1: a coach who held extra sessions shows above 100 %, which is worth seeing.
pub fn adherence(held: u32, planned: u32) -> Option<f64> {
    share(held, planned)
}

/// part ÷ whole, e.g. the share of a team's reps coached in a period; `None` when `whole` is 0.
pub fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// The mean number of days between consecutive distinct dates, e.g. between a rep's 1:1s; the
/// dates may come in any order and two sessions on one day count as one. `None` for fewer than
/// two distinct dates.
pub fn average_gap_days(dates: &[NaiveDate]) -> Option<f64> {
    let mut sorted = dates.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    // The gaps add up to the span from the first date to the last.
    let (first, last) = (sorted.first()?, sorted.last()?);
    let gaps = sorted.len() - 1;
    (gaps > 0).then(|| (*last - *first).num_days() as f64 / gaps as f64)
}

/// The median of the finite values (the mean of the middle two for an even count); `None` when
/// there are none. The median rather than the mean is the team reference for suggestions, so
/// that one outlier does not make everyone else look behind.
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

/// A rep considered for coaching.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The caller's handle for the rep, e.g. an index into its list of people.
    pub person: usize,
    /// Keys of leading-indicator metrics the rep is behind pace on (such as `calls`).
    pub behind_pace: Vec<String>,
    /// Conversion rates as fractions (0.25 = 25 %) by metric key; `None` when the rep has no
    /// data for a rate (no conversations, say), which then neither lags nor counts towards the
    /// team median.
    pub rates: Vec<(String, Option<f64>)>,
}

/// A suggestion to coach a rep.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub person: usize,
    pub kind: SessionKind,
    /// Lagging rates, weakest first, then the metrics the rep is behind pace on.
    pub focus_metric_keys: Vec<String>,
    /// One sentence per focus metric, in the same order.
    pub reasons: Vec<String>,
    /// How far the weakest lagging rate is below the team median, as a share of the median
    /// (0.5 = half the median); 0 when the rep is only behind pace.
    pub weakest_gap: f64,
}

/// Suggests whom to coach: every rep who is behind pace on a leading indicator or whose
/// conversion rate lags the team median by more than `lag_threshold` (a fraction: 0.2 means a
/// rate below 80 % of the median lags). The team median of each rate is taken over the
/// candidates that have a value for it; a rate whose median is 0 or below has no reference and
/// makes nobody lag. `lag_threshold` is clamped to 0..=1 (not finite counts as 0).
///
/// The session kind follows the weakest lagging rate that points at one: a call or
/// conversation rate (key containing `call` or `conversation`) needs a call review; win rate,
/// meeting to next stage and held to qualified need a pipeline review; otherwise, and for reps
/// who are only behind pace, a 1:1.
///
/// The suggestions come biggest gap first, then reps who are only behind pace; ties keep the
/// candidates' order.
pub fn suggest(candidates: &[Candidate], lag_threshold: f64) -> Vec<Suggestion> {
    let threshold = if lag_threshold.is_finite() {
        lag_threshold.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in candidates.iter().flat_map(|c| &c.rates) {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let medians: Vec<(&str, f64)> = keys
        .into_iter()
        .filter_map(|key| {
            let values: Vec<f64> = candidates.iter().filter_map(|c| rate_of(c, key)).collect();
            median(&values).filter(|m| *m > 0.0).map(|m| (key, m))
        })
        .collect();

    let mut out: Vec<Suggestion> = candidates
        .iter()
        .filter_map(|c| suggestion_for(c, &medians, threshold))
        .collect();
    out.sort_by(|a, b| b.weakest_gap.total_cmp(&a.weakest_gap));
    out
}

/// A lagging rate of one rep.
struct Lag<'a> {
    key: &'a str,
    value: f64,
    median: f64,
    gap: f64,
}

fn suggestion_for(c: &Candidate, medians: &[(&str, f64)], threshold: f64) -> Option<Suggestion> {
    let mut lags: Vec<Lag> = medians
        .iter()
        .filter_map(|&(key, median)| {
            let value = rate_of(c, key)?;
            (value < median * (1.0 - threshold)).then(|| Lag {
                key,
                value,
                median,
                gap: (median - value) / median,
            })
        })
        .collect();
    lags.sort_by(|a, b| b.gap.total_cmp(&a.gap));

    let mut focus: Vec<String> = lags.iter().map(|l| l.key.to_owned()).collect();
    let mut reasons: Vec<String> = lags
        .iter()
        .map(|l| {
            format!(
                "{} {:.1} % vs team median {:.1} %",
                l.key,
                l.value * 100.0,
                l.median * 100.0
            )
        })
        .collect();
    for key in &c.behind_pace {
        if !focus.contains(key) {
            focus.push(key.clone());
            reasons.push(format!("behind pace on {key}"));
        }
    }
    if focus.is_empty() {
        return None;
    }
    let kind = lags
        .iter()
        .find_map(|l| session_for_rate(l.key))
        .unwrap_or(SessionKind::OneOnOne);
    Some(Suggestion {
        person: c.person,
        kind,
        focus_metric_keys: focus,
        reasons,
        weakest_gap: lags.first().map_or(0.0, |l| l.gap),
    })
}

/// The rep's finite value of rate `key`, the first one if it is listed twice.
fn rate_of(c: &Candidate, key: &str) -> Option<f64> {
    c.rates
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, value)| *value)
        .filter(|x| x.is_finite())
}

/// The session that works on a lagging rate, if one does specifically.
fn session_for_rate(key: &str) -> Option<SessionKind> {
    if key.contains("call") || key.contains("conversation") {
        Some(SessionKind::CallReview)
    } else if matches!(key, "win_rate" | "meeting_to_next_stage" | "held_to_qualified") {
        Some(SessionKind::PipelineReview)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use chrono::Days;
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rep(person: usize, behind: &[&str], rates: &[(&str, Option<f64>)]) -> Candidate {
        Candidate {
            person,
            behind_pace: behind.iter().map(|k| k.to_string()).collect(),
            rates: rates.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn adherence_and_share_are_none_without_a_denominator() {
        assert_eq!(adherence(3, 4), Some(0.75));
        assert_eq!(adherence(5, 4), Some(1.25));
        assert_eq!(adherence(0, 0), None);
        assert_eq!(share(2, 8), Some(0.25));
        assert_eq!(share(0, 0), None);
    }

    #[test]
    fn average_gap_days_sorts_and_ignores_repeated_days() {
        let dates = [
            d(2026, 1, 19),
            d(2026, 1, 5),
            d(2026, 1, 12),
            d(2026, 1, 12),
            d(2026, 2, 2),
        ];
        // 5 → 12 → 19 → 2 Feb: 7, 7, 14 days.
        assert_eq!(average_gap_days(&dates), Some(28.0 / 3.0));
        assert_eq!(average_gap_days(&[d(2026, 1, 5), d(2026, 1, 5)]), None);
        assert_eq!(average_gap_days(&[]), None);
    }

    #[test]
    fn median_ignores_non_finite_values_and_averages_the_middle_two() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, f64::NAN, 2.0, 3.0, f64::INFINITY]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn the_rep_with_the_weakest_conversation_to_meeting_rate_is_suggested_first() {
        let c2m = "conversation_to_meeting_set";
        let team = [
            rep(0, &[], &[(c2m, Some(0.24)), ("win_rate", Some(0.30))]),
            rep(1, &["calls"], &[(c2m, Some(0.26)), ("win_rate", Some(0.16))]),
            rep(2, &[], &[(c2m, Some(0.12)), ("win_rate", Some(0.28))]),
            rep(3, &["meetings_set"], &[(c2m, Some(0.30)), ("win_rate", Some(0.32))]),
            rep(4, &[], &[(c2m, None), ("win_rate", Some(0.29))]),
        ];
        // Medians: conversation to meeting 0.25 (of four values), win rate 0.29.
        let got = suggest(&team, 0.2);
        let people: Vec<usize> = got.iter().map(|s| s.person).collect();
        assert_eq!(people, [2, 1, 3]);

        assert_eq!(got[0].kind, SessionKind::CallReview);
        assert_eq!(got[0].focus_metric_keys, [c2m]);
        assert_eq!(
            got[0].reasons,
            ["conversation_to_meeting_set 12.0 % vs team median 25.0 %"]
        );
        assert!((got[0].weakest_gap - 0.52).abs() < 1e-9);

        assert_eq!(got[1].kind, SessionKind::PipelineReview);
        assert_eq!(got[1].focus_metric_keys, ["win_rate", "calls"]);
        assert_eq!(got[1].reasons[1], "behind pace on calls");

        assert_eq!(got[2].kind, SessionKind::OneOnOne);
        assert_eq!(got[2].focus_metric_keys, ["meetings_set"]);
        assert_eq!(got[2].weakest_gap, 0.0);
    }

    #[test]
    fn the_kind_follows_the_weakest_lagging_rate_that_points_at_one() {
        let team = [
            rep(
                0,
                &[],
                &[("set_to_held", Some(0.2)), ("call_to_conversation", Some(0.05))],
            ),
            rep(
                1,
                &[],
                &[("set_to_held", Some(0.8)), ("call_to_conversation", Some(0.10))],
            ),
            rep(
                2,
                &[],
                &[("set_to_held", Some(0.8)), ("call_to_conversation", Some(0.10))],
            ),
        ];
        let got = suggest(&team, 0.2);
        assert_eq!(got.len(), 1);
        // Show rate is furthest behind (75 %) but has no session of its own; calls are next (50 %).
        assert_eq!(got[0].focus_metric_keys, ["set_to_held", "call_to_conversation"]);
        assert_eq!(got[0].kind, SessionKind::CallReview);
        assert!(suggest(&team[..1], 0.2).is_empty(), "a team of one is its own median");
    }

    #[test]
    fn a_rate_within_the_threshold_does_not_lag() {
        let team = [
            rep(0, &[], &[("win_rate", Some(0.21))]),
            rep(1, &[], &[("win_rate", Some(0.25))]),
            rep(2, &[], &[("win_rate", Some(0.30))]),
        ];
        assert!(suggest(&team, 0.2).is_empty());
        assert_eq!(suggest(&team, 0.1).len(), 1);
        assert_eq!(suggest(&team, f64::NAN).len(), 1, "not finite counts as 0");
    }

    fn any_team() -> impl Strategy<Value = Vec<Candidate>> {
        let keys = ["calls", "conversation_to_meeting_set", "win_rate", "set_to_held"];
        let one = (
            prop::collection::vec(prop::sample::select(keys.to_vec()), 0..3),
            prop::collection::vec(prop::option::of(0.0f64..1.0), 4),
        );
        prop::collection::vec(one, 0..12).prop_map(move |reps| {
            reps.into_iter()
                .enumerate()
                .map(|(i, (behind, values))| Candidate {
                    person: i,
                    behind_pace: behind.into_iter().map(str::to_owned).collect(),
                    rates: keys[1..].iter().zip(values).map(|(k, v)| (k.to_string(), v)).collect(),
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn median_is_order_free_and_between_the_extremes(mut values in prop::collection::vec(-1e9f64..1e9, 1..40)) {
            let m = median(&values).unwrap();
            let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            prop_assert!(lo <= m && m <= hi);
            values.reverse();
            prop_assert_eq!(median(&values), Some(m));
        }

        #[test]
        fn evenly_spaced_dates_average_their_spacing(start in 0u64..5000, step in 1u64..60, n in 2u64..30) {
            let dates: Vec<NaiveDate> = (0..n).rev().map(|i| d(2020, 1, 1) + Days::new(start + i * step)).collect();
            prop_assert_eq!(average_gap_days(&dates), Some(step as f64));
        }

        #[test]
        fn suggestions_are_ordered_and_cover_everyone_behind_pace(team in any_team(), t in 0.0f64..0.9, more in 0.0f64..0.1) {
            let got = suggest(&team, t);
            for pair in got.windows(2) {
                prop_assert!(pair[0].weakest_gap >= pair[1].weakest_gap);
            }
            for s in &got {
                prop_assert!(!s.focus_metric_keys.is_empty());
                prop_assert_eq!(s.focus_metric_keys.len(), s.reasons.len());
                prop_assert!(s.weakest_gap >= 0.0);
            }
            for c in team.iter().filter(|c| !c.behind_pace.is_empty()) {
                prop_assert!(got.iter().any(|s| s.person == c.person));
            }
            // A higher threshold never adds anyone.
            let stricter = suggest(&team, t + more);
            prop_assert!(stricter.iter().all(|s| got.iter().any(|g| g.person == s.person)));
        }
    }
}

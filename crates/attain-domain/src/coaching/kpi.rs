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

/// One conversion rate of a rep over the period so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// The rate's metric key, e.g. `call_to_conversation`.
    pub key: String,
    /// How people read it: the catalog's display name, e.g. "Dial to conversation".
    pub name: String,
    /// The rate as a fraction (0.25 = 25 %); `None` when the rep has no data for it.
    pub value: Option<f64>,
    /// The denominator's total behind the value (calls for a call-to-conversation rate): the
    /// sample the rate was measured on.
    pub sample: u64,
}

/// A rep considered for coaching.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The caller's handle for the rep, e.g. an index into its list of people.
    pub person: usize,
    /// Leading-indicator metrics the rep is behind pace on, as (key, display name), e.g.
    /// (`calls`, "Calls").
    pub behind_pace: Vec<(String, String)>,
    /// The rep's conversion rates. A rate without a value or on a sample below the minimum
    /// neither lags nor counts towards the team median.
    pub rates: Vec<Rate>,
}

/// How much evidence a suggestion needs. A manager acts on a suggestion, so one built on two
/// days or three calls would send them after noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Working days of the period completed so far (the as-of day included).
    pub working_days: u32,
    /// Fewer working days than this and nobody is suggested.
    pub min_working_days: u32,
    /// A rate counts only on at least this many denominator events (e.g. 20 calls).
    pub min_sample: u64,
    /// A rate below `(1 - lag_threshold)` × the team median lags; clamped to 0..=1 (not finite
    /// counts as 0).
    pub lag_threshold: f64,
}

/// The default minimum: a working week and 20 denominator events per rate.
pub const DEFAULT_MIN_WORKING_DAYS: u32 = 5;
/// See [`DEFAULT_MIN_WORKING_DAYS`].
pub const DEFAULT_MIN_SAMPLE: u64 = 20;
/// A rate below 80 % of the team median lags.
pub const DEFAULT_LAG_THRESHOLD: f64 = 0.2;

/// A lagging rate of one rep, with the comparison that makes it lag.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag {
    pub key: String,
    pub name: String,
    /// The rep's rate.
    pub value: f64,
    /// The team median it was compared with.
    pub median: f64,
    /// How far below the median, as a share of it (0.5 = half the median).
    pub gap: f64,
    /// The rep's denominator total behind `value`.
    pub sample: u64,
    /// `sample ÷ (sample + min_sample)`: ½ at the minimum sample, nearing 1 as it grows.
    pub confidence: f64,
}

/// A suggestion to coach a rep.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub person: usize,
    pub kind: SessionKind,
    /// Lagging rates' keys, most urgent first, then the metrics the rep is behind pace on.
    pub focus_metric_keys: Vec<String>,
    /// One sentence per focus metric, in the same order.
    pub reasons: Vec<String>,
    /// The lagging rates, most urgent first.
    pub lags: Vec<Lag>,
    /// The ranking score: the largest `gap × confidence` among the lags; 0 when the rep is only
    /// behind pace.
    pub score: f64,
}

/// Suggests whom to coach: every rep who is behind pace on a leading indicator or whose
/// conversion rate, measured on at least `min_sample` events, lags the team median. Nobody is
/// suggested before `min_working_days` of the period have passed. The team median of each
/// rate is taken over the candidates with enough sample; a median of 0 or below has no
/// reference and makes nobody lag.
///
/// The session kind follows the most urgent lagging rate that points at one: a call or
/// conversation rate (key containing `call` or `conversation`) needs a call review; win rate,
/// meeting to next stage and held to qualified need a pipeline review; otherwise, and for reps
/// who are only behind pace, a 1:1.
///
/// Ranked by score (gap × confidence), so a wide gap on a thin sample does not outrank a
/// solid one; reps only behind pace come last; ties keep the candidates' order.
pub fn suggest(candidates: &[Candidate], evidence: Evidence) -> Vec<Suggestion> {
    if evidence.working_days < evidence.min_working_days {
        return Vec::new();
    }
    let threshold = if evidence.lag_threshold.is_finite() {
        evidence.lag_threshold.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut keys: Vec<&str> = Vec::new();
    for rate in candidates.iter().flat_map(|c| &c.rates) {
        if !keys.contains(&rate.key.as_str()) {
            keys.push(&rate.key);
        }
    }
    let medians: Vec<(&str, f64)> = keys
        .into_iter()
        .filter_map(|key| {
            let values: Vec<f64> = candidates
                .iter()
                .filter_map(|c| rate_of(c, key, evidence.min_sample))
                .map(|r| r.0)
                .collect();
            median(&values).filter(|m| *m > 0.0).map(|m| (key, m))
        })
        .collect();

    let mut out: Vec<Suggestion> = candidates
        .iter()
        .filter_map(|c| suggestion_for(c, &medians, threshold, evidence.min_sample))
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

fn suggestion_for(c: &Candidate, medians: &[(&str, f64)], threshold: f64, min_sample: u64) -> Option<Suggestion> {
    let mut lags: Vec<Lag> = medians
        .iter()
        .filter_map(|&(key, median)| {
            let (value, rate) = rate_of(c, key, min_sample)?;
            (value < median * (1.0 - threshold)).then(|| Lag {
                key: key.to_owned(),
                name: rate.name.clone(),
                value,
                median,
                gap: (median - value) / median,
                sample: rate.sample,
                confidence: rate.sample as f64 / (rate.sample + min_sample) as f64,
            })
        })
        .collect();
    lags.sort_by(|a, b| (b.gap * b.confidence).total_cmp(&(a.gap * a.confidence)));

    let mut focus: Vec<String> = lags.iter().map(|l| l.key.clone()).collect();
    let mut reasons: Vec<String> = lags
        .iter()
        .map(|l| {
            format!(
                "{} {:.1} % on {} vs team median {:.1} %",
                l.name,
                l.value * 100.0,
                l.sample,
                l.median * 100.0
            )
        })
        .collect();
    for (key, name) in &c.behind_pace {
        if !focus.contains(key) {
            focus.push(key.clone());
            reasons.push(format!("behind pace on {name}"));
        }
    }
    if focus.is_empty() {
        return None;
    }
    let kind = lags
        .iter()
        .find_map(|l| session_for_rate(&l.key))
        .unwrap_or(SessionKind::OneOnOne);
    let score = lags.first().map_or(0.0, |l| l.gap * l.confidence);
    Some(Suggestion {
        person: c.person,
        kind,
        focus_metric_keys: focus,
        reasons,
        lags,
        score,
    })
}

/// The rep's finite value of rate `key` (the first one if it is listed twice), when measured on
/// at least `min_sample` events.
fn rate_of<'a>(c: &'a Candidate, key: &str, min_sample: u64) -> Option<(f64, &'a Rate)> {
    let rate = c.rates.iter().find(|r| r.key == key)?;
    let value = rate.value.filter(|x| x.is_finite())?;
    (rate.sample >= min_sample).then_some((value, rate))
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

    /// A rep whose every rate was measured on `sample` events.
    fn rep(person: usize, behind: &[&str], rates: &[(&str, Option<f64>)]) -> Candidate {
        rep_on(person, behind, rates, 100)
    }

    fn rep_on(person: usize, behind: &[&str], rates: &[(&str, Option<f64>)], sample: u64) -> Candidate {
        Candidate {
            person,
            behind_pace: behind.iter().map(|k| (k.to_string(), format!("[{k}]"))).collect(),
            rates: rates
                .iter()
                .map(|(k, v)| Rate {
                    key: k.to_string(),
                    name: format!("[{k}]"),
                    value: *v,
                    sample,
                })
                .collect(),
        }
    }

    fn enough(threshold: f64) -> Evidence {
        Evidence {
            working_days: 10,
            min_working_days: 5,
            min_sample: 20,
            lag_threshold: threshold,
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
        let got = suggest(&team, enough(0.2));
        let people: Vec<usize> = got.iter().map(|s| s.person).collect();
        assert_eq!(people, [2, 1, 3]);

        assert_eq!(got[0].kind, SessionKind::CallReview);
        assert_eq!(got[0].focus_metric_keys, [c2m]);
        assert_eq!(
            got[0].reasons,
            ["[conversation_to_meeting_set] 12.0 % on 100 vs team median 25.0 %"]
        );
        // Gap (0.25 − 0.12) ÷ 0.25 = 0.52 on 100 events: confidence 100 ÷ 120, score 0.4333….
        assert!((got[0].lags[0].gap - 0.52).abs() < 1e-9);
        assert!((got[0].score - 0.52 * 100.0 / 120.0).abs() < 1e-9);

        assert_eq!(got[1].kind, SessionKind::PipelineReview);
        assert_eq!(got[1].focus_metric_keys, ["win_rate", "calls"]);
        assert_eq!(got[1].reasons[1], "behind pace on [calls]");

        assert_eq!(got[2].kind, SessionKind::OneOnOne);
        assert_eq!(got[2].focus_metric_keys, ["meetings_set"]);
        assert_eq!(got[2].score, 0.0);
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
        let got = suggest(&team, enough(0.2));
        assert_eq!(got.len(), 1);
        // Show rate is furthest behind (75 %) but has no session of its own; calls are next (50 %).
        assert_eq!(got[0].focus_metric_keys, ["set_to_held", "call_to_conversation"]);
        assert_eq!(got[0].kind, SessionKind::CallReview);
        assert!(
            suggest(&team[..1], enough(0.2)).is_empty(),
            "a team of one is its own median"
        );
    }

    #[test]
    fn a_rate_within_the_threshold_does_not_lag() {
        let team = [
            rep(0, &[], &[("win_rate", Some(0.21))]),
            rep(1, &[], &[("win_rate", Some(0.25))]),
            rep(2, &[], &[("win_rate", Some(0.30))]),
        ];
        assert!(suggest(&team, enough(0.2)).is_empty());
        assert_eq!(suggest(&team, enough(0.1)).len(), 1);
        assert_eq!(suggest(&team, enough(f64::NAN)).len(), 1, "not finite counts as 0");
    }

    #[test]
    fn two_days_of_a_month_give_no_suggestion() {
        // The report that started this: 7 of 7 reps flagged on the 2nd working day. However
        // wide the gaps and whatever the pace lists say, two days are not evidence.
        let team = [
            rep(0, &["calls"], &[("held_to_qualified", Some(0.0))]),
            rep(1, &[], &[("held_to_qualified", Some(0.733))]),
            rep(2, &[], &[("held_to_qualified", Some(0.80))]),
        ];
        let early = Evidence {
            working_days: 2,
            ..enough(0.2)
        };
        assert!(suggest(&team, early).is_empty());
        let week = Evidence {
            working_days: 5,
            ..enough(0.2)
        };
        assert_eq!(suggest(&team, week).len(), 1, "the minimum itself is enough");
    }

    #[test]
    fn a_rate_on_a_thin_sample_neither_lags_nor_sets_the_median() {
        let w = "win_rate";
        let team = [
            // 0 of 3 opportunities won: a wide gap on three events.
            rep_on(0, &[], &[(w, Some(0.0))], 3),
            rep_on(1, &[], &[(w, Some(0.30))], 40),
            rep_on(2, &[], &[(w, Some(0.20))], 25),
            rep_on(3, &[], &[(w, Some(0.32))], 50),
        ];
        // Median over reps 1–3 only: 0.30. Rep 2 is at 0.20 < 0.24, gap 1/3 on 25 events.
        let got = suggest(&team, enough(0.2));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].person, 2);
        let lag = &got[0].lags[0];
        assert_eq!((lag.median, lag.sample), (0.30, 25));
        assert!((lag.confidence - 25.0 / 45.0).abs() < 1e-12);
        assert_eq!(got[0].reasons, ["[win_rate] 20.0 % on 25 vs team median 30.0 %"]);
    }

    #[test]
    fn a_solid_gap_outranks_a_wider_gap_on_a_thin_sample() {
        let s = "set_to_held";
        let team = [
            rep_on(0, &[], &[(s, Some(0.80))], 100),
            rep_on(1, &[], &[(s, Some(0.80))], 100),
            // Gap 0.5 on 20 events: 0.5 × 20/40 = 0.25.
            rep_on(2, &[], &[(s, Some(0.40))], 20),
            // Gap 0.375 on 180 events: 0.375 × 180/200 = 0.3375.
            rep_on(3, &[], &[(s, Some(0.50))], 180),
        ];
        // Median of 0.8, 0.8, 0.4 and 0.5 is 0.65; both are below 0.8 × 0.65 = 0.52.
        let got = suggest(&team, enough(0.2));
        let order: Vec<usize> = got.iter().map(|g| g.person).collect();
        // Rep 2: gap (0.65 − 0.40) ÷ 0.65 = 0.3846 × 0.5 = 0.1923;
        // rep 3: gap (0.65 − 0.50) ÷ 0.65 = 0.2308 × 0.9 = 0.2077: the larger sample wins.
        assert_eq!(order, [3, 2]);
        assert!((got[0].score - (0.15 / 0.65) * 0.9).abs() < 1e-12);
        assert!((got[1].score - (0.25 / 0.65) * 0.5).abs() < 1e-12);
    }

    fn any_team() -> impl Strategy<Value = Vec<Candidate>> {
        let keys = ["calls", "conversation_to_meeting_set", "win_rate", "set_to_held"];
        let one = (
            prop::collection::vec(prop::sample::select(keys.to_vec()), 0..3),
            prop::collection::vec((prop::option::of(0.0f64..1.0), 0u64..60), 4),
        );
        prop::collection::vec(one, 0..12).prop_map(move |reps| {
            reps.into_iter()
                .enumerate()
                .map(|(i, (behind, values))| Candidate {
                    person: i,
                    behind_pace: behind.into_iter().map(|k| (k.to_owned(), k.to_owned())).collect(),
                    rates: keys[1..]
                        .iter()
                        .zip(values)
                        .map(|(k, (v, sample))| Rate {
                            key: k.to_string(),
                            name: k.to_string(),
                            value: v,
                            sample,
                        })
                        .collect(),
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
            let got = suggest(&team, enough(t));
            for pair in got.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
            for s in &got {
                prop_assert!(!s.focus_metric_keys.is_empty());
                prop_assert_eq!(s.focus_metric_keys.len(), s.reasons.len());
                prop_assert!(s.score >= 0.0);
                prop_assert!(s.lags.iter().all(|l| l.sample >= 20 && l.confidence >= 0.5 && l.confidence < 1.0));
            }
            for c in team.iter().filter(|c| !c.behind_pace.is_empty()) {
                prop_assert!(got.iter().any(|s| s.person == c.person));
            }
            // A higher threshold never adds anyone.
            let stricter = suggest(&team, enough(t + more));
            prop_assert!(stricter.iter().all(|s| got.iter().any(|g| g.person == s.person)));
        }
    }
}

//! Leading-indicator analysis: how a behaviour in week t−k moves with a result in week t across
//! a team's reps. It is correlation, not causation: a behaviour that rises with results may
//! drive them, follow them, or share a cause with them.

use std::cmp::Ordering;

/// Weekly values of one metric per rep: `values[rep][week]`, weeks in order, every rep with the
/// same number of weeks.
pub type Weekly = Vec<Vec<f64>>;

/// One behaviour at one lag.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub metric: String,
    /// Weeks the behaviour leads the result by.
    pub lag: usize,
    /// Pearson's r over every (behaviour in week t−lag, result in week t) pair of every rep;
    /// `None` when either side does not vary.
    pub r: Option<f64>,
    /// Pairs behind r.
    pub n: usize,
}

/// Pearson's correlation coefficient of paired samples; `None` for fewer than 3 pairs or when
/// either side is constant.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len();
    if n < 3 {
        return None;
    }
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(x, y), (a, b)| (x + a / n as f64, y + b / n as f64));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    (sxx > 0.0 && syy > 0.0 && r.is_finite()).then(|| r.clamp(-1.0, 1.0))
}

/// Correlations of each behaviour at lags 0 to `max_lag` with the result, ranked strongest
/// positive first (then by lag and metric, so the order is stable); undefined ones last.
pub fn lagged_correlations(result: &Weekly, behaviours: &[(String, Weekly)], max_lag: usize) -> Vec<Correlation> {
    let mut out = Vec::new();
    for (metric, values) in behaviours {
        for lag in 0..=max_lag {
            let mut pairs = Vec::new();
            for (rep, results) in result.iter().enumerate() {
                let Some(behaviour) = values.get(rep) else { continue };
                let later = results.iter().skip(lag);
                pairs.extend(behaviour.iter().zip(later).map(|(b, r)| (*b, *r)));
            }
            out.push(Correlation {
                metric: metric.clone(),
                lag,
                r: pearson(&pairs),
                n: pairs.len(),
            });
        }
    }
    out.sort_by(|a, b| {
        let by_r = match (a.r, b.r) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_r.then(a.lag.cmp(&b.lag)).then(a.metric.cmp(&b.metric))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_of_lines_and_constants() {
        assert_eq!(pearson(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]), Some(1.0));
        assert_eq!(pearson(&[(1.0, 6.0), (2.0, 4.0), (3.0, 2.0)]), Some(-1.0));
        assert_eq!(pearson(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]), None);
        assert_eq!(pearson(&[(1.0, 1.0), (2.0, 2.0)]), None);
    }

    /// A deterministic pseudo-random sequence, so the test needs no seed handling.
    fn noise(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as f64 / (1u64 << 31) as f64
        }
    }

    #[test]
    fn a_behaviour_that_drives_the_result_two_weeks_later_ranks_first_at_lag_two() {
        let (reps, weeks) = (8, 26);
        let mut rnd = noise(7);
        let driver: Weekly = (0..reps)
            .map(|_| (0..weeks).map(|_| 20.0 + 30.0 * rnd()).collect())
            .collect();
        let unrelated: Weekly = (0..reps).map(|_| (0..weeks).map(|_| 50.0 * rnd()).collect()).collect();
        let result: Weekly = driver
            .iter()
            .map(|d| {
                (0..weeks)
                    .map(|t| if t >= 2 { 0.1 * d[t - 2] + rnd() } else { 3.0 + rnd() })
                    .collect()
            })
            .collect();
        let ranked = lagged_correlations(&result, &[("emails".into(), unrelated), ("calls".into(), driver)], 4);
        assert_eq!((ranked[0].metric.as_str(), ranked[0].lag), ("calls", 2));
        assert!(ranked[0].r.unwrap() > 0.8, "{:?}", ranked[0]);
        assert_eq!(ranked[0].n, reps * (weeks - 2));
        assert_eq!(ranked.len(), 10);
    }

    #[test]
    fn constant_behaviours_rank_last() {
        let result: Weekly = vec![vec![1.0, 2.0, 3.0, 4.0]];
        let ranked = lagged_correlations(
            &result,
            &[
                ("flat".into(), vec![vec![5.0; 4]]),
                ("up".into(), vec![vec![1.0, 2.0, 3.0, 4.0]]),
            ],
            0,
        );
        assert_eq!(ranked[0].metric, "up");
        assert_eq!(ranked[1].r, None);
    }
}

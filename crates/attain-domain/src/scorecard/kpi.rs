//! Manager KPIs: whether a rep met a goal over a span, and the share of a team that did.

/// Whether a rep met every goal of a span, given (actual, goal) per line: `None` when no line has
/// a positive goal (nothing was asked of them, e.g. a day off), so they are not counted.
pub fn met_all(lines: &[(f64, f64)]) -> Option<bool> {
    let mut asked = lines.iter().filter(|(_, goal)| *goal > 0.0).peekable();
    asked.peek()?;
    Some(asked.all(|(actual, goal)| actual >= goal))
}

/// How many reps met a goal, out of those counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GoalShare {
    pub met: u32,
    pub counted: u32,
}

impl GoalShare {
    /// Tallies `met_all` results.
    pub fn of(results: impl IntoIterator<Item = Option<bool>>) -> GoalShare {
        results
            .into_iter()
            .flatten()
            .fold(GoalShare::default(), |s, met| GoalShare {
                met: s.met + u32::from(met),
                counted: s.counted + 1,
            })
    }

    /// met ÷ counted; `None` when nobody was counted.
    pub fn share(&self) -> Option<f64> {
        (self.counted > 0).then(|| f64::from(self.met) / f64::from(self.counted))
    }
}

/// The mean of the shares that have a value, e.g. percent of team to daily goal averaged over
/// the days; `None` when none has.
pub fn mean_share(shares: &[GoalShare]) -> Option<f64> {
    let values: Vec<f64> = shares.iter().filter_map(GoalShare::share).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_of_four_reps_at_daily_goal_is_75_percent() {
        let goal = 60.0;
        let reps = [
            vec![(61.0, goal), (40.0, 40.0)],
            vec![(60.0, goal), (45.0, 40.0)],
            vec![(80.0, goal), (40.0, 40.0)],
            vec![(59.0, goal), (90.0, 40.0)],
        ];
        let share = GoalShare::of(reps.iter().map(|r| met_all(r)));
        assert_eq!(share, GoalShare { met: 3, counted: 4 });
        assert_eq!(share.share(), Some(0.75));
    }

    #[test]
    fn reps_with_nothing_asked_are_not_counted() {
        assert_eq!(met_all(&[(5.0, 0.0)]), None);
        assert_eq!(met_all(&[]), None);
        let share = GoalShare::of([None, Some(true)]);
        assert_eq!(share, GoalShare { met: 1, counted: 1 });
        assert_eq!(GoalShare::default().share(), None);
    }

    #[test]
    fn mean_skips_days_without_reps() {
        let days = [
            GoalShare { met: 3, counted: 4 },
            GoalShare::default(),
            GoalShare { met: 1, counted: 4 },
        ];
        assert_eq!(mean_share(&days), Some(0.5));
        assert_eq!(mean_share(&[]), None);
    }
}

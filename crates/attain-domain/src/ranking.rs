//! Ranking people on a value: competition ranking, where ties share a rank and the next rank
//! skips (1, 2, 2, 4).

use std::cmp::Ordering;

/// One ranked entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked<T> {
    pub rank: u32,
    pub item: T,
}

/// Sorts `items` best first by `score` (higher first, or lower first when `lower_is_better`),
/// breaking ties by `tie_break` so the order is stable, and assigns competition ranks.
pub fn competition_rank<T, K: Ord>(
    mut items: Vec<(f64, T)>,
    lower_is_better: bool,
    tie_break: impl Fn(&T) -> K,
) -> Vec<Ranked<T>> {
    items.sort_by(|(a, x), (b, y)| {
        let by_score = if lower_is_better {
            a.total_cmp(b)
        } else {
            b.total_cmp(a)
        };
        by_score.then_with(|| tie_break(x).cmp(&tie_break(y)))
    });
    let mut out: Vec<Ranked<T>> = Vec::with_capacity(items.len());
    let mut previous: Option<f64> = None;
    for (position, (score, item)) in items.into_iter().enumerate() {
        let rank = match (previous, out.last()) {
            (Some(p), Some(last)) if p.total_cmp(&score) == Ordering::Equal => last.rank,
            _ => position as u32 + 1,
        };
        previous = Some(score);
        out.push(Ranked { rank, item });
    }
    out
}

/// The first `limit` entries by position, plus any entries tied with the last one kept.
pub fn top<T>(ranked: Vec<Ranked<T>>, limit: usize) -> Vec<Ranked<T>> {
    let Some(cutoff) = ranked.get(limit.saturating_sub(1)).map(|r| r.rank) else {
        return ranked;
    };
    ranked.into_iter().take_while(|r| r.rank <= cutoff).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let ranked = competition_rank(vec![(5.0, "c"), (9.0, "a"), (7.0, "b"), (7.0, "d")], false, |s| *s);
        let view: Vec<_> = ranked.iter().map(|r| (r.rank, r.item)).collect();
        assert_eq!(view, [(1, "a"), (2, "b"), (2, "d"), (4, "c")]);
    }

    #[test]
    fn lower_is_better_ranks_the_smallest_first() {
        let ranked = competition_rank(vec![(30.0, "slow"), (12.0, "fast")], true, |s| *s);
        assert_eq!(ranked[0].item, "fast");
    }

    #[test]
    fn top_keeps_ties_at_the_cutoff() {
        let ranked = competition_rank(vec![(9.0, 1), (7.0, 2), (7.0, 3), (5.0, 4)], false, |s| *s);
        assert_eq!(top(ranked.clone(), 2).len(), 3);
        assert_eq!(top(ranked, 10).len(), 4);
    }

    proptest! {
        #[test]
        fn ranks_follow_competition_rules(scores in prop::collection::vec(0u8..10, 0..50)) {
            let items: Vec<_> = scores.iter().enumerate().map(|(i, s)| (f64::from(*s), i)).collect();
            let ranked = competition_rank(items, false, |i| *i);
            for (pos, r) in ranked.iter().enumerate() {
                let score = f64::from(scores[r.item]);
                let better = scores.iter().filter(|s| f64::from(**s) > score).count() as u32;
                prop_assert_eq!(r.rank, better + 1);
                prop_assert!(r.rank as usize <= pos + 1);
            }
        }
    }
}

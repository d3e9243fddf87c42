//! Contests (SPIFFs): who wins a time-boxed race on one metric. "Most" contests rank on the
//! period's value with competition ranking (ties share a rank and its prize); "first to"
//! contests rank on the day each person reached the threshold.

use chrono::NaiveDate;

use crate::Violations;
use crate::ranking::{Ranked, competition_rank};

/// The longest contest, in days counting both ends: a contest is a short push.
pub const MAX_DAYS: i64 = 92;

/// How a contest is won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Most,
    FirstTo { threshold: i64 },
}

text_enum! {
    /// A contest's kind as it is stored (a first-to contest keeps its threshold beside it).
    Rule {
        Most = "most",
        FirstTo = "first_to",
    }
}

impl Kind {
    /// The kind a stored rule and threshold make.
    pub fn of(rule: Rule, threshold: i64) -> Kind {
        match rule {
            Rule::Most => Kind::Most,
            Rule::FirstTo => Kind::FirstTo { threshold },
        }
    }

    /// The rule to store, with [`Kind::threshold`].
    pub fn rule(self) -> Rule {
        match self {
            Kind::Most => Rule::Most,
            Kind::FirstTo { .. } => Rule::FirstTo,
        }
    }

    /// The threshold to store: a first-to contest's, else 0.
    pub fn threshold(self) -> i64 {
        match self {
            Kind::FirstTo { threshold } => threshold,
            Kind::Most => 0,
        }
    }
}

/// Checks a contest's days, threshold and prizes (`(rank, description)`), naming fields as the
/// API does.
pub fn check(v: &mut Violations, start: NaiveDate, end: NaiveDate, kind: Kind, prizes: &[(i64, String)]) {
    if end < start {
        v.add("contest.end_date", "must not be before start_date");
    } else if (end - start).num_days() + 1 > MAX_DAYS {
        v.add("contest.end_date", format!("a contest lasts at most {MAX_DAYS} days"));
    }
    if let Kind::FirstTo { threshold } = kind
        && threshold <= 0
    {
        v.add("contest.threshold", "must be above 0 for a FIRST_TO contest");
    }
    if prizes.is_empty() || prizes.len() > 20 {
        v.add("contest.prizes", "give 1 to 20 prizes");
    }
    // Rank 0 is the threshold prize of a FIRST_TO contest: everyone who reaches it.
    let lowest = if matches!(kind, Kind::FirstTo { .. }) { 0 } else { 1 };
    for (i, (rank, description)) in prizes.iter().enumerate() {
        if !(lowest..=1000).contains(rank) {
            v.add(
                format!("contest.prizes[{i}].rank"),
                if lowest == 0 {
                    "must be from 0 (everyone who reaches the threshold) to 1000"
                } else {
                    "must be from 1 to 1000"
                },
            );
        } else if prizes[..i].iter().any(|(r, _)| r == rank) {
            v.add(format!("contest.prizes[{i}].rank"), "has a prize already");
        }
        let n = description.trim().chars().count();
        if n == 0 || description.chars().count() > 200 || description.contains('\0') {
            v.add(
                format!("contest.prizes[{i}].description"),
                "1 to 200 characters, without NUL",
            );
        }
    }
}

/// The prize a rank wins, if any: its own, else (for anyone ranked, which in a FIRST_TO contest
/// means anyone who reached the threshold) the rank-0 threshold prize.
pub fn prize(rank: u32, prizes: &[(i64, String)]) -> Option<&str> {
    let of = |r: i64| prizes.iter().find(|(x, _)| *x == r).map(|(_, d)| d.as_str());
    if rank == 0 {
        return None;
    }
    of(i64::from(rank)).or_else(|| of(0))
}

/// A "first to" race: each person's day values in any order; ranked by the first day their
/// running total reached `threshold` (earlier is better, the same day shares a rank). People who
/// have not reached it are left out.
pub fn first_to<P: Clone + Ord>(days: &[(P, NaiveDate, i64)], threshold: i64) -> Vec<Ranked<(P, NaiveDate)>> {
    let mut sorted: Vec<&(P, NaiveDate, i64)> = days.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut reached: Vec<(f64, (P, NaiveDate))> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let person = &sorted[i].0;
        let mut total: i64 = 0;
        let mut when = None;
        while i < sorted.len() && sorted[i].0 == *person {
            total = total.saturating_add(sorted[i].2);
            if when.is_none() && total >= threshold {
                when = Some(sorted[i].1);
            }
            i += 1;
        }
        if let Some(day) = when {
            // Lower is better: days since the common era.
            reached.push((
                f64::from(chrono::Datelike::num_days_from_ce(&day)),
                (person.clone(), day),
            ));
        }
    }
    competition_rank(reached, true, |(p, _)| p.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
    }

    #[test]
    fn the_first_to_reach_wins_and_the_same_day_shares_the_rank() {
        let days = [
            ("bo", d(2), 6),
            ("ana", d(1), 4),
            ("ana", d(3), 7),
            ("bo", d(3), 3),
            ("cy", d(3), 10),
            ("di", d(4), 9),
        ];
        // Ana: 4, then 11 on the 3rd. Bo: 6, then 9 (never 10). Cy: 10 on the 3rd. Di: 9.
        let got: Vec<(u32, &str, NaiveDate)> = first_to(&days, 10)
            .into_iter()
            .map(|r| (r.rank, r.item.0, r.item.1))
            .collect();
        assert_eq!(got, [(1, "ana", d(3)), (1, "cy", d(3))]);
    }

    #[test]
    fn a_tie_shares_a_prize_and_prizes_are_checked() {
        let prizes = vec![(1, "$500".to_string()), (2, "$200".to_string())];
        assert_eq!(prize(1, &prizes), Some("$500"));
        assert_eq!(prize(3, &prizes), None);
        // A threshold prize: the first gets theirs, everyone else who reached it the rank-0 one.
        let threshold = vec![(1, "$500".to_string()), (0, "Lunch".to_string())];
        assert_eq!(
            [prize(1, &threshold), prize(4, &threshold), prize(0, &threshold)],
            [Some("$500"), Some("Lunch"), None]
        );
        let mut v = Violations::new();
        check(&mut v, d(1), d(5), Kind::Most, &threshold);
        assert_eq!(
            v.iter().map(|x| x.field.as_str()).collect::<Vec<_>>(),
            ["contest.prizes[1].rank"]
        );
        let mut v = Violations::new();
        check(&mut v, d(1), d(5), Kind::FirstTo { threshold: 10 }, &threshold);
        assert!(v.is_empty());
        let mut v = Violations::new();
        check(
            &mut v,
            d(10),
            d(1),
            Kind::FirstTo { threshold: 0 },
            &[(1, "a".into()), (1, " ".into())],
        );
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "contest.end_date",
                "contest.threshold",
                "contest.prizes[1].rank",
                "contest.prizes[1].description"
            ]
        );
    }
}

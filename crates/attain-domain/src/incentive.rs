//! Incentive plans and earnings: commission on a result metric with marginal tiers by quota
//! attainment (accelerators and decelerators), quota bonuses, milestone bonuses and a cap.
//!
//! Money is whole minor units (cents) and rates are basis points (1,000 bp = 10 %), so nothing
//! here is floating point. **Rounding rule:** each line is computed exactly as a fraction and
//! rounded once, half up, to the minor unit; the total is the sum of the rounded lines, so a rep
//! adding up their statement gets the total to the cent.

use crate::Violations;

/// 100 % in basis points.
pub const WHOLE_BP: i64 = 10_000;
/// The highest attainment a tier or bonus may start at: 1,000 %.
pub const MAX_ATTAINMENT_BP: i64 = 100_000;
/// The highest commission rate: 100 % of the result.
pub const MAX_RATE_BP: i64 = 10_000;
/// The largest amount (bonus, cap): ten billion in a two-decimal currency.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// A tier: from `from_bp` of quota attainment up to the next tier's start, each unit of result
/// earns `rate_bp`. Marginal: only the part of the result inside the tier earns its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub from_bp: i64,
    pub rate_bp: i64,
}

/// A fixed amount once attainment reaches `at_bp` (e.g. 100 % or 120 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaBonus {
    pub at_bp: i64,
    pub amount: i64,
}

/// A fixed amount for each milestone of a kind in the period (e.g. `biggest_deal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneBonus {
    pub kind: String,
    pub amount: i64,
}

/// What a plan pays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Ascending by `from_bp`, the first from 0.
    pub tiers: Vec<Tier>,
    pub quota_bonuses: Vec<QuotaBonus>,
    pub milestone_bonuses: Vec<MilestoneBonus>,
    /// The most the plan pays in a period, all lines together.
    pub cap: Option<i64>,
}

/// Checks a plan, naming fields as the API does (`tiers[1].from_bp`, …). `milestone_kind` says
/// whether a milestone kind exists.
pub fn check_plan(p: &Plan, milestone_kind: impl Fn(&str) -> bool) -> Violations {
    let mut v = Violations::new();
    if p.tiers.is_empty() || p.tiers.len() > 10 {
        v.add("tiers", "give 1 to 10 tiers");
    }
    for (i, t) in p.tiers.iter().enumerate() {
        let f = format!("tiers[{i}]");
        if i == 0 && t.from_bp != 0 {
            v.add(format!("{f}.from_bp"), "the first tier starts at 0");
        }
        if !(0..=MAX_ATTAINMENT_BP).contains(&t.from_bp) {
            v.add(
                format!("{f}.from_bp"),
                format!("must be from 0 to {MAX_ATTAINMENT_BP} (1,000 %)"),
            );
        } else if i > 0 && t.from_bp <= p.tiers[i - 1].from_bp {
            v.add(
                format!("{f}.from_bp"),
                "must be above the tier before: tiers are ordered and do not overlap",
            );
        }
        if !(0..=MAX_RATE_BP).contains(&t.rate_bp) {
            v.add(
                format!("{f}.rate_bp"),
                format!("must be from 0 to {MAX_RATE_BP} (100 %)"),
            );
        }
    }
    if p.quota_bonuses.len() > 10 {
        v.add("quota_bonuses", "at most 10");
    }
    for (i, b) in p.quota_bonuses.iter().enumerate() {
        let f = format!("quota_bonuses[{i}]");
        if !(1..=MAX_ATTAINMENT_BP).contains(&b.at_bp) {
            v.add(format!("{f}.at_bp"), format!("must be from 1 to {MAX_ATTAINMENT_BP}"));
        } else if i > 0 && b.at_bp <= p.quota_bonuses[i - 1].at_bp {
            v.add(format!("{f}.at_bp"), "must be above the bonus before");
        }
        amount(&mut v, &format!("{f}.amount"), b.amount);
    }
    if p.milestone_bonuses.len() > 10 {
        v.add("milestone_bonuses", "at most 10");
    }
    for (i, b) in p.milestone_bonuses.iter().enumerate() {
        let f = format!("milestone_bonuses[{i}]");
        if !milestone_kind(&b.kind) {
            v.add(format!("{f}.kind"), "is not a milestone kind");
        } else if p.milestone_bonuses[..i].iter().any(|x| x.kind == b.kind) {
            v.add(format!("{f}.kind"), "has a bonus already");
        }
        amount(&mut v, &format!("{f}.amount"), b.amount);
    }
    if let Some(cap) = p.cap {
        if !(0..=MAX_AMOUNT).contains(&cap) {
            v.add("cap", format!("must be from 0 to {MAX_AMOUNT}"));
        }
        let biggest = p
            .quota_bonuses
            .iter()
            .map(|b| b.amount)
            .chain(p.milestone_bonuses.iter().map(|b| b.amount))
            .max();
        if biggest.is_some_and(|b| b > cap) {
            v.add("cap", "is below a bonus, which could then never be paid in full");
        }
    }
    v
}

fn amount(v: &mut Violations, field: &str, a: i64) {
    if !(1..=MAX_AMOUNT).contains(&a) {
        v.add(field, format!("must be from 1 to {MAX_AMOUNT} (minor units)"));
    }
}

/// Which part of a plan a line pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    /// Commission on the part of the result inside tier `index` (attainment from `from_bp` to
    /// `to_bp`, open-ended for the last tier).
    Tier {
        index: usize,
        from_bp: i64,
        to_bp: Option<i64>,
    },
    QuotaBonus {
        at_bp: i64,
    },
    MilestoneBonus {
        kind: String,
    },
    /// What the cap takes off (a negative amount).
    Cap,
}

/// One line of a statement: what it pays and on what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub component: Component,
    /// The result the line is paid on (for a tier, the part inside it), minor units; 0 for a
    /// bonus.
    pub basis: i64,
    /// The tier's rate; 0 for a bonus or the cap.
    pub rate_bp: i64,
    /// What the line pays, minor units, rounded once (half up).
    pub amount: i64,
    /// How many times a milestone bonus is paid; 1 otherwise.
    pub count: i64,
}

/// Earnings of one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earnings {
    pub lines: Vec<Line>,
    /// The sum of the lines.
    pub total: i64,
    /// Quota attainment in basis points; `None` without a quota.
    pub attainment_bp: Option<i64>,
}

/// `num ÷ den` rounded half up (`den` > 0, `num` ≥ 0).
fn round_half_up(num: i128, den: i128) -> i64 {
    let q = (num + den / 2) / den;
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// What `plan` pays on `result` against `quota` (both in the result metric's minor units), with
/// the milestones of the period by kind (one entry per milestone).
///
/// Without a quota (0 or below) attainment cannot be measured: no tier above the first and no
/// quota bonus applies, and the whole result earns the first tier's rate.
pub fn earnings(plan: &Plan, quota: i64, result: i64, milestones: &[&str]) -> Earnings {
    let result = result.max(0);
    let mut lines = Vec::new();
    let has_quota = quota > 0;
    // The result scaled by 10,000, so tier bounds (quota × bp) compare exactly.
    let scaled = i128::from(result) * i128::from(WHOLE_BP);
    for (index, tier) in plan.tiers.iter().enumerate() {
        let next = plan.tiers.get(index + 1).map(|t| t.from_bp);
        let (low, high) = if has_quota {
            (
                i128::from(quota) * i128::from(tier.from_bp),
                next.map(|n| i128::from(quota) * i128::from(n)),
            )
        } else if index == 0 {
            (0, None)
        } else {
            break;
        };
        let inside = scaled.min(high.unwrap_or(i128::MAX)).saturating_sub(low).max(0);
        if inside == 0 && index > 0 {
            continue;
        }
        lines.push(Line {
            component: Component::Tier {
                index,
                from_bp: tier.from_bp,
                to_bp: if has_quota { next } else { None },
            },
            basis: round_half_up(inside, i128::from(WHOLE_BP)),
            rate_bp: tier.rate_bp,
            amount: round_half_up(
                inside * i128::from(tier.rate_bp),
                i128::from(WHOLE_BP) * i128::from(WHOLE_BP),
            ),
            count: 1,
        });
    }
    if has_quota {
        for b in &plan.quota_bonuses {
            if scaled >= i128::from(quota) * i128::from(b.at_bp) {
                lines.push(Line {
                    component: Component::QuotaBonus { at_bp: b.at_bp },
                    basis: 0,
                    rate_bp: 0,
                    amount: b.amount,
                    count: 1,
                });
            }
        }
    }
    for b in &plan.milestone_bonuses {
        let n = milestones.iter().filter(|k| **k == b.kind).count() as i64;
        if n > 0 {
            lines.push(Line {
                component: Component::MilestoneBonus { kind: b.kind.clone() },
                basis: 0,
                rate_bp: 0,
                amount: b.amount.saturating_mul(n),
                count: n,
            });
        }
    }
    let before_cap: i64 = lines.iter().fold(0i64, |a, l| a.saturating_add(l.amount));
    if let Some(cap) = plan.cap
        && before_cap > cap
    {
        lines.push(Line {
            component: Component::Cap,
            basis: 0,
            rate_bp: 0,
            amount: cap - before_cap,
            count: 1,
        });
    }
    let total = lines.iter().fold(0i64, |a, l| a.saturating_add(l.amount));
    Earnings {
        lines,
        total,
        attainment_bp: has_quota.then(|| round_half_up(scaled, i128::from(quota))),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// 0 % below 50 %, 10 % from 50 % to 100 %, 15 % above; $1,000 at 100 %, $2,500 at 120 %.
    fn standard() -> Plan {
        Plan {
            tiers: vec![
                Tier { from_bp: 0, rate_bp: 0 },
                Tier {
                    from_bp: 5_000,
                    rate_bp: 1_000,
                },
                Tier {
                    from_bp: 10_000,
                    rate_bp: 1_500,
                },
            ],
            quota_bonuses: vec![
                QuotaBonus {
                    at_bp: 10_000,
                    amount: 100_000,
                },
                QuotaBonus {
                    at_bp: 12_000,
                    amount: 250_000,
                },
            ],
            milestone_bonuses: vec![MilestoneBonus {
                kind: "biggest_deal".into(),
                amount: 50_000,
            }],
            cap: None,
        }
    }

    const QUOTA: i64 = 10_000_000; // $100,000.00

    fn amounts(e: &Earnings) -> Vec<i64> {
        e.lines.iter().map(|l| l.amount).collect()
    }

    #[test]
    fn a_threshold_tier_at_zero_pays_nothing_below_half_of_quota() {
        // $40,000 of $100,000: all inside the 0 % tier.
        let e = earnings(&standard(), QUOTA, 4_000_000, &[]);
        assert_eq!(amounts(&e), [0]);
        assert_eq!(e.lines[0].basis, 4_000_000);
        assert_eq!((e.total, e.attainment_bp), (0, Some(4_000)));
    }

    #[test]
    fn commission_is_marginal_across_a_tier_boundary() {
        // $120,000 of $100,000: $50,000 at 0 %, $50,000 at 10 % = $5,000, $20,000 at 15 % =
        // $3,000; bonuses at 100 % ($1,000) and 120 % ($2,500): $11,500.
        let e = earnings(&standard(), QUOTA, 12_000_000, &[]);
        assert_eq!(amounts(&e), [0, 500_000, 300_000, 100_000, 250_000]);
        let bases: Vec<i64> = e.lines.iter().map(|l| l.basis).collect();
        assert_eq!(bases, [5_000_000, 5_000_000, 2_000_000, 0, 0]);
        assert_eq!(e.total, 1_150_000);
        assert_eq!(
            e.lines[1].component,
            Component::Tier {
                index: 1,
                from_bp: 5_000,
                to_bp: Some(10_000)
            }
        );
    }

    #[test]
    fn a_cap_takes_off_what_is_above_it_on_its_own_line() {
        let plan = Plan {
            cap: Some(900_000),
            ..standard()
        };
        let e = earnings(&plan, QUOTA, 12_000_000, &["biggest_deal", "streak", "biggest_deal"]);
        // $11,500 + 2 × $500 = $12,500, capped at $9,000.
        assert_eq!(e.lines[5].amount, 100_000, "two biggest deals");
        assert_eq!(e.lines[5].count, 2);
        assert_eq!(
            e.lines.last().map(|l| (&l.component, l.amount)),
            Some((&Component::Cap, -350_000))
        );
        assert_eq!(e.total, 900_000);
    }

    #[test]
    fn each_line_is_rounded_once_half_up() {
        let plan = Plan {
            tiers: vec![Tier {
                from_bp: 0,
                rate_bp: 333,
            }],
            ..Plan::default()
        };
        // 3.33 % of $10.50 = 34.965 cents → 35; of $10.49 = 34.9317 → 35; of $10.35 = 34.4655 → 34.
        assert_eq!(earnings(&plan, QUOTA, 1_050, &[]).total, 35);
        assert_eq!(earnings(&plan, QUOTA, 1_049, &[]).total, 35);
        assert_eq!(earnings(&plan, QUOTA, 1_035, &[]).total, 34);
    }

    #[test]
    fn without_a_quota_only_the_first_tier_applies() {
        let e = earnings(&standard(), 0, 12_000_000, &[]);
        assert_eq!(amounts(&e), [0]);
        assert_eq!(e.attainment_bp, None);
    }

    #[test]
    fn bad_plans_name_their_fields() {
        let plan = Plan {
            tiers: vec![
                Tier {
                    from_bp: 100,
                    rate_bp: -5,
                },
                Tier {
                    from_bp: 50,
                    rate_bp: 1_000,
                },
            ],
            quota_bonuses: vec![QuotaBonus {
                at_bp: 10_000,
                amount: 500_000,
            }],
            milestone_bonuses: vec![MilestoneBonus {
                kind: "nope".into(),
                amount: 0,
            }],
            cap: Some(100_000),
        };
        let v = check_plan(&plan, |k| k == "biggest_deal");
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "tiers[0].from_bp",
                "tiers[0].rate_bp",
                "tiers[1].from_bp",
                "milestone_bonuses[0].kind",
                "milestone_bonuses[0].amount",
                "cap"
            ]
        );
        assert!(check_plan(&standard(), |k| k == "biggest_deal").is_empty());
    }

    proptest! {
        #[test]
        fn earnings_never_fall_as_results_grow_and_lines_add_up(
            quota in 1i64..100_000_000,
            a in 0i64..500_000_000,
            more in 0i64..100_000_000,
            cap in proptest::option::of(250_000i64..5_000_000),
        ) {
            let plan = Plan { cap, ..standard() };
            let low = earnings(&plan, quota, a, &[]);
            let high = earnings(&plan, quota, a + more, &[]);
            prop_assert!(high.total >= low.total);
            prop_assert_eq!(low.total, low.lines.iter().map(|l| l.amount).sum::<i64>());
            if let Some(cap) = cap {
                prop_assert!(high.total <= cap);
            }
            // The tiers' bases add up to the result (to rounding of each).
            let bases: i64 = low.lines.iter().filter(|l| matches!(l.component, Component::Tier { .. })).map(|l| l.basis).sum();
            prop_assert!((bases - a).abs() <= low.lines.len() as i64);
        }
    }
}

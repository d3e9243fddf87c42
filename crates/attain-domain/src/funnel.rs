//! Reverse-funnel planning: walk back from a revenue target to the deals, opportunities,
//! meetings, conversations and dials it takes, every step rounded up.

use crate::Violations;

/// A conversion rate as an exact fraction, so that 96 meetings ÷ 80 % is exactly 120 and not
/// 120.00000000000001 rounded up to 121.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

/// Decimal places a rate given as a number keeps (parts per million).
const RATE_SCALE: u64 = 1_000_000;

impl Rate {
    /// A rate given as a number, e.g. 0.25, kept to six decimal places.
    pub fn from_f64(value: f64) -> Option<Rate> {
        let scaled = (value * RATE_SCALE as f64).round();
        (value.is_finite() && scaled > 0.0 && scaled <= u64::MAX as f64).then_some(Rate {
            numerator: scaled as u64,
            denominator: RATE_SCALE,
        })
    }

    /// A rate observed as `numerator` of `denominator` events; `None` when either is 0.
    pub fn observed(numerator: u64, denominator: u64) -> Option<Rate> {
        (numerator > 0 && denominator > 0).then_some(Rate { numerator, denominator })
    }

    pub fn value(&self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }

    /// ⌈count ÷ rate⌉: how many of the step before it takes to get `count`.
    fn needed(&self, count: u64) -> u64 {
        let n = u128::from(count) * u128::from(self.denominator);
        let d = u128::from(self.numerator);
        u64::try_from(n.div_ceil(d)).unwrap_or(u64::MAX)
    }
}

/// The rates a plan walks back through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunnelRates {
    /// Average deal size in minor units, as revenue over deals (an exact fraction too).
    pub average_deal_size: Rate,
    /// Deals won ÷ opportunities.
    pub win_rate: Rate,
    /// Opportunities (qualified meetings) ÷ meetings held.
    pub held_to_qualified: Rate,
    /// Meetings held ÷ meetings set.
    pub set_to_held: Rate,
    /// Meetings set ÷ conversations.
    pub conversation_to_meeting: Rate,
    /// Conversations ÷ dials.
    pub dial_to_conversation: Rate,
}

/// What a target takes, over the period and per working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funnel {
    pub deals: u64,
    pub opportunities: u64,
    pub meetings_held: u64,
    pub meetings_set: u64,
    pub conversations: u64,
    pub dials: u64,
}

impl Funnel {
    /// The steps with their names, from deals down to dials.
    pub fn steps(&self) -> [(&'static str, u64); 6] {
        [
            ("deals", self.deals),
            ("opportunities", self.opportunities),
            ("meetings_held", self.meetings_held),
            ("meetings_set", self.meetings_set),
            ("conversations", self.conversations),
            ("dials", self.dials),
        ]
    }

    /// Each step per working day, rounded up; `None` for a period without working days.
    pub fn per_day(&self, working_days: u32) -> Option<Funnel> {
        let d = u64::from(working_days);
        (d > 0).then(|| Funnel {
            deals: self.deals.div_ceil(d),
            opportunities: self.opportunities.div_ceil(d),
            meetings_held: self.meetings_held.div_ceil(d),
            meetings_set: self.meetings_set.div_ceil(d),
            conversations: self.conversations.div_ceil(d),
            dials: self.dials.div_ceil(d),
        })
    }
}

/// Walks back from `target` (minor units) through `rates`, rounding every step up.
pub fn reverse_funnel(target: u64, rates: &FunnelRates) -> Funnel {
    let deals = rates.average_deal_size.needed(target);
    let opportunities = rates.win_rate.needed(deals);
    let meetings_held = rates.held_to_qualified.needed(opportunities);
    let meetings_set = rates.set_to_held.needed(meetings_held);
    let conversations = rates.conversation_to_meeting.needed(meetings_set);
    let dials = rates.dial_to_conversation.needed(conversations);
    Funnel {
        deals,
        opportunities,
        meetings_held,
        meetings_set,
        conversations,
        dials,
    }
}

/// The funnel's rates in [`FunnelRates`] order: name, the metric counting its numerator, the metric
/// counting its denominator. The average deal size's numerator is the target metric itself
/// (revenue or gross profit won), written `""` here.
pub const RATE_METRICS: [(&str, &str, &str); 6] = [
    ("average_deal_size", "", "deals_won"),
    ("win_rate", "deals_won", "opportunities_created"),
    ("held_to_qualified", "meetings_qualified", "meetings_held"),
    ("set_to_held", "meetings_held", "meetings_set"),
    ("conversation_to_meeting", "meetings_set", "conversations"),
    ("dial_to_conversation", "conversations", "calls"),
];

/// The metric each step of [`Funnel::steps`] is measured by, in that order.
pub const STEP_METRICS: [&str; 6] = [
    "deals_won",
    "opportunities_created",
    "meetings_held",
    "meetings_set",
    "conversations",
    "calls",
];

/// Where a plan's rate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// Given by the caller.
    Caller,
    /// Observed in the history: `numerator` of `denominator` over the look-back window.
    History { numerator: i64, denominator: i64 },
}

/// A rate of a plan, with where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRate {
    pub name: &'static str,
    pub rate: Rate,
    pub source: RateSource,
}

/// Why the history cannot fill in a rate the caller left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateGap {
    /// Nothing happened in the window: no numerator or no denominator.
    NoHistory {
        name: &'static str,
        numerator_metric: String,
        denominator_metric: &'static str,
    },
    /// A conversion above 100 %: the people counted record the later step for work the earlier
    /// one did not cover (meetings held that others set), so it is no basis for a plan.
    AboveOne {
        name: &'static str,
        numerator: i64,
        denominator: i64,
        numerator_metric: &'static str,
        denominator_metric: &'static str,
    },
}

/// The plan's rates: each the caller's where given, else observed in `total` (the history's
/// total of a metric) as numerator over denominator per [`RATE_METRICS`].
pub fn fill_rates(
    given: [Option<Rate>; 6],
    target_metric: &str,
    total: impl Fn(&str) -> i64,
) -> Result<[PlanRate; 6], RateGap> {
    let mut out = [PlanRate {
        name: "",
        rate: Rate {
            numerator: 1,
            denominator: 1,
        },
        source: RateSource::Caller,
    }; 6];
    for (i, (name, num, den)) in RATE_METRICS.iter().enumerate() {
        out[i] = match given[i] {
            Some(rate) => PlanRate {
                name,
                rate,
                source: RateSource::Caller,
            },
            None => {
                let numerator_metric = if num.is_empty() { target_metric } else { num };
                let (n, d) = (total(numerator_metric), total(den));
                let rate = Rate::observed(n.max(0) as u64, d.max(0) as u64).ok_or_else(|| RateGap::NoHistory {
                    name,
                    numerator_metric: numerator_metric.to_string(),
                    denominator_metric: den,
                })?;
                // The average deal size is money per deal, not a conversion: it may exceed 1.
                if i > 0 && n > d {
                    return Err(RateGap::AboveOne {
                        name,
                        numerator: n,
                        denominator: d,
                        numerator_metric: num,
                        denominator_metric: den,
                    });
                }
                PlanRate {
                    name,
                    rate,
                    source: RateSource::History {
                        numerator: n,
                        denominator: d,
                    },
                }
            }
        };
    }
    Ok(out)
}

impl FunnelRates {
    /// The rates of a plan, in [`RATE_METRICS`] order.
    pub fn of(rates: &[PlanRate; 6]) -> FunnelRates {
        FunnelRates {
            average_deal_size: rates[0].rate,
            win_rate: rates[1].rate,
            held_to_qualified: rates[2].rate,
            set_to_held: rates[3].rate,
            conversation_to_meeting: rates[4].rate,
            dial_to_conversation: rates[5].rate,
        }
    }
}

/// The quotas that apply a plan: the target as a volume (revenue) or profit quota on its metric,
/// deals won as a volume quota, and every other step as an activity quota; as (kind, metric,
/// amount), amounts from `steps` in [`STEP_METRICS`] order.
pub fn plan_quotas(target_metric: &str, target_amount: i64, steps: &[u64; 6]) -> Vec<(&'static str, String, i64)> {
    let target_kind = if target_metric == "gross_profit_won" {
        "profit"
    } else {
        "volume"
    };
    let mut quotas = vec![(target_kind, target_metric.to_string(), target_amount)];
    quotas.extend(STEP_METRICS.iter().zip(steps).map(|(metric, total)| {
        let kind = if *metric == "deals_won" { "volume" } else { "activity" };
        (kind, metric.to_string(), i64::try_from(*total).unwrap_or(i64::MAX))
    }));
    quotas
}

/// Checks a conversion rate given as a number: above 0 and at most 1.
pub fn check_conversion(v: &mut Violations, field: &str, value: f64) {
    if !value.is_finite() || value <= 0.0 || value > 1.0 {
        v.add(field, "must be a fraction above 0 and at most 1, e.g. 0.25");
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rate(x: f64) -> Rate {
        Rate::from_f64(x).expect("rate")
    }

    fn history<'a>(pairs: &'a [(&'a str, i64)]) -> impl Fn(&str) -> i64 + 'a {
        |k| pairs.iter().find(|(m, _)| *m == k).map_or(0, |(_, v)| *v)
    }

    #[test]
    fn missing_rates_come_from_history_and_given_ones_are_kept() {
        let totals = [
            ("revenue_won", 100_000),
            ("deals_won", 4),
            ("opportunities_created", 16),
            ("meetings_qualified", 16),
            ("meetings_held", 20),
            ("meetings_set", 25),
            ("conversations", 100),
            ("calls", 1000),
        ];
        let mut given = [None; 6];
        given[1] = Some(rate(0.5));
        let rates = fill_rates(given, "revenue_won", history(&totals)).unwrap();
        assert_eq!(rates[0].rate, Rate::observed(100_000, 4).unwrap());
        assert_eq!(
            rates[0].source,
            RateSource::History {
                numerator: 100_000,
                denominator: 4
            }
        );
        assert_eq!((rates[1].rate, rates[1].source), (rate(0.5), RateSource::Caller));
        assert_eq!(rates[5].rate, Rate::observed(100, 1000).unwrap());
        assert_eq!(rates.map(|r| r.name), RATE_METRICS.map(|(n, _, _)| n));
    }

    #[test]
    fn a_rate_without_history_or_above_one_is_refused() {
        let none = fill_rates(
            [None; 6],
            "revenue_won",
            history(&[("revenue_won", 5), ("deals_won", 1)]),
        );
        assert!(matches!(none, Err(RateGap::NoHistory { name: "win_rate", .. })));
        let above = fill_rates(
            [None, None, Some(rate(0.5)), None, None, None],
            "gross_profit_won",
            history(&[
                ("gross_profit_won", 5),
                ("deals_won", 1),
                ("opportunities_created", 2),
                ("meetings_held", 30),
                ("meetings_set", 20),
            ]),
        );
        assert!(matches!(
            above,
            Err(RateGap::AboveOne {
                name: "set_to_held",
                numerator: 30,
                denominator: 20,
                ..
            })
        ));
    }

    #[test]
    fn a_plan_becomes_one_quota_per_step_and_one_for_the_target() {
        let quotas = plan_quotas("gross_profit_won", 50_000, &[2, 8, 10, 12, 40, u64::MAX]);
        assert_eq!(quotas[0], ("profit", "gross_profit_won".to_string(), 50_000));
        assert_eq!(quotas[1], ("volume", "deals_won".to_string(), 2));
        assert_eq!(quotas[2], ("activity", "opportunities_created".to_string(), 8));
        assert_eq!(quotas[6], ("activity", "calls".to_string(), i64::MAX));
        assert_eq!(plan_quotas("revenue_won", 1, &[0; 6])[0].0, "volume");
    }

    #[test]
    fn the_worked_example_comes_out_exactly() {
        let rates = FunnelRates {
            average_deal_size: Rate {
                numerator: 25_000,
                denominator: 1,
            },
            win_rate: rate(0.25),
            held_to_qualified: rate(0.5),
            set_to_held: rate(0.8),
            conversation_to_meeting: rate(0.2),
            dial_to_conversation: rate(0.1),
        };
        let f = reverse_funnel(300_000, &rates);
        assert_eq!(
            f.steps().map(|(_, n)| n),
            [12, 48, 96, 120, 600, 6000],
            "deals, opportunities, held, set, conversations, dials"
        );
        assert_eq!(f.per_day(62).map(|d| d.dials), Some(97));
        assert_eq!(f.per_day(0), None);
    }

    #[test]
    fn every_step_rounds_up() {
        let rates = FunnelRates {
            average_deal_size: Rate {
                numerator: 70_000,
                denominator: 3,
            },
            win_rate: rate(0.3),
            held_to_qualified: rate(0.7),
            set_to_held: rate(0.9),
            conversation_to_meeting: rate(0.15),
            dial_to_conversation: rate(0.07),
        };
        let f = reverse_funnel(100_000, &rates);
        // 100,000 ÷ 23,333.33 = 4.29 → 5; 5 ÷ 0.3 = 16.7 → 17; 17 ÷ 0.7 = 24.3 → 25;
        // 25 ÷ 0.9 = 27.8 → 28; 28 ÷ 0.15 = 186.7 → 187; 187 ÷ 0.07 = 2671.4 → 2672.
        assert_eq!(f.steps().map(|(_, n)| n), [5, 17, 25, 28, 187, 2672]);
    }

    #[test]
    fn rates_from_history_are_exact_fractions() {
        assert_eq!(Rate::observed(0, 10), None);
        assert_eq!(Rate::observed(3, 0), None);
        let r = Rate::observed(1, 3).unwrap();
        assert_eq!(r.needed(10), 30);
        assert_eq!(Rate::from_f64(0.0), None);
        assert_eq!(Rate::from_f64(f64::NAN), None);
    }

    proptest! {
        /// Walking forward from the plan reaches the target: every step's rounded count at its
        /// rate is at least what the next step needs.
        #[test]
        fn the_plan_is_always_enough(target in 1u64..10_000_000, size in 1u64..1_000_000,
                                     a in 1u64..=100, b in 1u64..=100, c in 1u64..=100) {
            let pct = |x: u64| Rate { numerator: x, denominator: 100 };
            let rates = FunnelRates {
                average_deal_size: Rate { numerator: size, denominator: 1 },
                win_rate: pct(a),
                held_to_qualified: pct(b),
                set_to_held: pct(c),
                conversation_to_meeting: pct(a),
                dial_to_conversation: pct(b),
            };
            let f = reverse_funnel(target, &rates);
            prop_assert!(f.deals * size >= target);
            prop_assert!(f.opportunities * a >= f.deals * 100);
            prop_assert!(f.meetings_held * b >= f.opportunities * 100);
            prop_assert!(f.meetings_set * c >= f.meetings_held * 100);
            prop_assert!(f.conversations * a >= f.meetings_set * 100);
            prop_assert!(f.dials * b >= f.conversations * 100);
            // And not more than one over at any step.
            prop_assert!((f.deals - 1) * size < target);
        }
    }
}

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

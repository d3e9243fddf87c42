//! Metrics: the AOR catalog, how a metric's events add up, and ratios as sum over sum.

use crate::Violations;

text_enum! {
    /// Where a metric sits in the AOR framework.
    Layer { Activity = "activity", Objective = "objective", Result = "result", Efficiency = "efficiency" }
}

text_enum! {
    /// How a metric's events add up over a period. COUNT, SUM and MAX are flows (what happened
    /// in the period); LATEST is a state (a gauge such as open pipeline): each event is a
    /// snapshot of the person's value when it was observed, and the metric's value for a period
    /// is each person's latest snapshot on or before the period's last day, added up over people.
    Aggregation { Count = "count", Sum = "sum", Max = "max", Latest = "latest" }
}

impl Aggregation {
    /// The largest value one event may carry. A COUNT event counts occurrences (1 unless given);
    /// a SUM or MAX event is an amount, money in minor units (1,000,000,000,000 is ten billion
    /// in a two-decimal currency). Sums of many events are saturated, never an error (migration
    /// metrics 0008); this bound keeps one event from coming near that.
    pub fn max_event_value(self) -> i64 {
        match self {
            Aggregation::Count => 1_000_000,
            Aggregation::Sum | Aggregation::Max | Aggregation::Latest => 1_000_000_000_000,
        }
    }

    /// A state (gauge): read as of a day, not added up over days.
    pub fn is_state(self) -> bool {
        self == Aggregation::Latest
    }
}

text_enum! {
    /// What a metric's values measure.
    Unit { Count = "count", CurrencyMinor = "currency_minor", Seconds = "seconds", Days = "days", Ratio = "ratio" }
}

text_enum! {
    /// Whether more is better.
    Direction { HigherIsBetter = "higher_is_better", LowerIsBetter = "lower_is_better" }
}

text_enum! {
    /// Whether a metric accepts new events.
    MetricState { Active = "active", Retired = "retired" }
}

/// What a metric is computed from: its own events, or two other metrics' totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricKind {
    Events(Aggregation),
    Ratio { numerator: String, denominator: String },
}

/// A metric definition, as the built-in catalog and tenants declare them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDef {
    pub key: String,
    pub display_name: String,
    pub description: String,
    pub layer: Layer,
    pub kind: MetricKind,
    pub unit: Unit,
    pub direction: Direction,
}

/// Checks a metric key: 1 to 64 lower-case letters, digits and '_', starting with a letter.
pub fn check_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 64 lower-case letters, digits and '_', starting with a letter, such as \"calls\"".into())
    }
}

/// The sums kept per person, metric and day, and added up over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub sum: i64,
    pub count: i64,
    pub max: i64,
}

impl Totals {
    /// Adds another period's (or person's) totals.
    pub fn merge(self, other: Totals) -> Totals {
        Totals {
            sum: self.sum.saturating_add(other.sum),
            count: self.count.saturating_add(other.count),
            max: if self.count == 0 {
                other.max
            } else if other.count == 0 {
                self.max
            } else {
                self.max.max(other.max)
            },
        }
    }

    /// The value of an event metric with this aggregation.
    pub fn value(self, aggregation: Aggregation) -> i64 {
        match aggregation {
            // A state's totals carry the snapshots as of the day, already added up over people.
            Aggregation::Count | Aggregation::Sum | Aggregation::Latest => self.sum,
            Aggregation::Max => self.max,
        }
    }
}

/// numerator / denominator over a whole period; `None` for an empty denominator, never NaN.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

/// Checks a new metric definition against the catalog it joins (for ratio references).
pub fn check_def(def: &MetricDef, exists: impl Fn(&str) -> Option<MetricKind>) -> Violations {
    let mut v = Violations::new();
    v.check("key", check_key(&def.key));
    crate::org::check_name(&mut v, "display_name", &def.display_name);
    crate::org::check_optional_text_multiline(&mut v, "description", &def.description, 2000);
    if let MetricKind::Ratio { numerator, denominator } = &def.kind {
        for (field, key) in [
            ("ratio.numerator_key", numerator),
            ("ratio.denominator_key", denominator),
        ] {
            match exists(key) {
                Some(MetricKind::Events(a)) if a.is_state() => {
                    v.add(field, "must name a flow metric (COUNT, SUM or MAX), not a state")
                }
                Some(MetricKind::Events(_)) => {}
                Some(MetricKind::Ratio { .. }) => v.add(field, "must name an event metric, not another ratio"),
                None => v.add(field, "no metric with this key"),
            }
        }
        if def.layer != Layer::Efficiency {
            v.add("layer", "ratio metrics belong to the EFFICIENCY layer");
        }
    } else if def.layer == Layer::Efficiency {
        v.add("layer", "only ratio metrics belong to the EFFICIENCY layer");
    }
    v
}

/// The catalog every tenant starts with, for SDR and AE teams.
pub fn built_in_catalog() -> Vec<MetricDef> {
    use Aggregation::*;
    use Direction::*;
    use Layer::*;
    let event = |key: &str, name: &str, layer, agg, unit, direction, description: &str| MetricDef {
        key: key.into(),
        display_name: name.into(),
        description: description.into(),
        layer,
        kind: MetricKind::Events(agg),
        unit,
        direction,
    };
    let ratio = |key: &str, name: &str, num: &str, den: &str, unit, description: &str| MetricDef {
        key: key.into(),
        display_name: name.into(),
        description: description.into(),
        layer: Efficiency,
        kind: MetricKind::Ratio {
            numerator: num.into(),
            denominator: den.into(),
        },
        unit,
        direction: HigherIsBetter,
    };
    let c = Unit::Count;
    let money = Unit::CurrencyMinor;
    vec![
        event(
            "calls",
            "Calls",
            Activity,
            Count,
            c,
            HigherIsBetter,
            "Outbound dials, connected or not.",
        ),
        event(
            "emails",
            "Emails",
            Activity,
            Count,
            c,
            HigherIsBetter,
            "Prospecting and follow-up emails sent.",
        ),
        event(
            "social_connects",
            "Social connects",
            Activity,
            Count,
            c,
            HigherIsBetter,
            "Social-selling touches, e.g. LinkedIn messages and connection requests.",
        ),
        event(
            "contacts_in_sequence",
            "Contacts added to sequence",
            Activity,
            Count,
            c,
            HigherIsBetter,
            "New contacts enrolled in an outreach sequence.",
        ),
        event(
            "contacts_added_to_opportunities",
            "Contacts added to open opportunities",
            Activity,
            Count,
            c,
            HigherIsBetter,
            "Contacts added to open opportunities (multi-threading).",
        ),
        event(
            "talk_time",
            "Talk time",
            Activity,
            Sum,
            Unit::Seconds,
            HigherIsBetter,
            "Seconds spent in conversation on calls.",
        ),
        event(
            "connects",
            "Connects",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Calls that reached a person.",
        ),
        event(
            "conversations",
            "Conversations",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Connects that became a real conversation.",
        ),
        event(
            "meetings_set",
            "Meetings set",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Meetings booked.",
        ),
        event(
            "meetings_held",
            "Meetings held",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Booked meetings that took place.",
        ),
        event(
            "meetings_qualified",
            "Meetings qualified",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Held meetings that qualified.",
        ),
        event(
            "meetings_converted",
            "Meetings converted to pipeline",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Held meetings that became pipeline.",
        ),
        event(
            "opportunities_created",
            "Opportunities created",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "New opportunities.",
        ),
        event(
            "opportunities_advanced",
            "Opportunities advanced",
            Objective,
            Count,
            c,
            HigherIsBetter,
            "Opportunities moved forward a stage.",
        ),
        event(
            "expansion_amount",
            "Expansion",
            Objective,
            Sum,
            money,
            HigherIsBetter,
            "Expansion on existing accounts, in minor currency units.",
        ),
        event(
            "pipeline_amount",
            "Pipeline created",
            Result,
            Sum,
            money,
            HigherIsBetter,
            "Pipeline created, in minor currency units.",
        ),
        event(
            "deals_won",
            "Deals won",
            Result,
            Count,
            c,
            HigherIsBetter,
            "Deals closed won.",
        ),
        event(
            "deals_lost",
            "Deals lost",
            Result,
            Count,
            c,
            LowerIsBetter,
            "Deals closed lost.",
        ),
        event(
            "revenue_won",
            "Revenue won",
            Result,
            Sum,
            money,
            HigherIsBetter,
            "Revenue of deals won, in minor currency units.",
        ),
        event(
            "gross_profit_won",
            "Gross profit won",
            Result,
            Sum,
            money,
            HigherIsBetter,
            "Gross profit of deals won, in minor currency units.",
        ),
        event(
            "largest_deal",
            "Largest deal",
            Result,
            Max,
            money,
            HigherIsBetter,
            "Amount of each won deal; the metric reports the largest single one.",
        ),
        event(
            "days_to_close",
            "Days to close",
            Result,
            Sum,
            Unit::Days,
            LowerIsBetter,
            "Days from creation to close of each won deal.",
        ),
        event(
            "open_pipeline",
            "Open pipeline",
            Result,
            Latest,
            money,
            HigherIsBetter,
            "Amount of a rep's opportunities still open, in minor currency units: a snapshot from the CRM, \
             read as of the period's last day.",
        ),
        event(
            "open_opportunities",
            "Open opportunities",
            Objective,
            Latest,
            c,
            HigherIsBetter,
            "Number of a rep's opportunities still open: a snapshot from the CRM, read as of the period's last day.",
        ),
        event(
            "praise_received",
            "Praise received",
            Result,
            Count,
            c,
            HigherIsBetter,
            "Praise a rep received from managers and peers (GivePraise), public or private.",
        ),
        ratio(
            "call_to_connect",
            "Call to connect",
            "connects",
            "calls",
            Unit::Ratio,
            "Share of calls that connected.",
        ),
        ratio(
            "call_to_conversation",
            "Dial to conversation",
            "conversations",
            "calls",
            Unit::Ratio,
            "Share of calls that became conversations.",
        ),
        ratio(
            "conversation_to_meeting_set",
            "Conversation to meeting set",
            "meetings_set",
            "conversations",
            Unit::Ratio,
            "Share of conversations that booked a meeting.",
        ),
        ratio(
            "set_to_held",
            "Meeting set to held",
            "meetings_held",
            "meetings_set",
            Unit::Ratio,
            "Share of booked meetings that took place.",
        ),
        ratio(
            "held_to_qualified",
            "Held to qualified",
            "meetings_qualified",
            "meetings_held",
            Unit::Ratio,
            "Share of held meetings that qualified.",
        ),
        ratio(
            "meeting_to_next_stage",
            "Meeting to next stage",
            "meetings_converted",
            "meetings_held",
            Unit::Ratio,
            "Share of held meetings that became pipeline.",
        ),
        ratio(
            "win_rate",
            "Win rate",
            "deals_won",
            "opportunities_created",
            Unit::Ratio,
            "Deals won per opportunity created.",
        ),
        ratio(
            "average_deal_size",
            "Average deal size",
            "revenue_won",
            "deals_won",
            money,
            "Revenue won per deal won.",
        ),
        MetricDef {
            direction: Direction::LowerIsBetter,
            ..ratio(
                "average_days_to_close",
                "Average days to close",
                "days_to_close",
                "deals_won",
                Unit::Days,
                "Days to close per deal won.",
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_empty_denominator_has_no_value() {
        assert_eq!(ratio(5, 0), None);
        assert_eq!(ratio(0, 4), Some(0.0));
        assert_eq!(ratio(1, 4), Some(0.25));
    }

    #[test]
    fn a_ratio_over_a_period_is_sum_over_sum_not_the_mean_of_daily_ratios() {
        // Day 1: 1 of 1 connected (100 %); day 2: 1 of 9 (11 %). Mean of days would be 55.6 %.
        let days = [(1, 1), (1, 9)];
        let (num, den) = days.iter().fold((0, 0), |(n, d), (a, b)| (n + a, d + b));
        assert_eq!(ratio(num, den), Some(0.2));
    }

    #[test]
    fn max_ignores_empty_totals() {
        let empty = Totals::default();
        let a = Totals {
            sum: 10,
            count: 2,
            max: 7,
        };
        assert_eq!(empty.merge(a), a);
        assert_eq!(a.merge(empty), a);
        assert_eq!(
            a.merge(Totals {
                sum: 3,
                count: 1,
                max: 3
            })
            .max,
            7
        );
    }

    #[test]
    fn the_built_in_catalog_is_consistent() {
        let catalog = built_in_catalog();
        let kind_of = |key: &str| catalog.iter().find(|m| m.key == key).map(|m| m.kind.clone());
        for def in &catalog {
            assert!(
                check_def(def, kind_of).is_empty(),
                "{}: {}",
                def.key,
                check_def(def, kind_of)
            );
        }
        let mut keys: Vec<_> = catalog.iter().map(|m| &m.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), catalog.len(), "keys are unique");
    }

    #[test]
    fn a_ratio_must_name_event_metrics() {
        let catalog = built_in_catalog();
        let kind_of = |key: &str| catalog.iter().find(|m| m.key == key).map(|m| m.kind.clone());
        let bad = MetricDef {
            key: "Bad Key".into(),
            display_name: "x".into(),
            description: String::new(),
            layer: Layer::Result,
            kind: MetricKind::Ratio {
                numerator: "win_rate".into(),
                denominator: "nope".into(),
            },
            unit: Unit::Ratio,
            direction: Direction::HigherIsBetter,
        };
        let fields: Vec<_> = check_def(&bad, kind_of).iter().map(|v| v.field.clone()).collect();
        assert_eq!(fields, ["key", "ratio.numerator_key", "ratio.denominator_key", "layer"]);
    }

    proptest! {
        #[test]
        fn merging_is_associative_and_commutative(a in 0i64..1000, b in 0i64..1000, c in 0i64..1000, n in 1i64..5, m in 1i64..5) {
            let x = Totals { sum: a, count: n, max: a };
            let y = Totals { sum: b, count: m, max: b };
            let z = Totals { sum: c, count: 1, max: c };
            prop_assert_eq!(x.merge(y).merge(z), x.merge(y.merge(z)));
            prop_assert_eq!(x.merge(y), y.merge(x));
        }
    }
}

/// Namespace of event ids derived from a source and an external id (UUIDv5).
const EVENT_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6f1c_2b1e_7d8a_4c3b_9e2f_5a6b_7c8d_9e0f);

/// The id of an event known by its source and its id there, so that re-sending the same
/// source record is recognised as a duplicate. A unit separator keeps ("a", "b:c") and
/// ("a:b", "c") apart.
pub fn derive_event_id(source: &str, external_id: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&EVENT_NAMESPACE, format!("{source}\u{1f}{external_id}").as_bytes())
}

#[cfg(test)]
mod event_id_tests {
    use super::derive_event_id;

    #[test]
    fn derived_ids_are_stable_and_unambiguous() {
        assert_eq!(
            derive_event_id("salesforce", "00T1"),
            derive_event_id("salesforce", "00T1")
        );
        assert_ne!(derive_event_id("a", "b:c"), derive_event_id("a:b", "c"));
        assert_ne!(
            derive_event_id("salesforce", "00T1"),
            derive_event_id("hubspot", "00T1")
        );
    }
}

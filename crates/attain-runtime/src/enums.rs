//! Every protobuf enum and its domain twin, mapped one way: variant by variant, by name, with a
//! `match` in each direction, so adding a variant on either side without mapping it fails to
//! compile (nothing maps by position, which breaks silently when an order changes). UNSPECIFIED
//! and values this build does not know map to `None`.
//!
//! Use [`from_wire`], [`to_wire`] and, for names stored as text, [`text_to_wire`].

use attain_domain::{
    TextEnum,
    board::{Category as BoardCategory, Visibility as BoardVisibility},
    coaching::{Frequency, PlanStatus, SessionKind, SessionStatus},
    hiring::{
        BenchKind, CandidateSource, CandidateStatus, OfferOutcome, Readiness, Recommendation, RequisitionReason,
        RequisitionStatus,
    },
    metric::{Aggregation, Direction, Layer, MetricState, Unit},
    milestone::Kind as MilestoneKind,
    org::{AccessRole, Motion, PersonStatus, SalesRole},
    period::Granularity,
    scorecard::template::Section,
    survey::QuestionType,
    webhook::{DeliveryState, Format},
};
use attain_proto::{coaching::v1 as coaching, common::v1 as common, hiring::v1 as hiring, metrics::v1 as metrics};
use attain_proto::{org::v1 as org, scorecard::v1 as scorecard, webhooks::v1 as webhooks};
use chrono::Weekday;

/// A domain enum with a protobuf twin.
pub trait WireEnum: Copy + Sized + 'static {
    /// The domain value of a protobuf value; `None` for UNSPECIFIED and unknown values.
    fn from_wire(value: i32) -> Option<Self>;
    /// The protobuf value.
    fn to_wire(self) -> i32;
}

/// The domain value of a protobuf enum value; `None` for UNSPECIFIED and unknown values.
pub fn from_wire<T: WireEnum>(value: i32) -> Option<T> {
    T::from_wire(value)
}

/// The protobuf value of a domain value.
pub fn to_wire<T: WireEnum>(value: T) -> i32 {
    value.to_wire()
}

/// The protobuf value of a name stored as text; 0 (UNSPECIFIED) for a name this build does not
/// know, e.g. one a newer release wrote.
pub fn text_to_wire<T: WireEnum + TextEnum>(text: &str) -> i32 {
    T::parse_text(text).map_or(0, T::to_wire)
}

/// `wire_enum!(Domain = proto::Enum { Same, DomainName => ProtoName, … })` maps every variant of
/// both enums; a variant named the same on both sides is written once.
macro_rules! wire_enum {
    ($domain:ident = $proto:path { $($variant:ident $(=> $wire:ident)?),+ $(,)? }) => {
        impl WireEnum for $domain {
            fn from_wire(value: i32) -> Option<Self> {
                use $proto as P;
                match P::try_from(value).ok()? {
                    P::Unspecified => None,
                    $(wire_enum!(@wire P, $variant $(, $wire)?) => Some($domain::$variant),)+
                }
            }

            fn to_wire(self) -> i32 {
                use $proto as P;
                (match self {
                    $($domain::$variant => wire_enum!(@wire P, $variant $(, $wire)?),)+
                }) as i32
            }
        }
    };
    (@wire $p:ident, $variant:ident) => { $p::$variant };
    (@wire $p:ident, $variant:ident, $wire:ident) => { $p::$wire };
}

// The org directory.
wire_enum!(
    AccessRole = org::AccessRole {
        Admin,
        Manager,
        Rep,
        Integration
    }
);
wire_enum!(
    SalesRole = org::SalesRole {
        Sdr,
        InsideSalesAe,
        FieldAe,
        AccountManager,
        SalesManager,
        SalesLeader,
        Other
    }
);
wire_enum!(
    Motion = org::Motion {
        SalesDevelopment,
        InsideSales,
        FieldSales,
        AccountManagement
    }
);
wire_enum!(
    PersonStatus = org::PersonStatus {
        Onboarding,
        Active,
        Left
    }
);
wire_enum!(
    Granularity = common::Granularity {
        Day,
        Week,
        Month,
        Quarter,
        Year
    }
);
wire_enum!(
    BoardCategory = scorecard::RecognitionCategory {
        HighestRevenue,
        MostMeetingsBooked,
        BiggestDeal,
        MostTalkTime
    }
);
wire_enum!(BoardVisibility = scorecard::Visibility { Public, Private });
wire_enum!(Weekday = common::DayOfWeek {
    Mon => Monday,
    Tue => Tuesday,
    Wed => Wednesday,
    Thu => Thursday,
    Fri => Friday,
    Sat => Saturday,
    Sun => Sunday,
});

// Metrics.
wire_enum!(
    Layer = metrics::Layer {
        Activity,
        Objective,
        Result,
        Efficiency
    }
);
wire_enum!(
    Aggregation = metrics::Aggregation {
        Count,
        Sum,
        Max,
        Latest
    }
);
wire_enum!(
    Unit = metrics::Unit {
        Count,
        CurrencyMinor,
        Seconds,
        Days,
        Ratio
    }
);
wire_enum!(
    Direction = metrics::Direction {
        HigherIsBetter,
        LowerIsBetter
    }
);
wire_enum!(MetricState = metrics::MetricState { Active, Retired });

// Scorecards, webhooks and milestones.
wire_enum!(
    Section = scorecard::Section {
        Activities,
        Objectives,
        Efficiency,
        Results
    }
);
wire_enum!(Format = webhooks::Format { Json, Slack, Teams });
wire_enum!(
    DeliveryState = webhooks::DeliveryState {
        Pending,
        Delivered,
        DeadLetter
    }
);
wire_enum!(
    MilestoneKind = webhooks::MilestoneKind {
        QuotaAttained,
        DailyGoalHit,
        Streak,
        PersonalBest,
        BiggestDeal,
        NewLeader,
        FirstDeal,
    }
);

// Coaching and surveys.
wire_enum!(
    SessionKind = coaching::SessionKind {
        OneOnOne,
        CallReview,
        PeerCallCoaching,
        TeamCoaching,
        PipelineReview,
        DealReview,
        WeeklyMetricsReview,
        RideAlong,
    }
);
wire_enum!(
    SessionStatus = coaching::SessionStatus {
        Scheduled,
        Completed,
        Cancelled,
        NoShow
    }
);
wire_enum!(
    Frequency = coaching::Frequency {
        Weekly,
        Biweekly,
        Monthly
    }
);
wire_enum!(
    PlanStatus = coaching::PlanStatus {
        Active,
        Completed,
        Abandoned,
        Ended
    }
);
wire_enum!(QuestionType = coaching::QuestionType {
    Likert5,
    Scale0To10 => Scale010,
    SingleChoice,
    MultipleChoice,
    FreeText,
});

// Hiring.
wire_enum!(RequisitionReason = hiring::RequisitionReason { Backfill, Growth });
wire_enum!(
    RequisitionStatus = hiring::RequisitionStatus {
        Open,
        OnHold,
        Filled,
        Cancelled
    }
);
wire_enum!(
    CandidateSource = hiring::CandidateSource {
        Referral,
        Inbound,
        Agency,
        Internal
    }
);
wire_enum!(
    CandidateStatus = hiring::CandidateStatus {
        Active,
        Rejected,
        Withdrawn,
        Hired
    }
);
wire_enum!(
    OfferOutcome = hiring::OfferOutcome {
        Pending,
        Accepted,
        Declined
    }
);
wire_enum!(
    Recommendation = hiring::Recommendation {
        StrongNo,
        No,
        Yes,
        StrongYes
    }
);
wire_enum!(
    Readiness = hiring::Readiness {
        ReadyNow,
        Ready6Months,
        Ready12Months
    }
);
wire_enum!(BenchKind = hiring::BenchKind { External, Internal });

#[cfg(test)]
mod tests {
    use super::*;

    /// Every domain value goes out and comes back as itself, and its wire name is the domain's
    /// name in upper case (after the enum's prefix), so no two variants were crossed.
    fn round_trip<T: WireEnum + TextEnum + PartialEq + std::fmt::Debug>(all: &[T], name: impl Fn(i32) -> String) {
        for v in all {
            let wire = v.to_wire();
            assert_ne!(wire, 0, "{v:?} maps to UNSPECIFIED");
            assert_eq!(from_wire::<T>(wire), Some(*v));
            assert_eq!(text_to_wire::<T>(v.text()), wire);
            // The wire name ends with the stored name or the variant's name (a renamed variant,
            // e.g. DeadLetter stored as "dead", keeps its proto name).
            let stored = v.text().to_uppercase();
            let variant = screaming_snake(&format!("{v:?}"));
            let sent = name(wire);
            assert!(
                sent.ends_with(&stored) || sent.ends_with(&variant),
                "{v:?} is sent as {sent}"
            );
        }
        assert_eq!(from_wire::<T>(0), None);
        assert_eq!(from_wire::<T>(i32::MAX), None);
        assert_eq!(from_wire::<T>(-1), None);
        assert_eq!(text_to_wire::<T>("no such name"), 0);
    }

    fn screaming_snake(camel: &str) -> String {
        let mut out = String::new();
        for (i, c) in camel.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    macro_rules! check {
        ($($domain:ty = $proto:ty),+ $(,)?) => {$(
            round_trip::<$domain>(<$domain>::ALL, |v| {
                <$proto>::try_from(v).map(|p| p.as_str_name().to_string()).unwrap_or_default()
            });
        )+};
    }

    #[test]
    fn days_of_the_week_map_by_name() {
        for (day, name) in [
            (Weekday::Mon, "DAY_OF_WEEK_MONDAY"),
            (Weekday::Sun, "DAY_OF_WEEK_SUNDAY"),
        ] {
            assert_eq!(common::DayOfWeek::try_from(to_wire(day)).unwrap().as_str_name(), name);
            assert_eq!(from_wire::<Weekday>(to_wire(day)), Some(day));
        }
        assert_eq!(
            from_wire::<Granularity>(common::Granularity::Quarter as i32),
            Some(Granularity::Quarter)
        );
        assert_eq!(from_wire::<Granularity>(0), None);
    }

    #[test]
    fn every_enum_maps_by_name_both_ways() {
        check!(
            AccessRole = org::AccessRole,
            SalesRole = org::SalesRole,
            Motion = org::Motion,
            PersonStatus = org::PersonStatus,
            Layer = metrics::Layer,
            Aggregation = metrics::Aggregation,
            Unit = metrics::Unit,
            Direction = metrics::Direction,
            MetricState = metrics::MetricState,
            Section = scorecard::Section,
            Format = webhooks::Format,
            DeliveryState = webhooks::DeliveryState,
            MilestoneKind = webhooks::MilestoneKind,
            SessionKind = coaching::SessionKind,
            SessionStatus = coaching::SessionStatus,
            Frequency = coaching::Frequency,
            PlanStatus = coaching::PlanStatus,
            QuestionType = coaching::QuestionType,
            RequisitionReason = hiring::RequisitionReason,
            RequisitionStatus = hiring::RequisitionStatus,
            CandidateSource = hiring::CandidateSource,
            CandidateStatus = hiring::CandidateStatus,
            OfferOutcome = hiring::OfferOutcome,
            Recommendation = hiring::Recommendation,
            Readiness = hiring::Readiness,
            BenchKind = hiring::BenchKind,
            Granularity = common::Granularity,
            BoardCategory = scorecard::RecognitionCategory,
            BoardVisibility = scorecard::Visibility,
        );
    }
}

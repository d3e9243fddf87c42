//! Protobuf enums ⇄ the domain's text enums. Unset or unknown protobuf values map to `None`.

use attain_domain::metric::{Aggregation, Direction, Layer, MetricState, Unit};
use attain_proto::metrics::v1 as pb;

macro_rules! mapping {
    ($from:ident, $to:ident, $domain:ident, $proto:ident { $($variant:ident),+ }) => {
        pub fn $from(value: i32) -> Option<$domain> {
            match pb::$proto::try_from(value).ok()? {
                $(pb::$proto::$variant => Some($domain::$variant),)+
                pb::$proto::Unspecified => None,
            }
        }

        pub fn $to(text: &str) -> i32 {
            (match $domain::parse(text) {
                $(Some($domain::$variant) => pb::$proto::$variant,)+
                None => pb::$proto::Unspecified,
            }) as i32
        }
    };
}

mapping!(
    layer,
    layer_to_proto,
    Layer,
    Layer {
        Activity,
        Objective,
        Result,
        Efficiency
    }
);
mapping!(
    aggregation,
    aggregation_to_proto,
    Aggregation,
    Aggregation {
        Count,
        Sum,
        Max,
        Latest
    }
);
mapping!(
    unit,
    unit_to_proto,
    Unit,
    Unit {
        Count,
        CurrencyMinor,
        Seconds,
        Days,
        Ratio
    }
);
mapping!(
    direction,
    direction_to_proto,
    Direction,
    Direction {
        HigherIsBetter,
        LowerIsBetter
    }
);
mapping!(state, state_to_proto, MetricState, MetricState { Active, Retired });

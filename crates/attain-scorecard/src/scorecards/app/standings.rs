//! Standings as the standings use case returns them, for a saved or ad-hoc board and for a board
//! of earnings alike.

use attain_domain::period::DateRange;
use attain_proto::metrics::v1::MetricValue;
use chrono::NaiveDate;
use uuid::Uuid;

/// One ranked person.
#[derive(Debug, Clone)]
pub struct Standing {
    pub rank: i32,
    pub person_id: Uuid,
    /// Their name in the directory; empty for someone it no longer lists.
    pub display_name: String,
    /// Their value as the metrics service gives it (an earnings board's: the total earned).
    pub value: Option<MetricValue>,
}

/// A board's standings over a span.
#[derive(Debug, Clone)]
pub struct Standings {
    /// The saved board ranked; `None` for an ad-hoc board.
    pub leaderboard_id: Option<Uuid>,
    pub metric_key: String,
    pub range: DateRange,
    /// The rows shown, best first.
    pub rows: Vec<Standing>,
    /// The caller's own row, when they are ranked.
    pub caller: Option<Standing>,
    /// How many people are ranked in all.
    pub ranked_count: i32,
    pub as_of: NaiveDate,
}

//! The events a CSV row turns into.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whose activity an event records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonRef {
    /// An Attain person id.
    Id(Uuid),
    /// A person known by their id in another system (e.g. a Salesforce user id); the metrics
    /// service resolves it through the org directory's external ids.
    External {
        /// The other system, e.g. `"salesforce"` or `"hubspot"`.
        system: String,
        /// The person's id in that system.
        id: String,
    },
}

/// One event ready for the metrics ingestion API.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportEvent {
    /// 1-based line in the file where the row starts (the header is line 1).
    pub line: u64,
    /// Where the event comes from, e.g. `"salesforce"`; with `external_id` it identifies the
    /// event, so importing the same file twice does not count anything twice.
    pub source: String,
    /// The source's id for this event; extra metrics from a row use `"<row id>:<metric>"`.
    pub external_id: String,
    /// Whose activity it is.
    pub person: PersonRef,
    /// The metric key in the tenant's catalog, e.g. `"calls"`.
    pub metric_key: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The amount; `None` means the metric's default (1 for counts).
    pub value: Option<i64>,
    /// Further columns copied from the row (column name → trimmed text); empty cells are left out.
    pub attributes: BTreeMap<String, String>,
}

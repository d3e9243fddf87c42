//! SQL of the metrics service. Every function runs in a transaction from
//! `attain_runtime::db::begin_tenant` and also filters on the tenant explicitly.

pub mod catalog;
pub mod events;
pub mod monthly;
pub mod snapshots;
pub mod totals;
pub mod windows;

pub type Conn = sqlx::PgConnection;
pub type Result<T> = std::result::Result<T, sqlx::Error>;

use chrono::NaiveDate;
use uuid::Uuid;

// Row shapes more than one store module uses, kept here so the modules depend on this one and
// not on each other.

/// (person, day, metric) keys, as parallel columns, whose months are recomputed from the daily
/// rollups instead of folded.
#[derive(Debug, Default)]
pub struct Recompute<'a> {
    pub people: &'a [Uuid],
    pub days: &'a [NaiveDate],
    pub metrics: &'a [i32],
}

/// One person's place in a ranking, with the totals of the ranked metric ids (`a`, and `b` for
/// a ratio's denominator).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RankedRow {
    pub person_id: Uuid,
    pub rank: i64,
    pub ranked_count: i64,
    pub a_sum: i64,
    pub a_count: i64,
    pub a_max: i64,
    pub b_sum: i64,
    pub b_count: i64,
    pub b_max: i64,
}

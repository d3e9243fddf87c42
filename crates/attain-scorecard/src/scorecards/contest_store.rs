//! SQL of contests: created, announced when they start, closed with their winners.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::store::{Conn, Result};

/// A winner as fixed at close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    /// UUID, as text in the JSON column.
    pub person_id: String,
    pub display_name: String,
    pub rank: u32,
    pub prize: String,
    /// The winning value (a total or a ratio).
    pub value: f64,
    /// ISO date, for a FIRST_TO contest.
    pub reached_on: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContestRecord {
    pub contest_id: Uuid,
    pub display_name: String,
    pub metric_key: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub team_id: Option<Uuid>,
    pub sales_role: Option<attain_domain::org::SalesRole>,
    pub kind: attain_domain::contest::Rule,
    pub threshold: i64,
    pub prizes: Json<Vec<(i64, String)>>,
    pub started_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub winners: Option<Json<Vec<Winner>>>,
}

const COLUMNS: &str = "contest_id, display_name, metric_key, start_date, end_date, team_id, sales_role, kind, threshold, \
                       prizes, started_at, closed_at, winners";

pub async fn insert(c: &mut Conn, tenant: Uuid, r: &ContestRecord) -> Result<ContestRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.contests (tenant_id, contest_id, display_name, metric_key, start_date, end_date,
             team_id, sales_role, kind, threshold, prizes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(r.contest_id)
    .bind(&r.display_name)
    .bind(&r.metric_key)
    .bind(r.start_date)
    .bind(r.end_date)
    .bind(r.team_id)
    .bind(r.sales_role)
    .bind(r.kind)
    .bind(r.threshold)
    .bind(&r.prizes)
    .fetch_one(c)
    .await
}

pub async fn get(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<ContestRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.contests WHERE tenant_id = $1 AND contest_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn list(c: &mut Conn, tenant: Uuid, before: Option<Uuid>, limit: i64) -> Result<Vec<ContestRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.contests WHERE tenant_id = $1 AND ($2::uuid IS NULL OR contest_id < $2)
         ORDER BY contest_id DESC LIMIT $3"
    )))
    .bind(tenant)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Contests that started by `today` but were not announced, and those that ended before it but
/// were not closed.
pub async fn due(c: &mut Conn, tenant: Uuid, today: NaiveDate) -> Result<Vec<ContestRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.contests
         WHERE tenant_id = $1 AND ((started_at IS NULL AND start_date <= $2) OR (closed_at IS NULL AND end_date < $2))
         ORDER BY contest_id"
    )))
    .bind(tenant)
    .bind(today)
    .fetch_all(c)
    .await
}

/// Marks a contest announced; false when it already was (another detector got there first).
pub async fn mark_started(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE scorecard.contests SET started_at = now() WHERE tenant_id = $1 AND contest_id = $2 AND started_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

/// Closes a contest with its winners; false when it already was closed.
pub async fn close(c: &mut Conn, tenant: Uuid, id: Uuid, winners: &[Winner]) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE scorecard.contests SET closed_at = now(), winners = $3, started_at = coalesce(started_at, now())
         WHERE tenant_id = $1 AND contest_id = $2 AND closed_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(Json(winners))
    .execute(c)
    .await?
    .rows_affected()
        == 1)
}

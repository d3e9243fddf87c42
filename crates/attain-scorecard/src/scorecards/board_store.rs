//! SQL of saved leaderboards and team focus plans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use attain_domain::{
    board::{Category, Visibility},
    period::Granularity,
};

use super::store::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoardRecord {
    pub leaderboard_id: Uuid,
    pub display_name: String,
    pub metric_key: String,
    /// `None`: the board recognises nothing in particular.
    pub category: Option<Category>,
    pub granularity: Granularity,
    pub team_id: Option<Uuid>,
    pub sales_role: Option<attain_domain::org::SalesRole>,
    pub visibility: Visibility,
    pub top_n: i32,
    pub min_denominator: i64,
}

const BOARD_COLUMNS: &str = "leaderboard_id, display_name, metric_key, category, granularity, team_id, sales_role, \
                             visibility, top_n, min_denominator";

pub async fn insert_board(c: &mut Conn, tenant: Uuid, b: &BoardRecord) -> Result<BoardRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.leaderboards (tenant_id, {BOARD_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {BOARD_COLUMNS}"
    )))
    .bind(tenant)
    .bind(b.leaderboard_id)
    .bind(&b.display_name)
    .bind(&b.metric_key)
    .bind(b.category)
    .bind(b.granularity)
    .bind(b.team_id)
    .bind(b.sales_role)
    .bind(b.visibility)
    .bind(b.top_n)
    .bind(b.min_denominator)
    .fetch_one(c)
    .await
}

pub async fn get_board(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<BoardRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {BOARD_COLUMNS} FROM scorecard.leaderboards WHERE tenant_id = $1 AND leaderboard_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn list_boards(c: &mut Conn, tenant: Uuid, after_name: Option<&str>, limit: i64) -> Result<Vec<BoardRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {BOARD_COLUMNS} FROM scorecard.leaderboards
         WHERE tenant_id = $1 AND ($2::text IS NULL OR display_name > $2) ORDER BY display_name LIMIT $3"
    )))
    .bind(tenant)
    .bind(after_name)
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn delete_board(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<bool> {
    let done = sqlx::query("DELETE FROM scorecard.leaderboards WHERE tenant_id = $1 AND leaderboard_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A key result as stored in a focus plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKeyResult {
    pub metric_key: String,
    pub behaviours: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FocusRecord {
    pub team_id: Uuid,
    pub key_results: Json<Vec<StoredKeyResult>>,
    /// The warnings the plan was saved with; `None` for plans saved before they were kept.
    pub warnings: Option<Json<Vec<String>>>,
    pub updated_at: DateTime<Utc>,
}

pub async fn set_focus(
    c: &mut Conn,
    tenant: Uuid,
    team: Uuid,
    results: &[StoredKeyResult],
    warnings: &[String],
) -> Result<FocusRecord> {
    sqlx::query_as(
        "INSERT INTO scorecard.focus_plans (tenant_id, team_id, key_results, warnings) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, team_id) DO UPDATE
             SET key_results = excluded.key_results, warnings = excluded.warnings, updated_at = now()
         RETURNING team_id, key_results, warnings, updated_at",
    )
    .bind(tenant)
    .bind(team)
    .bind(Json(results))
    .bind(Json(warnings))
    .fetch_one(c)
    .await
}

pub async fn get_focus(c: &mut Conn, tenant: Uuid, team: Uuid) -> Result<Option<FocusRecord>> {
    sqlx::query_as(
        "SELECT team_id, key_results, warnings, updated_at FROM scorecard.focus_plans
         WHERE tenant_id = $1 AND team_id = $2",
    )
    .bind(tenant)
    .bind(team)
    .fetch_optional(c)
    .await
}

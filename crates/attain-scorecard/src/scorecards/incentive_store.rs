//! SQL of incentive plan versions, and the milestone kinds a person achieved in a period (for
//! milestone bonuses).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::store::{Conn, Result};

/// What a version pays, as stored (amounts in minor units, rates and levels in basis points).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    pub tiers: Vec<(i64, i64)>,
    pub quota_bonuses: Vec<(i64, i64)>,
    pub milestone_bonuses: Vec<(String, i64)>,
    pub cap: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRecord {
    pub plan_id: Uuid,
    pub person_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub sales_role: Option<attain_domain::org::SalesRole>,
    pub metric_key: String,
    pub effective_date: NaiveDate,
    pub version: i32,
    pub definition: Json<Definition>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "plan_id, person_id, team_id, sales_role, metric_key, effective_date, version, definition, created_at";

/// Whose plan: exactly one of the three.
pub struct Subject {
    pub person: Option<Uuid>,
    pub team: Option<Uuid>,
    pub role: Option<attain_domain::org::SalesRole>,
}

/// Saves a new version: one more than the subject's latest for the metric.
pub async fn insert(
    c: &mut Conn,
    tenant: Uuid,
    who: &Subject,
    metric: &str,
    effective: NaiveDate,
    definition: &Definition,
) -> Result<PlanRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.incentive_plans
             (tenant_id, plan_id, person_id, team_id, sales_role, metric_key, effective_date, version, definition)
         SELECT $1, $2, $3, $4, $5, $6, $7, coalesce(max(version), 0) + 1, $8
         FROM scorecard.incentive_plans
         WHERE tenant_id = $1 AND metric_key = $6
           AND coalesce(person_id::text, team_id::text, sales_role) = coalesce($3::text, $4::text, $5)
         RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(who.person)
    .bind(who.team)
    .bind(who.role)
    .bind(metric)
    .bind(effective)
    .bind(Json(definition))
    .fetch_one(c)
    .await
}

/// Versions newest first, before the id `before`.
pub async fn list(c: &mut Conn, tenant: Uuid, before: Option<Uuid>, limit: i64) -> Result<Vec<PlanRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.incentive_plans
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR plan_id < $2)
         ORDER BY plan_id DESC LIMIT $3"
    )))
    .bind(tenant)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// The versions of `metric` in force on `day` for any of these subjects: for each subject, its
/// latest version effective on or before the day.
pub async fn in_force(
    c: &mut Conn,
    tenant: Uuid,
    metric: &str,
    day: NaiveDate,
    person: Uuid,
    teams: &[Uuid],
    role: Option<attain_domain::org::SalesRole>,
) -> Result<Vec<PlanRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (coalesce(person_id::text, team_id::text, sales_role)) {COLUMNS}
         FROM scorecard.incentive_plans
         WHERE tenant_id = $1 AND metric_key = $2 AND effective_date <= $3
           AND (person_id = $4 OR team_id = ANY($5) OR sales_role = $6)
         ORDER BY coalesce(person_id::text, team_id::text, sales_role), effective_date DESC, version DESC"
    )))
    .bind(tenant)
    .bind(metric)
    .bind(day)
    .bind(person)
    .bind(teams)
    .bind(role)
    .fetch_all(c)
    .await
}

/// The kinds of the milestones `person` achieved on the days of `[from, to]`, one per milestone.
pub async fn milestone_kinds(
    c: &mut Conn,
    tenant: Uuid,
    person: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT kind FROM scorecard.milestones WHERE tenant_id = $1 AND person_id = $2 AND day BETWEEN $3 AND $4",
    )
    .bind(tenant)
    .bind(person)
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
}

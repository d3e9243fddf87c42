//! Development plans, action plans with their check-ins, and skill ratings.

use attain_domain::coaching::PlanStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DevelopmentRecord {
    pub plan_id: Uuid,
    pub person_id: Uuid,
    pub goals: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn set_development(c: &mut Conn, tenant: Uuid, person: Uuid, goals: &[String]) -> Result<DevelopmentRecord> {
    sqlx::query_as(
        "INSERT INTO coaching.development_plans (tenant_id, person_id, plan_id, goals) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, person_id) DO UPDATE SET goals = excluded.goals, updated_at = now()
         RETURNING plan_id, person_id, goals, updated_at",
    )
    .bind(tenant)
    .bind(person)
    .bind(Uuid::now_v7())
    .bind(goals)
    .fetch_one(c)
    .await
}

pub async fn get_development(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Option<DevelopmentRecord>> {
    sqlx::query_as(
        "SELECT plan_id, person_id, goals, updated_at FROM coaching.development_plans
         WHERE tenant_id = $1 AND person_id = $2",
    )
    .bind(tenant)
    .bind(person)
    .fetch_optional(c)
    .await
}

/// A metric goal as stored, with the baseline captured at creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGoal {
    pub metric_key: String,
    pub from: f64,
    pub to: f64,
    pub baseline: Option<f64>,
    /// The value over the plan's whole span, fixed when an ended plan was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<f64>,
}

/// A plan step as stored: ids and dates as text (UUID, ISO date) inside the JSON column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStep {
    pub id: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub due_date: Option<String>,
    pub done: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionPlanRecord {
    pub action_plan_id: Uuid,
    pub person_id: Uuid,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: PlanStatus,
    pub metric_goals: Json<Vec<StoredGoal>>,
    pub steps: Json<Vec<StoredStep>>,
    /// The warnings of the last save; `None` for plans saved before they were kept.
    pub warnings: Option<Json<Vec<String>>>,
    pub revision: i64,
}

const PLAN_COLUMNS: &str =
    "action_plan_id, person_id, title, start_date, end_date, status, metric_goals, steps, warnings, revision";

pub async fn insert_action_plan(c: &mut Conn, tenant: Uuid, p: &ActionPlanRecord) -> Result<ActionPlanRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO coaching.action_plans (tenant_id, action_plan_id, person_id, title, start_date, end_date, status,
             metric_goals, steps, warnings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {PLAN_COLUMNS}"
    )))
    .bind(tenant)
    .bind(p.action_plan_id)
    .bind(p.person_id)
    .bind(&p.title)
    .bind(p.start_date)
    .bind(p.end_date)
    .bind(p.status)
    .bind(&p.metric_goals)
    .bind(&p.steps)
    .bind(&p.warnings)
    .fetch_one(c)
    .await
}

pub async fn get_action_plan(c: &mut Conn, tenant: Uuid, id: Uuid, lock: bool) -> Result<Option<ActionPlanRecord>> {
    let lock = if lock { "FOR UPDATE" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PLAN_COLUMNS} FROM coaching.action_plans WHERE tenant_id = $1 AND action_plan_id = $2 {lock}"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Action plans of `people`, newest first, optionally only those overlapping `[from, to]`.
pub async fn action_plans_of(
    c: &mut Conn,
    tenant: Uuid,
    people: &[Uuid],
    overlapping: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<ActionPlanRecord>> {
    let (from, to) = overlapping.map_or((None, None), |(a, b)| (Some(a), Some(b)));
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PLAN_COLUMNS} FROM coaching.action_plans
         WHERE tenant_id = $1 AND person_id = ANY($2)
           AND ($3::date IS NULL OR (start_date <= $4 AND end_date >= $3))
         ORDER BY start_date DESC, action_plan_id DESC"
    )))
    .bind(tenant)
    .bind(people)
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
}

pub async fn save_action_plan(c: &mut Conn, tenant: Uuid, p: &ActionPlanRecord) -> Result<ActionPlanRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE coaching.action_plans
         SET title = $3, end_date = $4, status = $5, steps = $6, warnings = $7, metric_goals = $8,
             revision = revision + 1
         WHERE tenant_id = $1 AND action_plan_id = $2 RETURNING {PLAN_COLUMNS}"
    )))
    .bind(tenant)
    .bind(p.action_plan_id)
    .bind(&p.title)
    .bind(p.end_date)
    .bind(p.status)
    .bind(&p.steps)
    .bind(&p.warnings)
    .bind(&p.metric_goals)
    .fetch_one(c)
    .await
}

/// Closes an active plan that ran past its end with its goals' outcomes, unless it changed
/// since it was read at `revision` (then whoever changed it decided; `None`).
pub async fn close_action_plan(
    c: &mut Conn,
    tenant: Uuid,
    p: &ActionPlanRecord,
    goals: &[StoredGoal],
) -> Result<Option<ActionPlanRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE coaching.action_plans SET status = 'ended', metric_goals = $4, revision = revision + 1
         WHERE tenant_id = $1 AND action_plan_id = $2 AND revision = $3 AND status = 'active'
         RETURNING {PLAN_COLUMNS}"
    )))
    .bind(tenant)
    .bind(p.action_plan_id)
    .bind(p.revision)
    .bind(Json(goals))
    .fetch_optional(c)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckInRecord {
    pub action_plan_id: Uuid,
    pub author_id: Option<Uuid>,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

pub async fn add_check_in(c: &mut Conn, tenant: Uuid, plan: Uuid, author: Option<Uuid>, note: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO coaching.check_ins (tenant_id, check_in_id, action_plan_id, author_id, note)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(plan)
    .bind(author)
    .bind(note)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn check_ins(c: &mut Conn, tenant: Uuid, plans: &[Uuid]) -> Result<Vec<CheckInRecord>> {
    sqlx::query_as(
        "SELECT action_plan_id, author_id, note, created_at FROM coaching.check_ins
         WHERE tenant_id = $1 AND action_plan_id = ANY($2) ORDER BY created_at, check_in_id",
    )
    .bind(tenant)
    .bind(plans)
    .fetch_all(c)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingRecord {
    pub person_id: Uuid,
    pub competency: String,
    pub rating: i16,
    pub note: String,
    pub rated_by: Option<Uuid>,
    pub rated_at: DateTime<Utc>,
}

pub async fn insert_rating(c: &mut Conn, tenant: Uuid, r: &RatingRecord) -> Result<RatingRecord> {
    sqlx::query_as(
        "INSERT INTO coaching.skill_ratings (tenant_id, rating_id, person_id, competency, rating, note, rated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING person_id, competency, rating, note, rated_by, rated_at",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(r.person_id)
    .bind(&r.competency)
    .bind(r.rating)
    .bind(&r.note)
    .bind(r.rated_by)
    .fetch_one(c)
    .await
}

/// A person's ratings: every one oldest first, or the latest per competency.
pub async fn ratings(c: &mut Conn, tenant: Uuid, person: Uuid, history: bool) -> Result<Vec<RatingRecord>> {
    let sql = if history {
        "SELECT person_id, competency, rating, note, rated_by, rated_at FROM coaching.skill_ratings
         WHERE tenant_id = $1 AND person_id = $2 ORDER BY rated_at, rating_id"
    } else {
        "SELECT DISTINCT ON (competency) person_id, competency, rating, note, rated_by, rated_at
         FROM coaching.skill_ratings WHERE tenant_id = $1 AND person_id = $2
         ORDER BY competency, rated_at DESC, rating_id DESC"
    };
    sqlx::query_as(sql).bind(tenant).bind(person).fetch_all(c).await
}

//! Process templates, requisitions, hires (the idempotency record of a hire) and the bench.

use attain_domain::{
    hiring::{BenchKind, Readiness, RequisitionReason, RequisitionStatus},
    org::{Motion, SalesRole},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Conn, Result};

/// A stage as stored in the template's JSON column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStage {
    pub key: String,
    pub display_name: String,
    pub required: bool,
    pub competencies: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRecord {
    pub template_id: Uuid,
    pub display_name: String,
    pub stages: Json<Vec<StoredStage>>,
    pub created_at: DateTime<Utc>,
}

/// Inserts a template, or with a `request_id` seen before returns the id created then.
pub async fn insert_template(
    c: &mut Conn,
    tenant: Uuid,
    name: &str,
    stages: &[StoredStage],
    request_id: Option<Uuid>,
) -> Result<Uuid> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO hiring.process_templates (tenant_id, template_id, display_name, stages, create_request_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, create_request_id) DO NOTHING RETURNING template_id",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(Json(stages))
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar(
                "SELECT template_id FROM hiring.process_templates WHERE tenant_id = $1 AND create_request_id = $2",
            )
            .bind(tenant)
            .bind(request_id)
            .fetch_one(c)
            .await
        }
    }
}

pub async fn get_template(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<TemplateRecord>> {
    sqlx::query_as(
        "SELECT template_id, display_name, stages, created_at FROM hiring.process_templates
         WHERE tenant_id = $1 AND template_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Templates by id (creation order) after `after`, at most `limit`.
pub async fn list_templates(
    c: &mut Conn,
    tenant: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TemplateRecord>> {
    sqlx::query_as(
        "SELECT template_id, display_name, stages, created_at FROM hiring.process_templates
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR template_id > $2) ORDER BY template_id LIMIT $3",
    )
    .bind(tenant)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequisitionRecord {
    pub requisition_id: Uuid,
    pub title: String,
    pub team_id: Uuid,
    pub sales_role: SalesRole,
    pub motion: Motion,
    pub hiring_manager_id: Uuid,
    pub reason: RequisitionReason,
    pub opened_date: NaiveDate,
    pub target_start_date: Option<NaiveDate>,
    pub status: RequisitionStatus,
    pub template_id: Uuid,
    pub filled_date: Option<NaiveDate>,
    pub hired_person_id: Option<Uuid>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
}

macro_rules! req_columns {
    () => {
        "requisition_id, title, team_id, sales_role, motion, hiring_manager_id, reason, opened_date, \
         target_start_date, status, template_id, filled_date, hired_person_id, revision, created_at"
    };
}

/// Inserts a requisition, or with a `request_id` seen before returns the id created then.
pub async fn insert_requisition(
    c: &mut Conn,
    tenant: Uuid,
    r: &RequisitionRecord,
    request_id: Option<Uuid>,
) -> Result<Uuid> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO hiring.requisitions (tenant_id, requisition_id, title, team_id, sales_role, motion,
             hiring_manager_id, reason, opened_date, target_start_date, status, template_id, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (tenant_id, create_request_id) DO NOTHING RETURNING requisition_id",
    )
    .bind(tenant)
    .bind(r.requisition_id)
    .bind(&r.title)
    .bind(r.team_id)
    .bind(r.sales_role)
    .bind(r.motion)
    .bind(r.hiring_manager_id)
    .bind(r.reason)
    .bind(r.opened_date)
    .bind(r.target_start_date)
    .bind(r.status)
    .bind(r.template_id)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar(
                "SELECT requisition_id FROM hiring.requisitions WHERE tenant_id = $1 AND create_request_id = $2",
            )
            .bind(tenant)
            .bind(request_id)
            .fetch_one(c)
            .await
        }
    }
}

pub async fn get_requisition(c: &mut Conn, tenant: Uuid, id: Uuid, lock: bool) -> Result<Option<RequisitionRecord>> {
    let sql = if lock {
        concat!(
            "SELECT ",
            req_columns!(),
            " FROM hiring.requisitions WHERE tenant_id = $1 AND requisition_id = $2 FOR UPDATE"
        )
    } else {
        concat!(
            "SELECT ",
            req_columns!(),
            " FROM hiring.requisitions WHERE tenant_id = $1 AND requisition_id = $2"
        )
    };
    sqlx::query_as(sql).bind(tenant).bind(id).fetch_optional(c).await
}

/// Which requisitions a list or a KPI covers.
#[derive(Debug, Clone, Default)]
pub struct ReqFilter<'a> {
    pub statuses: Option<&'a [String]>,
    pub hiring_manager: Option<Uuid>,
    pub teams: Option<&'a [Uuid]>,
    /// `None`: every requisition (whole-tenant callers); else those of these hiring managers
    /// or of `visible_teams`.
    pub managers: Option<&'a [Uuid]>,
    pub visible_teams: &'a [Uuid],
}

/// Requisitions by id (creation order) after `after`, at most `limit`.
pub async fn list_requisitions(
    c: &mut Conn,
    tenant: Uuid,
    f: &ReqFilter<'_>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RequisitionRecord>> {
    sqlx::query_as(concat!(
        "SELECT ",
        req_columns!(),
        " FROM hiring.requisitions
         WHERE tenant_id = $1 AND ($2::text[] IS NULL OR status = ANY($2))
           AND ($3::uuid IS NULL OR hiring_manager_id = $3) AND ($4::uuid[] IS NULL OR team_id = ANY($4))
           AND ($5::uuid[] IS NULL OR hiring_manager_id = ANY($5) OR team_id = ANY($8))
           AND ($6::uuid IS NULL OR requisition_id > $6)
         ORDER BY requisition_id LIMIT $7"
    ))
    .bind(tenant)
    .bind(f.statuses)
    .bind(f.hiring_manager)
    .bind(f.teams)
    .bind(f.managers)
    .bind(after)
    .bind(limit)
    .bind(f.visible_teams)
    .fetch_all(c)
    .await
}

pub async fn set_status(c: &mut Conn, tenant: Uuid, id: Uuid, status: &str) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.requisitions SET status = $3, revision = revision + 1 WHERE tenant_id = $1 AND requisition_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn fill(c: &mut Conn, tenant: Uuid, id: Uuid, filled: NaiveDate, person: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.requisitions SET status = 'filled', filled_date = $3, hired_person_id = $4,
             revision = revision + 1
         WHERE tenant_id = $1 AND requisition_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(filled)
    .bind(person)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HireRecord {
    pub candidate_id: Uuid,
    pub requisition_id: Uuid,
    pub request_id: Uuid,
    pub person_id: Option<Uuid>,
    pub hiring_manager_id: Uuid,
    pub team_id: Uuid,
    pub start_date: NaiveDate,
    /// The ramp named, `None` for the tenant's default.
    pub ramp_id: Option<Uuid>,
    /// The email and title asked for ("" for the candidate's and the requisition's); `None` on
    /// hires recorded before they were kept.
    pub email: Option<String>,
    pub title: Option<String>,
}

/// The hire record of a candidate, created on the first attempt; later attempts get the same
/// record (and so the same request id for the org directory), which the caller compares with
/// their own arguments.
pub async fn begin_hire(c: &mut Conn, tenant: Uuid, h: &HireRecord) -> Result<HireRecord> {
    sqlx::query(
        "INSERT INTO hiring.hires (tenant_id, candidate_id, requisition_id, request_id, hiring_manager_id, team_id,
             start_date, ramp_id, email, title)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, candidate_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(h.candidate_id)
    .bind(h.requisition_id)
    .bind(h.request_id)
    .bind(h.hiring_manager_id)
    .bind(h.team_id)
    .bind(h.start_date)
    .bind(h.ramp_id)
    .bind(&h.email)
    .bind(&h.title)
    .execute(&mut *c)
    .await?;
    sqlx::query_as(
        "SELECT candidate_id, requisition_id, request_id, person_id, hiring_manager_id, team_id, start_date,
             ramp_id, email, title
         FROM hiring.hires WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant)
    .bind(h.candidate_id)
    .fetch_one(c)
    .await
}

pub async fn complete_hire(c: &mut Conn, tenant: Uuid, candidate: Uuid, person: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.hires SET person_id = $3, completed_at = coalesce(completed_at, now())
         WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant)
    .bind(candidate)
    .bind(person)
    .execute(c)
    .await?;
    Ok(())
}

/// Completed hires; callers keep those of the requisitions they may see.
pub async fn hires(c: &mut Conn, tenant: Uuid) -> Result<Vec<HireRecord>> {
    sqlx::query_as(
        "SELECT candidate_id, requisition_id, request_id, person_id, hiring_manager_id, team_id, start_date,
             ramp_id, email, title
         FROM hiring.hires WHERE tenant_id = $1 AND person_id IS NOT NULL
         ORDER BY start_date, candidate_id",
    )
    .bind(tenant)
    .fetch_all(c)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BenchRecord {
    pub entry_id: Uuid,
    pub kind: BenchKind,
    pub team_id: Uuid,
    pub display_name: String,
    pub person_id: Option<Uuid>,
    pub readiness: Readiness,
    pub target_roles: Vec<attain_domain::org::SalesRole>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_bench(c: &mut Conn, tenant: Uuid, b: &BenchRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO hiring.bench_entries (tenant_id, entry_id, kind, team_id, display_name, person_id, readiness,
             target_roles, notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(b.entry_id)
    .bind(b.kind)
    .bind(b.team_id)
    .bind(&b.display_name)
    .bind(b.person_id)
    .bind(b.readiness)
    .bind(&b.target_roles)
    .bind(&b.notes)
    .execute(c)
    .await?;
    Ok(())
}

/// Bench entries of `teams`, readiest first, then by name.
pub async fn list_bench(
    c: &mut Conn,
    tenant: Uuid,
    teams: &[Uuid],
    role: Option<attain_domain::org::SalesRole>,
) -> Result<Vec<BenchRecord>> {
    sqlx::query_as(
        "SELECT entry_id, kind, team_id, display_name, person_id, readiness, target_roles, notes, created_at
         FROM hiring.bench_entries WHERE tenant_id = $1 AND team_id = ANY($2)
           AND ($3::text IS NULL OR $3 = ANY(target_roles))
         ORDER BY array_position(ARRAY['ready_now', 'ready_6_months', 'ready_12_months'], readiness),
                  display_name, entry_id",
    )
    .bind(tenant)
    .bind(teams)
    .bind(role)
    .fetch_all(c)
    .await
}

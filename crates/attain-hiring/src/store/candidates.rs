//! Candidates, their stage moves and their interviews.

use attain_domain::hiring::{CandidateSource, CandidateStatus, OfferOutcome};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRecord {
    pub candidate_id: Uuid,
    pub requisition_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub source: CandidateSource,
    pub person_id: Option<Uuid>,
    pub status: CandidateStatus,
    pub stage: Option<String>,
    pub apply_time: DateTime<Utc>,
    pub close_reason: String,
    pub close_time: Option<DateTime<Utc>>,
    pub offer_make_time: Option<DateTime<Utc>>,
    pub offer_outcome: Option<OfferOutcome>,
    pub offer_outcome_time: Option<DateTime<Utc>>,
    pub hired_person_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "candidate_id, requisition_id, display_name, email, source, person_id, status, stage, apply_time, \
         close_reason, close_time, offer_make_time, offer_outcome, offer_outcome_time, hired_person_id, created_at"
    };
}

/// Inserts a candidate, or with a `request_id` seen before returns the id created then.
pub async fn insert(c: &mut Conn, tenant: Uuid, r: &CandidateRecord, request_id: Option<Uuid>) -> Result<Uuid> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO hiring.candidates (tenant_id, candidate_id, requisition_id, display_name, email, source,
             person_id, status, apply_time, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)
         ON CONFLICT (tenant_id, create_request_id) DO NOTHING RETURNING candidate_id",
    )
    .bind(tenant)
    .bind(r.candidate_id)
    .bind(r.requisition_id)
    .bind(&r.display_name)
    .bind(&r.email)
    .bind(r.source)
    .bind(r.person_id)
    .bind(r.apply_time)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar(
                "SELECT candidate_id FROM hiring.candidates WHERE tenant_id = $1 AND create_request_id = $2",
            )
            .bind(tenant)
            .bind(request_id)
            .fetch_one(c)
            .await
        }
    }
}

pub async fn get(c: &mut Conn, tenant: Uuid, id: Uuid, lock: bool) -> Result<Option<CandidateRecord>> {
    let sql = if lock {
        concat!(
            "SELECT ",
            columns!(),
            " FROM hiring.candidates WHERE tenant_id = $1 AND candidate_id = $2 FOR UPDATE"
        )
    } else {
        concat!(
            "SELECT ",
            columns!(),
            " FROM hiring.candidates WHERE tenant_id = $1 AND candidate_id = $2"
        )
    };
    sqlx::query_as(sql).bind(tenant).bind(id).fetch_optional(c).await
}

/// Candidates of the requisitions, by apply time; `after` pages by (apply time, id) through one
/// requisition's list.
pub async fn list(
    c: &mut Conn,
    tenant: Uuid,
    requisitions: &[Uuid],
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<CandidateRecord>> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM hiring.candidates WHERE tenant_id = $1 AND requisition_id = ANY($2)
           AND ($3::timestamptz IS NULL OR (apply_time, candidate_id) > ($3, $4))
         ORDER BY apply_time, candidate_id LIMIT $5"
    ))
    .bind(tenant)
    .bind(requisitions)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn set_stage(c: &mut Conn, tenant: Uuid, id: Uuid, stage: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO hiring.stage_moves (tenant_id, move_id, candidate_id, stage, enter_time) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(id)
    .bind(stage)
    .bind(at)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE hiring.candidates SET stage = $3 WHERE tenant_id = $1 AND candidate_id = $2")
        .bind(tenant)
        .bind(id)
        .bind(stage)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn close(c: &mut Conn, tenant: Uuid, id: Uuid, status: &str, reason: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.candidates SET status = $3, close_reason = $4, close_time = $5
         WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status)
    .bind(reason)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn set_offer(
    c: &mut Conn,
    tenant: Uuid,
    id: Uuid,
    made: DateTime<Utc>,
    outcome: &str,
    answered: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.candidates SET offer_make_time = $3, offer_outcome = $4, offer_outcome_time = $5
         WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(made)
    .bind(outcome)
    .bind(answered)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn set_hired(c: &mut Conn, tenant: Uuid, id: Uuid, person: Uuid, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE hiring.candidates SET status = 'hired', hired_person_id = $3, close_time = coalesce(close_time, $4)
         WHERE tenant_id = $1 AND candidate_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(person)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoveRecord {
    pub candidate_id: Uuid,
    pub stage: String,
    pub enter_time: DateTime<Utc>,
}

/// The stage moves of the candidates, in time order.
pub async fn moves(c: &mut Conn, tenant: Uuid, candidates: &[Uuid]) -> Result<Vec<MoveRecord>> {
    sqlx::query_as(
        "SELECT candidate_id, stage, enter_time FROM hiring.stage_moves
         WHERE tenant_id = $1 AND candidate_id = ANY($2) ORDER BY candidate_id, enter_time, move_id",
    )
    .bind(tenant)
    .bind(candidates)
    .fetch_all(c)
    .await
}

/// One competency rating as stored in the interview's JSON column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRating {
    pub competency: String,
    pub rating: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InterviewRecord {
    pub interview_id: Uuid,
    pub candidate_id: Uuid,
    pub stage: String,
    pub interviewer_id: Uuid,
    pub interview_time: DateTime<Utc>,
    pub recommendation: Option<attain_domain::hiring::Recommendation>,
    pub ratings: Option<Json<Vec<StoredRating>>>,
    pub notes: String,
    pub submit_time: Option<DateTime<Utc>>,
}

const INTERVIEW_COLUMNS: &str =
    "interview_id, candidate_id, stage, interviewer_id, interview_time, recommendation, ratings, notes, submit_time";

/// Inserts an interview, or with a `request_id` seen before returns the id created then.
pub async fn insert_interview(
    c: &mut Conn,
    tenant: Uuid,
    r: &InterviewRecord,
    request_id: Option<Uuid>,
) -> Result<Uuid> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO hiring.interviews (tenant_id, interview_id, candidate_id, stage, interviewer_id, interview_time,
             recommendation, ratings, notes, submit_time, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, create_request_id) DO NOTHING RETURNING interview_id",
    )
    .bind(tenant)
    .bind(r.interview_id)
    .bind(r.candidate_id)
    .bind(&r.stage)
    .bind(r.interviewer_id)
    .bind(r.interview_time)
    .bind(r.recommendation)
    .bind(&r.ratings)
    .bind(&r.notes)
    .bind(r.submit_time)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar(
                "SELECT interview_id FROM hiring.interviews WHERE tenant_id = $1 AND create_request_id = $2",
            )
            .bind(tenant)
            .bind(request_id)
            .fetch_one(c)
            .await
        }
    }
}

pub async fn get_interview(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<InterviewRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INTERVIEW_COLUMNS} FROM hiring.interviews WHERE tenant_id = $1 AND interview_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// The interviews of the candidates, in time order.
pub async fn interviews(c: &mut Conn, tenant: Uuid, candidates: &[Uuid]) -> Result<Vec<InterviewRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {INTERVIEW_COLUMNS} FROM hiring.interviews WHERE tenant_id = $1 AND candidate_id = ANY($2)
         ORDER BY interview_time, interview_id"
    )))
    .bind(tenant)
    .bind(candidates)
    .fetch_all(c)
    .await
}

//! Cadences: recurring coaching that generates sessions.

use attain_domain::coaching::{Frequency, SessionKind};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CadenceRecord {
    pub cadence_id: Uuid,
    pub kind: SessionKind,
    pub coach_id: Uuid,
    pub coachee_ids: Vec<Uuid>,
    pub one_per_coachee: bool,
    pub frequency: Frequency,
    /// ISO weekday, 1 = Monday.
    pub weekday: i16,
    pub start_minute: i32,
    pub time_zone: String,
    pub duration_minutes: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

const COLUMNS: &str = "cadence_id, kind, coach_id, coachee_ids, one_per_coachee, frequency, weekday, start_minute, \
                       time_zone, duration_minutes, start_date, end_date";

pub async fn insert(c: &mut Conn, tenant: Uuid, r: &CadenceRecord) -> Result<CadenceRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO coaching.cadences (tenant_id, cadence_id, kind, coach_id, coachee_ids, one_per_coachee, frequency,
             weekday, start_minute, time_zone, duration_minutes, start_date, end_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(r.cadence_id)
    .bind(r.kind)
    .bind(r.coach_id)
    .bind(&r.coachee_ids)
    .bind(r.one_per_coachee)
    .bind(r.frequency)
    .bind(r.weekday)
    .bind(r.start_minute)
    .bind(&r.time_zone)
    .bind(r.duration_minutes)
    .bind(r.start_date)
    .bind(r.end_date)
    .fetch_one(c)
    .await
}

/// Cadences coached by `coach`, or (with `None`) every cadence whose coach or a coachee is one
/// of `involving` (`None`: all).
pub async fn list(
    c: &mut Conn,
    tenant: Uuid,
    coach: Option<Uuid>,
    involving: Option<&[Uuid]>,
) -> Result<Vec<CadenceRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coaching.cadences
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR coach_id = $2)
           AND ($3::uuid[] IS NULL OR coach_id = ANY($3) OR coachee_ids && $3)
         ORDER BY created_at, cadence_id"
    )))
    .bind(tenant)
    .bind(coach)
    .bind(involving)
    .fetch_all(c)
    .await
}

pub async fn get(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<CadenceRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM coaching.cadences WHERE tenant_id = $1 AND cadence_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn delete(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM coaching.cadences WHERE tenant_id = $1 AND cadence_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

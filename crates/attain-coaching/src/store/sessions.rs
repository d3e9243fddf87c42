//! Sessions, the people in them, and their action items.

use attain_domain::coaching::{SessionKind, SessionStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Conn, Result};

/// A link as stored in `sessions.links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLink {
    pub kind: String,
    pub target: String,
    pub label: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub session_id: Uuid,
    pub kind: SessionKind,
    pub coach_id: Uuid,
    pub start_time: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: SessionStatus,
    pub agenda: String,
    pub notes: String,
    pub went_well: Vec<String>,
    pub to_improve: Vec<String>,
    pub focus_metric_keys: Vec<String>,
    pub links: Json<Vec<StoredLink>>,
    pub follow_up_session_id: Option<Uuid>,
    pub cadence_id: Option<Uuid>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Coachees, then experts (a subset), from `session_people`.
    pub coachee_ids: Vec<Uuid>,
    pub expert_ids: Vec<Uuid>,
}

const SELECT: &str = "SELECT s.session_id, s.kind, s.coach_id, s.start_time, s.duration_minutes, s.status, s.agenda,
        s.notes, s.went_well, s.to_improve, s.focus_metric_keys, s.links, s.follow_up_session_id, s.cadence_id,
        s.revision, s.created_at, s.updated_at,
        ARRAY(SELECT p.person_id FROM coaching.session_people p
              WHERE p.tenant_id = s.tenant_id AND p.session_id = s.session_id ORDER BY p.person_id) AS coachee_ids,
        ARRAY(SELECT p.person_id FROM coaching.session_people p
              WHERE p.tenant_id = s.tenant_id AND p.session_id = s.session_id AND p.expert ORDER BY p.person_id)
            AS expert_ids
    FROM coaching.sessions s";

/// A session to store.
pub struct NewSession<'a> {
    pub kind: SessionKind,
    pub coach_id: Uuid,
    pub coachee_ids: &'a [Uuid],
    pub expert_ids: &'a [Uuid],
    pub start_time: DateTime<Utc>,
    pub duration_minutes: i32,
    pub agenda: &'a str,
    pub focus_metric_keys: &'a [String],
    pub links: &'a [StoredLink],
    pub cadence: Option<(Uuid, String)>,
}

/// Inserts a session; `None` when a generated one for the same cadence slot exists already.
pub async fn insert(c: &mut Conn, tenant: Uuid, s: &NewSession<'_>, request_id: Option<Uuid>) -> Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let (cadence_id, slot) = match &s.cadence {
        Some((id, slot)) => (Some(*id), Some(slot.as_str())),
        None => (None, None),
    };
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO coaching.sessions (tenant_id, session_id, kind, coach_id, start_time, duration_minutes, status,
             agenda, focus_metric_keys, links, cadence_id, cadence_slot, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, cadence_id, cadence_slot) DO NOTHING
         RETURNING session_id",
    )
    .bind(tenant)
    .bind(id)
    .bind(s.kind)
    .bind(s.coach_id)
    .bind(s.start_time)
    .bind(s.duration_minutes)
    .bind(s.agenda)
    .bind(s.focus_metric_keys)
    .bind(Json(s.links))
    .bind(cadence_id)
    .bind(slot)
    .bind(request_id)
    .fetch_optional(&mut *c)
    .await?;
    if inserted.is_some() {
        set_people(c, tenant, id, s.coachee_ids, s.expert_ids).await?;
    }
    Ok(inserted)
}

/// Replaces the people of a session.
pub async fn set_people(c: &mut Conn, tenant: Uuid, session: Uuid, coachees: &[Uuid], experts: &[Uuid]) -> Result<()> {
    sqlx::query("DELETE FROM coaching.session_people WHERE tenant_id = $1 AND session_id = $2")
        .bind(tenant)
        .bind(session)
        .execute(&mut *c)
        .await?;
    let flags: Vec<bool> = coachees.iter().map(|p| experts.contains(p)).collect();
    sqlx::query(
        "INSERT INTO coaching.session_people (tenant_id, session_id, person_id, expert)
         SELECT $1, $2, p, e FROM unnest($3::uuid[], $4::bool[]) AS t (p, e)",
    )
    .bind(tenant)
    .bind(session)
    .bind(coachees)
    .bind(&flags)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn by_request(c: &mut Conn, tenant: Uuid, request_id: Uuid) -> Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT session_id FROM coaching.sessions WHERE tenant_id = $1 AND create_request_id = $2")
        .bind(tenant)
        .bind(request_id)
        .fetch_optional(c)
        .await
}

pub async fn get(c: &mut Conn, tenant: Uuid, session: Uuid, lock: bool) -> Result<Option<SessionRecord>> {
    let lock = if lock { "FOR UPDATE OF s" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.tenant_id = $1 AND s.session_id = $2 {lock}"
    )))
    .bind(tenant)
    .bind(session)
    .fetch_optional(c)
    .await
}

/// Which sessions a list covers.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub coach: Option<Uuid>,
    /// Sessions with this person as a coachee.
    pub coachee: Option<Uuid>,
    /// Sessions whose coach or a coachee is one of these people (`None`: no restriction).
    pub involving: Option<Vec<Uuid>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<SessionStatus>,
    /// Position to continue after: (start time, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

pub async fn list(c: &mut Conn, tenant: Uuid, f: &Filter, limit: i64) -> Result<Vec<SessionRecord>> {
    let (after_time, after_id) = f.after.map_or((None, None), |(t, id)| (Some(t), Some(id)));
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT}
         WHERE s.tenant_id = $1
           AND ($2::uuid IS NULL OR s.coach_id = $2)
           AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM coaching.session_people p
                WHERE p.tenant_id = s.tenant_id AND p.session_id = s.session_id AND p.person_id = $3))
           AND ($4::uuid[] IS NULL OR s.coach_id = ANY($4) OR EXISTS (SELECT 1 FROM coaching.session_people p
                WHERE p.tenant_id = s.tenant_id AND p.session_id = s.session_id AND p.person_id = ANY($4)))
           AND ($5::timestamptz IS NULL OR s.start_time >= $5)
           AND ($6::timestamptz IS NULL OR s.start_time < $6)
           AND ($7::text IS NULL OR s.status = $7)
           AND ($8::timestamptz IS NULL OR (s.start_time, s.session_id) > ($8, $9))
         ORDER BY s.start_time, s.session_id
         LIMIT $10"
    )))
    .bind(tenant)
    .bind(f.coach)
    .bind(f.coachee)
    .bind(f.involving.as_deref())
    .bind(f.from)
    .bind(f.to)
    .bind(f.status)
    .bind(after_time)
    .bind(after_id)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Saves the mutable fields of a session with the next revision.
pub async fn save(c: &mut Conn, tenant: Uuid, s: &SessionRecord) -> Result<()> {
    sqlx::query(
        "UPDATE coaching.sessions SET start_time = $3, duration_minutes = $4, status = $5, agenda = $6, notes = $7,
             went_well = $8, to_improve = $9, focus_metric_keys = $10, links = $11, follow_up_session_id = $12,
             revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 AND session_id = $2",
    )
    .bind(tenant)
    .bind(s.session_id)
    .bind(s.start_time)
    .bind(s.duration_minutes)
    .bind(s.status)
    .bind(&s.agenda)
    .bind(&s.notes)
    .bind(&s.went_well)
    .bind(&s.to_improve)
    .bind(&s.focus_metric_keys)
    .bind(&s.links)
    .bind(s.follow_up_session_id)
    .execute(c)
    .await?;
    Ok(())
}

// ---- action items ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionItemRecord {
    pub action_item_id: Uuid,
    pub session_id: Uuid,
    pub description: String,
    pub owner_id: Uuid,
    pub due_date: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

const ITEM_COLUMNS: &str = "action_item_id, session_id, description, owner_id, due_date, done_at";

pub async fn insert_item(
    c: &mut Conn,
    tenant: Uuid,
    session: Uuid,
    description: &str,
    owner: Uuid,
    due: NaiveDate,
) -> Result<ActionItemRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO coaching.action_items (tenant_id, action_item_id, session_id, description, owner_id, due_date)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ITEM_COLUMNS}"
    )))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(session)
    .bind(description)
    .bind(owner)
    .bind(due)
    .fetch_one(c)
    .await
}

pub async fn items_of_sessions(c: &mut Conn, tenant: Uuid, sessions: &[Uuid]) -> Result<Vec<ActionItemRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM coaching.action_items WHERE tenant_id = $1 AND session_id = ANY($2)
         ORDER BY due_date, action_item_id"
    )))
    .bind(tenant)
    .bind(sessions)
    .fetch_all(c)
    .await
}

pub async fn items_of_owner(
    c: &mut Conn,
    tenant: Uuid,
    owner: Uuid,
    include_done: bool,
) -> Result<Vec<ActionItemRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM coaching.action_items
         WHERE tenant_id = $1 AND owner_id = $2 AND ($3 OR done_at IS NULL) ORDER BY due_date, action_item_id"
    )))
    .bind(tenant)
    .bind(owner)
    .bind(include_done)
    .fetch_all(c)
    .await
}

pub async fn get_item(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<ActionItemRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM coaching.action_items WHERE tenant_id = $1 AND action_item_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn set_item_done(c: &mut Conn, tenant: Uuid, id: Uuid, done: bool) -> Result<ActionItemRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE coaching.action_items SET done_at = CASE WHEN $3 THEN coalesce(done_at, now()) END
         WHERE tenant_id = $1 AND action_item_id = $2 RETURNING {ITEM_COLUMNS}"
    )))
    .bind(tenant)
    .bind(id)
    .bind(done)
    .fetch_one(c)
    .await
}

/// Deletes the scheduled sessions of a cadence that start after `after`.
pub async fn delete_future_of_cadence(c: &mut Conn, tenant: Uuid, cadence: Uuid, after: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM coaching.sessions
         WHERE tenant_id = $1 AND cadence_id = $2 AND status = 'scheduled' AND start_time > $3",
    )
    .bind(tenant)
    .bind(cadence)
    .bind(after)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

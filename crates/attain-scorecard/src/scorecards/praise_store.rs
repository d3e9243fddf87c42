//! SQL of praise, and of the praise not yet counted in the metrics service.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::store::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PraiseRecord {
    pub praise_id: Uuid,
    pub giver_id: Uuid,
    pub recipient_id: Uuid,
    pub category: String,
    pub message: String,
    pub private: bool,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "praise_id, giver_id, recipient_id, category, message, private, created_at";

pub async fn insert(c: &mut Conn, tenant: Uuid, p: &PraiseRecord) -> Result<PraiseRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.praise (tenant_id, praise_id, giver_id, recipient_id, category, message, private)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    )))
    .bind(tenant)
    .bind(p.praise_id)
    .bind(p.giver_id)
    .bind(p.recipient_id)
    .bind(&p.category)
    .bind(&p.message)
    .bind(p.private)
    .fetch_one(c)
    .await
}

/// What a caller may read of the praise.
pub struct Filter<'a> {
    /// Public praise of these people (`None`: anyone's).
    pub recipients: Option<&'a [Uuid]>,
    /// Private praise this person gave or received.
    pub me: Option<Uuid>,
    /// Every private praise (ADMIN).
    pub all_private: bool,
    /// Only praise received by this person.
    pub only_recipient: Option<Uuid>,
}

/// Praise newest first, before the id `before`, as `f` allows.
pub async fn list(
    c: &mut Conn,
    tenant: Uuid,
    f: &Filter<'_>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PraiseRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.praise
         WHERE tenant_id = $1
           AND ((NOT private AND ($2::uuid[] IS NULL OR recipient_id = ANY($2)))
                OR (private AND ($4 OR giver_id = $3 OR recipient_id = $3)))
           AND ($5::uuid IS NULL OR recipient_id = $5)
           AND ($6::uuid IS NULL OR praise_id < $6)
         ORDER BY praise_id DESC LIMIT $7"
    )))
    .bind(tenant)
    .bind(f.recipients)
    .bind(f.me)
    .bind(f.all_private)
    .bind(f.only_recipient)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Praise not yet counted in the metrics service, oldest first.
pub async fn unsynced(c: &mut Conn, tenant: Uuid, limit: i64) -> Result<Vec<PraiseRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM scorecard.praise WHERE tenant_id = $1 AND synced_at IS NULL
         ORDER BY praise_id LIMIT $2"
    )))
    .bind(tenant)
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn mark_synced(c: &mut Conn, tenant: Uuid, ids: &[Uuid]) -> Result<()> {
    sqlx::query("UPDATE scorecard.praise SET synced_at = now() WHERE tenant_id = $1 AND praise_id = ANY($2)")
        .bind(tenant)
        .bind(ids)
        .execute(c)
        .await
        .map(drop)
}

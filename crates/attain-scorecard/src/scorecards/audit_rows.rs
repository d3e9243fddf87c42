//! The before and after of the changes a compensation dispute must be able to answer — quotas,
//! target overrides and ramps — read as JSON in the changing transaction, and written with the
//! change to the audit trail (`attain_runtime::audit::write_in`).

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::Subject;
use crate::AUDIT_TABLE;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// A quota as stored (without the tenant), or `None`.
pub async fn quota(
    c: &mut PgConnection,
    tenant: Uuid,
    subject: Subject,
    metric_key: &str,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> Result<Option<Value>> {
    let (person, team) = match subject {
        Subject::Person(p) => (Some(p), None),
        Subject::Team(t) => (None, Some(t)),
    };
    sqlx::query_scalar(
        "SELECT to_jsonb(q) - 'tenant_id' FROM scorecard.quotas q
         WHERE tenant_id = $1 AND person_id IS NOT DISTINCT FROM $2 AND team_id IS NOT DISTINCT FROM $3
           AND metric_key = $4 AND start_date = $5 AND end_date = $6",
    )
    .bind(tenant)
    .bind(person)
    .bind(team)
    .bind(metric_key)
    .bind(start)
    .bind(end)
    .fetch_optional(c)
    .await
}

pub async fn quota_by_id(c: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Option<Value>> {
    sqlx::query_scalar(
        "SELECT to_jsonb(q) - 'tenant_id' FROM scorecard.quotas q WHERE tenant_id = $1 AND quota_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn target_override(
    c: &mut PgConnection,
    tenant: Uuid,
    person: Uuid,
    metric_key: &str,
) -> Result<Option<Value>> {
    sqlx::query_scalar(
        "SELECT to_jsonb(o) - 'tenant_id' FROM scorecard.target_overrides o
         WHERE tenant_id = $1 AND person_id = $2 AND metric_key = $3",
    )
    .bind(tenant)
    .bind(person)
    .bind(metric_key)
    .fetch_optional(c)
    .await
}

/// A ramp schedule itself (its name, steps and default flag).
pub async fn ramp_schedule(c: &mut PgConnection, tenant: Uuid, ramp: Uuid) -> Result<Option<Value>> {
    sqlx::query_scalar("SELECT to_jsonb(r) - 'tenant_id' FROM scorecard.ramps r WHERE tenant_id = $1 AND ramp_id = $2")
        .bind(tenant)
        .bind(ramp)
        .fetch_optional(c)
        .await
}

pub async fn ramp(c: &mut PgConnection, tenant: Uuid, person: Uuid) -> Result<Option<Value>> {
    sqlx::query_scalar(
        "SELECT to_jsonb(r) - 'tenant_id' FROM scorecard.person_ramps r WHERE tenant_id = $1 AND person_id = $2",
    )
    .bind(tenant)
    .bind(person)
    .fetch_optional(c)
    .await
}

/// Writes the change to the audit trail in the changing transaction.
pub async fn record(
    c: &mut PgConnection,
    kind: &str,
    id: impl std::fmt::Display,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<()> {
    attain_runtime::audit::write_in(c, AUDIT_TABLE, kind, id, before, after).await
}

//! The platform operator: keys that belong to no tenant (`attain_op_<key id>_<secret>`, hex, of
//! which only a SHA-256 hash is stored), and the operator's tenant-wide actions that the
//! operator API and `attain tenant …` share: list, suspend, resume.

use anyhow::Context;
use attain_runtime::{ApiError, db::begin_tenant};
use chrono::{DateTime, Utc};
use rand::RngExt;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::TenantRecord;

/// A parsed platform-operator key.
pub struct OperatorKey {
    pub key_id: Uuid,
    secret: [u8; 32],
}

impl std::fmt::Debug for OperatorKey {
    // The secret never appears in logs or debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl OperatorKey {
    pub const PREFIX: &'static str = "attain_op_";

    pub fn parse(text: &str) -> Option<OperatorKey> {
        let (key_id, secret_hex) = text.strip_prefix(Self::PREFIX)?.split_once('_')?;
        let key_id = Uuid::try_parse(key_id).ok()?;
        if secret_hex.len() != 64 {
            return None;
        }
        let mut secret = [0u8; 32];
        for (i, byte) in secret.iter_mut().enumerate() {
            *byte = u8::from_str_radix(secret_hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(OperatorKey { key_id, secret })
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.secret).to_vec()
    }

    fn text(&self) -> String {
        let secret: String = self.secret.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}{}_{secret}", Self::PREFIX, self.key_id.simple())
    }
}

/// Makes a platform-operator key and returns its id and text (shown once). Needs the owner's
/// connection: the services cannot mint operator keys.
pub async fn create_operator_key(pool: &PgPool, name: &str) -> anyhow::Result<(Uuid, String)> {
    let mut v = attain_domain::Violations::new();
    attain_domain::org::check_name(&mut v, "name", name);
    if !v.is_empty() {
        anyhow::bail!("{v}");
    }
    let key = OperatorKey {
        key_id: Uuid::now_v7(),
        secret: rand::rng().random(),
    };
    sqlx::query("INSERT INTO org.operator_keys (key_id, name, secret_hash) VALUES ($1, $2, $3)")
        .bind(key.key_id)
        .bind(name)
        .bind(key.hash())
        .execute(pool)
        .await
        .context("storing the operator key")?;
    Ok((key.key_id, key.text()))
}

/// Revokes a platform-operator key.
pub async fn revoke_operator_key(pool: &PgPool, key_id: Uuid) -> anyhow::Result<()> {
    let done = sqlx::query("UPDATE org.operator_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL")
        .bind(key_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        anyhow::bail!("no active operator key {key_id}");
    }
    Ok(())
}

/// The operator key behind an `authorization: Bearer attain_op_…` header, or UNAUTHENTICATED.
pub async fn authenticate(pool: &PgPool, header: Option<&str>) -> Result<Uuid, ApiError> {
    let refuse = || {
        ApiError::Unauthenticated(
            "the operator API takes a platform-operator key (`authorization: Bearer attain_op_…`, from `attain operator key create`)"
                .into(),
        )
    };
    let token = header
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(refuse)?;
    let key = OperatorKey::parse(token).ok_or_else(refuse)?;
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT secret_hash FROM org.operator_keys WHERE key_id = $1 AND revoked_at IS NULL")
            .bind(key.key_id)
            .fetch_optional(pool)
            .await?;
    let hash = key.hash();
    let matches = stored.is_some_and(|stored| {
        stored.len() == hash.len() && stored.iter().zip(&hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if matches { Ok(key.key_id) } else { Err(refuse()) }
}

/// A tenant with its suspension.
#[derive(Debug, Clone)]
pub struct OperatorTenant {
    pub tenant: TenantRecord,
    pub suspended_at: Option<DateTime<Utc>>,
    pub suspend_reason: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    tenant: TenantRecord,
    suspended_at: Option<DateTime<Utc>>,
    suspend_reason: String,
}

impl From<Row> for OperatorTenant {
    fn from(row: Row) -> Self {
        OperatorTenant {
            tenant: row.tenant,
            suspended_at: row.suspended_at,
            suspend_reason: row.suspend_reason,
        }
    }
}

/// Every tenant, through the one function that lists across tenants (it runs as the bypass role).
pub async fn list_tenants(pool: &PgPool) -> Result<Vec<OperatorTenant>, ApiError> {
    let rows: Vec<Row> = sqlx::query_as("SELECT * FROM org.operator_tenants() ORDER BY tenant_id")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(OperatorTenant::from).collect())
}

/// Suspends (`Some(reason)`) or resumes (`None`) a tenant. The change is announced, so every
/// service refuses (or accepts again) the tenant's credentials at once.
pub async fn set_suspended(pool: &PgPool, tenant: Uuid, reason: Option<&str>) -> Result<OperatorTenant, ApiError> {
    if let Some(reason) = reason
        && (reason.chars().count() > 500 || reason.chars().any(|c| c.is_control() && c != '\n'))
    {
        return Err(ApiError::invalid(
            "reason",
            "must be at most 500 characters, without control characters",
        ));
    }
    let mut tx = begin_tenant(pool, tenant).await?;
    let updated: Option<Row> = sqlx::query_as(
        "UPDATE org.tenants SET suspended_at = CASE WHEN $2 THEN coalesce(suspended_at, now()) END,
             suspend_reason = $3
         WHERE tenant_id = $1 RETURNING *",
    )
    .bind(tenant)
    .bind(reason.is_some())
    .bind(reason.unwrap_or_default())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    updated
        .map(OperatorTenant::from)
        .ok_or_else(|| ApiError::not_found(format!("tenant {tenant}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_keys_parse_back_and_tenant_keys_do_not() {
        let key = OperatorKey {
            key_id: Uuid::now_v7(),
            secret: [7; 32],
        };
        let parsed = OperatorKey::parse(&key.text()).expect("parses");
        assert_eq!((parsed.key_id, parsed.hash()), (key.key_id, key.hash()));
        let tenant_key = attain_runtime::auth::ApiKey::generate(Uuid::now_v7()).text;
        assert!(OperatorKey::parse(&tenant_key).is_none());
        assert!(attain_runtime::auth::ApiKey::parse(&key.text()).is_none());
        assert!(!format!("{key:?}").contains("0707"));
    }
}

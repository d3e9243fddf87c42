//! API key verification for the authentication layer, reading `org.api_keys` under row-level
//! security with the tenant the key names.

use attain_domain::org::AccessRole;
use attain_runtime::{
    ApiError, Caller,
    auth::{ApiKey, ApiKeyStore},
};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::{PgPool, Row};
use uuid::Uuid;

#[derive(Clone)]
pub struct OrgKeyStore {
    pool: PgPool,
}

impl OrgKeyStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A verified key: who it stands for, and when it stops working on its own.
#[derive(Debug, Clone)]
pub struct VerifiedKey {
    pub caller: Caller,
    pub expires_at: Option<DateTime<Utc>>,
    /// The key is good but its tenant is suspended: calls are refused with PERMISSION_DENIED.
    pub suspended: bool,
}

impl OrgKeyStore {
    /// The key's caller and expiry, or `None` when the key is unknown, wrong, revoked, expired,
    /// or acts as a person who has left (a leaver's keys stop at once, without a revocation).
    pub async fn verify_key(&self, key: &ApiKey) -> Result<Option<VerifiedKey>, ApiError> {
        // Every call to this service checks its key first, so the check is one round trip:
        // the tenant setting and the lookup go as one simple query, which PostgreSQL runs as
        // one implicit transaction (so SET LOCAL ends with it, and an error leaves nothing
        // open on the pooled connection). Only UUIDs are spliced in (they print as hex digits
        // and dashes), never caller text.
        let sql = format!(
            "SET LOCAL app.tenant_id = '{tenant}';
             SELECT k.role, k.person_id, k.secret_hash, k.expires_at, t.suspended_at IS NOT NULL
             FROM org.api_keys k JOIN org.tenants t ON t.tenant_id = k.tenant_id
             WHERE k.tenant_id = '{tenant}' AND k.key_id = '{key}' AND k.revoked_at IS NULL
               AND (k.expires_at IS NULL OR k.expires_at > now())
               AND (k.person_id IS NULL OR EXISTS (
                   SELECT 1 FROM org.people p
                   WHERE p.tenant_id = k.tenant_id AND p.person_id = k.person_id AND p.status <> 'left'))",
            tenant = key.tenant_id.hyphenated(),
            key = key.key_id.hyphenated(),
        );
        type Row = (String, Option<Uuid>, Vec<u8>, Option<DateTime<Utc>>, bool);
        // Every call with a key not in a peer's cache comes here: fail at once while the
        // database does not answer.
        let mut connection = attain_runtime::reachability::acquire(&self.pool).await?;
        let row: Option<Row> = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .fetch_optional(&mut *connection)
            .await?
            .map(|row| {
                Ok::<_, sqlx::Error>((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                    row.try_get(4)?,
                ))
            })
            .transpose()?;
        Ok(row.and_then(|(role, person_id, hash, expires_at, suspended)| {
            let role = AccessRole::parse(&role)?;
            key.matches(&hash).then_some(VerifiedKey {
                caller: Caller {
                    tenant_id: key.tenant_id,
                    person_id,
                    role,
                },
                expires_at,
                suspended,
            })
        }))
    }
}

impl ApiKeyStore for OrgKeyStore {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>> {
        Box::pin(async move {
            match self.verify_key(key).await? {
                Some(v) if v.suspended => Err(ApiError::PermissionDenied(attain_runtime::auth::SUSPENDED.into())),
                found => Ok(found.map(|v| v.caller)),
            }
        })
    }
}

/// Stores a system key (INTEGRATION, no person, named `name`) that expires at `expires_at`, and
/// deletes the tenant's system keys that have expired. For background work of the process that
/// serves the directory (the milestone detector), which acts in a tenant as the tenant's own
/// integration would; `c` must be in a transaction for `tenant`.
pub async fn insert_system_key(
    c: &mut sqlx::PgConnection,
    tenant: Uuid,
    name: &str,
    key_id: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM org.api_keys WHERE tenant_id = $1 AND system AND expires_at <= now()")
        .bind(tenant)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO org.api_keys (tenant_id, key_id, name, role, person_id, secret_hash, expires_at, system)
         VALUES ($1, $2, $3, 'integration', NULL, $4, $5, true)",
    )
    .bind(tenant)
    .bind(key_id)
    .bind(name)
    .bind(hash)
    .bind(expires_at)
    .execute(c)
    .await?;
    Ok(())
}

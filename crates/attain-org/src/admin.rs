//! Operator commands (`attain tenant …`, `attain apikey …`). They run with the owner's
//! connection from the command line, not over the API: creating tenants and listing them across
//! tenants is the platform operator's job.

use anyhow::{Context, bail};
use attain_domain::{calendar::Calendar, org::AccessRole};
use attain_runtime::{
    auth::ApiKey,
    db::{begin_bypass, begin_tenant},
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::model::TenantRecord;

/// Creates a tenant with the given calendar and currency; `setup` adds, in the same
/// transaction, what the rest of the process keeps per tenant (the scorecard side's built-in
/// templates).
pub async fn create_tenant(
    pool: &PgPool,
    name: &str,
    calendar: &Calendar,
    currency: &str,
    setup: &dyn crate::TenantSetup,
) -> anyhow::Result<TenantRecord> {
    let mut v = attain_domain::Violations::new();
    attain_domain::org::check_name(&mut v, "name", name);
    v.check("currency", attain_domain::calendar::check_currency_code(currency));
    if !v.is_empty() {
        bail!("{v}");
    }
    let tenant_id = Uuid::now_v7();
    let mut tx = begin_tenant(pool, tenant_id).await?;
    let record = sqlx::query_as(
        "INSERT INTO org.tenants (tenant_id, display_name, time_zone, first_day_of_week, fiscal_year_start_month,
             working_days, currency_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
    )
    .bind(tenant_id)
    .bind(name)
    .bind(calendar.time_zone().name())
    .bind(calendar.first_day_of_week().number_from_monday() as i16)
    .bind(calendar.fiscal_year_start_month() as i16)
    .bind(
        calendar
            .working_days()
            .days()
            .iter()
            .map(|d| d.number_from_monday() as i16)
            .collect::<Vec<_>>(),
    )
    .bind(currency)
    .fetch_one(&mut *tx)
    .await?;
    setup.set_up(&mut tx, tenant_id).await?;
    tx.commit().await?;
    Ok(record)
}

/// Every tenant. Reads across tenants, so it takes the bypass role explicitly: the owner's own
/// login sees no tenant's rows (FORCE ROW LEVEL SECURITY).
pub async fn list_tenants(pool: &PgPool) -> anyhow::Result<Vec<TenantRecord>> {
    let mut tx = begin_bypass(pool).await.context(BYPASS_HINT)?;
    let tenants = sqlx::query_as("SELECT * FROM org.tenants ORDER BY tenant_id")
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(tenants)
}

pub async fn find_tenant_by_name(pool: &PgPool, name: &str) -> anyhow::Result<Option<TenantRecord>> {
    let mut tx = begin_bypass(pool).await.context(BYPASS_HINT)?;
    let found = sqlx::query_as("SELECT * FROM org.tenants WHERE display_name = $1 ORDER BY tenant_id LIMIT 1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(found)
}

const BYPASS_HINT: &str = "operator commands that read across tenants take the attain_bypass role; \
     the DATABASE_URL user must be a member of it (`attain migrate` grants it)";

/// A stored API key, without its secret.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyInfo {
    pub key_id: Uuid,
    pub name: String,
    pub role: AccessRole,
    pub person_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the key stops working; none for keys made with `apikey create`, which last until
    /// revoked. The milestone detector's system keys expire after an hour.
    pub expires_at: Option<DateTime<Utc>>,
    /// The key acts as a person who has left: refused although not revoked.
    pub person_left: bool,
}

/// Creates an API key and returns its text, which is shown once and never stored.
pub async fn create_api_key(
    pool: &PgPool,
    tenant_id: Uuid,
    role: AccessRole,
    person_id: Option<Uuid>,
    name: &str,
) -> anyhow::Result<(Uuid, String)> {
    create_api_key_until(pool, tenant_id, role, person_id, name, None).await
}

/// Creates an API key that stops working at `expires_at` (none: when revoked).
pub async fn create_api_key_until(
    pool: &PgPool,
    tenant_id: Uuid,
    role: AccessRole,
    person_id: Option<Uuid>,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<(Uuid, String)> {
    if role.needs_person() && person_id.is_none() {
        bail!("a {role} key acts as a person: pass --person");
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        bail!("--expires-in must be in the future");
    }
    let mut tx = begin_tenant(pool, tenant_id).await?;
    let (key_id, text) = insert_api_key(&mut tx, tenant_id, role, person_id, name, expires_at).await?;
    tx.commit().await?;
    Ok((key_id, text))
}

async fn insert_api_key(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    tenant_id: Uuid,
    role: AccessRole,
    person_id: Option<Uuid>,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<(Uuid, String)> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.tenants WHERE tenant_id = $1)")
        .bind(tenant_id)
        .fetch_one(&mut **tx)
        .await?;
    if !exists {
        bail!("no tenant {tenant_id}");
    }
    if let Some(person) = person_id {
        let found: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.people WHERE tenant_id = $1 AND person_id = $2)")
                .bind(tenant_id)
                .bind(person)
                .fetch_one(&mut **tx)
                .await?;
        if !found {
            bail!("no person {person} in tenant {tenant_id}");
        }
    }
    if let Some(person) = person_id {
        let left: bool =
            sqlx::query_scalar("SELECT status = 'left' FROM org.people WHERE tenant_id = $1 AND person_id = $2")
                .bind(tenant_id)
                .bind(person)
                .fetch_one(&mut **tx)
                .await?;
        if left {
            bail!("person {person} has left; a key acting as them would be refused");
        }
    }
    let made = ApiKey::generate(tenant_id);
    sqlx::query(
        "INSERT INTO org.api_keys (tenant_id, key_id, name, role, person_id, secret_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant_id)
    .bind(made.key.key_id)
    .bind(name)
    .bind(role)
    .bind(person_id)
    .bind(&made.hash)
    .bind(expires_at)
    .execute(&mut **tx)
    .await
    .context("storing the API key")?;
    Ok((made.key.key_id, made.text))
}

/// A rotated key: the new key's id and text (shown once), and when the old key stops working.
pub struct Rotated {
    pub key_id: Uuid,
    pub text: String,
    pub old_ends_at: DateTime<Utc>,
}

/// Replaces a key with a new one of the same name, role, person and expiry; the old key keeps
/// working for `overlap` (so the systems that use it can switch without a failed call) and is
/// refused by every service after that, or at once for no overlap.
pub async fn rotate_api_key(
    pool: &PgPool,
    tenant_id: Uuid,
    key_id: Uuid,
    overlap: std::time::Duration,
) -> anyhow::Result<Rotated> {
    let overlap = chrono::Duration::from_std(overlap)
        .ok()
        .filter(|d| *d <= chrono::Duration::days(30))
        .ok_or_else(|| anyhow::anyhow!("--overlap must be at most 30 days"))?;
    let mut tx = begin_tenant(pool, tenant_id).await?;
    type KeyRow = (String, AccessRole, Option<Uuid>, Option<DateTime<Utc>>);
    let old: Option<KeyRow> = sqlx::query_as(
        "SELECT name, role, person_id, expires_at FROM org.api_keys
         WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL AND NOT system
           AND (expires_at IS NULL OR expires_at > now())
         FOR UPDATE",
    )
    .bind(tenant_id)
    .bind(key_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name, role, person_id, expires_at)) = old else {
        bail!("no active key {key_id} in tenant {tenant_id}");
    };
    let (new_id, text) = insert_api_key(&mut tx, tenant_id, role, person_id, &name, expires_at).await?;
    let now = Utc::now();
    let old_ends_at = if overlap.is_zero() {
        sqlx::query("UPDATE org.api_keys SET revoked_at = now() WHERE tenant_id = $1 AND key_id = $2")
            .bind(tenant_id)
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
        now
    } else {
        let ends = expires_at.map_or(now + overlap, |at| at.min(now + overlap));
        sqlx::query("UPDATE org.api_keys SET expires_at = $3 WHERE tenant_id = $1 AND key_id = $2")
            .bind(tenant_id)
            .bind(key_id)
            .bind(ends)
            .execute(&mut *tx)
            .await?;
        ends
    };
    tx.commit().await?;
    Ok(Rotated {
        key_id: new_id,
        text,
        old_ends_at,
    })
}

pub async fn list_api_keys(pool: &PgPool, tenant_id: Uuid) -> anyhow::Result<Vec<ApiKeyInfo>> {
    let mut tx = begin_tenant(pool, tenant_id).await?;
    let keys = sqlx::query_as(
        "SELECT k.key_id, k.name, k.role, k.person_id, k.created_at, k.revoked_at, k.expires_at,
                EXISTS (SELECT 1 FROM org.people p
                        WHERE p.tenant_id = k.tenant_id AND p.person_id = k.person_id AND p.status = 'left') AS person_left
         FROM org.api_keys k WHERE k.tenant_id = $1 ORDER BY k.key_id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(keys)
}

/// Revokes a key. The change is announced to every service, which refuse the key (UNAUTHENTICATED)
/// as soon as they hear it: within moments, not after a cache's lifetime.
pub async fn revoke_api_key(pool: &PgPool, tenant_id: Uuid, key_id: Uuid) -> anyhow::Result<()> {
    let mut tx = begin_tenant(pool, tenant_id).await?;
    let done = sqlx::query(
        "UPDATE org.api_keys SET revoked_at = now() WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant_id)
    .bind(key_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if done.rows_affected() == 0 {
        bail!("no active key {key_id} in tenant {tenant_id}");
    }
    Ok(())
}

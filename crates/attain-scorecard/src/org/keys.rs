//! API key verification for the authentication layer, reading `org.api_keys` under row-level
//! security with the tenant the key names.

use attain_domain::org::AccessRole;
use attain_runtime::{
    ApiError, Caller,
    auth::{ApiKey, ApiKeyStore},
};
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

impl ApiKeyStore for OrgKeyStore {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>> {
        Box::pin(async move {
            // Every call to this service checks its key first, so the check is one round trip:
            // the tenant setting and the lookup go as one simple query, which PostgreSQL runs as
            // one implicit transaction (so SET LOCAL ends with it, and an error leaves nothing
            // open on the pooled connection). Only UUIDs are spliced in (they print as hex digits
            // and dashes), never caller text.
            let sql = format!(
                "SET LOCAL app.tenant_id = '{tenant}';
                 SELECT role, person_id, secret_hash FROM org.api_keys
                 WHERE tenant_id = '{tenant}' AND key_id = '{key}' AND revoked_at IS NULL
                   AND (expires_at IS NULL OR expires_at > now())",
                tenant = key.tenant_id.hyphenated(),
                key = key.key_id.hyphenated(),
            );
            let row: Option<(String, Option<Uuid>, Vec<u8>)> = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_optional(&self.pool)
                .await?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
                .transpose()?;
            Ok(row.and_then(|(role, person_id, hash)| {
                let role = AccessRole::parse(&role)?;
                key.matches(&hash).then_some(Caller {
                    tenant_id: key.tenant_id,
                    person_id,
                    role,
                })
            }))
        })
    }
}

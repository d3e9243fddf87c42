//! API key verification for the authentication layer, reading `org.api_keys` under row-level
//! security with the tenant the key names.

use attain_domain::org::AccessRole;
use attain_runtime::{
    ApiError, Caller,
    auth::{ApiKey, ApiKeyStore},
    db::begin_tenant,
};
use futures::future::BoxFuture;
use sqlx::PgPool;
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
            let mut tx = begin_tenant(&self.pool, key.tenant_id).await?;
            let row: Option<(String, Option<Uuid>, Vec<u8>)> = sqlx::query_as(
                "SELECT role, person_id, secret_hash FROM org.api_keys
                 WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL",
            )
            .bind(key.tenant_id)
            .bind(key.key_id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
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

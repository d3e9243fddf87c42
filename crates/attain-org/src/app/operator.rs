//! The platform operator's use cases (`attain.operator.v1.OperatorService`): tenants, their
//! suspension, their identity providers and API keys. Every write names the operator key that
//! made it and lands in the tenant's audit trail. The operator's key is checked on the wire
//! ([`OperatorApi::authenticate`]); no tenant credential is accepted.

use std::sync::Arc;

use attain_domain::{calendar::Calendar, org::AccessRole};
use attain_runtime::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    admin,
    identity::{IdentityProvider, IdentityProviders},
    operator::{self, OperatorTenant},
};

#[derive(Clone)]
pub struct OperatorApi {
    pool: PgPool,
    idps: Arc<IdentityProviders>,
    setup: Arc<dyn crate::TenantSetup>,
}

/// A tenant to create, checked.
pub struct NewTenant {
    pub display_name: String,
    pub calendar: Calendar,
    pub currency_code: String,
}

/// An API key to issue, checked.
pub struct NewApiKey {
    pub tenant: Uuid,
    pub role: AccessRole,
    pub person: Option<Uuid>,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

impl OperatorApi {
    /// `setup` prepares each new tenant for the rest of the process (see [`crate::TenantSetup`]).
    pub fn new(pool: PgPool, idps: Arc<IdentityProviders>, setup: Arc<dyn crate::TenantSetup>) -> Self {
        Self { pool, idps, setup }
    }

    /// The operator key an `authorization` header carries.
    pub async fn authenticate(&self, header: Option<&str>) -> ApiResult<Uuid> {
        let key = operator::authenticate(&self.pool, header).await?;
        tracing::Span::current().record("operator", tracing::field::display(key));
        Ok(key)
    }

    /// Records an operator's write on `tenant` in its audit trail; a failure is logged and
    /// counted, the write itself stands.
    async fn audited(&self, key: Uuid, tenant: Uuid, method: &str, resource: String, after: Option<serde_json::Value>) {
        if let Err(e) =
            attain_runtime::audit::write_operator(&self.pool, crate::AUDIT_TABLE, tenant, key, method, &resource, after)
                .await
        {
            attain_runtime::audit::WRITE_FAILURES.inc();
            tracing::error!(method, %tenant, "could not write the audit row of an operator's write: {e}");
        }
    }

    pub async fn create_tenant(&self, operator: Uuid, t: &NewTenant) -> ApiResult<OperatorTenant> {
        let record = admin::create_tenant(
            &self.pool,
            &t.display_name,
            &t.calendar,
            &t.currency_code,
            self.setup.as_ref(),
        )
        .await
        .map_err(ApiError::internal)?;
        let id = record.tenant_id;
        self.audited(operator, id, "CreateTenant", format!("tenant/{id}"), None)
            .await;
        Ok(OperatorTenant {
            tenant: record,
            suspended_at: None,
            suspend_reason: String::new(),
        })
    }

    pub async fn list_tenants(&self) -> ApiResult<Vec<OperatorTenant>> {
        operator::list_tenants(&self.pool).await
    }

    /// Suspends a tenant: its credentials are refused until it is resumed.
    pub async fn suspend_tenant(&self, operator: Uuid, tenant: Uuid, reason: &str) -> ApiResult<OperatorTenant> {
        let t = operator::set_suspended(&self.pool, tenant, Some(reason)).await?;
        let after = serde_json::json!({"suspended": true, "reason": reason});
        self.audited(
            operator,
            tenant,
            "SuspendTenant",
            format!("tenant/{tenant}"),
            Some(after),
        )
        .await;
        Ok(t)
    }

    pub async fn resume_tenant(&self, operator: Uuid, tenant: Uuid) -> ApiResult<OperatorTenant> {
        let t = operator::set_suspended(&self.pool, tenant, None).await?;
        let after = serde_json::json!({"suspended": false});
        self.audited(
            operator,
            tenant,
            "ResumeTenant",
            format!("tenant/{tenant}"),
            Some(after),
        )
        .await;
        Ok(t)
    }

    /// Adds (or replaces) an issuer whose tokens sign users of `idp.tenant_id` in.
    pub async fn add_identity_provider(&self, operator: Uuid, idp: &IdentityProvider) -> ApiResult<IdentityProvider> {
        let stored = self.idps.add(idp).await?;
        let resource = format!("identity_provider/{}", stored.issuer);
        self.audited(operator, stored.tenant_id, "AddIdentityProvider", resource, None)
            .await;
        Ok(stored)
    }

    pub async fn list_identity_providers(&self, tenant: Uuid) -> ApiResult<Vec<IdentityProvider>> {
        self.idps.list(tenant).await
    }

    pub async fn remove_identity_provider(&self, operator: Uuid, tenant: Uuid, issuer: &str) -> ApiResult<()> {
        self.idps.remove(tenant, issuer).await?;
        let resource = format!("identity_provider/{issuer}");
        self.audited(operator, tenant, "RemoveIdentityProvider", resource, None)
            .await;
        Ok(())
    }

    /// Issues a key; the answer is its id and the key itself (shown once).
    pub async fn create_api_key(&self, operator: Uuid, k: &NewApiKey) -> ApiResult<(Uuid, String)> {
        let (key_id, api_key) =
            admin::create_api_key_until(&self.pool, k.tenant, k.role, k.person, &k.name, k.expires_at)
                .await
                // The store's refusals are of the request's ids: no such tenant or person.
                .map_err(|e| ApiError::not_found(e.to_string()))?;
        self.audited(operator, k.tenant, "CreateApiKey", format!("api_key/{key_id}"), None)
            .await;
        Ok((key_id, api_key))
    }

    pub async fn revoke_api_key(&self, operator: Uuid, tenant: Uuid, key: Uuid) -> ApiResult<()> {
        admin::revoke_api_key(&self.pool, tenant, key)
            .await
            .map_err(|_| ApiError::not_found(format!("active key {key} of tenant {tenant}")))?;
        self.audited(operator, tenant, "RevokeApiKey", format!("api_key/{key}"), None)
            .await;
        Ok(())
    }
}

//! GetTenant and UpdateTenant: a caller reads and (as ADMIN) changes only its own tenant.

use attain_domain::org::AccessRole;
use attain_runtime::{ApiError, ApiResult, Caller, convert, db::begin_tenant, dispatch::Decoded};

use super::{OrgApi, Patch};
use crate::{model::TenantRecord, store};

impl OrgApi {
    pub async fn get_tenant(&self, caller: &Caller) -> ApiResult<TenantRecord> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let tenant = store::get_tenant(&mut tx, caller.tenant_id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("tenant"))?;
        tx.commit().await?;
        Ok(tenant)
    }

    pub async fn update_tenant(&self, caller: &Caller, patch: Decoded<Patch<TenantRecord>>) -> ApiResult<TenantRecord> {
        caller.require(&[AccessRole::Admin], "change the tenant")?;
        let patch = patch.get()?;
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let current = store::get_tenant(&mut tx, caller.tenant_id, true)
            .await?
            .ok_or_else(|| ApiError::not_found("tenant"))?;
        convert::check_revision(patch.revision, current.revision, "tenant")?;
        let record = (patch.apply)(current)?;
        let saved = store::save_tenant(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(saved)
    }
}

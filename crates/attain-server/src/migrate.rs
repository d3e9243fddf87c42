//! `attain migrate`, and the first step of `attain dev` and of every benchmark: every built
//! service's migrations, and each service's login role granted its own schemas only.

use attain_runtime::db;
use sqlx::PgPool;

use crate::service::BUILT;

/// Migrates every built service and grants each its role (`attain_<service>`).
pub async fn migrate_all(owner: &PgPool, create_roles: bool) -> anyhow::Result<()> {
    for service in BUILT {
        let Some(set) = service.schemas() else { continue };
        db::migrate(owner, set).await?;
        let role = set.default_role();
        match db::grant_service_role(owner, set, &role, create_roles).await {
            Ok(()) => tracing::info!(service = service.name(), role, "migrated; role granted"),
            Err(e) if !create_roles => {
                tracing::warn!(service = service.name(), role, "migrated; role not granted: {e:#}")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

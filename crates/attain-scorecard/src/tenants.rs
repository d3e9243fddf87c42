//! What the scorecard side keeps for every tenant: its built-in templates, seeded in the
//! transaction that creates the tenant (the directory calls [`BuiltIns`] as its
//! `attain_org::TenantSetup`, knowing nothing of scorecards).

use attain_domain::{calendar::Calendar, scorecard::template::built_in_templates};
use attain_org::{TenantRecord, TenantSetup, admin};
use attain_runtime::db::begin_tenant;
use futures::future::BoxFuture;
use sqlx::PgPool;
use uuid::Uuid;

/// Seeds the built-in scorecard templates into a new tenant.
pub struct BuiltIns;

impl TenantSetup for BuiltIns {
    fn set_up<'a>(&'a self, tx: &'a mut sqlx::PgConnection, tenant: Uuid) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move { crate::scorecards::store::seed_built_ins(tx, tenant, &built_in_templates()).await })
    }
}

/// Creates a tenant with the scorecard side's built-ins (operator commands, `attain dev`, tests).
pub async fn create_tenant(
    pool: &PgPool,
    name: &str,
    calendar: &Calendar,
    currency: &str,
) -> anyhow::Result<TenantRecord> {
    admin::create_tenant(pool, name, calendar, currency, &BuiltIns).await
}

/// Copies any missing built-in scorecard template into a tenant, e.g. one created before the
/// built-ins existed.
pub async fn ensure_built_in_templates(pool: &PgPool, tenant: Uuid) -> anyhow::Result<()> {
    let mut tx = begin_tenant(pool, tenant).await?;
    crate::scorecards::store::seed_built_ins(&mut tx, tenant, &built_in_templates()).await?;
    tx.commit().await?;
    Ok(())
}

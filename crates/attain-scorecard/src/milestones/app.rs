//! What each `attain.webhooks.v1.MilestoneService` RPC does: one use case each, a method of
//! [`MilestoneApi`] taking the request context and typed input (decoded by `grpc.rs`).
//! Reading milestones follows the org directory's scopes (ADMIN and INTEGRATION everyone, a
//! MANAGER their subtree, a REP themself); only ADMIN changes settings.

use std::sync::Arc;

use attain_domain::{
    Violations,
    milestone::{self, Kind, Settings},
    org::AccessRole,
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
    tenant_directory::TenantDirectories,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, Filter, MilestoneRecord};

#[derive(Clone)]
pub struct MilestoneApi {
    pool: PgPool,
    directory: Arc<TenantDirectories>,
}

/// Which milestones to list, newest first.
pub struct MilestoneQuery {
    pub person_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub page: Page,
    /// The last milestone of the previous page: its day and id.
    pub before: Option<(NaiveDate, Uuid)>,
}

/// Applies a request's values to the stored settings, recording what is wrong with them.
pub type ApplySettings = Box<dyn FnOnce(&mut Settings, &mut Violations) + Send>;

/// An UpdateMilestoneSettings request: the revision the caller read, and the change, applied
/// to the stored settings once the revision is checked (recording what is wrong with the
/// values it sets).
pub struct SettingsUpdate {
    pub revision: Option<i64>,
    pub apply: ApplySettings,
}

/// The position a page of milestones ends at, as its token carries it.
pub fn position(r: &MilestoneRecord) -> String {
    format!("{}|{}", r.day, r.milestone_id)
}

/// The position [`position`] wrote, or `None`.
pub fn parse_position(text: &str) -> Option<(NaiveDate, Uuid)> {
    let (day, id) = text.split_once('|')?;
    Some((day.parse::<NaiveDate>().ok()?, Uuid::try_parse(id).ok()?))
}

impl MilestoneApi {
    pub fn new(pool: PgPool, directory: Arc<TenantDirectories>) -> Self {
        Self { pool, directory }
    }

    /// The milestones of the people the caller sees (or of one of them).
    pub async fn list_milestones(&self, ctx: &Ctx, q: MilestoneQuery) -> ApiResult<Listed<MilestoneRecord>> {
        let tenant = ctx.tenant_id;
        let view = self.directory.view(ctx).await?;
        // Whom the list may show: a named person only if visible (NOT_FOUND otherwise, so
        // other tenants' ids and hidden people look alike); everyone visible otherwise.
        let people = match q.person_id {
            Some(p) => {
                if view.visible_person(p).is_none() {
                    return Err(ApiError::not_found(format!("person {p}")));
                }
                Some(vec![p])
            }
            None if view.scope.all => None,
            None => {
                let mut ids: Vec<Uuid> = view.scope.people.iter().copied().collect();
                ids.sort_unstable();
                Some(ids)
            }
        };
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let filter = Filter {
            people,
            kind: q.kind.map(|k| k.as_str().to_string()),
            since: q.since,
            until: q.until,
        };
        let records = store::list(&mut tx, tenant, &filter, q.before, q.page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(q.page.list(records, position))
    }

    /// The tenant's milestone settings and their revision.
    pub async fn milestone_settings(&self, ctx: &Ctx) -> ApiResult<(Settings, i64)> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let settings = store::settings(&mut tx, ctx.tenant_id, false).await?;
        tx.commit().await?;
        Ok(settings)
    }

    pub async fn update_milestone_settings(
        &self,
        ctx: &Ctx,
        update: Decoded<SettingsUpdate>,
    ) -> ApiResult<(Settings, i64)> {
        ctx.require(&[AccessRole::Admin], "change milestone settings")?;
        let update = update.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let (mut merged, revision) = store::settings(&mut tx, tenant, true).await?;
        convert::check_revision(update.revision, revision, "milestone settings")?;
        let mut v = Violations::new();
        (update.apply)(&mut merged, &mut v);
        // The merged settings are checked as a whole, so an update cannot leave them invalid.
        milestone::check_settings(&mut v, &merged);
        v.into_result(())?;
        let revision = store::save_settings(&mut tx, tenant, &merged).await?;
        tx.commit().await?;
        Ok((merged, revision))
    }
}

//! ResolvePeople: many people at once, for services that receive people by id or external id
//! (metrics ingestion) or need everyone a caller may see (aggregate queries).

use attain_domain::org::ExternalId;
use attain_runtime::{ApiResult, Caller, db::begin_tenant};
use uuid::Uuid;

use super::{OrgApi, scope_of};
use crate::store;

/// Most ids of either kind one request resolves.
pub const MAX_IDS: usize = 10_000;

/// A ResolvePeople request, checked.
pub struct ResolveQuery {
    pub person_ids: Vec<Uuid>,
    pub external_ids: Vec<ExternalId>,
    /// With no ids: everyone the caller sees.
    pub all_visible: bool,
}

impl OrgApi {
    /// The people the caller sees among those named, by id and by external id (then with the
    /// external id that found them); with no ids and `all_visible`, everyone they see.
    pub async fn resolve_people(&self, caller: &Caller, q: ResolveQuery) -> ApiResult<Vec<(Uuid, Option<ExternalId>)>> {
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let mut people = Vec::new();
        let ids = &q.person_ids;
        let wants_all = q.all_visible && ids.is_empty() && q.external_ids.is_empty();
        if wants_all || !ids.is_empty() {
            let filter = (!wants_all).then_some(ids.as_slice());
            for id in store::visible_person_ids(&mut tx, tenant, &scope, filter).await? {
                people.push((id, None));
            }
        }
        if !q.external_ids.is_empty() {
            let systems: Vec<String> = q.external_ids.iter().map(|e| e.system.clone()).collect();
            let values: Vec<String> = q.external_ids.iter().map(|e| e.id.clone()).collect();
            for (id, system, external) in
                store::resolve_external_ids(&mut tx, tenant, &scope, &systems, &values).await?
            {
                people.push((id, Some(ExternalId { system, id: external })));
            }
        }
        tx.commit().await?;
        Ok(people)
    }
}

//! ResolvePeople: many people at once, for services that receive people by id or external id
//! (metrics ingestion) or need everyone a caller may see (aggregate queries).

use attain_domain::{Violations, org::ExternalId};
use attain_proto::org::v1::{ExternalId as PbExternalId, ResolvePeopleRequest, ResolvePeopleResponse, ResolvedPerson};
use attain_runtime::{ApiResult, Caller, convert, db::begin_tenant};

use super::{OrgApi, scope_of};
use crate::store;

const MAX_IDS: usize = 10_000;

pub async fn resolve(api: &OrgApi, caller: &Caller, req: ResolvePeopleRequest) -> ApiResult<ResolvePeopleResponse> {
    let mut v = Violations::new();
    if req.person_ids.len() > MAX_IDS {
        v.add("person_ids", format!("at most {MAX_IDS}"));
    }
    if req.external_ids.len() > MAX_IDS {
        v.add("external_ids", format!("at most {MAX_IDS}"));
    }
    let ids: Vec<_> = req
        .person_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| convert::required_id(&mut v, &format!("person_ids[{i}]"), id))
        .collect();
    for (i, e) in req.external_ids.iter().enumerate() {
        let id = ExternalId {
            system: e.system.clone(),
            id: e.id.clone(),
        };
        v.extend_prefixed(&format!("external_ids[{i}]"), id.check());
    }
    v.into_result(())?;

    let tenant = caller.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let scope = scope_of(&mut tx, caller).await?;
    let mut people = Vec::new();
    let wants_all = req.all_visible && ids.is_empty() && req.external_ids.is_empty();
    if wants_all || !ids.is_empty() {
        let filter = (!wants_all).then_some(ids.as_slice());
        for id in store::visible_person_ids(&mut tx, tenant, &scope, filter).await? {
            people.push(ResolvedPerson {
                person_id: id.to_string(),
                external_id: None,
            });
        }
    }
    if !req.external_ids.is_empty() {
        let systems: Vec<String> = req.external_ids.iter().map(|e| e.system.clone()).collect();
        let values: Vec<String> = req.external_ids.iter().map(|e| e.id.clone()).collect();
        for (id, system, external) in store::resolve_external_ids(&mut tx, tenant, &scope, &systems, &values).await? {
            people.push(ResolvedPerson {
                person_id: id.to_string(),
                external_id: Some(PbExternalId { system, id: external }),
            });
        }
    }
    tx.commit().await?;
    Ok(ResolvePeopleResponse { people })
}

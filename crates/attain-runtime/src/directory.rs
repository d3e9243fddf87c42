//! The org directory as the other services see it: over gRPC only (they never read the org
//! schema), on the original caller's behalf, with short-lived caches so that a stream of event
//! batches does not cost a directory call per batch.

use std::{collections::HashMap, sync::Arc};

use attain_domain::{
    calendar::Calendar,
    org::{AccessRole, ExternalId},
};
use attain_proto::org::v1::{
    AccessRole as PbRole, ExternalId as PbExternalId, GetTenantRequest, ResolvePeopleRequest, VerifyApiKeyRequest,
    credential_service_client::CredentialServiceClient, org_service_client::OrgServiceClient,
};
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use tonic::{Request, Status};
use uuid::Uuid;

use crate::{
    ApiError, Caller,
    auth::{ApiKey, ApiKeyStore},
    convert,
    peer::{CALL_TIMEOUT, Cache, PeerChannel, on_behalf, peer_error},
};

/// Who an event or query names: an Attain person id, or an id in another system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonRef {
    Id(Uuid),
    External(ExternalId),
}

pub struct Directory {
    org: OrgServiceClient<PeerChannel>,
    credentials: CredentialServiceClient<PeerChannel>,
    keys: Cache<[u8; 32], Option<Caller>>,
    calendars: Cache<Uuid, Calendar>,
    people: Cache<(Uuid, PersonRef), Option<Uuid>>,
    visible: Cache<[u8; 32], Arc<Vec<Uuid>>>,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn directory_error(status: Status) -> ApiError {
    peer_error("the org directory", status)
}

impl Directory {
    /// Connects lazily to the scorecard service at `url`, e.g. `http://scorecard:50052`.
    pub fn new(url: &str) -> anyhow::Result<Directory> {
        let channel = PeerChannel::lazy(url, "ATTAIN_ORG_URL")?;
        Ok(Directory {
            org: OrgServiceClient::new(channel.clone()),
            credentials: CredentialServiceClient::new(channel),
            keys: Cache::new(),
            calendars: Cache::new(),
            people: Cache::new(),
            visible: Cache::new(),
        })
    }

    /// The tenant's calendar, read with the caller's credential.
    pub async fn calendar(&self, caller: &Caller, credential: &str) -> Result<Calendar, ApiError> {
        match self.calendars.get(&caller.tenant_id) {
            Some(calendar) => Ok(calendar),
            None => self.fresh_calendar(caller, credential).await,
        }
    }

    /// The tenant's calendar as the directory has it now, bypassing the cache (e.g. to rebuild
    /// rollups right after a time-zone change).
    pub async fn fresh_calendar(&self, caller: &Caller, credential: &str) -> Result<Calendar, ApiError> {
        let tenant = self
            .org
            .clone()
            .get_tenant(on_behalf(GetTenantRequest {}, credential)?)
            .await
            .map_err(directory_error)?
            .into_inner()
            .tenant
            .and_then(|t| t.calendar)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("tenant without calendar")))?;
        let days: Vec<_> = tenant
            .working_days
            .iter()
            .map(|d| convert::weekday_from_proto(*d))
            .collect();
        let calendar = Calendar::new(
            &tenant.time_zone,
            convert::weekday_from_proto(tenant.first_day_of_week),
            tenant.fiscal_year_start_month,
            &days,
        )
        .map_err(|v| ApiError::internal(anyhow::anyhow!("stored calendar is invalid: {v}")))?;
        self.calendars.put(caller.tenant_id, calendar.clone());
        Ok(calendar)
    }

    /// Resolves people to Attain ids; `None` for unknown (or invisible) ones.
    pub async fn resolve(
        &self,
        caller: &Caller,
        credential: &str,
        people: &[PersonRef],
    ) -> Result<HashMap<PersonRef, Option<Uuid>>, ApiError> {
        // Answers depend on what the caller may see; only whole-tenant callers share a cache.
        let shared = caller.role.sees_whole_tenant();
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        for person in people {
            if out.contains_key(person) {
                continue;
            }
            match self.people.get(&(caller.tenant_id, person.clone())).filter(|_| shared) {
                Some(found) => {
                    out.insert(person.clone(), found);
                }
                None => {
                    out.insert(person.clone(), None);
                    missing.push(person.clone());
                }
            }
        }
        for chunk in missing.chunks(10_000) {
            let mut request = ResolvePeopleRequest::default();
            for person in chunk {
                match person {
                    PersonRef::Id(id) => request.person_ids.push(id.to_string()),
                    PersonRef::External(e) => request.external_ids.push(PbExternalId {
                        system: e.system.clone(),
                        id: e.id.clone(),
                    }),
                }
            }
            let found = self
                .org
                .clone()
                .resolve_people(on_behalf(request, credential)?)
                .await
                .map_err(directory_error)?
                .into_inner()
                .people;
            for p in found {
                let Ok(id) = Uuid::try_parse(&p.person_id) else {
                    continue;
                };
                let key = match p.external_id {
                    Some(e) => PersonRef::External(ExternalId {
                        system: e.system,
                        id: e.id,
                    }),
                    None => PersonRef::Id(id),
                };
                out.insert(key, Some(id));
            }
            // Only answers that found someone are kept: a person added to the directory must be
            // ingestible at once, not 30 s later.
            if shared {
                for person in chunk {
                    if let Some(found) = out.get(person).copied().flatten() {
                        self.people.put((caller.tenant_id, person.clone()), Some(found));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Everyone the caller may see, as cached for a few seconds.
    pub async fn visible_people(&self, caller: &Caller, credential: &str) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.visible_people_naming(caller, credential, &[]).await
    }

    /// Everyone the caller may see, asked afresh when the cached answer lacks one of `named`:
    /// a person created (or moved into the caller's teams) a moment ago must be usable at once,
    /// not after the cache expires; a forged id costs one extra directory call.
    pub async fn visible_people_naming(
        &self,
        caller: &Caller,
        credential: &str,
        named: &[Uuid],
    ) -> Result<Arc<Vec<Uuid>>, ApiError> {
        let key = self.visible_key(caller, credential);
        if let Some(people) = self.visible.get(&key)
            && named.iter().all(|id| people.contains(id))
        {
            return Ok(people);
        }
        self.fresh_visible_people(caller, credential).await
    }

    fn visible_key(&self, caller: &Caller, credential: &str) -> [u8; 32] {
        if caller.role.sees_whole_tenant() {
            digest(&format!("tenant:{}", caller.tenant_id))
        } else {
            digest(credential)
        }
    }

    /// Everyone the caller may see, asked of the directory now.
    pub async fn fresh_visible_people(&self, caller: &Caller, credential: &str) -> Result<Arc<Vec<Uuid>>, ApiError> {
        let key = self.visible_key(caller, credential);
        let request = ResolvePeopleRequest {
            all_visible: true,
            ..Default::default()
        };
        let people: Vec<Uuid> = self
            .org
            .clone()
            .resolve_people(on_behalf(request, credential)?)
            .await
            .map_err(directory_error)?
            .into_inner()
            .people
            .iter()
            .filter_map(|p| Uuid::try_parse(&p.person_id).ok())
            .collect();
        let people = Arc::new(people);
        self.visible.put(key, people.clone());
        Ok(people)
    }
}

impl ApiKeyStore for Directory {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>> {
        Box::pin(async move {
            let text = key.text();
            let cache_key = digest(&text);
            if let Some(answer) = self.keys.get(&cache_key) {
                return Ok(answer);
            }
            let mut request = Request::new(VerifyApiKeyRequest { api_key: text });
            request.set_timeout(CALL_TIMEOUT);
            let answer = self
                .credentials
                .clone()
                .verify_api_key(request)
                .await
                .map_err(directory_error)?
                .into_inner();
            let role = match PbRole::try_from(answer.role) {
                Ok(PbRole::Admin) => Some(AccessRole::Admin),
                Ok(PbRole::Manager) => Some(AccessRole::Manager),
                Ok(PbRole::Rep) => Some(AccessRole::Rep),
                Ok(PbRole::Integration) => Some(AccessRole::Integration),
                _ => None,
            };
            let caller = match (answer.valid, Uuid::try_parse(&answer.tenant_id), role) {
                (true, Ok(tenant_id), Some(role)) => Some(Caller {
                    tenant_id,
                    person_id: Uuid::try_parse(&answer.person_id).ok(),
                    role,
                }),
                _ => None,
            };
            self.keys.put(cache_key, caller.clone());
            Ok(caller)
        })
    }
}

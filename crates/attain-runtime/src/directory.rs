//! The org directory as the other services see it: over gRPC only (they never read the org
//! schema), on the original caller's behalf, with short-lived caches so that a stream of event
//! batches does not cost a directory call per batch.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use attain_domain::{calendar::Calendar, org::ExternalId};
use attain_proto::org::v1::{
    ExternalId as PbExternalId, ResolvePeopleRequest, VerifyApiKeyRequest, VerifyTokenRequest,
    credential_service_client::CredentialServiceClient,
};
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use tonic::{Request, Status};
use uuid::Uuid;

use crate::{
    ApiError, Caller, Ctx,
    auth::{ApiKey, ApiKeyStore, PeerIdentity, SUSPENDED, TokenStore, peer},
    clients::org::OrgClient,
    convert,
    peer::{CALL_TIMEOUT, Cache, PeerChannel, peer_error},
};

/// Who an event or query names: an Attain person id, or an id in another system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonRef {
    Id(Uuid),
    External(ExternalId),
}

pub struct Directory {
    org: OrgClient,
    credentials: CredentialServiceClient<PeerChannel>,
    /// Key checks by (tenant the key names, digest of the key).
    keys: Cache<(Uuid, [u8; 32]), Option<Caller>>,
    /// Accepted tokens by digest (the caller holds the tenant), until their `exp` at the latest.
    tokens: Cache<[u8; 32], Caller>,
    calendars: Cache<Uuid, Calendar>,
    people: Cache<(Uuid, PersonRef), Option<Uuid>>,
    /// Who a caller may see, by (tenant, digest of the caller).
    visible: Cache<(Uuid, [u8; 32]), Arc<Vec<Uuid>>>,
    /// Signs this service's key checks, which the org directory answers for Attain services only.
    identity: PeerIdentity,
    /// True while this process hears the org directory's announcements of credential changes;
    /// answers about credentials are reused only then, since a change may go unheard otherwise.
    hearing: AtomicBool,
    /// Counts announced changes. An answer asked for before a change and received after it may
    /// predate the change, so it is only cached when no change came in between.
    changes: AtomicU64,
}

/// The channel on which the org directory announces, with a tenant's id, any change that may end
/// or narrow a credential of that tenant (migration `0007_credential_changes.sql`).
pub const CREDENTIAL_CHANNEL: &str = "attain_credentials";

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn directory_error(status: Status) -> ApiError {
    peer_error("the org directory", status)
}

impl Directory {
    /// Connects lazily to the scorecard service at `url`, e.g. `http://scorecard:50052`; key
    /// checks are signed as `identity`.
    pub fn connect(url: &str, identity: PeerIdentity) -> anyhow::Result<Directory> {
        let channel = PeerChannel::lazy(url, "ATTAIN_ORG_URL")?;
        Ok(Directory::new(OrgClient::new(channel.clone()), channel, identity))
    }

    /// The directory over `org`, checking credentials over `channel` (the same process).
    pub fn new(org: OrgClient, channel: PeerChannel, identity: PeerIdentity) -> Directory {
        Directory {
            org,
            credentials: CredentialServiceClient::new(channel),
            keys: Cache::new(),
            tokens: Cache::new(),
            calendars: Cache::new(),
            people: Cache::new(),
            visible: Cache::new(),
            hearing: AtomicBool::new(false),
            changes: AtomicU64::new(0),
            identity,
        }
    }

    /// Listens for announcements of credential changes on the shared database and drops the
    /// named tenant's cached key checks and visibility answers as each arrives, so that a revoked
    /// key or a person who left is refused here within moments. While the listening connection is
    /// down, nothing about credentials is reused: every call is checked with the directory. Runs
    /// until dropped; a service runs it beside its server.
    pub async fn watch_credential_changes(&self, pool: sqlx::PgPool) -> std::convert::Infallible {
        loop {
            match self.listen(&pool).await {
                Ok(()) => {}
                Err(e) => tracing::warn!("not hearing credential changes, checking every key afresh: {e}"),
            }
            self.stop_reusing();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }

    async fn listen(&self, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        // Without this, a lost connection is re-made silently and the changes announced
        // meanwhile are never heard; an error here makes the loop forget everything first.
        listener.ignore_pool_close_event(false);
        listener.listen(CREDENTIAL_CHANNEL).await?;
        // Anything cached before now may have changed unheard.
        self.stop_reusing();
        self.hearing.store(true, Ordering::SeqCst);
        loop {
            let Some(note) = listener.try_recv().await? else {
                return Ok(());
            };
            self.changes.fetch_add(1, Ordering::SeqCst);
            match Uuid::try_parse(note.payload()) {
                Ok(tenant) => {
                    self.keys.forget(|(t, _), _| *t == tenant);
                    self.tokens.forget(|_, caller| caller.tenant_id == tenant);
                    self.visible.forget(|(t, _), _| *t == tenant);
                }
                Err(_) => self.stop_reusing(),
            }
        }
    }

    /// Runs `server` (a service's gRPC server) with [`Self::watch_credential_changes`] beside it,
    /// until the server returns.
    pub async fn serving<T>(&self, pool: sqlx::PgPool, server: impl std::future::Future<Output = T>) -> T {
        tokio::select! {
            out = server => out,
            never = self.watch_credential_changes(pool) => match never {},
        }
    }

    /// A fresh token proving this service to the org directory.
    fn peer_token(&self) -> Result<tonic::metadata::MetadataValue<tonic::metadata::Ascii>, ApiError> {
        self.identity
            .mint_now()
            .parse()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("a peer token is not header text")))
    }

    fn stop_reusing(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
        self.hearing.store(false, Ordering::SeqCst);
        self.keys.clear();
        self.tokens.clear();
        self.visible.clear();
    }

    fn hearing(&self) -> bool {
        self.hearing.load(Ordering::SeqCst)
    }

    /// The tenant's calendar, read with the caller's credential.
    pub async fn calendar(&self, ctx: &Ctx) -> Result<Calendar, ApiError> {
        match self.calendars.get(&ctx.tenant_id) {
            Some(calendar) => Ok(calendar),
            None => self.fresh_calendar(ctx).await,
        }
    }

    /// The tenant's calendar as the directory has it now, bypassing the cache (e.g. to rebuild
    /// rollups right after a time-zone change).
    pub async fn fresh_calendar(&self, ctx: &Ctx) -> Result<Calendar, ApiError> {
        let tenant = self
            .org
            .tenant(ctx)
            .await?
            .calendar
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("tenant without calendar")))?;
        let calendar = convert::calendar_from_proto(&tenant)
            .map_err(|v| ApiError::internal(anyhow::anyhow!("stored calendar is invalid: {v}")))?;
        self.calendars.put(ctx.tenant_id, calendar.clone());
        Ok(calendar)
    }

    /// Resolves people to Attain ids; `None` for unknown (or invisible) ones.
    pub async fn resolve(&self, ctx: &Ctx, people: &[PersonRef]) -> Result<HashMap<PersonRef, Option<Uuid>>, ApiError> {
        let caller = ctx.caller();
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
            let found = self.org.resolve(ctx, request).await?;
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
    pub async fn visible_people(&self, ctx: &Ctx) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.visible_people_naming(ctx, &[]).await
    }

    /// Everyone the caller may see, asked afresh when the cached answer lacks one of `named`:
    /// a person created (or moved into the caller's teams) a moment ago must be usable at once,
    /// not after the cache expires; a forged id costs one extra directory call.
    pub async fn visible_people_naming(&self, ctx: &Ctx, named: &[Uuid]) -> Result<Arc<Vec<Uuid>>, ApiError> {
        let key = self.visible_key(ctx);
        if let Some(people) = self.visible.get(&key).filter(|_| self.hearing())
            && named.iter().all(|id| people.contains(id))
        {
            return Ok(people);
        }
        self.fresh_visible_people(ctx).await
    }

    fn visible_key(&self, ctx: &Ctx) -> (Uuid, [u8; 32]) {
        let digest = if ctx.role.sees_whole_tenant() {
            digest(&format!("tenant:{}", ctx.tenant_id))
        } else {
            digest(ctx.credential())
        };
        (ctx.tenant_id, digest)
    }

    /// Everyone the caller may see, asked of the directory now.
    pub async fn fresh_visible_people(&self, ctx: &Ctx) -> Result<Arc<Vec<Uuid>>, ApiError> {
        let key = self.visible_key(ctx);
        let asked_at = self.changes.load(Ordering::SeqCst);
        let request = ResolvePeopleRequest {
            all_visible: true,
            ..Default::default()
        };
        let people: Vec<Uuid> = self
            .org
            .resolve(ctx, request)
            .await?
            .iter()
            .filter_map(|p| Uuid::try_parse(&p.person_id).ok())
            .collect();
        let people = Arc::new(people);
        if self.changes.load(Ordering::SeqCst) == asked_at {
            self.visible.put(key, people.clone());
        }
        Ok(people)
    }
}

impl ApiKeyStore for Directory {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>> {
        Box::pin(async move {
            let text = key.text();
            let cache_key = (key.tenant_id, digest(&text));
            if self.hearing()
                && let Some(answer) = self.keys.get(&cache_key)
            {
                return Ok(answer);
            }
            let asked_at = self.changes.load(Ordering::SeqCst);
            let mut request = Request::new(VerifyApiKeyRequest { api_key: text });
            request.set_timeout(CALL_TIMEOUT);
            request.metadata_mut().insert(peer::HEADER, self.peer_token()?);
            let answer = self
                .credentials
                .clone()
                .verify_api_key(request)
                .await
                .map_err(directory_error)?
                .into_inner();
            if answer.tenant_suspended {
                // Not cached: a resumed tenant works again at once.
                return Err(ApiError::PermissionDenied(SUSPENDED.into()));
            }
            let role = crate::enums::from_wire::<attain_domain::org::AccessRole>(answer.role);
            let caller = match (answer.valid, Uuid::try_parse(&answer.tenant_id), role) {
                // A key is only ever valid for the tenant it names.
                (true, Ok(tenant_id), Some(role)) if tenant_id == key.tenant_id => Some(Caller {
                    tenant_id,
                    person_id: Uuid::try_parse(&answer.person_id).ok(),
                    role,
                }),
                _ => None,
            };
            if self.changes.load(Ordering::SeqCst) == asked_at {
                self.keys
                    .put_until(cache_key, caller.clone(), until(answer.expire_time.as_ref()));
            }
            Ok(caller)
        })
    }
}

impl TokenStore for Directory {
    fn verify_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Caller, ApiError>> {
        Box::pin(async move {
            let cache_key = digest(token);
            if self.hearing()
                && let Some(caller) = self.tokens.get(&cache_key)
            {
                return Ok(caller);
            }
            let asked_at = self.changes.load(Ordering::SeqCst);
            let mut request = Request::new(VerifyTokenRequest { token: token.into() });
            request.set_timeout(CALL_TIMEOUT);
            request.metadata_mut().insert(peer::HEADER, self.peer_token()?);
            let answer = self
                .credentials
                .clone()
                .verify_token(request)
                .await
                .map_err(directory_error)?
                .into_inner();
            if answer.tenant_suspended {
                return Err(ApiError::PermissionDenied(SUSPENDED.into()));
            }
            let refusal = || format!("invalid bearer token: {}", answer.refusal);
            if !answer.valid {
                // Refusals are not cached: a token refused while its issuer was unreachable may
                // be fine a moment later, and a forged one costs its sender a call each time.
                return Err(if answer.retryable {
                    ApiError::Unavailable(refusal())
                } else {
                    ApiError::Unauthenticated(refusal())
                });
            }
            let (Ok(tenant_id), Some(role)) = (
                Uuid::try_parse(&answer.tenant_id),
                crate::enums::from_wire::<attain_domain::org::AccessRole>(answer.role),
            ) else {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "the org directory verified a token without a tenant or role"
                )));
            };
            let caller = Caller {
                tenant_id,
                person_id: Uuid::try_parse(&answer.person_id).ok(),
                role,
            };
            if self.changes.load(Ordering::SeqCst) == asked_at {
                self.tokens
                    .put_until(cache_key, caller.clone(), until(answer.expire_time.as_ref()));
            }
            Ok(caller)
        })
    }
}

/// The latest a cached answer may be reused: a credential's own expiry, within the cache's TTL.
fn until(expire_time: Option<&prost_types::Timestamp>) -> std::time::Instant {
    match expire_time.and_then(convert::from_timestamp_opt) {
        Some(at) => {
            let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            std::time::Instant::now() + left
        }
        None => std::time::Instant::now() + crate::peer::TTL,
    }
}

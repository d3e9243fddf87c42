//! `attain.org.v1.CredentialService`: lets the other services check API keys without reading
//! the org schema. It answers Attain services only (a peer token signed with the deployment's
//! peer secret, see `attain_runtime::auth::peer`), and at a bounded rate per calling service and
//! tenant, so neither an outside client nor a flood of guessed keys can use it as an oracle.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use attain_domain::org::AccessRole as Role;
use attain_proto::org::v1::{
    AccessRole, VerifyApiKeyRequest, VerifyApiKeyResponse, credential_service_server::CredentialService,
};
use attain_runtime::{
    ApiError,
    auth::{ApiKey, PeerIdentity, peer},
    rate_limit::{Bucket, Rate},
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::org::{OrgKeyStore, keys::VerifiedKey};

/// Key checks a calling service may ask for one tenant: peers cache the answers, so a service's
/// steady traffic asks far less; past it (a flood of guessed keys naming the tenant) checks wait.
const CHECKS: Rate = Rate {
    per_second: 200.0,
    burst: 1_000.0,
};
/// Buckets kept before the map is emptied, which bounds memory under many forged tenant ids.
const MAX_BUCKETS: usize = 100_000;

#[derive(Clone)]
pub struct CredentialApi {
    keys: Arc<OrgKeyStore>,
    identity: PeerIdentity,
    buckets: Arc<Mutex<HashMap<(String, Uuid), Bucket>>>,
}

impl CredentialApi {
    pub fn new(keys: Arc<OrgKeyStore>, identity: PeerIdentity) -> Self {
        Self {
            keys,
            identity,
            buckets: Arc::default(),
        }
    }

    fn take(&self, peer: &str, tenant: Uuid) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| ApiError::internal(anyhow::anyhow!("credential rate buckets poisoned")))?;
        if buckets.len() >= MAX_BUCKETS {
            buckets.clear();
        }
        buckets
            .entry((peer.to_string(), tenant))
            .or_insert_with(|| Bucket::new(CHECKS, now))
            .take(CHECKS, now)
            .map_err(|wait| {
                ApiError::ResourceExhausted(format!(
                    "too many key checks for this tenant; retry in {} ms",
                    wait.as_millis().max(1)
                ))
            })
    }
}

pub fn role_to_proto(role: Role) -> AccessRole {
    match role {
        Role::Admin => AccessRole::Admin,
        Role::Manager => AccessRole::Manager,
        Role::Rep => AccessRole::Rep,
        Role::Integration => AccessRole::Integration,
    }
}

#[tonic::async_trait]
impl CredentialService for CredentialApi {
    async fn verify_api_key(
        &self,
        req: Request<VerifyApiKeyRequest>,
    ) -> Result<Response<VerifyApiKeyResponse>, Status> {
        let token = req.metadata().get(peer::HEADER).and_then(|v| v.to_str().ok());
        let caller = self.identity.verify(token, chrono::Utc::now().timestamp())?;
        let Some(key) = ApiKey::parse(&req.into_inner().api_key) else {
            return Ok(Response::new(VerifyApiKeyResponse::default()));
        };
        self.take(&caller, key.tenant_id)?;
        let verified = self.keys.verify_key(&key).await.map_err(Status::from)?;
        Ok(Response::new(match verified {
            Some(VerifiedKey { caller: c, expires_at }) => VerifyApiKeyResponse {
                valid: true,
                tenant_id: c.tenant_id.to_string(),
                person_id: c.person_id.map(|p| p.to_string()).unwrap_or_default(),
                role: role_to_proto(c.role) as i32,
                expire_time: expires_at.map(attain_runtime::convert::timestamp),
            },
            None => VerifyApiKeyResponse::default(),
        }))
    }
}

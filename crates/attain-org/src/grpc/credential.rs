//! `attain.org.v1.CredentialService`: lets the other services check API keys without reading
//! the org schema. It answers Attain services only (a peer token signed with the deployment's
//! peer secret, see `attain_runtime::auth::peer`), and at a bounded rate per calling service and
//! tenant, so neither an outside client nor a flood of guessed keys can use it as an oracle.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use attain_proto::org::v1::{
    VerifyApiKeyRequest, VerifyApiKeyResponse, VerifyTokenRequest, VerifyTokenResponse,
    credential_service_server::CredentialService,
};
use attain_runtime::{
    ApiError,
    auth::{ApiKey, PeerIdentity, peer},
    rate_limit::{Bucket, Rate},
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{
    OrgKeyStore,
    identity::{IdentityProviders, Refusal},
    keys::VerifiedKey,
};

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
    tokens: Arc<IdentityProviders>,
    identity: PeerIdentity,
    buckets: Arc<Mutex<HashMap<(String, Uuid), Bucket>>>,
}

impl CredentialApi {
    pub fn new(keys: Arc<OrgKeyStore>, tokens: Arc<IdentityProviders>, identity: PeerIdentity) -> Self {
        Self {
            keys,
            tokens,
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
            Some(VerifiedKey { suspended: true, .. }) => VerifyApiKeyResponse {
                tenant_suspended: true,
                ..Default::default()
            },
            Some(VerifiedKey {
                caller: c, expires_at, ..
            }) => VerifyApiKeyResponse {
                valid: true,
                tenant_id: c.tenant_id.to_string(),
                person_id: c.person_id.map(|p| p.to_string()).unwrap_or_default(),
                role: attain_runtime::enums::to_wire(c.role),
                expire_time: expires_at.map(attain_runtime::convert::timestamp),
                tenant_suspended: false,
            },
            None => VerifyApiKeyResponse::default(),
        }))
    }

    async fn verify_token(&self, req: Request<VerifyTokenRequest>) -> Result<Response<VerifyTokenResponse>, Status> {
        let peer_token = req.metadata().get(peer::HEADER).and_then(|v| v.to_str().ok());
        let caller = self.identity.verify(peer_token, chrono::Utc::now().timestamp())?;
        let token = req.into_inner().token;
        // Budgeted per calling service and the tenant the issuer routes to; tokens of no
        // registered issuer share one budget, so garbage cannot spend a real tenant's.
        let routed = self.tokens.route(&token).await;
        let tenant = routed.as_ref().map_or(Uuid::nil(), |(_, tenant)| *tenant);
        self.take(&caller, tenant)?;
        let refused = |refusal: String, retryable: bool| VerifyTokenResponse {
            refusal,
            retryable,
            ..Default::default()
        };
        let verified = match routed {
            Ok((issuer, tenant)) => self.tokens.verify_routed(&token, &issuer, tenant).await,
            Err(refusal) => Err(refusal),
        };
        Ok(Response::new(match verified {
            Ok(signed_in) => VerifyTokenResponse {
                valid: true,
                tenant_id: signed_in.caller.tenant_id.to_string(),
                person_id: signed_in.caller.person_id.map(|p| p.to_string()).unwrap_or_default(),
                role: attain_runtime::enums::to_wire(signed_in.caller.role),
                expire_time: Some(attain_runtime::convert::timestamp(signed_in.expires_at)),
                ..Default::default()
            },
            Err(Refusal::Refused(why)) => refused(why, false),
            Err(Refusal::Retry(why)) => refused(why, true),
            Err(Refusal::Suspended) => VerifyTokenResponse {
                tenant_suspended: true,
                ..Default::default()
            },
            Err(Refusal::Failed(err)) => return Err(err.into()),
        }))
    }
}

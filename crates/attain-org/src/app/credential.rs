//! Credential checks for `attain.org.v1.CredentialService`: lets the other services check API keys without reading
//! the org schema. It answers Attain services only (a peer token signed with the deployment's
//! peer secret, see `attain_runtime::auth::peer`), and at a bounded rate per calling service and
//! tenant, so neither an outside client nor a flood of guessed keys can use it as an oracle.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use attain_runtime::{
    ApiError, ApiResult,
    auth::{ApiKey, PeerIdentity},
    rate_limit::{Bucket, Rate},
};
use uuid::Uuid;

use crate::{
    OrgKeyStore,
    identity::{IdentityProviders, Refusal, SignedIn},
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
    /// Checks the peer token every call must carry (see `crate::grpc`).
    pub(crate) identity: PeerIdentity,
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

    /// The caller an API key stands for, for `peer` (the asking service's name): `None` when the
    /// key is unknown, wrong, revoked or expired. Checks are budgeted per asking service and
    /// the tenant the key names.
    pub async fn verify_api_key(&self, peer: &str, key: &ApiKey) -> ApiResult<Option<VerifiedKey>> {
        self.take(peer, key.tenant_id)?;
        self.keys.verify_key(key).await
    }

    /// Who a signed-in user's token stands for, or why it is refused. Budgeted per asking
    /// service and the tenant the issuer routes to; tokens of no registered issuer share one
    /// budget, so garbage cannot spend a real tenant's. A database failure is an error, not a
    /// refusal.
    pub async fn verify_token(&self, peer: &str, token: &str) -> ApiResult<Result<SignedIn, Refusal>> {
        let routed = self.tokens.route(token).await;
        let tenant = routed.as_ref().map_or(Uuid::nil(), |(_, tenant)| *tenant);
        self.take(peer, tenant)?;
        let verified = match routed {
            Ok((issuer, tenant)) => self.tokens.verify_routed(token, &issuer, tenant).await,
            Err(refusal) => Err(refusal),
        };
        match verified {
            Err(Refusal::Failed(err)) => Err(err),
            other => Ok(other),
        }
    }
}

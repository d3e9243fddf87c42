//! Who is calling: tenant-scoped API keys and JWT bearer tokens from each tenant's registered
//! identity providers, resolved to a [`Caller`] by a tower layer before any service code runs.
//! The org directory answers both; the other services ask it (and cache its answers until a
//! change is announced).

mod api_key;
mod layer;
pub mod peer;

use std::sync::Arc;

use attain_domain::org::AccessRole;
use futures::future::BoxFuture;
use uuid::Uuid;

pub use api_key::{ApiKey, ApiKeySecret};
pub use layer::AuthLayer;
pub use peer::PeerIdentity;

use crate::ApiError;

/// The authenticated caller of an RPC, found in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: Uuid,
    /// The person the credential acts as; always set for MANAGER and REP.
    pub person_id: Option<Uuid>,
    pub role: AccessRole,
}

impl Caller {
    /// The caller of a request that went through [`AuthLayer`].
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Caller, ApiError> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthenticated("missing credentials".into()))
    }

    /// Refuses callers whose role is not among `roles`.
    pub fn require(&self, roles: &[AccessRole], action: &str) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!(
                "a {} credential may not {action}",
                self.role
            )))
        }
    }
}

/// The bearer credential a call came with, for calls to other services on the caller's behalf.
#[derive(Clone)]
pub struct Credential(pub String);

impl std::fmt::Debug for Credential {
    // Never print a credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(..)")
    }
}

impl Credential {
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Credential, ApiError> {
        request
            .extensions()
            .get::<Credential>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthenticated("missing credentials".into()))
    }
}

/// Looks up API keys. The org directory owns them; other services ask it over gRPC.
pub trait ApiKeyStore: Send + Sync + 'static {
    /// The caller a key stands for, or `None` if the key is unknown, revoked, expired or wrong,
    /// or acts as a person who has left. A key of a suspended tenant is an error
    /// (PERMISSION_DENIED), so its caller learns why.
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>>;
}

/// Verifies JWT bearer tokens against the identity provider registered for their issuer. The
/// org directory holds the issuers; other services ask it over gRPC.
pub trait TokenStore: Send + Sync + 'static {
    /// The caller a token stands for; UNAUTHENTICATED with the reason when refused,
    /// UNAVAILABLE when the issuer's keys cannot be had now, PERMISSION_DENIED for a suspended
    /// tenant.
    fn verify_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Caller, ApiError>>;
}

/// What a suspended tenant's callers are told.
pub const SUSPENDED: &str =
    "this org is suspended by the platform operator; its credentials are refused until it is resumed";

/// Resolves `authorization: Bearer …` headers to callers.
#[derive(Clone)]
pub struct Authenticator {
    keys: Arc<dyn ApiKeyStore>,
    tokens: Arc<dyn TokenStore>,
}

impl Authenticator {
    /// An authenticator that asks `keys` about API keys and `tokens` about JWTs (both the org
    /// directory: in its own process directly, elsewhere over gRPC).
    pub fn new(keys: Arc<dyn ApiKeyStore>, tokens: Arc<dyn TokenStore>) -> Self {
        Self { keys, tokens }
    }

    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let unauthenticated = |m: &str| ApiError::Unauthenticated(m.to_string());
        let header = authorization
            .ok_or_else(|| unauthenticated("missing `authorization: Bearer <API key or JWT>` metadata"))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthenticated("the authorization metadata must be `Bearer <API key or JWT>`"))?;
        if token.starts_with(ApiKey::PREFIX) {
            // Platform-operator keys (`attain_op_…`) do not parse here: they work on the
            // operator API only, never as a tenant's credential.
            let key = ApiKey::parse(token).ok_or_else(|| unauthenticated("malformed API key"))?;
            self.keys
                .verify(&key)
                .await?
                .ok_or_else(|| unauthenticated("unknown, revoked or expired API key, or its person has left"))
        } else {
            self.tokens.verify_token(token).await
        }
    }
}

//! Who is calling: tenant-scoped API keys and JWT bearer tokens, resolved to a [`Caller`] by a
//! tower layer before any service code runs.

mod api_key;
mod jwt;
mod layer;
pub mod peer;

use std::sync::Arc;

use attain_domain::org::AccessRole;
use futures::future::BoxFuture;
use uuid::Uuid;

pub use api_key::{ApiKey, ApiKeySecret};
pub use jwt::{JwtClaims, JwtVerifier};
pub use layer::AuthLayer;
pub use peer::PeerIdentity;

use crate::{ApiError, config::AuthArgs};

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

/// Looks up API keys. The org directory owns them; other services will ask it over gRPC.
pub trait ApiKeyStore: Send + Sync + 'static {
    /// The caller a key stands for, or `None` if the key is unknown, revoked or wrong.
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>>;
}

/// Resolves `authorization: Bearer …` headers to callers.
#[derive(Clone)]
pub struct Authenticator {
    keys: Option<Arc<dyn ApiKeyStore>>,
    jwt: Option<Arc<JwtVerifier>>,
}

impl Authenticator {
    /// Builds the authenticator from configuration, failing with the name of a bad setting.
    pub fn from_args(args: &AuthArgs, keys: Option<Arc<dyn ApiKeyStore>>) -> anyhow::Result<Self> {
        let jwt = JwtVerifier::from_args(args)?.map(Arc::new);
        Ok(Self { keys, jwt })
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
            let key = ApiKey::parse(token).ok_or_else(|| unauthenticated("malformed API key"))?;
            let store = self
                .keys
                .as_ref()
                .ok_or_else(|| unauthenticated("API keys are not accepted by this server"))?;
            store
                .verify(&key)
                .await?
                .ok_or_else(|| unauthenticated("unknown or revoked API key"))
        } else {
            let jwt = self
                .jwt
                .as_ref()
                .ok_or_else(|| unauthenticated("JWT bearer tokens are not configured on this server"))?;
            jwt.verify(token)
        }
    }
}

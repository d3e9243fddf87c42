//! `attain.org.v1.CredentialService`: lets the other services check API keys without reading
//! the org schema.

use std::sync::Arc;

use attain_domain::org::AccessRole as Role;
use attain_proto::org::v1::{
    AccessRole, VerifyApiKeyRequest, VerifyApiKeyResponse, credential_service_server::CredentialService,
};
use attain_runtime::auth::ApiKey;
use tonic::{Request, Response, Status};

use crate::org::{OrgKeyStore, keys::VerifiedKey};

#[derive(Clone)]
pub struct CredentialApi {
    keys: Arc<OrgKeyStore>,
}

impl CredentialApi {
    pub fn new(keys: Arc<OrgKeyStore>) -> Self {
        Self { keys }
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
        let Some(key) = ApiKey::parse(&req.into_inner().api_key) else {
            return Ok(Response::new(VerifyApiKeyResponse::default()));
        };
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

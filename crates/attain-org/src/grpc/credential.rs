//! `attain.org.v1.CredentialService` on the wire: the peer token every call must carry, then
//! one credential check of [`CredentialApi`] and its answer as protobuf.

use attain_proto::org::v1::{
    VerifyApiKeyRequest, VerifyApiKeyResponse, VerifyTokenRequest, VerifyTokenResponse,
    credential_service_server::{CredentialService, CredentialServiceServer},
};
use attain_runtime::{auth::ApiKey, convert, enums};
use tonic::{Request, Response, Status};

use crate::{app::CredentialApi, identity::Refusal, keys::VerifiedKey};

impl CredentialApi {
    /// The generated tonic server, with message size limits applied.
    pub fn into_server(self, max_message_bytes: usize) -> CredentialServiceServer<Self> {
        CredentialServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

#[tonic::async_trait]
impl CredentialService for CredentialApi {
    async fn verify_api_key(
        &self,
        req: Request<VerifyApiKeyRequest>,
    ) -> Result<Response<VerifyApiKeyResponse>, Status> {
        let peer = self.identity.verify_request(&req)?;
        // A string that is not an API key at all is answered like a wrong key.
        let Some(key) = ApiKey::parse(&req.into_inner().api_key) else {
            return Ok(Response::new(VerifyApiKeyResponse::default()));
        };
        Ok(Response::new(match self.verify_api_key(&peer, &key).await? {
            Some(VerifiedKey { suspended: true, .. }) => VerifyApiKeyResponse {
                tenant_suspended: true,
                ..Default::default()
            },
            Some(VerifiedKey { caller, expires_at, .. }) => VerifyApiKeyResponse {
                valid: true,
                tenant_id: caller.tenant_id.to_string(),
                person_id: caller.person_id.map(|p| p.to_string()).unwrap_or_default(),
                role: enums::to_wire(caller.role),
                expire_time: expires_at.map(convert::timestamp),
                tenant_suspended: false,
            },
            None => VerifyApiKeyResponse::default(),
        }))
    }

    async fn verify_token(&self, req: Request<VerifyTokenRequest>) -> Result<Response<VerifyTokenResponse>, Status> {
        let peer = self.identity.verify_request(&req)?;
        let token = req.into_inner().token;
        let refused = |refusal: String, retryable: bool| VerifyTokenResponse {
            refusal,
            retryable,
            ..Default::default()
        };
        Ok(Response::new(match self.verify_token(&peer, &token).await? {
            Ok(signed_in) => VerifyTokenResponse {
                valid: true,
                tenant_id: signed_in.caller.tenant_id.to_string(),
                person_id: signed_in.caller.person_id.map(|p| p.to_string()).unwrap_or_default(),
                role: enums::to_wire(signed_in.caller.role),
                expire_time: Some(convert::timestamp(signed_in.expires_at)),
                ..Default::default()
            },
            Err(Refusal::Refused(why)) => refused(why, false),
            Err(Refusal::Retry(why)) => refused(why, true),
            Err(Refusal::Suspended) => VerifyTokenResponse {
                tenant_suspended: true,
                ..Default::default()
            },
            // verify_token answers a database failure as its error, never as a refusal.
            Err(Refusal::Failed(err)) => return Err(err.into()),
        }))
    }
}

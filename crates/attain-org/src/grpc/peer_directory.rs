//! `attain.org.v1.PeerDirectoryService` on the wire: a peer token, then the caller's directory.

use attain_proto::org::v1::{
    GetTenantDirectoryRequest, GetTenantDirectoryResponse,
    peer_directory_service_server::{PeerDirectoryService, PeerDirectoryServiceServer},
};
use attain_runtime::{ApiError, Caller};
use tonic::{Request, Response, Status};

use crate::app::PeerDirectoryApi;

impl PeerDirectoryApi {
    /// The generated tonic server, with message size limits applied.
    pub fn into_server(self, max_message_bytes: usize) -> PeerDirectoryServiceServer<Self> {
        PeerDirectoryServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

#[tonic::async_trait]
impl PeerDirectoryService for PeerDirectoryApi {
    async fn get_tenant_directory(
        &self,
        req: Request<GetTenantDirectoryRequest>,
    ) -> Result<Response<GetTenantDirectoryResponse>, Status> {
        self.identity.verify_request(&req)?;
        let caller = Caller::of(&req)?;
        let known = req.into_inner().known_version;
        if known < 0 {
            return Err(ApiError::invalid("known_version", "must be 0 (none) or a version this RPC returned").into());
        }
        Ok(Response::new(self.get(&caller, known).await?))
    }
}

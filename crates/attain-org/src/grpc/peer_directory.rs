//! `attain.org.v1.PeerDirectoryService` on the wire: a peer token, then the caller's directory.

use attain_proto::org::v1::{
    CallerScope, DirectoryPerson, DirectoryTeam, GetTenantDirectoryRequest, GetTenantDirectoryResponse,
    TenantDirectory,
    peer_directory_service_server::{PeerDirectoryService, PeerDirectoryServiceServer},
};
use attain_runtime::{ApiError, Caller, convert, enums::to_wire};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::tenant;
use crate::app::{PeerDirectoryApi, peer_directory::DirectoryAnswer};

fn answer(a: DirectoryAnswer) -> GetTenantDirectoryResponse {
    let id = |team: Option<Uuid>| team.map(|t| t.to_string()).unwrap_or_default();
    let ids = |ids: &[Uuid]| ids.iter().map(Uuid::to_string).collect();
    GetTenantDirectoryResponse {
        version: a.version,
        directory: a.directory.map(|d| TenantDirectory {
            tenant: Some(tenant::to_proto(&d.tenant)),
            teams: d
                .teams
                .into_iter()
                .map(|(team_id, parent, display_name)| DirectoryTeam {
                    team_id: team_id.to_string(),
                    parent_team_id: id(parent),
                    display_name,
                })
                .collect(),
            people: d
                .people
                .into_iter()
                .map(|(person_id, display_name, team, role, status, start)| DirectoryPerson {
                    person_id: person_id.to_string(),
                    display_name,
                    team_id: id(team),
                    sales_role: to_wire(role),
                    status: to_wire(status),
                    start_date: start.map(convert::date_to_proto),
                })
                .collect(),
        }),
        scope: Some(CallerScope {
            whole_tenant: a.scope.whole_tenant,
            team_ids: ids(&a.scope.team_ids),
            member_team_ids: ids(&a.scope.member_team_ids),
            person_ids: ids(&a.scope.person_ids),
        }),
    }
}

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
        Ok(Response::new(answer(self.get(&caller, known).await?)))
    }
}

//! `attain.org.v1.OrgService`: protobuf in, checks and access rules, store calls, protobuf out.

mod credential;
mod operator;
mod peer_directory;
mod person;
mod resolve;
mod team;
mod tenant;

use attain_domain::org::AccessRole;
use attain_proto::org::v1::{org_service_server::OrgService, *};
use attain_runtime::{ApiResult, Caller};
use sqlx::{PgConnection, PgPool};
use tonic::{Request, Response, Status};

pub use credential::CredentialApi;
pub use operator::OperatorApi;
pub use peer_directory::PeerDirectoryApi;

use super::{model::Scope, store};

/// The org directory API over a pool whose role is subject to row-level security.
#[derive(Clone)]
pub struct OrgApi {
    pool: PgPool,
}

impl OrgApi {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The generated tonic server, with message size limits applied.
    pub fn into_server(self, max_message_bytes: usize) -> org_service_server::OrgServiceServer<OrgApi> {
        org_service_server::OrgServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

/// What `caller` may see: the whole tenant, a manager's team subtrees, or a rep's own record.
pub async fn scope_of(c: &mut PgConnection, caller: &Caller) -> ApiResult<Scope> {
    let tenant = caller.tenant_id;
    let Some(person) = caller.person_id.filter(|_| !caller.role.sees_whole_tenant()) else {
        return Ok(Scope::tenant());
    };
    let own_team = store::team_of(c, tenant, person).await?;
    let managed = match caller.role {
        AccessRole::Manager => {
            let roots = store::teams_managed_by(c, tenant, person).await?;
            store::subtree_ids(c, tenant, &roots).await?
        }
        _ => Vec::new(),
    };
    let mut teams = managed.clone();
    teams.extend(own_team.filter(|t| !managed.contains(t)));
    Ok(Scope {
        all: false,
        teams,
        member_teams: managed,
        person: Some(person),
    })
}

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

#[tonic::async_trait]
impl OrgService for OrgApi {
    async fn get_tenant(&self, req: Request<GetTenantRequest>) -> Result<Response<GetTenantResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(tenant::get(self, &caller).await)
    }

    async fn update_tenant(&self, req: Request<UpdateTenantRequest>) -> Result<Response<UpdateTenantResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(tenant::update(self, &caller, req.into_inner()).await)
    }

    async fn create_team(&self, req: Request<CreateTeamRequest>) -> Result<Response<CreateTeamResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(team::create(self, &caller, req.into_inner()).await)
    }

    async fn get_team(&self, req: Request<GetTeamRequest>) -> Result<Response<GetTeamResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(team::get(self, &caller, req.into_inner()).await)
    }

    async fn list_teams(&self, req: Request<ListTeamsRequest>) -> Result<Response<ListTeamsResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(team::list(self, &caller, req.into_inner()).await)
    }

    async fn update_team(&self, req: Request<UpdateTeamRequest>) -> Result<Response<UpdateTeamResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(team::update(self, &caller, req.into_inner()).await)
    }

    async fn list_team_subtree(
        &self,
        req: Request<ListTeamSubtreeRequest>,
    ) -> Result<Response<ListTeamSubtreeResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(team::subtree(self, &caller, req.into_inner()).await)
    }

    async fn create_person(&self, req: Request<CreatePersonRequest>) -> Result<Response<CreatePersonResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::create(self, &caller, req.into_inner()).await)
    }

    async fn get_person(&self, req: Request<GetPersonRequest>) -> Result<Response<GetPersonResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::get(self, &caller, req.into_inner()).await)
    }

    async fn list_people(&self, req: Request<ListPeopleRequest>) -> Result<Response<ListPeopleResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::list(self, &caller, req.into_inner()).await)
    }

    async fn update_person(&self, req: Request<UpdatePersonRequest>) -> Result<Response<UpdatePersonResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::update(self, &caller, req.into_inner()).await)
    }

    async fn find_person_by_external_id(
        &self,
        req: Request<FindPersonByExternalIdRequest>,
    ) -> Result<Response<FindPersonByExternalIdResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::find_by_external_id(self, &caller, req.into_inner()).await)
    }

    async fn change_person_role(
        &self,
        req: Request<ChangePersonRoleRequest>,
    ) -> Result<Response<ChangePersonRoleResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::change_role(self, &caller, req.into_inner()).await)
    }

    async fn list_role_history(
        &self,
        req: Request<ListRoleHistoryRequest>,
    ) -> Result<Response<ListRoleHistoryResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(person::role_history(self, &caller, req.into_inner()).await)
    }

    async fn resolve_people(
        &self,
        req: Request<ResolvePeopleRequest>,
    ) -> Result<Response<ResolvePeopleResponse>, Status> {
        let caller = Caller::of(&req)?;
        respond(resolve::resolve(self, &caller, req.into_inner()).await)
    }
}

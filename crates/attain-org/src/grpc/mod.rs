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

fn respond<T>(result: ApiResult<T>) -> Result<tonic::Response<T>, tonic::Status> {
    result.map(tonic::Response::new).map_err(tonic::Status::from)
}

attain_runtime::rpcs! {
    OrgService for OrgApi {
        get_tenant(GetTenantRequest) -> GetTenantResponse => tenant::get;
        update_tenant(UpdateTenantRequest) -> UpdateTenantResponse => tenant::update;
        create_team(CreateTeamRequest) -> CreateTeamResponse => team::create;
        get_team(GetTeamRequest) -> GetTeamResponse => team::get;
        list_teams(ListTeamsRequest) -> ListTeamsResponse => team::list;
        update_team(UpdateTeamRequest) -> UpdateTeamResponse => team::update;
        list_team_subtree(ListTeamSubtreeRequest) -> ListTeamSubtreeResponse => team::subtree;
        create_person(CreatePersonRequest) -> CreatePersonResponse => person::create;
        get_person(GetPersonRequest) -> GetPersonResponse => person::get;
        list_people(ListPeopleRequest) -> ListPeopleResponse => person::list;
        update_person(UpdatePersonRequest) -> UpdatePersonResponse => person::update;
        find_person_by_external_id(FindPersonByExternalIdRequest) -> FindPersonByExternalIdResponse => person::find_by_external_id;
        change_person_role(ChangePersonRoleRequest) -> ChangePersonRoleResponse => person::change_role;
        list_role_history(ListRoleHistoryRequest) -> ListRoleHistoryResponse => person::role_history;
        resolve_people(ResolvePeopleRequest) -> ResolvePeopleResponse => resolve::resolve;
    }
}

//! The org crate's four gRPC services on the wire. `OrgService` is a table naming the function
//! of [`crate::app`] that answers each RPC; the credential, operator and peer-directory services
//! check their own kind of caller (a peer token or an operator key) before decoding, calling
//! one use case and encoding. Only the server assembly reaches this module, through the
//! `into_server` methods.

mod credential;
mod operator;
mod peer_directory;

use attain_proto::org::v1::{
    org_service_server::{OrgService, OrgServiceServer},
    *,
};

use crate::app::{self, OrgApi};

impl OrgApi {
    /// The generated tonic server, with message size limits applied.
    pub fn into_server(self, max_message_bytes: usize) -> OrgServiceServer<OrgApi> {
        OrgServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

attain_runtime::rpcs! {
    OrgService for OrgApi {
        get_tenant(GetTenantRequest) -> GetTenantResponse => app::tenant::get;
        update_tenant(UpdateTenantRequest) -> UpdateTenantResponse => app::tenant::update;
        create_team(CreateTeamRequest) -> CreateTeamResponse => app::team::create;
        get_team(GetTeamRequest) -> GetTeamResponse => app::team::get;
        list_teams(ListTeamsRequest) -> ListTeamsResponse => app::team::list;
        update_team(UpdateTeamRequest) -> UpdateTeamResponse => app::team::update;
        list_team_subtree(ListTeamSubtreeRequest) -> ListTeamSubtreeResponse => app::team::subtree;
        create_person(CreatePersonRequest) -> CreatePersonResponse => app::person::create;
        get_person(GetPersonRequest) -> GetPersonResponse => app::person::get;
        list_people(ListPeopleRequest) -> ListPeopleResponse => app::person::list;
        update_person(UpdatePersonRequest) -> UpdatePersonResponse => app::person::update;
        find_person_by_external_id(FindPersonByExternalIdRequest) -> FindPersonByExternalIdResponse => app::person::find_by_external_id;
        change_person_role(ChangePersonRoleRequest) -> ChangePersonRoleResponse => app::person::change_role;
        list_role_history(ListRoleHistoryRequest) -> ListRoleHistoryResponse => app::person::role_history;
        resolve_people(ResolvePeopleRequest) -> ResolvePeopleResponse => app::resolve::resolve;
    }
}

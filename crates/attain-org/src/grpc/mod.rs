//! The org crate's four gRPC services on the wire. `OrgService` is a table naming, for each
//! RPC, the wire function that decodes its request into the typed input of one use case of
//! [`OrgApi`] (in `crate::app`) and encodes the answer; the credential, operator and
//! peer-directory services check their own kind of caller (a peer token or an operator key)
//! before decoding, calling one use case and encoding. Only the server assembly reaches this module, through the
//! `into_server` methods.

mod credential;
mod operator;
mod peer_directory;
mod person;
mod team;
mod tenant;

use attain_proto::org::v1::{
    org_service_server::{OrgService, OrgServiceServer},
    *,
};

use crate::app::OrgApi;

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
        resolve_people(ResolvePeopleRequest) -> ResolvePeopleResponse => person::resolve;
    }
}

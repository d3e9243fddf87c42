//! The org directory's contract (`attain.org.v1.OrgService`) as the other services call it.

use attain_domain::org::{PersonStatus, SalesRole};
use attain_proto::org::v1::{
    CreatePersonRequest, ExternalId, FindPersonByExternalIdRequest, GetPersonRequest, GetTeamRequest, GetTenantRequest,
    ListPeopleRequest, ListRoleHistoryRequest, ListTeamSubtreeRequest, ListTeamsRequest, Person, ResolvePeopleRequest,
    ResolvedPerson, RoleChange, Team, Tenant, org_service_client::OrgServiceClient,
};
use tonic::Code;
use uuid::Uuid;

use super::{PAGE_SIZE, every_page};
use crate::{
    ApiError, Ctx,
    enums::from_wire,
    peer::{PeerChannel, peer_error, request},
};

fn org_error(status: tonic::Status) -> ApiError {
    peer_error("the org directory", status)
}

/// Whether a person of the directory sells (carries quotas, is coached as a rep, leaves a seat
/// the bench covers): the domain's rule, read off the wire.
pub fn sells(p: &Person) -> bool {
    from_wire::<SalesRole>(p.sales_role).is_some_and(SalesRole::sells)
}

/// Whether a person of the directory has left.
pub fn has_left(p: &Person) -> bool {
    from_wire::<PersonStatus>(p.status) == Some(PersonStatus::Left)
}

#[derive(Clone)]
pub struct OrgClient {
    client: OrgServiceClient<PeerChannel>,
}

impl OrgClient {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: OrgServiceClient::new(channel),
        }
    }

    /// The caller's tenant, with its calendar.
    pub async fn tenant(&self, ctx: &Ctx) -> Result<Tenant, ApiError> {
        self.client
            .clone()
            .get_tenant(request(ctx, GetTenantRequest {})?)
            .await
            .map_err(org_error)?
            .into_inner()
            .tenant
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the org directory returned no tenant")))
    }

    /// A person the caller may see; `None` when there is none.
    pub async fn person(&self, ctx: &Ctx, id: Uuid) -> Result<Option<Person>, ApiError> {
        let message = GetPersonRequest {
            person_id: id.to_string(),
        };
        match self.client.clone().get_person(request(ctx, message)?).await {
            Ok(r) => Ok(r.into_inner().person),
            Err(s) if s.code() == Code::NotFound => Ok(None),
            Err(s) => Err(org_error(s)),
        }
    }

    /// A team the caller may see; `None` when there is none.
    pub async fn team(&self, ctx: &Ctx, id: Uuid) -> Result<Option<Team>, ApiError> {
        let message = GetTeamRequest {
            team_id: id.to_string(),
        };
        match self.client.clone().get_team(request(ctx, message)?).await {
            Ok(r) => Ok(r.into_inner().team),
            Err(s) if s.code() == Code::NotFound => Ok(None),
            Err(s) => Err(org_error(s)),
        }
    }

    /// A team the caller may see; NOT_FOUND naming it otherwise.
    pub async fn visible_team(&self, ctx: &Ctx, id: Uuid) -> Result<Team, ApiError> {
        self.team(ctx, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("team {id}")))
    }

    /// Everyone the caller sees, people who left included: of a team's subtree (NOT_FOUND for a
    /// team the caller cannot see), or of the whole tenant.
    pub async fn people(&self, ctx: &Ctx, team: Option<Uuid>) -> Result<Vec<Person>, ApiError> {
        if let Some(t) = team {
            self.visible_team(ctx, t).await?;
        }
        every_page(|page_token| async move {
            let message = ListPeopleRequest {
                page_size: PAGE_SIZE,
                page_token,
                team_id: team.map(|t| t.to_string()).unwrap_or_default(),
                include_subtree: team.is_some(),
                ..Default::default()
            };
            let page = self
                .client
                .clone()
                .list_people(request(ctx, message)?)
                .await
                .map_err(org_error)?
                .into_inner();
            Ok((page.people, page.next_page_token))
        })
        .await
    }

    /// The sellers of a team's subtree who have not left: the reps a team's coaching covers.
    pub async fn team_sellers(&self, ctx: &Ctx, team: Uuid) -> Result<Vec<Person>, ApiError> {
        let mut people = self.people(ctx, Some(team)).await?;
        people.retain(|p| sells(p) && !has_left(p));
        Ok(people)
    }

    /// Every team the caller may read.
    pub async fn teams(&self, ctx: &Ctx) -> Result<Vec<Team>, ApiError> {
        every_page(|page_token| async move {
            let message = ListTeamsRequest {
                page_size: PAGE_SIZE,
                page_token,
                ..Default::default()
            };
            let page = self
                .client
                .clone()
                .list_teams(request(ctx, message)?)
                .await
                .map_err(org_error)?
                .into_inner();
            Ok((page.teams, page.next_page_token))
        })
        .await
    }

    /// The ids of a team and every team below it.
    pub async fn subtree(&self, ctx: &Ctx, team: Uuid) -> Result<Vec<Uuid>, ApiError> {
        every_page(|page_token| async move {
            let message = ListTeamSubtreeRequest {
                team_id: team.to_string(),
                page_size: PAGE_SIZE,
                page_token,
            };
            let page = self
                .client
                .clone()
                .list_team_subtree(request(ctx, message)?)
                .await
                .map_err(org_error)?
                .into_inner();
            let ids = page
                .teams
                .iter()
                .filter_map(|t| t.team.as_ref().and_then(|t| Uuid::try_parse(&t.id).ok()))
                .collect();
            Ok((ids, page.next_page_token))
        })
        .await
    }

    /// A person's role history, earliest first.
    pub async fn role_history(&self, ctx: &Ctx, person: Uuid) -> Result<Vec<RoleChange>, ApiError> {
        let message = ListRoleHistoryRequest {
            person_id: person.to_string(),
        };
        Ok(self
            .client
            .clone()
            .list_role_history(request(ctx, message)?)
            .await
            .map_err(org_error)?
            .into_inner()
            .role_changes)
    }

    /// People by id or external id, as far as the caller may see them (`all_visible`: everyone
    /// the caller may see).
    pub async fn resolve(&self, ctx: &Ctx, message: ResolvePeopleRequest) -> Result<Vec<ResolvedPerson>, ApiError> {
        Ok(self
            .client
            .clone()
            .resolve_people(request(ctx, message)?)
            .await
            .map_err(org_error)?
            .into_inner()
            .people)
    }

    /// Creates a person, idempotently twice over: `request_id` makes the directory return the
    /// person created the first time, and should it refuse a replay because `external_id` is
    /// taken already (it checks that first), the person holding that external id is the one
    /// created before.
    pub async fn create_person(
        &self,
        ctx: &Ctx,
        mut person: Person,
        request_id: Uuid,
        external_id: ExternalId,
    ) -> Result<Person, ApiError> {
        person.external_ids = vec![external_id.clone()];
        let message = CreatePersonRequest {
            person: Some(person),
            request_id: request_id.to_string(),
        };
        let created = match self.client.clone().create_person(request(ctx, message)?).await {
            Ok(r) => r.into_inner().person,
            Err(s) if s.code() == Code::AlreadyExists => {
                let message = FindPersonByExternalIdRequest {
                    external_id: Some(external_id),
                };
                self.client
                    .clone()
                    .find_person_by_external_id(request(ctx, message)?)
                    .await
                    .map_err(org_error)?
                    .into_inner()
                    .person
            }
            Err(s) => return Err(org_error(s)),
        };
        created.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the org directory returned no person")))
    }
}

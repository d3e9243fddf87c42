//! The services hiring asks, always with the caller's own credential: the org directory (teams,
//! people, role histories; a hire creates its person there) and the scorecard service (ramps and
//! ramped quota attainment).

use std::sync::Arc;

use attain_domain::period::DateRange;
use attain_proto::{
    org::v1::{
        CreatePersonRequest, ExternalId, FindPersonByExternalIdRequest, GetPersonRequest, GetTeamRequest,
        ListPeopleRequest, ListRoleHistoryRequest, ListTeamSubtreeRequest, ListTeamsRequest, Person, RoleChange, Team,
        org_service_client::OrgServiceClient,
    },
    scorecard::v1::{
        AssignRampRequest, GetManagerKpisRequest, ManagerKpis, scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_runtime::{
    ApiError, Caller, convert,
    directory::Directory,
    peer::{PeerChannel, on_behalf, peer_error},
};
use uuid::Uuid;

pub struct Peers {
    pub directory: Arc<Directory>,
    org: OrgServiceClient<PeerChannel>,
    scorecards: ScorecardServiceClient<PeerChannel>,
}

fn org_error(status: tonic::Status) -> ApiError {
    peer_error("the org directory", status)
}

fn scorecard_error(status: tonic::Status) -> ApiError {
    peer_error("the scorecard service", status)
}

impl Peers {
    /// Connects lazily to the scorecard service at `url`, which serves the org directory too.
    pub fn new(url: &str, identity: attain_runtime::auth::PeerIdentity) -> anyhow::Result<Peers> {
        let channel = PeerChannel::lazy(url, "ATTAIN_ORG_URL")?;
        Ok(Peers {
            directory: Arc::new(Directory::new(url, identity)?),
            org: OrgServiceClient::new(channel.clone()),
            scorecards: ScorecardServiceClient::new(channel),
        })
    }

    /// Everyone the caller may see.
    /// Everyone the caller may see, asked afresh when the cached answer lacks one of `named`
    /// (someone created a moment ago, named as a hiring manager).
    pub async fn visible(&self, caller: &Caller, credential: &str, named: &[Uuid]) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.directory.visible_people_naming(caller, credential, named).await
    }

    /// A person the caller may see; `None` when there is none.
    pub async fn person(&self, credential: &str, id: Uuid) -> Result<Option<Person>, ApiError> {
        let request = on_behalf(
            GetPersonRequest {
                person_id: id.to_string(),
            },
            credential,
        )?;
        match self.org.clone().get_person(request).await {
            Ok(r) => Ok(r.into_inner().person),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(org_error(s)),
        }
    }

    /// A team the caller may see; `None` when there is none.
    pub async fn team(&self, credential: &str, team: Uuid) -> Result<Option<Team>, ApiError> {
        let request = on_behalf(
            GetTeamRequest {
                team_id: team.to_string(),
            },
            credential,
        )?;
        match self.org.clone().get_team(request).await {
            Ok(r) => Ok(r.into_inner().team),
            Err(s) if s.code() == tonic::Code::NotFound => Ok(None),
            Err(s) => Err(org_error(s)),
        }
    }

    /// The teams `manager` manages and every team below them: of the teams the caller may read
    /// (which for a manager include their whole managed subtree), those reached from a team
    /// they manage through parent links.
    pub async fn managed_teams(&self, credential: &str, manager: Uuid) -> Result<Vec<Uuid>, ApiError> {
        let mut teams = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListTeamsRequest {
                page_size: 1000,
                page_token: page_token.clone(),
                ..Default::default()
            };
            let page = self
                .org
                .clone()
                .list_teams(on_behalf(request, credential)?)
                .await
                .map_err(org_error)?
                .into_inner();
            teams.extend(page.teams);
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        let me = manager.to_string();
        let mut managed: Vec<&str> = teams
            .iter()
            .filter(|t| t.manager_id == me)
            .map(|t| t.id.as_str())
            .collect();
        // Walk down: a team whose parent is managed is managed too. The tree is finite and each
        // pass adds at least one team or stops.
        loop {
            let before = managed.len();
            for t in &teams {
                if !managed.contains(&t.id.as_str()) && managed.contains(&t.parent_team_id.as_str()) {
                    managed.push(t.id.as_str());
                }
            }
            if managed.len() == before {
                break;
            }
        }
        Ok(managed.iter().filter_map(|id| Uuid::try_parse(id).ok()).collect())
    }

    /// The ids of a team and every team below it.
    pub async fn subtree(&self, credential: &str, team: Uuid) -> Result<Vec<Uuid>, ApiError> {
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListTeamSubtreeRequest {
                team_id: team.to_string(),
                page_size: 1000,
                page_token: page_token.clone(),
            };
            let page = self
                .org
                .clone()
                .list_team_subtree(on_behalf(request, credential)?)
                .await
                .map_err(org_error)?
                .into_inner();
            out.extend(
                page.teams
                    .iter()
                    .filter_map(|t| t.team.as_ref().and_then(|t| Uuid::try_parse(&t.id).ok())),
            );
            if page.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = page.next_page_token;
        }
    }

    /// Everyone the caller sees, including people who left: of a team subtree, or the tenant.
    pub async fn people(&self, credential: &str, team: Option<Uuid>) -> Result<Vec<Person>, ApiError> {
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListPeopleRequest {
                page_size: 1000,
                page_token: page_token.clone(),
                team_id: team.map(|t| t.to_string()).unwrap_or_default(),
                include_subtree: team.is_some(),
                ..Default::default()
            };
            let page = self
                .org
                .clone()
                .list_people(on_behalf(request, credential)?)
                .await
                .map_err(org_error)?
                .into_inner();
            out.extend(page.people);
            if page.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = page.next_page_token;
        }
    }

    /// A person's role history, earliest first.
    pub async fn role_history(&self, credential: &str, person: Uuid) -> Result<Vec<RoleChange>, ApiError> {
        let request = ListRoleHistoryRequest {
            person_id: person.to_string(),
        };
        Ok(self
            .org
            .clone()
            .list_role_history(on_behalf(request, credential)?)
            .await
            .map_err(org_error)?
            .into_inner()
            .role_changes)
    }

    /// Creates a person in the org directory, idempotently twice over: `request_id` makes the
    /// directory return the person created the first time, and should it refuse a replay because
    /// `external_id` is taken already (it checks that first), the person holding that
    /// external id is the one created before.
    pub async fn create_person(
        &self,
        credential: &str,
        person: Person,
        request_id: Uuid,
        external_id: ExternalId,
    ) -> Result<Person, ApiError> {
        let mut person = person;
        person.external_ids = vec![external_id.clone()];
        let request = CreatePersonRequest {
            person: Some(person),
            request_id: request_id.to_string(),
        };
        let created = match self.org.clone().create_person(on_behalf(request, credential)?).await {
            Ok(r) => r.into_inner().person,
            Err(s) if s.code() == tonic::Code::AlreadyExists => {
                let request = FindPersonByExternalIdRequest {
                    external_id: Some(external_id),
                };
                self.org
                    .clone()
                    .find_person_by_external_id(on_behalf(request, credential)?)
                    .await
                    .map_err(org_error)?
                    .into_inner()
                    .person
            }
            Err(s) => return Err(org_error(s)),
        };
        created.ok_or_else(|| ApiError::internal(anyhow::anyhow!("the org directory returned no person")))
    }

    /// Puts a person on a ramp; assigning the same ramp again changes nothing, so it is safe to
    /// retry.
    pub async fn assign_ramp(&self, credential: &str, person: Uuid, ramp: Uuid) -> Result<(), ApiError> {
        let request = AssignRampRequest {
            person_id: person.to_string(),
            ramp_id: ramp.to_string(),
        };
        self.scorecards
            .clone()
            .assign_ramp(on_behalf(request, credential)?)
            .await
            .map_err(scorecard_error)?;
        Ok(())
    }

    /// A team subtree's manager KPIs for a period, whose per-rep rows carry ramped quota
    /// attainment.
    pub async fn manager_kpis(
        &self,
        credential: &str,
        team: Uuid,
        range: DateRange,
        quota_metric_key: &str,
    ) -> Result<ManagerKpis, ApiError> {
        let request = GetManagerKpisRequest {
            team_id: team.to_string(),
            period: Some(convert::range_period(range)),
            as_of: Some(convert::date_to_proto(range.end)),
            quota_metric_key: quota_metric_key.to_string(),
            ..Default::default()
        };
        self.scorecards
            .clone()
            .get_manager_kpis(on_behalf(request, credential)?)
            .await
            .map_err(scorecard_error)?
            .into_inner()
            .kpis
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the scorecard service returned no KPIs")))
    }
}

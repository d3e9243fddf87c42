//! The services coaching asks, always with the caller's own credential: the org directory (who
//! exists, who the caller may see, calendars, names and time zones) and the scorecard service
//! (metric values, manager KPIs).

use std::{collections::HashMap, sync::Arc};

use attain_domain::period::DateRange;
use attain_proto::{
    org::v1::{GetPersonRequest, GetTeamRequest, ListPeopleRequest, Person, org_service_client::OrgServiceClient},
    scorecard::v1::{
        GetManagerKpisRequest, GetMetricValuesRequest, GetMetricValuesResponse, ManagerKpis, PersonValues,
        scorecard_service_client::ScorecardServiceClient,
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

/// Roles that sell, and so are the reps a team's coaching covers.
const SELLING_ROLES: &[i32] = &[1, 2, 3, 4];

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
    pub async fn visible(&self, caller: &Caller, credential: &str) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.directory.visible_people(caller, credential).await
    }

    /// Everyone the caller may see, asked afresh when the cached answer lacks one of `named`.
    pub async fn visible_naming(
        &self,
        caller: &Caller,
        credential: &str,
        named: &[Uuid],
    ) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.directory.visible_people_naming(caller, credential, named).await
    }

    /// Everyone the caller may see, asked of the directory now.
    pub async fn fresh_visible(&self, caller: &Caller, credential: &str) -> Result<Arc<Vec<Uuid>>, ApiError> {
        self.directory.fresh_visible_people(caller, credential).await
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

    /// The sellers of a team subtree who have not left, by id; NOT_FOUND for a team the caller
    /// cannot see.
    pub async fn team_reps(&self, credential: &str, team: Uuid) -> Result<Vec<Person>, ApiError> {
        let request = on_behalf(
            GetTeamRequest {
                team_id: team.to_string(),
            },
            credential,
        )?;
        self.org.clone().get_team(request).await.map_err(org_error)?;
        let mut out = Vec::new();
        let mut page_token = String::new();
        loop {
            let request = ListPeopleRequest {
                page_size: 1000,
                page_token: page_token.clone(),
                team_id: team.to_string(),
                include_subtree: true,
                ..Default::default()
            };
            let page = self
                .org
                .clone()
                .list_people(on_behalf(request, credential)?)
                .await
                .map_err(org_error)?
                .into_inner();
            out.extend(page.people.into_iter().filter(|p| {
                SELLING_ROLES.contains(&p.sales_role) && p.status != attain_proto::org::v1::PersonStatus::Left as i32
            }));
            if page.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = page.next_page_token;
        }
    }

    /// A team the caller may see.
    pub async fn team(&self, credential: &str, team: Uuid) -> Result<attain_proto::org::v1::Team, ApiError> {
        let request = on_behalf(
            GetTeamRequest {
                team_id: team.to_string(),
            },
            credential,
        )?;
        self.org
            .clone()
            .get_team(request)
            .await
            .map_err(org_error)?
            .into_inner()
            .team
            .ok_or_else(|| ApiError::not_found(format!("team {team}")))
    }

    /// People the caller may see who have not left: a team subtree's (all roles) or everyone.
    pub async fn people(&self, credential: &str, team: Option<Uuid>) -> Result<Vec<Person>, ApiError> {
        if let Some(t) = team {
            self.team(credential, t).await?;
        }
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
            out.extend(
                page.people
                    .into_iter()
                    .filter(|p| p.status != attain_proto::org::v1::PersonStatus::Left as i32),
            );
            if page.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = page.next_page_token;
        }
    }

    /// Names of people the caller may see, by id.
    pub async fn names(&self, credential: &str, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, ApiError> {
        let mut out = HashMap::new();
        for id in ids {
            if let Some(p) = self.person(credential, *id).await? {
                out.insert(*id, p.display_name);
            }
        }
        Ok(out)
    }

    /// Metric values per person (or combined) over `range`, from the scorecard service.
    pub async fn values(
        &self,
        credential: &str,
        people: &[Uuid],
        keys: &[String],
        range: DateRange,
        combined: bool,
    ) -> Result<Vec<PersonValues>, ApiError> {
        Ok(self.named_values(credential, people, keys, range, combined).await?.rows)
    }

    /// Like [`Peers::values`], with the catalog's display name of each key.
    pub async fn named_values(
        &self,
        credential: &str,
        people: &[Uuid],
        keys: &[String],
        range: DateRange,
        combined: bool,
    ) -> Result<GetMetricValuesResponse, ApiError> {
        if people.is_empty() || keys.is_empty() {
            return Ok(GetMetricValuesResponse::default());
        }
        let request = GetMetricValuesRequest {
            person_ids: people.iter().map(Uuid::to_string).collect(),
            metric_keys: keys.to_vec(),
            period: Some(convert::range_period(range)),
            combined,
        };
        Ok(self
            .scorecards
            .clone()
            .get_metric_values(on_behalf(request, credential)?)
            .await
            .map_err(scorecard_error)?
            .into_inner())
    }

    /// A manager's KPIs for a team and period, from the scorecard service.
    pub async fn manager_kpis(
        &self,
        credential: &str,
        team: Uuid,
        range: DateRange,
        as_of: Option<chrono::NaiveDate>,
    ) -> Result<ManagerKpis, ApiError> {
        let request = GetManagerKpisRequest {
            team_id: team.to_string(),
            period: Some(convert::range_period(range)),
            as_of: as_of.map(convert::date_to_proto),
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

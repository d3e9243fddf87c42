//! The scorecard service's contract (`attain.scorecard.v1.ScorecardService`) as the other
//! services call it: metric values, manager KPIs, ramps.

use attain_domain::period::DateRange;
use attain_proto::scorecard::v1::{
    AssignRampRequest, GetManagerKpisRequest, GetMetricValuesRequest, GetMetricValuesResponse, ManagerKpis,
    scorecard_service_client::ScorecardServiceClient,
};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::{
    ApiError, Ctx, convert,
    peer::{PeerChannel, peer_error, request},
};

fn scorecard_error(status: tonic::Status) -> ApiError {
    peer_error("the scorecard service", status)
}

/// Which manager KPIs to ask for.
#[derive(Debug, Clone, Copy)]
pub struct KpiQuery<'a> {
    pub team: Uuid,
    pub range: DateRange,
    /// The day the numbers are as of; the service's default (today) when `None`.
    pub as_of: Option<NaiveDate>,
    /// The metric quota attainment is of; the service's default when empty.
    pub quota_metric_key: &'a str,
}

#[derive(Clone)]
pub struct ScorecardClient {
    client: ScorecardServiceClient<PeerChannel>,
}

impl ScorecardClient {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: ScorecardServiceClient::new(channel),
        }
    }

    /// Metric values per person (or `combined` into one row) over `range`, with the catalog's
    /// display name of each key. Asks nothing when there is no one or nothing to ask about.
    pub async fn metric_values(
        &self,
        ctx: &Ctx,
        people: &[Uuid],
        keys: &[String],
        range: DateRange,
        combined: bool,
    ) -> Result<GetMetricValuesResponse, ApiError> {
        if people.is_empty() || keys.is_empty() {
            return Ok(GetMetricValuesResponse::default());
        }
        let message = GetMetricValuesRequest {
            person_ids: people.iter().map(Uuid::to_string).collect(),
            metric_keys: keys.to_vec(),
            period: Some(convert::range_period(range)),
            combined,
        };
        Ok(self
            .client
            .clone()
            .get_metric_values(request(ctx, message)?)
            .await
            .map_err(scorecard_error)?
            .into_inner())
    }

    /// A team subtree's manager KPIs for a period.
    pub async fn manager_kpis(&self, ctx: &Ctx, query: KpiQuery<'_>) -> Result<ManagerKpis, ApiError> {
        let message = GetManagerKpisRequest {
            team_id: query.team.to_string(),
            period: Some(convert::range_period(query.range)),
            as_of: query.as_of.map(convert::date_to_proto),
            quota_metric_key: query.quota_metric_key.to_string(),
            ..Default::default()
        };
        self.client
            .clone()
            .get_manager_kpis(request(ctx, message)?)
            .await
            .map_err(scorecard_error)?
            .into_inner()
            .kpis
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the scorecard service returned no KPIs")))
    }

    /// Puts a person on a ramp; assigning the same ramp again changes nothing, so it is safe to
    /// retry.
    pub async fn assign_ramp(&self, ctx: &Ctx, person: Uuid, ramp: Uuid) -> Result<(), ApiError> {
        let message = AssignRampRequest {
            person_id: person.to_string(),
            ramp_id: ramp.to_string(),
        };
        self.client
            .clone()
            .assign_ramp(request(ctx, message)?)
            .await
            .map_err(scorecard_error)?;
        Ok(())
    }
}

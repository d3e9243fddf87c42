//! `attain.scorecard.v1.ScorecardService`: protobuf in, checks and access rules, store and
//! metrics calls, domain math, protobuf out.

mod access;
mod compute;
mod contests;
mod context;
mod earnings_board;
mod focus;
mod funnel;
mod incentives;
mod kpis;
mod leaderboard;
mod milestone_bests;
mod milestone_goals;
pub(crate) mod milestone_inputs;
mod plan;
mod praise;
mod ramps;
mod settings;
mod template;
mod values;

use std::sync::Arc;

use attain_domain::org_view::View;
use attain_proto::scorecard::v1::{scorecard_service_server::ScorecardService, *};
use attain_runtime::{ApiResult, Ctx, tenant_directory::TenantDirectories};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

pub(crate) use attain_runtime::convert::resolve_period;

use super::metrics::Metrics;

#[derive(Clone)]
pub struct ScorecardApi {
    pool: PgPool,
    metrics: Arc<Metrics>,
    directory: Arc<TenantDirectories>,
}

impl ScorecardApi {
    pub fn new(pool: PgPool, metrics: Arc<Metrics>, directory: Arc<TenantDirectories>) -> Self {
        Self {
            pool,
            metrics,
            directory,
        }
    }

    /// The caller's tenant directory and what they may see of it, from the org directory over
    /// gRPC. Asked before a transaction begins, so that no pooled connection is held while
    /// the directory (which shares the pool in this process) answers.
    pub(crate) async fn view(&self, ctx: &Ctx) -> ApiResult<View> {
        self.directory.view(ctx).await
    }

    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> scorecard_service_server::ScorecardServiceServer<ScorecardApi> {
        scorecard_service_server::ScorecardServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The caller and the credential to call the metrics service with on their behalf.
fn who<T>(req: &Request<T>) -> Result<Ctx, Status> {
    Ok(Ctx::of(req)?)
}

#[tonic::async_trait]
impl ScorecardService for ScorecardApi {
    async fn create_template(
        &self,
        req: Request<CreateTemplateRequest>,
    ) -> Result<Response<CreateTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::create(self, &ctx, req.into_inner()).await)
    }

    async fn get_template(&self, req: Request<GetTemplateRequest>) -> Result<Response<GetTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::get(self, &ctx, req.into_inner()).await)
    }

    async fn list_templates(
        &self,
        req: Request<ListTemplatesRequest>,
    ) -> Result<Response<ListTemplatesResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::list(self, &ctx, req.into_inner()).await)
    }

    async fn update_template(
        &self,
        req: Request<UpdateTemplateRequest>,
    ) -> Result<Response<UpdateTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::update(self, &ctx, req.into_inner()).await)
    }

    async fn delete_template(
        &self,
        req: Request<DeleteTemplateRequest>,
    ) -> Result<Response<DeleteTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::delete(self, &ctx, req.into_inner()).await)
    }

    async fn assign_template(
        &self,
        req: Request<AssignTemplateRequest>,
    ) -> Result<Response<AssignTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(template::assign(self, &ctx, req.into_inner()).await)
    }

    async fn create_ramp(&self, req: Request<CreateRampRequest>) -> Result<Response<CreateRampResponse>, Status> {
        let ctx = who(&req)?;
        respond(ramps::create_ramp(self, &ctx, req.into_inner()).await)
    }

    async fn list_ramps(&self, req: Request<ListRampsRequest>) -> Result<Response<ListRampsResponse>, Status> {
        let ctx = who(&req)?;
        respond(ramps::list_ramps(self, &ctx, req.into_inner()).await)
    }

    async fn set_incentive_plan(
        &self,
        req: Request<SetIncentivePlanRequest>,
    ) -> Result<Response<SetIncentivePlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(incentives::set(self, &ctx, req.into_inner()).await)
    }

    async fn list_incentive_plans(
        &self,
        req: Request<ListIncentivePlansRequest>,
    ) -> Result<Response<ListIncentivePlansResponse>, Status> {
        let ctx = who(&req)?;
        respond(incentives::list(self, &ctx, req.into_inner()).await)
    }

    async fn get_earnings(&self, req: Request<GetEarningsRequest>) -> Result<Response<GetEarningsResponse>, Status> {
        let ctx = who(&req)?;
        respond(incentives::earnings(self, &ctx, req.into_inner()).await)
    }

    async fn get_team_earnings(
        &self,
        req: Request<GetTeamEarningsRequest>,
    ) -> Result<Response<GetTeamEarningsResponse>, Status> {
        let ctx = who(&req)?;
        respond(incentives::team(self, &ctx, req.into_inner()).await)
    }

    async fn create_contest(
        &self,
        req: Request<CreateContestRequest>,
    ) -> Result<Response<CreateContestResponse>, Status> {
        let ctx = who(&req)?;
        respond(contests::create(self, &ctx, req.into_inner()).await)
    }

    async fn list_contests(&self, req: Request<ListContestsRequest>) -> Result<Response<ListContestsResponse>, Status> {
        let ctx = who(&req)?;
        respond(contests::list(self, &ctx, req.into_inner()).await)
    }

    async fn get_contest_standings(
        &self,
        req: Request<GetContestStandingsRequest>,
    ) -> Result<Response<GetContestStandingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(contests::standings(self, &ctx, req.into_inner()).await)
    }

    async fn give_praise(&self, req: Request<GivePraiseRequest>) -> Result<Response<GivePraiseResponse>, Status> {
        let ctx = who(&req)?;
        respond(praise::give(self, &ctx, req.into_inner()).await)
    }

    async fn list_praise(&self, req: Request<ListPraiseRequest>) -> Result<Response<ListPraiseResponse>, Status> {
        let ctx = who(&req)?;
        respond(praise::list(self, &ctx, req.into_inner()).await)
    }

    async fn get_scorecard_settings(
        &self,
        req: Request<GetScorecardSettingsRequest>,
    ) -> Result<Response<GetScorecardSettingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(settings::get(self, &ctx).await)
    }

    async fn update_scorecard_settings(
        &self,
        req: Request<UpdateScorecardSettingsRequest>,
    ) -> Result<Response<UpdateScorecardSettingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(settings::update(self, &ctx, req.into_inner()).await)
    }

    async fn update_ramp(&self, req: Request<UpdateRampRequest>) -> Result<Response<UpdateRampResponse>, Status> {
        let ctx = who(&req)?;
        respond(ramps::update_ramp(self, &ctx, req.into_inner()).await)
    }

    async fn get_person_ramp(
        &self,
        req: Request<GetPersonRampRequest>,
    ) -> Result<Response<GetPersonRampResponse>, Status> {
        let ctx = who(&req)?;
        respond(ramps::get_person_ramp(self, &ctx, req.into_inner()).await)
    }

    async fn assign_ramp(&self, req: Request<AssignRampRequest>) -> Result<Response<AssignRampResponse>, Status> {
        let ctx = who(&req)?;
        respond(ramps::assign_ramp(self, &ctx, req.into_inner()).await)
    }

    async fn set_quota(&self, req: Request<SetQuotaRequest>) -> Result<Response<SetQuotaResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::set_quota(self, &ctx, req.into_inner()).await)
    }

    async fn list_quotas(&self, req: Request<ListQuotasRequest>) -> Result<Response<ListQuotasResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::list_quotas(self, &ctx, req.into_inner()).await)
    }

    async fn delete_quota(&self, req: Request<DeleteQuotaRequest>) -> Result<Response<DeleteQuotaResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::delete_quota(self, &ctx, req.into_inner()).await)
    }

    async fn set_target_override(
        &self,
        req: Request<SetTargetOverrideRequest>,
    ) -> Result<Response<SetTargetOverrideResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::set_override(self, &ctx, req.into_inner()).await)
    }

    async fn create_time_off(
        &self,
        req: Request<CreateTimeOffRequest>,
    ) -> Result<Response<CreateTimeOffResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::create_time_off(self, &ctx, req.into_inner()).await)
    }

    async fn list_time_off(&self, req: Request<ListTimeOffRequest>) -> Result<Response<ListTimeOffResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::list_time_off(self, &ctx, req.into_inner()).await)
    }

    async fn delete_time_off(
        &self,
        req: Request<DeleteTimeOffRequest>,
    ) -> Result<Response<DeleteTimeOffResponse>, Status> {
        let ctx = who(&req)?;
        respond(plan::delete_time_off(self, &ctx, req.into_inner()).await)
    }

    async fn get_scorecard(&self, req: Request<GetScorecardRequest>) -> Result<Response<GetScorecardResponse>, Status> {
        let ctx = who(&req)?;
        respond(compute::get(self, &ctx, req.into_inner()).await)
    }

    async fn get_manager_kpis(
        &self,
        req: Request<GetManagerKpisRequest>,
    ) -> Result<Response<GetManagerKpisResponse>, Status> {
        let ctx = who(&req)?;
        respond(kpis::get(self, &ctx, req.into_inner()).await)
    }

    async fn create_leaderboard(
        &self,
        req: Request<CreateLeaderboardRequest>,
    ) -> Result<Response<CreateLeaderboardResponse>, Status> {
        let ctx = who(&req)?;
        respond(leaderboard::create(self, &ctx, req.into_inner()).await)
    }

    async fn list_leaderboards(
        &self,
        req: Request<ListLeaderboardsRequest>,
    ) -> Result<Response<ListLeaderboardsResponse>, Status> {
        let ctx = who(&req)?;
        respond(leaderboard::list(self, &ctx, req.into_inner()).await)
    }

    async fn delete_leaderboard(
        &self,
        req: Request<DeleteLeaderboardRequest>,
    ) -> Result<Response<DeleteLeaderboardResponse>, Status> {
        let ctx = who(&req)?;
        respond(leaderboard::delete(self, &ctx, req.into_inner()).await)
    }

    async fn get_standings(&self, req: Request<GetStandingsRequest>) -> Result<Response<GetStandingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(leaderboard::standings(self, &ctx, req.into_inner()).await)
    }

    async fn plan_funnel(&self, req: Request<PlanFunnelRequest>) -> Result<Response<PlanFunnelResponse>, Status> {
        let ctx = who(&req)?;
        respond(funnel::plan(self, &ctx, req.into_inner()).await)
    }

    async fn set_focus_plan(
        &self,
        req: Request<SetFocusPlanRequest>,
    ) -> Result<Response<SetFocusPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(focus::set(self, &ctx, req.into_inner()).await)
    }

    async fn get_focus_plan(
        &self,
        req: Request<GetFocusPlanRequest>,
    ) -> Result<Response<GetFocusPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(focus::get(self, &ctx, req.into_inner()).await)
    }

    async fn generate_template(
        &self,
        req: Request<GenerateTemplateRequest>,
    ) -> Result<Response<GenerateTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(focus::generate(self, &ctx, req.into_inner()).await)
    }

    async fn analyze_leading_indicators(
        &self,
        req: Request<AnalyzeLeadingIndicatorsRequest>,
    ) -> Result<Response<AnalyzeLeadingIndicatorsResponse>, Status> {
        let ctx = who(&req)?;
        respond(focus::analyze(self, &ctx, req.into_inner()).await)
    }

    async fn get_metric_values(
        &self,
        req: Request<GetMetricValuesRequest>,
    ) -> Result<Response<GetMetricValuesResponse>, Status> {
        let ctx = who(&req)?;
        respond(values::get(self, &ctx, req.into_inner()).await)
    }
}

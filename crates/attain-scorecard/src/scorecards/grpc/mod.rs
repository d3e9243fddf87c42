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

attain_runtime::rpcs! {
    ScorecardService for ScorecardApi {
        create_template(CreateTemplateRequest) -> CreateTemplateResponse => template::create;
        get_template(GetTemplateRequest) -> GetTemplateResponse => template::get;
        list_templates(ListTemplatesRequest) -> ListTemplatesResponse => template::list;
        update_template(UpdateTemplateRequest) -> UpdateTemplateResponse => template::update;
        delete_template(DeleteTemplateRequest) -> DeleteTemplateResponse => template::delete;
        assign_template(AssignTemplateRequest) -> AssignTemplateResponse => template::assign;
        create_ramp(CreateRampRequest) -> CreateRampResponse => ramps::create_ramp;
        list_ramps(ListRampsRequest) -> ListRampsResponse => ramps::list_ramps;
        set_incentive_plan(SetIncentivePlanRequest) -> SetIncentivePlanResponse => incentives::set;
        list_incentive_plans(ListIncentivePlansRequest) -> ListIncentivePlansResponse => incentives::list;
        get_earnings(GetEarningsRequest) -> GetEarningsResponse => incentives::earnings;
        get_team_earnings(GetTeamEarningsRequest) -> GetTeamEarningsResponse => incentives::team;
        create_contest(CreateContestRequest) -> CreateContestResponse => contests::create;
        list_contests(ListContestsRequest) -> ListContestsResponse => contests::list;
        get_contest_standings(GetContestStandingsRequest) -> GetContestStandingsResponse => contests::standings;
        give_praise(GivePraiseRequest) -> GivePraiseResponse => praise::give;
        list_praise(ListPraiseRequest) -> ListPraiseResponse => praise::list;
        get_scorecard_settings(GetScorecardSettingsRequest) -> GetScorecardSettingsResponse => settings::get;
        update_scorecard_settings(UpdateScorecardSettingsRequest) -> UpdateScorecardSettingsResponse => settings::update;
        update_ramp(UpdateRampRequest) -> UpdateRampResponse => ramps::update_ramp;
        get_person_ramp(GetPersonRampRequest) -> GetPersonRampResponse => ramps::get_person_ramp;
        assign_ramp(AssignRampRequest) -> AssignRampResponse => ramps::assign_ramp;
        set_quota(SetQuotaRequest) -> SetQuotaResponse => plan::set_quota;
        list_quotas(ListQuotasRequest) -> ListQuotasResponse => plan::list_quotas;
        delete_quota(DeleteQuotaRequest) -> DeleteQuotaResponse => plan::delete_quota;
        set_target_override(SetTargetOverrideRequest) -> SetTargetOverrideResponse => plan::set_override;
        create_time_off(CreateTimeOffRequest) -> CreateTimeOffResponse => plan::create_time_off;
        list_time_off(ListTimeOffRequest) -> ListTimeOffResponse => plan::list_time_off;
        delete_time_off(DeleteTimeOffRequest) -> DeleteTimeOffResponse => plan::delete_time_off;
        get_scorecard(GetScorecardRequest) -> GetScorecardResponse => compute::get;
        get_manager_kpis(GetManagerKpisRequest) -> GetManagerKpisResponse => kpis::get;
        create_leaderboard(CreateLeaderboardRequest) -> CreateLeaderboardResponse => leaderboard::create;
        list_leaderboards(ListLeaderboardsRequest) -> ListLeaderboardsResponse => leaderboard::list;
        delete_leaderboard(DeleteLeaderboardRequest) -> DeleteLeaderboardResponse => leaderboard::delete;
        get_standings(GetStandingsRequest) -> GetStandingsResponse => leaderboard::standings;
        plan_funnel(PlanFunnelRequest) -> PlanFunnelResponse => funnel::plan;
        set_focus_plan(SetFocusPlanRequest) -> SetFocusPlanResponse => focus::set;
        get_focus_plan(GetFocusPlanRequest) -> GetFocusPlanResponse => focus::get;
        generate_template(GenerateTemplateRequest) -> GenerateTemplateResponse => focus::generate;
        analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest) -> AnalyzeLeadingIndicatorsResponse => focus::analyze;
        get_metric_values(GetMetricValuesRequest) -> GetMetricValuesResponse => values::get;
    }
}

//! `attain.scorecard.v1.ScorecardService` on the wire: which function of [`super::app`] answers
//! each RPC, and the tonic server around it. Nothing else in the crate names this module.

use attain_proto::scorecard::v1::{
    scorecard_service_server::{self, ScorecardService},
    *,
};

use super::app::{self, ScorecardApi};

impl ScorecardApi {
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
        create_template(CreateTemplateRequest) -> CreateTemplateResponse => app::template::create;
        get_template(GetTemplateRequest) -> GetTemplateResponse => app::template::get;
        list_templates(ListTemplatesRequest) -> ListTemplatesResponse => app::template::list;
        update_template(UpdateTemplateRequest) -> UpdateTemplateResponse => app::template::update;
        delete_template(DeleteTemplateRequest) -> DeleteTemplateResponse => app::template::delete;
        assign_template(AssignTemplateRequest) -> AssignTemplateResponse => app::template::assign;
        create_ramp(CreateRampRequest) -> CreateRampResponse => app::ramps::create_ramp;
        list_ramps(ListRampsRequest) -> ListRampsResponse => app::ramps::list_ramps;
        set_incentive_plan(SetIncentivePlanRequest) -> SetIncentivePlanResponse => app::incentives::set;
        list_incentive_plans(ListIncentivePlansRequest) -> ListIncentivePlansResponse => app::incentives::list;
        get_earnings(GetEarningsRequest) -> GetEarningsResponse => app::incentives::earnings;
        get_team_earnings(GetTeamEarningsRequest) -> GetTeamEarningsResponse => app::incentives::team;
        create_contest(CreateContestRequest) -> CreateContestResponse => app::contests::create;
        list_contests(ListContestsRequest) -> ListContestsResponse => app::contests::list;
        get_contest_standings(GetContestStandingsRequest) -> GetContestStandingsResponse => app::contests::standings;
        give_praise(GivePraiseRequest) -> GivePraiseResponse => app::praise::give;
        list_praise(ListPraiseRequest) -> ListPraiseResponse => app::praise::list;
        get_scorecard_settings(GetScorecardSettingsRequest) -> GetScorecardSettingsResponse => app::settings::get;
        update_scorecard_settings(UpdateScorecardSettingsRequest) -> UpdateScorecardSettingsResponse => app::settings::update;
        update_ramp(UpdateRampRequest) -> UpdateRampResponse => app::ramps::update_ramp;
        get_person_ramp(GetPersonRampRequest) -> GetPersonRampResponse => app::ramps::get_person_ramp;
        assign_ramp(AssignRampRequest) -> AssignRampResponse => app::ramps::assign_ramp;
        set_quota(SetQuotaRequest) -> SetQuotaResponse => app::plan::set_quota;
        list_quotas(ListQuotasRequest) -> ListQuotasResponse => app::plan::list_quotas;
        delete_quota(DeleteQuotaRequest) -> DeleteQuotaResponse => app::plan::delete_quota;
        set_target_override(SetTargetOverrideRequest) -> SetTargetOverrideResponse => app::plan::set_override;
        create_time_off(CreateTimeOffRequest) -> CreateTimeOffResponse => app::plan::create_time_off;
        list_time_off(ListTimeOffRequest) -> ListTimeOffResponse => app::plan::list_time_off;
        delete_time_off(DeleteTimeOffRequest) -> DeleteTimeOffResponse => app::plan::delete_time_off;
        get_scorecard(GetScorecardRequest) -> GetScorecardResponse => app::compute::get;
        get_manager_kpis(GetManagerKpisRequest) -> GetManagerKpisResponse => app::kpis::get;
        create_leaderboard(CreateLeaderboardRequest) -> CreateLeaderboardResponse => app::leaderboard::create;
        list_leaderboards(ListLeaderboardsRequest) -> ListLeaderboardsResponse => app::leaderboard::list;
        delete_leaderboard(DeleteLeaderboardRequest) -> DeleteLeaderboardResponse => app::leaderboard::delete;
        get_standings(GetStandingsRequest) -> GetStandingsResponse => app::leaderboard::standings;
        plan_funnel(PlanFunnelRequest) -> PlanFunnelResponse => app::funnel::plan;
        set_focus_plan(SetFocusPlanRequest) -> SetFocusPlanResponse => app::focus::set;
        get_focus_plan(GetFocusPlanRequest) -> GetFocusPlanResponse => app::focus::get;
        generate_template(GenerateTemplateRequest) -> GenerateTemplateResponse => app::focus::generate;
        analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest) -> AnalyzeLeadingIndicatorsResponse => app::focus::analyze;
        get_metric_values(GetMetricValuesRequest) -> GetMetricValuesResponse => app::values::get;
    }
}

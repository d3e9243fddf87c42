//! `attain.scorecard.v1.ScorecardService` on the wire: each RPC's request decoded into the
//! typed input of one use case of [`ScorecardApi`] (in `super::app`), and its answer encoded;
//! and the tonic server around it. Nothing else in the crate names this module.

mod contests;
mod decode;
mod encode;
mod focus;
mod funnel;
mod incentives;
mod kpis;
mod leaderboards;
mod plans;
mod praise;
mod ramps;
mod scorecard;
mod settings;
mod templates;
mod values;

use attain_proto::scorecard::v1::{
    scorecard_service_server::{self, ScorecardService},
    *,
};

use super::app::ScorecardApi;

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
        create_template(CreateTemplateRequest) -> CreateTemplateResponse => templates::create_template;
        get_template(GetTemplateRequest) -> GetTemplateResponse => templates::get_template;
        list_templates(ListTemplatesRequest) -> ListTemplatesResponse => templates::list_templates;
        update_template(UpdateTemplateRequest) -> UpdateTemplateResponse => templates::update_template;
        delete_template(DeleteTemplateRequest) -> DeleteTemplateResponse => templates::delete_template;
        assign_template(AssignTemplateRequest) -> AssignTemplateResponse => templates::assign_template;
        create_ramp(CreateRampRequest) -> CreateRampResponse => ramps::create_ramp;
        list_ramps(ListRampsRequest) -> ListRampsResponse => ramps::list_ramps;
        set_incentive_plan(SetIncentivePlanRequest) -> SetIncentivePlanResponse => incentives::set_incentive_plan;
        list_incentive_plans(ListIncentivePlansRequest) -> ListIncentivePlansResponse => incentives::list_incentive_plans;
        get_earnings(GetEarningsRequest) -> GetEarningsResponse => incentives::get_earnings;
        get_team_earnings(GetTeamEarningsRequest) -> GetTeamEarningsResponse => incentives::get_team_earnings;
        create_contest(CreateContestRequest) -> CreateContestResponse => contests::create_contest;
        list_contests(ListContestsRequest) -> ListContestsResponse => contests::list_contests;
        get_contest_standings(GetContestStandingsRequest) -> GetContestStandingsResponse => contests::get_contest_standings;
        give_praise(GivePraiseRequest) -> GivePraiseResponse => praise::give_praise;
        list_praise(ListPraiseRequest) -> ListPraiseResponse => praise::list_praise;
        get_scorecard_settings(GetScorecardSettingsRequest) -> GetScorecardSettingsResponse => settings::get_settings;
        update_scorecard_settings(UpdateScorecardSettingsRequest) -> UpdateScorecardSettingsResponse => settings::update_settings;
        update_ramp(UpdateRampRequest) -> UpdateRampResponse => ramps::update_ramp;
        get_person_ramp(GetPersonRampRequest) -> GetPersonRampResponse => ramps::get_person_ramp;
        assign_ramp(AssignRampRequest) -> AssignRampResponse => ramps::assign_ramp;
        set_quota(SetQuotaRequest) -> SetQuotaResponse => plans::set_quota;
        list_quotas(ListQuotasRequest) -> ListQuotasResponse => plans::list_quotas;
        delete_quota(DeleteQuotaRequest) -> DeleteQuotaResponse => plans::delete_quota;
        set_target_override(SetTargetOverrideRequest) -> SetTargetOverrideResponse => plans::set_target_override;
        create_time_off(CreateTimeOffRequest) -> CreateTimeOffResponse => plans::create_time_off;
        list_time_off(ListTimeOffRequest) -> ListTimeOffResponse => plans::list_time_off;
        delete_time_off(DeleteTimeOffRequest) -> DeleteTimeOffResponse => plans::delete_time_off;
        get_scorecard(GetScorecardRequest) -> GetScorecardResponse => scorecard::get_scorecard;
        get_manager_kpis(GetManagerKpisRequest) -> GetManagerKpisResponse => kpis::get_manager_kpis;
        create_leaderboard(CreateLeaderboardRequest) -> CreateLeaderboardResponse => leaderboards::create_leaderboard;
        list_leaderboards(ListLeaderboardsRequest) -> ListLeaderboardsResponse => leaderboards::list_leaderboards;
        delete_leaderboard(DeleteLeaderboardRequest) -> DeleteLeaderboardResponse => leaderboards::delete_leaderboard;
        get_standings(GetStandingsRequest) -> GetStandingsResponse => leaderboards::get_standings;
        plan_funnel(PlanFunnelRequest) -> PlanFunnelResponse => funnel::plan_funnel;
        set_focus_plan(SetFocusPlanRequest) -> SetFocusPlanResponse => focus::set_focus_plan;
        get_focus_plan(GetFocusPlanRequest) -> GetFocusPlanResponse => focus::get_focus_plan;
        generate_template(GenerateTemplateRequest) -> GenerateTemplateResponse => focus::generate_template;
        analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest) -> AnalyzeLeadingIndicatorsResponse => focus::analyze_leading_indicators;
        get_metric_values(GetMetricValuesRequest) -> GetMetricValuesResponse => values::get_metric_values;
    }
}

//! `attain.coaching.v1.CoachingService` and `SurveyService` on the wire: which function of
//! [`crate::app`] answers each RPC, and the tonic servers around them. Only the server assembly
//! (`lib.rs`) names this module.

use attain_proto::coaching::v1::{
    self as pb,
    coaching_service_server::{self, CoachingService},
    survey_service_server::SurveyService,
    *,
};

use crate::app::{self, CoachingApi, SurveyApi};

impl CoachingApi {
    pub fn into_server(self, max_message_bytes: usize) -> coaching_service_server::CoachingServiceServer<CoachingApi> {
        coaching_service_server::CoachingServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

impl SurveyApi {
    pub fn into_server(self, max: usize) -> pb::survey_service_server::SurveyServiceServer<SurveyApi> {
        pb::survey_service_server::SurveyServiceServer::new(self)
            .max_decoding_message_size(max)
            .max_encoding_message_size(max)
    }
}

attain_runtime::rpcs! {
    CoachingService for CoachingApi {
        create_session(CreateSessionRequest) -> CreateSessionResponse => app::sessions::create;
        get_session(GetSessionRequest) -> GetSessionResponse => app::sessions::get;
        list_sessions(ListSessionsRequest) -> ListSessionsResponse => app::sessions::list;
        update_session(UpdateSessionRequest) -> UpdateSessionResponse => app::sessions::update;
        complete_session(CompleteSessionRequest) -> CompleteSessionResponse => app::sessions::complete;
        list_action_items(ListActionItemsRequest) -> ListActionItemsResponse => app::sessions::list_items;
        update_action_item(UpdateActionItemRequest) -> UpdateActionItemResponse => app::sessions::update_item;
        create_cadence(CreateCadenceRequest) -> CreateCadenceResponse => app::calendar::create_cadence;
        list_cadences(ListCadencesRequest) -> ListCadencesResponse => app::calendar::list_cadences;
        delete_cadence(DeleteCadenceRequest) -> DeleteCadenceResponse => app::calendar::delete_cadence;
        get_calendar(GetCalendarRequest) -> GetCalendarResponse => app::calendar::calendar;
        get_coaching_load(GetCoachingLoadRequest) -> GetCoachingLoadResponse => app::calendar::load;
        set_development_plan(SetDevelopmentPlanRequest) -> SetDevelopmentPlanResponse => app::plans::set_development;
        get_development_plan(GetDevelopmentPlanRequest) -> GetDevelopmentPlanResponse => app::plans::get_development;
        create_action_plan(CreateActionPlanRequest) -> CreateActionPlanResponse => app::plans::create_action_plan;
        get_action_plan(GetActionPlanRequest) -> GetActionPlanResponse => app::plans::get_action_plan;
        update_action_plan(UpdateActionPlanRequest) -> UpdateActionPlanResponse => app::plans::update_action_plan;
        add_check_in(AddCheckInRequest) -> AddCheckInResponse => app::plans::add_check_in;
        rate_skill(RateSkillRequest) -> RateSkillResponse => app::plans::rate_skill;
        list_skill_ratings(ListSkillRatingsRequest) -> ListSkillRatingsResponse => app::plans::list_ratings;
        get_coaching_kpis(GetCoachingKpisRequest) -> GetCoachingKpisResponse => app::kpis::kpis;
        suggest_coaching(SuggestCoachingRequest) -> SuggestCoachingResponse => app::kpis::suggest;
    }
}

attain_runtime::rpcs! {
    SurveyService for SurveyApi {
        list_survey_templates(pb::ListSurveyTemplatesRequest) -> pb::ListSurveyTemplatesResponse => app::surveys::list_survey_templates;
        create_survey_template(pb::CreateSurveyTemplateRequest) -> pb::CreateSurveyTemplateResponse => app::surveys::create_survey_template;
        get_survey_template(pb::GetSurveyTemplateRequest) -> pb::GetSurveyTemplateResponse => app::surveys::get_survey_template;
        create_campaign(pb::CreateCampaignRequest) -> pb::CreateCampaignResponse => app::survey_ops::create_campaign;
        get_campaign(pb::GetCampaignRequest) -> pb::GetCampaignResponse => app::surveys::get_campaign;
        list_campaigns(pb::ListCampaignsRequest) -> pb::ListCampaignsResponse => app::surveys::list_campaigns;
        close_campaign(pb::CloseCampaignRequest) -> pb::CloseCampaignResponse => app::surveys::close_campaign;
        list_my_invitations(pb::ListMyInvitationsRequest) -> pb::ListMyInvitationsResponse => app::survey_ops::my_invitations;
        submit_response(pb::SubmitResponseRequest) -> pb::SubmitResponseResponse => app::survey_ops::submit;
        list_pending_respondents(pb::ListPendingRespondentsRequest) -> pb::ListPendingRespondentsResponse => app::survey_ops::pending;
        get_survey_results(pb::GetSurveyResultsRequest) -> pb::GetSurveyResultsResponse => app::survey_ops::results;
        get_survey_settings(pb::GetSurveySettingsRequest) -> pb::GetSurveySettingsResponse => app::surveys::get_survey_settings;
        update_survey_settings(pb::UpdateSurveySettingsRequest) -> pb::UpdateSurveySettingsResponse => app::surveys::update_survey_settings;
    }
}

//! `attain.coaching.v1.CoachingService` and `SurveyService` on the wire: each RPC's request
//! decoded into the typed input of one use case of [`CoachingApi`] or [`SurveyApi`] (in
//! `crate::app`), and its answer encoded; and the tonic servers around them. Only the server
//! assembly (`lib.rs`) names this module.

use attain_proto::coaching::v1::{
    self as pb,
    coaching_service_server::{self, CoachingService},
    survey_service_server::SurveyService,
    *,
};

mod calendar;
mod encode;
mod fields;
mod kpis;
mod plans;
mod sessions;
mod survey_encode;
mod survey_ops;
mod surveys;

use crate::app::{CoachingApi, SurveyApi};

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
        create_session(CreateSessionRequest) -> CreateSessionResponse => sessions::create;
        get_session(GetSessionRequest) -> GetSessionResponse => sessions::get;
        list_sessions(ListSessionsRequest) -> ListSessionsResponse => sessions::list;
        update_session(UpdateSessionRequest) -> UpdateSessionResponse => sessions::update;
        complete_session(CompleteSessionRequest) -> CompleteSessionResponse => sessions::complete;
        list_action_items(ListActionItemsRequest) -> ListActionItemsResponse => sessions::list_items;
        update_action_item(UpdateActionItemRequest) -> UpdateActionItemResponse => sessions::update_item;
        create_cadence(CreateCadenceRequest) -> CreateCadenceResponse => calendar::create_cadence;
        list_cadences(ListCadencesRequest) -> ListCadencesResponse => calendar::list_cadences;
        delete_cadence(DeleteCadenceRequest) -> DeleteCadenceResponse => calendar::delete_cadence;
        get_calendar(GetCalendarRequest) -> GetCalendarResponse => calendar::calendar;
        get_coaching_load(GetCoachingLoadRequest) -> GetCoachingLoadResponse => calendar::load;
        set_development_plan(SetDevelopmentPlanRequest) -> SetDevelopmentPlanResponse => plans::set_development;
        get_development_plan(GetDevelopmentPlanRequest) -> GetDevelopmentPlanResponse => plans::get_development;
        create_action_plan(CreateActionPlanRequest) -> CreateActionPlanResponse => plans::create_action_plan;
        get_action_plan(GetActionPlanRequest) -> GetActionPlanResponse => plans::get_action_plan;
        update_action_plan(UpdateActionPlanRequest) -> UpdateActionPlanResponse => plans::update_action_plan;
        add_check_in(AddCheckInRequest) -> AddCheckInResponse => plans::add_check_in;
        rate_skill(RateSkillRequest) -> RateSkillResponse => plans::rate_skill;
        list_skill_ratings(ListSkillRatingsRequest) -> ListSkillRatingsResponse => plans::list_ratings;
        get_coaching_kpis(GetCoachingKpisRequest) -> GetCoachingKpisResponse => kpis::kpis_of;
        suggest_coaching(SuggestCoachingRequest) -> SuggestCoachingResponse => kpis::suggest;
    }
}

attain_runtime::rpcs! {
    SurveyService for SurveyApi {
        list_survey_templates(pb::ListSurveyTemplatesRequest) -> pb::ListSurveyTemplatesResponse => surveys::list_survey_templates;
        create_survey_template(pb::CreateSurveyTemplateRequest) -> pb::CreateSurveyTemplateResponse => surveys::create_survey_template;
        get_survey_template(pb::GetSurveyTemplateRequest) -> pb::GetSurveyTemplateResponse => surveys::get_survey_template;
        create_campaign(pb::CreateCampaignRequest) -> pb::CreateCampaignResponse => survey_ops::create_campaign;
        get_campaign(pb::GetCampaignRequest) -> pb::GetCampaignResponse => surveys::get_campaign;
        list_campaigns(pb::ListCampaignsRequest) -> pb::ListCampaignsResponse => surveys::list_campaigns;
        close_campaign(pb::CloseCampaignRequest) -> pb::CloseCampaignResponse => surveys::close_campaign;
        list_my_invitations(pb::ListMyInvitationsRequest) -> pb::ListMyInvitationsResponse => survey_ops::my_invitations;
        submit_response(pb::SubmitResponseRequest) -> pb::SubmitResponseResponse => survey_ops::submit;
        list_pending_respondents(pb::ListPendingRespondentsRequest) -> pb::ListPendingRespondentsResponse => survey_ops::pending;
        get_survey_results(pb::GetSurveyResultsRequest) -> pb::GetSurveyResultsResponse => survey_ops::results;
        get_survey_settings(pb::GetSurveySettingsRequest) -> pb::GetSurveySettingsResponse => surveys::get_survey_settings;
        update_survey_settings(pb::UpdateSurveySettingsRequest) -> pb::UpdateSurveySettingsResponse => surveys::update_survey_settings;
    }
}

//! `attain.coaching.v1.CoachingService`: protobuf in, checks and access rules, store and peer
//! calls, domain math, protobuf out.

mod access;
mod calendar;
mod convert;
mod kpis;
mod plan_outcome;
mod plans;
mod sessions;
mod survey_api;
mod survey_convert;
mod survey_ops;
mod surveys;

pub use survey_api::SurveyApi;

use std::sync::Arc;

use attain_proto::coaching::v1::{coaching_service_server::CoachingService, *};
use sqlx::PgPool;

use attain_runtime::clients::Peers;

#[derive(Clone)]
pub struct CoachingApi {
    pool: PgPool,
    peers: Arc<Peers>,
    /// For the coaching-quality score in coaching KPIs.
    surveys: SurveyApi,
}

impl CoachingApi {
    pub fn new(pool: PgPool, peers: Arc<Peers>, surveys: SurveyApi) -> Self {
        Self { pool, peers, surveys }
    }

    pub fn into_server(self, max_message_bytes: usize) -> coaching_service_server::CoachingServiceServer<CoachingApi> {
        coaching_service_server::CoachingServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
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
        get_coaching_kpis(GetCoachingKpisRequest) -> GetCoachingKpisResponse => kpis::kpis;
        suggest_coaching(SuggestCoachingRequest) -> SuggestCoachingResponse => kpis::suggest;
    }
}

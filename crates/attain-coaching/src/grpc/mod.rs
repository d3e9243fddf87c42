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
use attain_runtime::{ApiResult, Ctx};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

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

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The caller and the credential to call other services with on their behalf.
fn who<T>(req: &Request<T>) -> Result<Ctx, Status> {
    Ok(Ctx::of(req)?)
}

#[tonic::async_trait]
impl CoachingService for CoachingApi {
    async fn create_session(
        &self,
        req: Request<CreateSessionRequest>,
    ) -> Result<Response<CreateSessionResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::create(self, &ctx, req.into_inner()).await)
    }

    async fn get_session(&self, req: Request<GetSessionRequest>) -> Result<Response<GetSessionResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::get(self, &ctx, req.into_inner()).await)
    }

    async fn list_sessions(&self, req: Request<ListSessionsRequest>) -> Result<Response<ListSessionsResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::list(self, &ctx, req.into_inner()).await)
    }

    async fn update_session(
        &self,
        req: Request<UpdateSessionRequest>,
    ) -> Result<Response<UpdateSessionResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::update(self, &ctx, req.into_inner()).await)
    }

    async fn complete_session(
        &self,
        req: Request<CompleteSessionRequest>,
    ) -> Result<Response<CompleteSessionResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::complete(self, &ctx, req.into_inner()).await)
    }

    async fn list_action_items(
        &self,
        req: Request<ListActionItemsRequest>,
    ) -> Result<Response<ListActionItemsResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::list_items(self, &ctx, req.into_inner()).await)
    }

    async fn update_action_item(
        &self,
        req: Request<UpdateActionItemRequest>,
    ) -> Result<Response<UpdateActionItemResponse>, Status> {
        let ctx = who(&req)?;
        respond(sessions::update_item(self, &ctx, req.into_inner()).await)
    }

    async fn create_cadence(
        &self,
        req: Request<CreateCadenceRequest>,
    ) -> Result<Response<CreateCadenceResponse>, Status> {
        let ctx = who(&req)?;
        respond(calendar::create_cadence(self, &ctx, req.into_inner()).await)
    }

    async fn list_cadences(&self, req: Request<ListCadencesRequest>) -> Result<Response<ListCadencesResponse>, Status> {
        let ctx = who(&req)?;
        respond(calendar::list_cadences(self, &ctx, req.into_inner()).await)
    }

    async fn delete_cadence(
        &self,
        req: Request<DeleteCadenceRequest>,
    ) -> Result<Response<DeleteCadenceResponse>, Status> {
        let ctx = who(&req)?;
        respond(calendar::delete_cadence(self, &ctx, req.into_inner()).await)
    }

    async fn get_calendar(&self, req: Request<GetCalendarRequest>) -> Result<Response<GetCalendarResponse>, Status> {
        let ctx = who(&req)?;
        respond(calendar::calendar(self, &ctx, req.into_inner()).await)
    }

    async fn get_coaching_load(
        &self,
        req: Request<GetCoachingLoadRequest>,
    ) -> Result<Response<GetCoachingLoadResponse>, Status> {
        let ctx = who(&req)?;
        respond(calendar::load(self, &ctx, req.into_inner()).await)
    }

    async fn set_development_plan(
        &self,
        req: Request<SetDevelopmentPlanRequest>,
    ) -> Result<Response<SetDevelopmentPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::set_development(self, &ctx, req.into_inner()).await)
    }

    async fn get_development_plan(
        &self,
        req: Request<GetDevelopmentPlanRequest>,
    ) -> Result<Response<GetDevelopmentPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::get_development(self, &ctx, req.into_inner()).await)
    }

    async fn create_action_plan(
        &self,
        req: Request<CreateActionPlanRequest>,
    ) -> Result<Response<CreateActionPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::create_action_plan(self, &ctx, req.into_inner()).await)
    }

    async fn get_action_plan(
        &self,
        req: Request<GetActionPlanRequest>,
    ) -> Result<Response<GetActionPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::get_action_plan(self, &ctx, req.into_inner()).await)
    }

    async fn update_action_plan(
        &self,
        req: Request<UpdateActionPlanRequest>,
    ) -> Result<Response<UpdateActionPlanResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::update_action_plan(self, &ctx, req.into_inner()).await)
    }

    async fn add_check_in(&self, req: Request<AddCheckInRequest>) -> Result<Response<AddCheckInResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::add_check_in(self, &ctx, req.into_inner()).await)
    }

    async fn rate_skill(&self, req: Request<RateSkillRequest>) -> Result<Response<RateSkillResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::rate_skill(self, &ctx, req.into_inner()).await)
    }

    async fn list_skill_ratings(
        &self,
        req: Request<ListSkillRatingsRequest>,
    ) -> Result<Response<ListSkillRatingsResponse>, Status> {
        let ctx = who(&req)?;
        respond(plans::list_ratings(self, &ctx, req.into_inner()).await)
    }

    async fn get_coaching_kpis(
        &self,
        req: Request<GetCoachingKpisRequest>,
    ) -> Result<Response<GetCoachingKpisResponse>, Status> {
        let ctx = who(&req)?;
        respond(kpis::kpis(self, &ctx, req.into_inner()).await)
    }

    async fn suggest_coaching(
        &self,
        req: Request<SuggestCoachingRequest>,
    ) -> Result<Response<SuggestCoachingResponse>, Status> {
        let ctx = who(&req)?;
        respond(kpis::suggest(self, &ctx, req.into_inner()).await)
    }
}

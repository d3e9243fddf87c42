//! What each `attain.coaching.v1.CoachingService` and `SurveyService` RPC does, one function
//! each (`grpc.rs` names which): protobuf in, checks and access rules, store and peer calls,
//! domain math, protobuf out.

pub(crate) mod access;
pub(crate) mod calendar;
pub(crate) mod convert;
pub(crate) mod kpis;
pub(crate) mod plan_outcome;
pub(crate) mod plans;
pub(crate) mod sessions;
pub(crate) mod survey_api;
pub(crate) mod survey_convert;
pub(crate) mod survey_ops;
pub(crate) mod surveys;

pub use survey_api::SurveyApi;

use std::sync::Arc;

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
}

//! What each `attain.coaching.v1.CoachingService` and `SurveyService` RPC does: one use case
//! each, a method of [`CoachingApi`] or [`SurveyApi`] taking the request context and typed
//! input (decoded by `grpc/`) and returning store records or domain values. The access rules,
//! the checks against the directory and the store, and the domain math live here; the coaching
//! protobuf does not (what the directory and the scorecard service answer comes as their
//! messages, through the peer clients).

pub mod access;
pub mod calendar;
pub mod kpis;
pub mod plan_outcome;
pub mod plans;
pub mod sessions;
pub mod skills;
pub mod survey_api;
pub mod survey_ops;
pub mod survey_records;
pub mod surveys;

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

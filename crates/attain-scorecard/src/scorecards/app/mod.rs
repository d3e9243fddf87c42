//! What each `attain.scorecard.v1.ScorecardService` RPC does: checks and access rules, store and
//! metrics calls, domain math, protobuf out.

pub(crate) mod access;
pub(crate) mod compute;
pub(crate) mod contests;
pub(crate) mod context;
pub(crate) mod earnings_board;
pub(crate) mod focus;
pub(crate) mod funnel;
pub(crate) mod incentives;
pub(crate) mod kpis;
pub(crate) mod leaderboard;
pub(crate) mod milestone_bests;
pub(crate) mod milestone_goals;
pub(crate) mod milestone_inputs;
pub(crate) mod plan;
pub(crate) mod praise;
pub(crate) mod ramps;
pub(crate) mod settings;
pub(crate) mod template;
pub(crate) mod values;

use std::sync::Arc;

use attain_domain::org_view::View;
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
}

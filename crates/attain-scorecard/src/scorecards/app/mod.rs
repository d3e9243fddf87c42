//! What each `attain.scorecard.v1.ScorecardService` RPC does: one use case each, a method of
//! [`ScorecardApi`] taking the request context and typed input (decoded by `super::grpc`) and
//! returning store records or domain values. The access rules, the checks against the catalog,
//! the directory and the store, and the domain math live here; this service's protobuf does not
//! (what the metrics service answers comes as its messages, through the peer client).

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
pub(crate) mod standings;
pub(crate) mod template;
pub(crate) mod values;

use std::sync::Arc;

use attain_domain::{Violations, org_view::View};
use attain_runtime::{ApiError, ApiResult, Ctx, tenant_directory::TenantDirectories};
use sqlx::PgPool;

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

/// A request's fields as the decoder found them, for a use case that checks more of them against
/// the catalog and answers every bad field in one INVALID_ARGUMENT, as one decoder did before
/// (docs/decisions.md: the decoder returns its violations with the typed input): the typed
/// value if every field decoded, and the decoder's violations.
pub struct Partial<T> {
    value: Option<T>,
    violations: Violations,
}

impl<T> Partial<T> {
    /// `value` as decoded with the violations `v` found; a `None` value without a violation is
    /// answered as `field` `description`.
    pub fn new(mut v: Violations, value: Option<T>, field: &str, description: &str) -> Self {
        if value.is_none() && v.is_empty() {
            v.add(field, description);
        }
        Partial {
            value: value.filter(|_| v.is_empty()),
            violations: v,
        }
    }

    /// A value without a fault: what a use case's own caller (the milestone detector) builds.
    pub fn valid(value: T) -> Self {
        Partial {
            value: Some(value),
            violations: Violations::new(),
        }
    }

    /// The value, or INVALID_ARGUMENT naming the decoder's violations and then `found` (the
    /// use case's own).
    pub fn check(self, found: Violations) -> ApiResult<T> {
        let mut v = self.violations;
        v.extend(found);
        match (v.into_result(())?, self.value) {
            ((), Some(value)) => Ok(value),
            // Unreachable: `new` keeps a value only without violations, and gives a missing
            // value one.
            ((), None) => Err(ApiError::invalid("request", "is incomplete")),
        }
    }
}

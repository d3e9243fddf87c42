//! Scorecards (`attain.scorecard.v1.ScorecardService`): templates, ramps, quotas, overrides and
//! time off in the `scorecard` schema, and scorecards and manager KPIs computed from the
//! metrics service's totals.

mod app;
mod audit_rows;
mod board_store;
pub(crate) mod contest_store;
mod grpc;
mod incentive_store;
mod metrics;
pub(crate) mod plan_store;
pub(crate) mod praise_store;
mod settings_store;
pub(crate) mod store;

pub use app::ScorecardApi;
pub(crate) use app::milestone_inputs;
pub use metrics::Metrics;

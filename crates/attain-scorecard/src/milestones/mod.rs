//! Milestone detection: every so often, per tenant, gathers what the scorecards say (quota
//! progress, daily goals, per-day values, top deals, leaderboard leaders, first deals), lets
//! `attain_domain::milestone` decide which achievements that makes, records each new one once
//! (`scorecard.milestones`, unique by its key) and writes its webhook deliveries to the outbox
//! in the same transaction.
//!
//! The detector has no caller, yet it reads the metrics service, which checks every call's
//! credential. So it mints a short-lived system API key per tenant (INTEGRATION, no person, expiring
//! after an hour, renewed before that), held only in this process's memory.
//!
//! `attain.webhooks.v1.MilestoneService` lists what was recorded and holds the tenant's
//! settings (quota steps, streak length, personal bests).

mod app;
mod detect;
mod grpc;
pub mod store;

pub use app::MilestoneApi;
pub use detect::{Detector, Report};

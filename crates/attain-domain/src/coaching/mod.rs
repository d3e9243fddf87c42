//! Coaching math (issue 6): the kinds and states of sessions and plans, recurring cadences and
//! the sessions they generate across time zones, action-plan rules and progress, coaching KPIs
//! and metric-based suggestions of whom to coach on what. Pure: no I/O.

pub mod cadence;
pub mod kinds;
pub mod kpi;
pub mod plans;

pub use kinds::{Frequency, PlanStatus, SessionKind, SessionStatus};

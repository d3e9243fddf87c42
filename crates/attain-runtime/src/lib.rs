//! What every Attain service shares: configuration, logging, the gRPC server, authentication,
//! errors and the database.

mod access_log;
pub mod admin;
pub mod audit;
pub mod audit_api;
pub mod auth;
pub mod balance;
pub mod clients;
pub mod config;
pub mod context;
pub mod convert;
pub mod db;
pub mod deadline;
pub mod directory;
pub mod dispatch;
pub mod drain;
pub mod enums;
pub mod error;
pub mod limits;
pub mod local_pg;
pub mod observe;
pub mod paging;
pub mod peer;
pub mod rate_limit;
pub mod reachability;
pub mod rpc_metrics;
pub mod server;
mod serving;
mod sql_spans;
pub mod telemetry;
pub mod tenant_directory;
pub mod tenant_share;
pub mod tls;
mod trace_context;

pub use auth::Caller;
pub use context::Ctx;
pub use error::{ApiError, ApiResult};

//! What every Attain service shares: configuration, logging, the gRPC server, authentication,
//! errors and the database.

pub mod admin;
pub mod auth;
pub mod config;
pub mod convert;
pub mod db;
pub mod deadline;
pub mod directory;
pub mod error;
pub mod limits;
pub mod local_pg;
pub mod paging;
pub mod peer;
pub mod rpc_metrics;
pub mod server;
pub mod telemetry;

pub use auth::Caller;
pub use error::{ApiError, ApiResult};

//! The org directory: `grpc` adapts the protobuf API, `store` holds the SQL, `admin` serves
//! the operator commands, `keys` checks API keys for the authentication layer.

pub mod admin;
mod grpc;
pub mod identity;
pub mod keys;
pub(crate) mod model;
pub mod operator;
pub(crate) mod store;

pub(crate) use grpc::scope_of;
pub use grpc::{CredentialApi, OperatorApi, OrgApi};
pub use keys::OrgKeyStore;
pub use model::{PersonRecord, TeamRecord, TenantRecord};

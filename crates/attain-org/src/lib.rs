//! The org directory, at the bottom of the services: tenants (and their suspension), teams,
//! people, API keys, per-tenant sign-in (identity providers), the platform operator's API and
//! the credential checks every other service asks for. It calls no other service.
//!
//! `app` holds the use cases (one function per RPC), `grpc` puts them on the wire, `store` holds the directory's SQL, `admin` serves the
//! operator commands, `keys` and `identity` check credentials for the authentication layer.
//! It is served by the scorecard service's process (see `docs/decisions.md`), whose scorecard
//! code still reads the directory's tables in its own transactions through `store`.

pub mod admin;
mod app;
mod grpc;
pub mod identity;
pub mod keys;
pub mod model;
pub mod operator;
pub mod store;

pub use app::scope_of;
pub use app::{CredentialApi, OperatorApi, OrgApi, PeerDirectoryApi};
pub use keys::OrgKeyStore;
pub use model::{PersonRecord, TeamRecord, TenantRecord};

/// The audit trail the directory's writes go to: the trail of the process that serves it (the
/// scorecard service's).
pub const AUDIT_TABLE: &str = "scorecard.audit_events";

/// What another part of the same process sets up in a new tenant, in the transaction that
/// creates it: the scorecard side seeds its built-in templates this way, so the directory
/// needs to know nothing of scorecards.
pub trait TenantSetup: Send + Sync + 'static {
    fn set_up<'a>(
        &'a self,
        tx: &'a mut sqlx::PgConnection,
        tenant: uuid::Uuid,
    ) -> futures::future::BoxFuture<'a, Result<(), sqlx::Error>>;
}

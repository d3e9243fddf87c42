//! The hiring service (`attain.hiring.v1.HiringService`): interview process templates,
//! requisitions, candidates and their stage moves, interviews and offers, hires, the bench, and
//! hiring and onboarding KPIs, in the `hiring` schema. People and teams come from the org
//! directory and ramped attainment from the scorecard service, both over gRPC on the caller's
//! behalf; a hire creates its person through the org directory.

mod app;
mod grpc;
mod store;

use attain_runtime::{
    config::ServiceSettings,
    db::SchemaSet,
    server::{GrpcServer, Shutdown},
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

pub use app::HiringApi;
pub use attain_runtime::clients::Peers;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "hiring",
    schemas: &["hiring"],
    migrator: &MIGRATOR,
};

/// Serves the hiring API on `incoming` until `shutdown` completes. `pool` must run as the
/// service role.
pub async fn serve(
    settings: &ServiceSettings,
    pool: PgPool,
    incoming: TcpIncoming,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let server = &settings.server;
    let (peers, authenticator) = Peers::start("hiring", &settings.org_url, &settings.auth)?;
    let directory = peers.directory.clone();
    let grpc = GrpcServer::new(server)
        .with_audit(pool.clone(), "hiring", "hiring.audit_events")
        .add_service(HiringApi::new(pool.clone(), peers).into_server(server.max_message_bytes))
        .serve(incoming, authenticator, shutdown);
    directory.serving(pool, grpc).await
}

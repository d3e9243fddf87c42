//! The metrics service (`attain.metrics.v1.MetricsService`): the per-tenant AOR catalog,
//! idempotent event ingestion with per-event results, daily rollups kept in the same
//! transaction as the events, and the aggregate queries other services build on. It knows
//! people and calendars only through the org directory's gRPC API.

pub mod counters;
mod grpc;
mod store;

use std::{future::Future, sync::Arc};

use attain_runtime::{
    auth::Authenticator,
    config::{AuthArgs, ServerArgs},
    db::SchemaSet,
    directory::Directory,
    server::GrpcServer,
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

pub use grpc::{MAX_BATCH, MetricsApi};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "metrics",
    schemas: &["metrics"],
    migrator: &MIGRATOR,
};

/// Serves the metrics API on `incoming` until `shutdown` completes. `pool` must run as the
/// service role; `org_url` is the scorecard service that holds the org directory.
pub async fn serve(
    pool: PgPool,
    org_url: &str,
    server: &ServerArgs,
    auth: &AuthArgs,
    incoming: TcpIncoming,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let directory = Arc::new(Directory::new(org_url)?);
    let authenticator = Authenticator::from_args(auth, Some(directory.clone()))?;
    GrpcServer::new(server)
        .add_service(MetricsApi::new(pool, directory).into_server(server.max_message_bytes))
        .long_running("/attain.metrics.v1.MetricsService/StreamEvents")
        .long_running("/attain.metrics.v1.MetricsService/RebuildRollups")
        .serve(incoming, authenticator, shutdown)
        .await
}

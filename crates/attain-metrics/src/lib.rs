//! The metrics service (`attain.metrics.v1.MetricsService`): the per-tenant AOR catalog,
//! idempotent event ingestion with per-event results, daily rollups kept in the same
//! transaction as the events, monthly rollups folded in by a background task, and the
//! aggregate queries other services build on. It knows people and calendars only through the
//! org directory's gRPC API.

mod app;
pub mod counters;
mod fold;
mod grpc;
mod store;

use attain_runtime::{
    clients::Peers,
    config::ServiceSettings,
    db::SchemaSet,
    server::{GrpcServer, Shutdown},
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

pub use app::{MAX_BATCH, MetricsApi};
pub use fold::{fold_all, run as run_folder};
pub use store::monthly::lock as lock_monthly_rollups;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "metrics",
    schemas: &["metrics"],
    migrator: &MIGRATOR,
};

/// Serves the metrics API on `incoming` until `shutdown` completes, and folds the monthly
/// rollups in the background until the server has stopped. `pool` must run as the service
/// role.
pub async fn serve(
    settings: &ServiceSettings,
    pool: PgPool,
    incoming: TcpIncoming,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let server = &settings.server;
    let (peers, authenticator) = Peers::start("metrics", &settings.org_url, &settings.auth)?;
    let directory = peers.directory.clone();
    let (stop_folding, folding_stopped) = tokio::sync::watch::channel(false);
    // The fold has connections of its own, so busy calls never starve it.
    let folder = fold::run(attain_runtime::db::background_pool(&pool), fold::EVERY, folding_stopped);
    let server = async {
        let grpc = GrpcServer::new(server)
            .with_audit(pool.clone(), "metrics", "metrics.audit_events")
            .add_service(
                MetricsApi::new(pool.clone(), directory.clone())
                    .with_stream_idle(server.stream_idle_timeout)
                    .into_server(server.max_message_bytes),
            )
            .long_running("/attain.metrics.v1.MetricsService/StreamEvents")
            .long_running("/attain.metrics.v1.MetricsService/RebuildRollups")
            .serve(incoming, authenticator, shutdown);
        let served = directory.serving(pool, grpc).await;
        // Once the calls in flight have finished; whatever is still pending waits in the
        // database for the next start.
        let _ = stop_folding.send(true);
        served
    };
    // One task for both: whoever aborts the server aborts the folder with it.
    let (served, ()) = tokio::join!(server, folder);
    served
}

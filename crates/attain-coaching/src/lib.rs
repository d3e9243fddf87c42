//! The coaching service (`attain.coaching.v1.CoachingService`): sessions and the coaching
//! calendar, development and action plans, skills, coaching KPIs and metric-based suggestions,
//! in the `coaching` schema. People, teams and calendars come from the org directory, and
//! metrics from the scorecard service, both over gRPC on the caller's behalf.

mod grpc;
mod peers;
mod store;

use std::{future::Future, sync::Arc};

use attain_runtime::{
    auth::Authenticator,
    config::{AuthArgs, ServerArgs},
    db::SchemaSet,
    server::GrpcServer,
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

pub use grpc::CoachingApi;
pub use peers::Peers;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "coaching",
    schemas: &["coaching"],
    migrator: &MIGRATOR,
};

/// Serves the coaching API on `incoming` until `shutdown` completes. `pool` must run as the
/// service role; `scorecard_url` is the scorecard service, which holds the org directory.
pub async fn serve(
    pool: PgPool,
    scorecard_url: &str,
    server: &ServerArgs,
    auth: &AuthArgs,
    incoming: TcpIncoming,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let peers = Arc::new(Peers::new(scorecard_url)?);
    let authenticator = Authenticator::from_args(auth, Some(peers.directory.clone()))?;
    GrpcServer::new(server)
        .add_service(CoachingApi::new(pool, peers).into_server(server.max_message_bytes))
        .serve(incoming, authenticator, shutdown)
        .await
}

//! The coaching service (`attain.coaching.v1.CoachingService`): sessions and the coaching
//! calendar, development and action plans, skills, coaching KPIs and metric-based suggestions,
//! in the `coaching` schema. People, teams and calendars come from the org directory, and
//! metrics from the scorecard service, both over gRPC on the caller's behalf.

mod app;
mod grpc;
mod store;

use std::future::Future;

use attain_runtime::{
    config::{AuthArgs, ServerArgs},
    db::SchemaSet,
    server::GrpcServer,
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

pub use app::{CoachingApi, SurveyApi};
pub use attain_runtime::clients::Peers;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "coaching",
    schemas: &["coaching"],
    migrator: &MIGRATOR,
};

/// Serves the coaching and survey APIs on `incoming` until `shutdown` completes. `pool` must run
/// as the service role; `scorecard_url` is the scorecard service, which holds the org directory;
/// `survey_secret` keys the respondent tags that keep survey answers anonymous (it must stay the
/// same across restarts and is never stored in the database).
pub async fn serve(
    pool: PgPool,
    scorecard_url: &str,
    survey_secret: &[u8],
    server: &ServerArgs,
    auth: &AuthArgs,
    incoming: TcpIncoming,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let (peers, authenticator) = Peers::start("coaching", scorecard_url, auth)?;
    if survey_secret.len() < 16 {
        anyhow::bail!("ATTAIN_SURVEY_SECRET must be at least 16 bytes: it keeps survey answers anonymous");
    }
    let surveys = SurveyApi::new(pool.clone(), peers.clone(), survey_secret);
    let directory = peers.directory.clone();
    let grpc = GrpcServer::new(server)
        .with_audit(pool.clone(), "coaching", "coaching.audit_events")
        .add_service(CoachingApi::new(pool.clone(), peers, surveys.clone()).into_server(server.max_message_bytes))
        .add_service(surveys.into_server(server.max_message_bytes))
        .serve(incoming, authenticator, shutdown);
    directory.serving(pool, grpc).await
}

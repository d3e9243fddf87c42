//! The coaching service (`attain.coaching.v1.CoachingService`): sessions and the coaching
//! calendar, development and action plans, skills, coaching KPIs and metric-based suggestions,
//! in the `coaching` schema. People, teams and calendars come from the org directory, and
//! metrics from the scorecard service, both over gRPC on the caller's behalf.

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

pub use app::{CoachingApi, SurveyApi};
pub use attain_runtime::clients::Peers;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The schema this service owns and the migrations that make it.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "coaching",
    schemas: &["coaching"],
    migrator: &MIGRATOR,
};

/// What the coaching service is assembled from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: ServiceSettings,
    /// Keys the respondent tags that keep survey answers anonymous: the same across restarts and
    /// replicas, never stored in the database.
    pub survey_secret: Vec<u8>,
}

/// Serves the coaching and survey APIs on `incoming` until `shutdown` completes. `pool` must run
/// as the service role.
pub async fn serve(settings: &Settings, pool: PgPool, incoming: TcpIncoming, shutdown: Shutdown) -> anyhow::Result<()> {
    let (server, survey_secret) = (&settings.service.server, settings.survey_secret.as_slice());
    let (peers, authenticator) = Peers::start("coaching", &settings.service.org_url, &settings.service.auth)?;
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

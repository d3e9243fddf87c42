//! The scorecard service's process: it serves the org directory (the `attain-org` crate:
//! `attain.org.v1.OrgService`, `CredentialService`, `attain.operator.v1.OperatorService`, in the
//! `org` schema) beside scorecards (`attain.scorecard.v1.ScorecardService`: templates, quotas,
//! ramps and time off in the `scorecard` schema, scorecards and manager KPIs computed from the
//! metrics service), webhooks and milestones. The `org` schema's migrations stay in this crate's
//! set: they shipped here, and shipped migrations are never moved or edited.

pub mod counters;
pub mod milestones;
pub mod scorecards;
pub mod tenants;
pub mod webhooks;

/// The org directory, its own crate; this process serves it (see `attain_org`).
pub use attain_org as org;

use std::sync::Arc;

use futures::FutureExt;

use attain_runtime::{
    auth::Authenticator,
    config::{ServiceSettings, WebhookArgs},
    db::SchemaSet,
    server::{GrpcServer, Shutdown},
    tenant_directory::TenantDirectories,
};
use sqlx::{PgPool, migrate::Migrator};
use tonic::transport::server::TcpIncoming;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The scorecard service's audit trail: the org directory's, the scorecards' and the operator's
/// writes on a tenant.
pub const AUDIT_TABLE: &str = attain_org::AUDIT_TABLE;

/// The schemas this service owns and the migrations that make them.
pub const SCHEMAS: SchemaSet = SchemaSet {
    service: "scorecard",
    schemas: &["org", "scorecard"],
    migrator: &MIGRATOR,
};

/// What the scorecard service is assembled from.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Its `org_url` is this process's own directory, or any replica's behind a Service.
    pub service: ServiceSettings,
    /// The metrics service.
    pub metrics_url: String,
    /// The webhook dispatcher and the milestone detector.
    pub webhooks: WebhookArgs,
}

/// Serves the scorecard service's APIs on `incoming`, and runs the webhook dispatcher unless
/// `webhooks.dispatch` is off and the milestone detector unless its interval is 0, until
/// `shutdown` completes. `pool` must run as the service role, so row-level security applies.
pub async fn serve(settings: &Settings, pool: PgPool, incoming: TcpIncoming, shutdown: Shutdown) -> anyhow::Result<()> {
    let (server, auth, webhooks) = (&settings.service.server, &settings.service.auth, &settings.webhooks);
    // Webhook dispatch and milestone detection have connections of their own, so busy calls
    // never starve them.
    let background = attain_runtime::db::background_pool(&pool);
    let dispatcher = webhooks::Dispatcher::new(background.clone(), webhooks)?;
    // The server and the dispatcher stop on the same signal.
    let shutdown = shutdown.shared();
    let keys = Arc::new(org::OrgKeyStore::new(pool.clone()));
    let tokens = Arc::new(org::identity::IdentityProviders::with_options(
        pool.clone(),
        attain_idp::FetchOptions {
            min_refresh_interval: auth.jwks_min_refresh,
            ..attain_idp::FetchOptions::default()
        },
    ));
    let authenticator = Authenticator::new(keys.clone(), tokens.clone());
    let identity = attain_runtime::auth::PeerIdentity::new("scorecard", auth.peer_secret.as_deref())?;
    // Page tokens this service hands out are sealed with the deployment's page secret.
    attain_runtime::paging::install(auth)?;
    let credentials = org::CredentialApi::new(keys, tokens.clone(), identity.clone());
    let peer_directory = org::PeerDirectoryApi::new(pool.clone(), identity.clone());
    // The scorecard code reads the org directory like every other service: over gRPC, at
    // `org_url` (this process's own directory, or another replica's).
    let directory = Arc::new(TenantDirectories::new(
        &settings.service.org_url,
        identity,
        server.max_message_bytes,
    )?);
    let operator = org::OperatorApi::new(pool.clone(), tokens, Arc::new(tenants::BuiltIns));
    let metrics = Arc::new(scorecards::Metrics::new(&settings.metrics_url)?);
    let webhook_api = webhooks::WebhookApi::new(pool.clone(), webhooks.allow_private, directory.clone());
    let detector = milestones::Detector::new(background, metrics.clone(), directory.clone());
    let grpc = GrpcServer::new(server)
        .with_audit(pool.clone(), "scorecard", AUDIT_TABLE)
        .add_service(org::OrgApi::new(pool.clone()).into_server(server.max_message_bytes))
        .add_service(
            scorecards::ScorecardApi::new(pool.clone(), metrics, directory.clone())
                .into_server(server.max_message_bytes),
        )
        .add_service(webhook_api.into_server(server.max_message_bytes))
        .add_service(milestones::MilestoneApi::new(pool.clone(), directory).into_server(server.max_message_bytes))
        .add_service(peer_directory.into_server(server.max_message_bytes))
        .add_service(credentials.into_server(server.max_message_bytes))
        .add_service(operator.into_server(server.max_message_bytes))
        .serve(incoming, authenticator, shutdown.clone());
    let interval = webhooks.milestones.interval();
    let detect_shutdown = shutdown.clone();
    // The dispatcher and the milestone detector run side by side; both stop on the signal.
    let dispatch = async {
        let dispatch = async {
            if webhooks.dispatch {
                dispatcher.run(shutdown.clone()).await;
            }
        };
        let detect = async {
            if let Some(interval) = interval {
                detector.run(interval, detect_shutdown).await;
            }
        };
        tokio::join!(dispatch, detect);
    };
    tokio::pin!(grpc, dispatch);
    tokio::select! {
        served = &mut grpc => {
            // A server that failed returns at once; one that stopped on the signal waits for
            // the dispatcher to finish the batch in hand.
            if served.is_ok() {
                dispatch.await;
            }
            served
        }
        () = &mut dispatch => grpc.await,
    }
}

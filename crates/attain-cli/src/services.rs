//! The four services: which are built, where they listen by default, and how to run and
//! migrate them.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::bail;
use attain_runtime::{
    admin,
    config::{AuthArgs, DatabaseArgs, ServerArgs, WebhookArgs},
    db::{self, SchemaSet},
    rpc_metrics::ServiceMetrics,
};
use sqlx::PgPool;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Metrics ingestion and aggregates.
    Metrics,
    /// Org directory, scorecards and KPIs.
    Scorecard,
    /// Coaching: sessions, the calendar, development and action plans, coaching KPIs.
    Coaching,
    /// Hiring and the bench: requisitions, candidates, hires, the bench, hiring KPIs.
    Hiring,
}

impl Service {
    pub fn default_port(self) -> u16 {
        match self {
            Service::Metrics => 50051,
            Service::Scorecard => 50052,
            Service::Coaching => 50053,
            Service::Hiring => 50054,
        }
    }

    /// Position of the service's port after the first (metrics) port.
    pub fn port_offset(self) -> u16 {
        self.default_port() - Service::Metrics.default_port()
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Metrics => "metrics",
            Service::Scorecard => "scorecard",
            Service::Coaching => "coaching",
            Service::Hiring => "hiring",
        }
    }

    /// The schemas of the service, or `None` while it is not built.
    fn schemas(self) -> Option<&'static SchemaSet> {
        match self {
            Service::Scorecard => Some(&attain_scorecard::SCHEMAS),
            Service::Metrics => Some(&attain_metrics::SCHEMAS),
            Service::Coaching => Some(&attain_coaching::SCHEMAS),
            Service::Hiring => Some(&attain_hiring::SCHEMAS),
        }
    }
}

/// Services that exist in this build, in dependency order.
pub const BUILT: &[Service] = &[Service::Scorecard, Service::Metrics, Service::Coaching, Service::Hiring];

/// Where a service finds the others it calls.
#[derive(clap::Args, Debug, Clone)]
pub struct Peers {
    /// The scorecard service, which holds the org directory. Default: http://127.0.0.1:50052,
    /// except for the scorecard service itself, which then reads the directory it serves on
    /// its own listen address (loopback when it listens on every address).
    #[arg(long, env = "ATTAIN_ORG_URL")]
    pub org_url: Option<String>,
    /// The metrics service, which the scorecard service asks for totals.
    #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
    pub metrics_url: String,
}

impl Peers {
    /// Where `service`, listening on `listen`, finds the org directory.
    pub fn org_url_for(&self, service: Service, listen: SocketAddr, tls: bool) -> String {
        if let Some(url) = &self.org_url {
            return url.clone();
        }
        if service != Service::Scorecard {
            return "http://127.0.0.1:50052".into();
        }
        let mut own = listen;
        if own.ip().is_unspecified() {
            own.set_ip(if own.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("{}://{own}", if tls { "https" } else { "http" })
    }
}

/// Secrets a service needs besides database and auth settings.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Secrets {
    /// Key of the respondent tags that keep survey answers anonymous (coaching service): a long
    /// random string, the same across restarts and replicas, never stored in the database.
    #[arg(long, env = "ATTAIN_SURVEY_SECRET", hide_env_values = true)]
    pub survey_secret: Option<String>,
}

/// Serves `service` on `listen` (gRPC) and `admin_listen` (/healthz, /readyz, /metrics)
/// until `shutdown` completes.
#[allow(clippy::too_many_arguments)]
pub async fn serve(
    service: Service,
    db: &DatabaseArgs,
    server: &ServerArgs,
    auth: &AuthArgs,
    webhooks: &WebhookArgs,
    peers: &Peers,
    secrets: &Secrets,
    listen: SocketAddr,
    admin_listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Some(schemas) = service.schemas().filter(|_| BUILT.contains(&service)) else {
        bail!(
            "the {} service is not built yet; this version of attain serves: {}",
            service.name(),
            BUILT.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        );
    };
    attain_runtime::tls::set_peer_tls(&server.tls)?;
    let mut peers = peers.clone();
    let org_url = peers.org_url_for(service, listen, server.tls.tls_cert.is_some());
    peers.org_url = Some(org_url.clone());
    attain_runtime::tls::peer_connector(&org_url, "ATTAIN_ORG_URL")?;
    attain_runtime::tls::peer_connector(&peers.metrics_url, "ATTAIN_METRICS_URL")?;
    // Checked before anything starts, so a bad file fails the start with its setting's name.
    attain_runtime::tls::ServerTls::from_args(&server.tls)?;
    let pool = db::connect(db).await?;
    let incoming = attain_runtime::server::bind(listen)?;
    let admin_listener = admin::bind(admin_listen).await?;
    let mut metrics = ServiceMetrics::new();
    match service {
        Service::Metrics => attain_metrics::counters::register(metrics.registry_mut()),
        // The org directory (served here) verifies tokens against each tenant's issuers.
        Service::Scorecard => attain_idp::register_metrics(metrics.registry_mut()),
        Service::Coaching | Service::Hiring => {}
    }
    let metrics = Arc::new(metrics);
    let server = ServerArgs {
        metrics: Some(metrics.clone()),
        ..server.clone()
    };
    let admin = admin::Admin::new(metrics, pool.clone(), schemas);
    tracing::info!(service = service.name(), %listen, admin = %admin_listen, "serving gRPC");
    let (auth, secrets, webhooks) = (auth.clone(), secrets.clone(), webhooks.clone());
    admin::serve_with_grpc(admin_listener, admin, shutdown, move |shutdown| async move {
        let (server, auth) = (&server, &auth);
        match service {
            Service::Scorecard => {
                let peers = attain_scorecard::Peers {
                    org_url: &org_url,
                    metrics_url: &peers.metrics_url,
                };
                attain_scorecard::serve(pool, peers, server, auth, &webhooks, incoming, shutdown).await
            }
            Service::Metrics => attain_metrics::serve(pool, &org_url, server, auth, incoming, shutdown).await,
            Service::Coaching => {
                let secret = secrets
                    .survey_secret
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "ATTAIN_SURVEY_SECRET is required for the coaching service: it keeps survey answers anonymous"
                        )
                    })?;
                attain_coaching::serve(
                    pool,
                    &org_url,
                    secret.as_bytes(),
                    server,
                    auth,
                    incoming,
                    shutdown,
                )
                .await
            }
            Service::Hiring => attain_hiring::serve(pool, &org_url, server, auth, incoming, shutdown).await,
        }
    })
    .await
}

/// Migrates every built service and grants each its role (`attain_<service>`).
pub async fn migrate_all(owner: &PgPool, create_roles: bool) -> anyhow::Result<()> {
    for service in BUILT {
        let Some(set) = service.schemas() else { continue };
        db::migrate(owner, set).await?;
        let role = set.default_role();
        match db::grant_service_role(owner, set, &role, create_roles).await {
            Ok(()) => tracing::info!(service = service.name(), role, "migrated; role granted"),
            Err(e) if !create_roles => {
                tracing::warn!(service = service.name(), role, "migrated; role not granted: {e:#}")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

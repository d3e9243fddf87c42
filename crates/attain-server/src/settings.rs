//! What a service starts from: [`ServeArgs`], the flags and `ATTAIN_*` variables of
//! `attain serve`, and [`Settings`], the one value they become once checked. Everything that
//! can be decided without the network (defaults, the org directory's address, each setting's
//! own checks) is decided here, so [`crate::serve()`] only connects, binds and runs.

use std::net::SocketAddr;

use attain_runtime::config::{AdminArgs, AuthArgs, DatabaseArgs, ServerArgs, ServiceSettings, WebhookArgs};

use crate::service::Service;

/// `attain serve <service>`: its flags, each with its environment variable.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The service to run.
    #[arg(value_enum)]
    pub service: Service,
    /// Address to listen on for gRPC; defaults to 0.0.0.0 on the service's port.
    #[arg(long, env = "ATTAIN_LISTEN")]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    admin: AdminArgs,
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    peers: Peers,
    #[command(flatten)]
    secrets: Secrets,
    /// The scorecard service's webhook dispatcher.
    #[command(flatten)]
    webhooks: WebhookArgs,
}

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
    fn org_url_for(&self, service: Service, listen: SocketAddr, tls: bool) -> String {
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

/// Everything one service needs to start, decided once: `attain serve` builds it from its flags
/// and environment with [`Settings::from_args`]; `attain dev` fills one per service, as it
/// decides ports, roles and secrets itself. One value instead of a list of arguments, so a new
/// setting is one field here rather than a parameter threaded through every caller.
#[derive(Debug, Clone)]
pub struct Settings {
    pub service: Service,
    /// Where gRPC is served.
    pub listen: SocketAddr,
    /// Where /healthz, /readyz and /metrics are served.
    pub admin_listen: SocketAddr,
    /// The database and the service's login role.
    pub db: DatabaseArgs,
    pub server: ServerArgs,
    pub auth: AuthArgs,
    /// The scorecard service's webhook dispatcher and milestone detector.
    pub webhooks: WebhookArgs,
    /// The org directory (`ATTAIN_ORG_URL`), already resolved: the scorecard service's own
    /// address unless another was given.
    pub org_url: String,
    /// The metrics service (`ATTAIN_METRICS_URL`), which the scorecard service asks for totals.
    pub metrics_url: String,
    /// The coaching service's survey secret (`ATTAIN_SURVEY_SECRET`); the others ignore it.
    pub survey_secret: Option<String>,
}

impl Settings {
    /// Checks `attain serve`'s settings and fills in the defaults that depend on the service:
    /// its port, its admin port, where it finds the org directory. A bad setting fails here,
    /// before anything connects or binds, and names itself.
    pub fn from_args(args: ServeArgs) -> anyhow::Result<Settings> {
        args.server.validate()?;
        args.webhooks.validate()?;
        attain_runtime::auth::PeerIdentity::new(args.service.name(), args.auth.peer_secret.as_deref())?;
        let listen = args
            .listen
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], args.service.default_port())));
        let admin_listen = args.admin.address(listen)?;
        let org_url = args
            .peers
            .org_url_for(args.service, listen, args.server.tls.tls_cert.is_some());
        Ok(Settings {
            service: args.service,
            listen,
            admin_listen,
            db: args.db,
            server: args.server,
            auth: args.auth,
            webhooks: args.webhooks,
            org_url,
            metrics_url: args.peers.metrics_url,
            survey_secret: args.secrets.survey_secret,
        })
    }

    /// The survey secret, required by the coaching service: without it answers could not be
    /// kept anonymous, so the service refuses to start rather than run without.
    /// What every service is assembled from.
    pub(crate) fn service_settings(&self) -> ServiceSettings {
        ServiceSettings {
            server: self.server.clone(),
            auth: self.auth.clone(),
            org_url: self.org_url.clone(),
        }
    }

    pub(crate) fn required_survey_secret(&self) -> anyhow::Result<&str> {
        self.survey_secret.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "ATTAIN_SURVEY_SECRET is required for the coaching service: it keeps survey answers anonymous"
            )
        })
    }
}

//! Settings shared by every service, from flags or `ATTAIN_*` environment variables (clap shows
//! both in `--help`). Each is checked at start, and a bad one fails with its name.

use std::{net::SocketAddr, time::Duration};

use anyhow::bail;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, e.g. postgres://attain_scorecard:secret@db:5432/attain
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The service's own database role (e.g. `attain_metrics`). The service logs in as this role:
    /// when DATABASE_URL names another user, the login name is replaced (the URL's password, if
    /// any, is sent for this role). A service never logs in as a superuser, a BYPASSRLS role or
    /// the owner and then switches role: a session could switch back and read every tenant.
    #[arg(long, env = "ATTAIN_DB_ROLE")]
    pub db_role: Option<String>,

    /// Most connections the service opens.
    #[arg(long, env = "ATTAIN_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,

    /// How long a request waits for a free connection before failing with UNAVAILABLE.
    #[arg(long, env = "ATTAIN_DB_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: Duration,
}

impl DatabaseArgs {
    pub fn require_url(&self) -> anyhow::Result<&str> {
        match self.database_url.as_deref() {
            Some(url) if !url.is_empty() => Ok(url),
            _ => bail!("DATABASE_URL is not set: pass --database-url or set DATABASE_URL (or use `attain dev`)"),
        }
    }
}

/// The binary's per-tenant rate limits unless ATTAIN_RATE_LIMITS says otherwise, per replica:
/// generous for one org's integrations and people, and a ceiling for a runaway one.
pub const DEFAULT_RATE_LIMITS: &str = "ingest=100/s:200; read=1000/s:2000; write=200/s:400";

#[derive(clap::Args, Debug, Clone)]
pub struct ServerArgs {
    /// Longest time one call may take before it fails with DEADLINE_EXCEEDED (a shorter
    /// grpc-timeout from the caller wins). Bulk streams are bounded by the caller's deadline.
    #[arg(long, env = "ATTAIN_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// Largest request or response message, in bytes.
    #[arg(long, env = "ATTAIN_MAX_MESSAGE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_message_bytes: usize,

    /// Most calls served at once by one server; calls beyond it are shed with
    /// RESOURCE_EXHAUSTED instead of queueing without bound.
    #[arg(long, env = "ATTAIN_CONCURRENCY_LIMIT", default_value_t = 512)]
    pub concurrency_limit: usize,

    /// On SIGTERM, how long the server keeps serving while it reports itself not ready (/readyz
    /// 503, gRPC health NOT_SERVING), so that load balancers and peers re-resolving DNS stop
    /// sending it calls before it stops accepting them. Kubernetes needs a few seconds to update
    /// endpoints (the chart sets 10s); 0 outside a cluster.
    #[arg(long, env = "ATTAIN_DRAIN_DELAY", default_value = "0s", value_parser = humantime::parse_duration)]
    pub drain_delay: Duration,

    /// After the drain delay, how long in-flight calls may take to finish once the server stops
    /// accepting new ones, before it stops anyway. Streams are ended at once with UNAVAILABLE
    /// (what they sent so far is kept; clients resume on another replica).
    #[arg(long, env = "ATTAIN_SHUTDOWN_GRACE", default_value = "25s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,

    /// Per-tenant rate limits, rules separated by ";": `[tenant=<uuid>:]<family>=<calls>/s[:<burst>]`
    /// with families ingest, read (Get/List/Find/Export) and write, e.g.
    /// "ingest=50/s:100; read=1000/s; tenant=<uuid>:ingest=200/s". Per server process (replica).
    /// On by default; empty: no limits.
    #[arg(long, env = "ATTAIN_RATE_LIMITS", default_value = DEFAULT_RATE_LIMITS, value_parser = parse_rate_limits)]
    pub rate_limits: crate::rate_limit::RateLimits,

    /// Most calls one tenant may have open at once on one server (streams included, from first
    /// message to last): its share of ATTAIN_CONCURRENCY_LIMIT, so a tenant at its share leaves
    /// the rest to the others. At most the concurrency limit.
    #[arg(long, env = "ATTAIN_TENANT_MAX_CALLS", default_value_t = 128)]
    pub tenant_max_calls: usize,

    /// Longest gap between two messages of a client stream (StreamEvents) before the server ends
    /// it with ABORTED; what arrived before is kept.
    #[arg(long, env = "ATTAIN_STREAM_IDLE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub stream_idle_timeout: Duration,

    /// How often the names of other services (ATTAIN_ORG_URL, ATTAIN_METRICS_URL) are resolved
    /// again, so that calls to them reach the replicas that joined and leave those that left
    /// (point them at a headless Service). Also at once after a connection to one fails.
    #[arg(long, env = "ATTAIN_PEER_RESOLVE_INTERVAL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub peer_resolve_interval: Duration,

    /// Which calls get an access log line at info (target `attain::access`, with the method,
    /// status, duration, tenant and trace id): `all`, `errors` (every status but OK) or `off`.
    #[arg(long, env = "ATTAIN_ACCESS_LOG", value_enum, default_value_t = AccessLog::All)]
    pub access_log: AccessLog,

    /// With ATTAIN_ACCESS_LOG=all, the share of successful calls that get a line, from 0 to 1
    /// (0.01: one in a hundred), for busy installs. Failed calls always get one.
    #[arg(long, env = "ATTAIN_ACCESS_LOG_SAMPLE", default_value_t = 1.0)]
    pub access_log_sample: f64,

    #[command(flatten)]
    pub tls: TlsArgs,

    /// Where the server records its RPC metrics; none when the process has no admin port.
    #[arg(skip)]
    pub metrics: Option<std::sync::Arc<crate::rpc_metrics::ServiceMetrics>>,

    /// The service this server is (e.g. `attain-metrics`), when a process runs several
    /// (`attain dev`): its spans are exported under that `service.name`.
    #[arg(skip)]
    pub service: Option<&'static str>,
}

/// Which calls get an access log line.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AccessLog {
    /// Every call (failed ones always; successful ones as ATTAIN_ACCESS_LOG_SAMPLE says).
    #[default]
    All,
    /// Only calls that end with a status other than OK.
    Errors,
    /// None.
    Off,
}

impl Default for ServerArgs {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_message_bytes: 4 * 1024 * 1024,
            concurrency_limit: 512,
            drain_delay: Duration::ZERO,
            shutdown_grace: Duration::from_secs(25),
            // Tests set their own limits; the binary's default is DEFAULT_RATE_LIMITS.
            rate_limits: crate::rate_limit::RateLimits::default(),
            tenant_max_calls: 128,
            stream_idle_timeout: Duration::from_secs(60),
            peer_resolve_interval: Duration::from_secs(5),
            access_log: AccessLog::All,
            access_log_sample: 1.0,
            tls: TlsArgs::default(),
            metrics: None,
            service: None,
        }
    }
}

impl ServerArgs {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.request_timeout.is_zero() {
            bail!("ATTAIN_REQUEST_TIMEOUT must be more than zero");
        }
        if !(1024..=256 * 1024 * 1024).contains(&self.max_message_bytes) {
            bail!("ATTAIN_MAX_MESSAGE_BYTES must be between 1024 and 268435456");
        }
        if self.concurrency_limit == 0 {
            bail!("ATTAIN_CONCURRENCY_LIMIT must be at least 1");
        }
        if !(1..=self.concurrency_limit).contains(&self.tenant_max_calls) {
            bail!("ATTAIN_TENANT_MAX_CALLS must be from 1 to ATTAIN_CONCURRENCY_LIMIT");
        }
        if self.stream_idle_timeout.is_zero() {
            bail!("ATTAIN_STREAM_IDLE_TIMEOUT must be more than zero");
        }
        if !(Duration::from_millis(100)..=Duration::from_secs(3600)).contains(&self.peer_resolve_interval) {
            bail!("ATTAIN_PEER_RESOLVE_INTERVAL must be from 100ms to 1h");
        }
        if !(0.0..=1.0).contains(&self.access_log_sample) {
            bail!("ATTAIN_ACCESS_LOG_SAMPLE must be from 0 to 1");
        }
        Ok(())
    }
}

/// What every service is assembled from, built once from configuration (flags and environment)
/// by `attain serve`, `attain dev`, the tests and the benches; each service adds its own.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub server: ServerArgs,
    pub auth: AuthArgs,
    /// The org directory, served by the scorecard service: every service reads people and
    /// teams there, the scorecard service included (its own address, or another replica's).
    pub org_url: String,
}

/// TLS for the gRPC server and for calls to other services. Plaintext when unset (as `attain dev`
/// runs); the admin HTTP port stays plaintext for probes and scrapes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// PEM certificate chain the gRPC server presents; with ATTAIN_TLS_KEY, the server speaks
    /// only TLS.
    #[arg(long, env = "ATTAIN_TLS_CERT")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of ATTAIN_TLS_CERT.
    #[arg(long, env = "ATTAIN_TLS_KEY")]
    pub tls_key: Option<std::path::PathBuf>,

    /// PEM CA certificate(s) that sign client certificates: set it for mutual TLS, and the server
    /// refuses clients without a certificate from this CA.
    #[arg(long, env = "ATTAIN_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<std::path::PathBuf>,

    /// PEM CA certificate(s) that sign the other services' server certificates; used for peer
    /// URLs that start with https://.
    #[arg(long, env = "ATTAIN_PEER_TLS_CA")]
    pub peer_tls_ca: Option<std::path::PathBuf>,

    /// PEM client certificate this service presents to the others (mutual TLS), with
    /// ATTAIN_PEER_TLS_KEY. Usually the same as ATTAIN_TLS_CERT.
    #[arg(long, env = "ATTAIN_PEER_TLS_CERT")]
    pub peer_tls_cert: Option<std::path::PathBuf>,

    /// PEM private key of ATTAIN_PEER_TLS_CERT.
    #[arg(long, env = "ATTAIN_PEER_TLS_KEY")]
    pub peer_tls_key: Option<std::path::PathBuf>,
}

fn parse_rate_limits(text: &str) -> Result<crate::rate_limit::RateLimits, String> {
    text.parse()
}

/// The scorecard service's webhook dispatcher (milestones out to Slack, Teams and any system).
#[derive(clap::Args, Debug, Clone)]
pub struct WebhookArgs {
    /// Run the webhook dispatcher in this process. Several replicas may run it at once: each
    /// delivery is claimed by one of them at a time.
    #[arg(long = "webhooks-dispatch", env = "ATTAIN_WEBHOOKS_DISPATCH", default_value_t = true, action = clap::ArgAction::Set)]
    pub dispatch: bool,

    /// Allow webhook URLs that point at loopback, private, link-local (including the cloud
    /// metadata address 169.254.169.254) and similar addresses. Off in production, so a webhook
    /// cannot be used to reach the cluster's own network.
    #[arg(long = "webhooks-allow-private", env = "ATTAIN_WEBHOOKS_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private: bool,

    /// How long one POST to a subscriber may take.
    #[arg(long = "webhooks-timeout", env = "ATTAIN_WEBHOOKS_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,

    /// Attempts before a delivery is dead-lettered.
    #[arg(
        long = "webhooks-max-attempts",
        env = "ATTAIN_WEBHOOKS_MAX_ATTEMPTS",
        default_value_t = 8
    )]
    pub max_attempts: u32,

    /// Wait after the first failed attempt; it doubles after each further one (with jitter).
    #[arg(long = "webhooks-backoff", env = "ATTAIN_WEBHOOKS_BACKOFF", default_value = "30s", value_parser = humantime::parse_duration)]
    pub backoff: Duration,

    /// Longest wait between two attempts.
    #[arg(long = "webhooks-backoff-max", env = "ATTAIN_WEBHOOKS_BACKOFF_MAX", default_value = "1h", value_parser = humantime::parse_duration)]
    pub backoff_max: Duration,

    /// How long a dispatcher holds a delivery it is sending; if it dies meanwhile, another
    /// replica sends the delivery once this has passed. Must exceed the timeout.
    #[arg(long = "webhooks-lease", env = "ATTAIN_WEBHOOKS_LEASE", default_value = "60s", value_parser = humantime::parse_duration)]
    pub lease: Duration,

    /// How often an idle dispatcher looks for due deliveries.
    #[arg(long = "webhooks-poll", env = "ATTAIN_WEBHOOKS_POLL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub poll: Duration,

    /// Most deliveries one dispatcher sends at once.
    #[arg(long = "webhooks-batch", env = "ATTAIN_WEBHOOKS_BATCH", default_value_t = 16)]
    pub batch: u32,

    /// The milestone detector, which writes the deliveries this dispatcher sends.
    #[command(flatten)]
    pub milestones: MilestoneArgs,
}

impl Default for WebhookArgs {
    fn default() -> Self {
        Self {
            dispatch: true,
            allow_private: false,
            timeout: Duration::from_secs(10),
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            batch: 16,
            milestones: MilestoneArgs::default(),
        }
    }
}

impl WebhookArgs {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.timeout.is_zero() {
            bail!("ATTAIN_WEBHOOKS_TIMEOUT must be more than zero");
        }
        if self.lease <= self.timeout {
            bail!("ATTAIN_WEBHOOKS_LEASE must be longer than ATTAIN_WEBHOOKS_TIMEOUT");
        }
        if self.max_attempts == 0 || self.max_attempts > 100 {
            bail!("ATTAIN_WEBHOOKS_MAX_ATTEMPTS must be between 1 and 100");
        }
        if self.backoff.is_zero() || self.backoff > self.backoff_max {
            bail!("ATTAIN_WEBHOOKS_BACKOFF must be more than zero and at most ATTAIN_WEBHOOKS_BACKOFF_MAX");
        }
        if self.poll.is_zero() {
            bail!("ATTAIN_WEBHOOKS_POLL must be more than zero");
        }
        if !(1..=1000).contains(&self.batch) {
            bail!("ATTAIN_WEBHOOKS_BATCH must be between 1 and 1000");
        }
        self.milestones.validate()
    }
}

/// The scorecard service's milestone detector (quota steps, daily goals, streaks, bests …).
#[derive(clap::Args, Debug, Clone)]
pub struct MilestoneArgs {
    /// Seconds between two milestone detection runs in this replica; 0 turns detection off.
    /// Several replicas may detect at once: each milestone is recorded once whatever runs it.
    #[arg(
        long = "milestones-interval-seconds",
        env = "ATTAIN_MILESTONES_INTERVAL_SECONDS",
        default_value_t = 15
    )]
    pub interval_seconds: u64,
}

impl Default for MilestoneArgs {
    fn default() -> Self {
        Self { interval_seconds: 15 }
    }
}

impl MilestoneArgs {
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.interval_seconds > 86_400 {
            bail!("ATTAIN_MILESTONES_INTERVAL_SECONDS must be at most 86400 (a day); 0 turns detection off");
        }
        Ok(())
    }

    /// The wait between runs; `None` when detection is off.
    pub fn interval(&self) -> Option<Duration> {
        (self.interval_seconds > 0).then(|| Duration::from_secs(self.interval_seconds))
    }
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct AdminArgs {
    /// Address of the admin HTTP server (/healthz, /readyz, /metrics); defaults to the gRPC
    /// address with the port + 1000 (metrics 51051, scorecard 51052, …).
    #[arg(long, env = "ATTAIN_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
}

impl AdminArgs {
    /// The admin address for a gRPC server on `grpc`.
    pub fn address(&self, grpc: SocketAddr) -> anyhow::Result<SocketAddr> {
        match self.admin_listen {
            Some(addr) => Ok(addr),
            None => admin_address(grpc),
        }
    }
}

/// The default admin address beside a gRPC address: same host, port + 1000.
pub fn admin_address(grpc: SocketAddr) -> anyhow::Result<SocketAddr> {
    match grpc.port().checked_add(1000) {
        Some(port) if grpc.port() != 0 => Ok(SocketAddr::new(grpc.ip(), port)),
        _ => bail!(
            "no default admin port for gRPC port {}: set ATTAIN_ADMIN_LISTEN",
            grpc.port()
        ),
    }
}

/// How callers and peers authenticate. Tenants sign in with API keys and with JWTs from the
/// identity providers an operator registers per tenant (`attain tenant idp add`); there is no
/// deployment-wide token key, so no one key can act in every tenant.
#[derive(clap::Args, Debug, Clone)]
pub struct AuthArgs {
    /// Secret the services prove who they are to each other with (at least 32 bytes, the same in
    /// every service and replica): the org directory checks keys only for callers that sign
    /// their call with it. `attain dev` makes one.
    #[arg(long, env = "ATTAIN_PEER_SECRET", hide_env_values = true)]
    pub peer_secret: Option<String>,

    /// Secret that seals page tokens (at least 32 bytes, the same in every replica of a service).
    /// Without it, page tokens are sealed with a key derived from ATTAIN_PEER_SECRET.
    #[arg(long, env = "ATTAIN_PAGE_SECRET", hide_env_values = true)]
    pub page_secret: Option<String>,

    /// The page secret being replaced, while a new ATTAIN_PAGE_SECRET rolls out: tokens sealed
    /// with it still open, new ones are sealed with the new secret.
    #[arg(long, env = "ATTAIN_PAGE_SECRET_PREVIOUS", hide_env_values = true)]
    pub page_secret_previous: Option<String>,

    /// Shortest gap between two fetches of one issuer's JWKS (org directory): a token naming an
    /// unknown key id refetches at most this often, whatever the traffic.
    #[arg(long, env = "ATTAIN_JWKS_MIN_REFRESH", default_value = "10s", value_parser = humantime::parse_duration)]
    pub jwks_min_refresh: Duration,
}

impl Default for AuthArgs {
    // The same defaults as the flags, so code that builds settings gets no unbounded refetch.
    fn default() -> Self {
        AuthArgs {
            peer_secret: None,
            page_secret: None,
            page_secret_previous: None,
            jwks_min_refresh: Duration::from_secs(10),
        }
    }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct LogArgs {
    /// Log line format.
    #[arg(long, env = "ATTAIN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,

    /// Log filter, e.g. "info" or "info,attain_scorecard=debug".
    #[arg(long, env = "ATTAIN_LOG", default_value = "info", global = true)]
    pub log: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_port_defaults_to_the_grpc_port_plus_1000() {
        let grpc: SocketAddr = "0.0.0.0:50052".parse().expect("addr");
        assert_eq!(
            AdminArgs::default().address(grpc).expect("default").to_string(),
            "0.0.0.0:51052"
        );
        let set = AdminArgs {
            admin_listen: Some("127.0.0.1:9000".parse().expect("addr")),
        };
        assert_eq!(set.address(grpc).expect("set").port(), 9000);
        assert!(admin_address("0.0.0.0:65000".parse().expect("addr")).is_err());
        assert!(admin_address("0.0.0.0:0".parse().expect("addr")).is_err());
    }
}

//! The test harness every Attain test builds on: a real PostgreSQL (the one at `DATABASE_URL`,
//! or a private cluster started once per test process), a fresh database per test with every
//! migration applied, services on loopback ports, and authenticated clients.

mod cluster;
pub mod jwt;

use std::net::SocketAddr;

use attain_domain::org::AccessRole;
use attain_proto::coaching::v1::coaching_service_client::CoachingServiceClient;
use attain_proto::hiring::v1::hiring_service_client::HiringServiceClient;
use attain_proto::webhooks::v1::webhook_service_client::WebhookServiceClient;
use attain_proto::{
    metrics::v1::metrics_service_client::MetricsServiceClient, org::v1::org_service_client::OrgServiceClient,
    scorecard::v1::scorecard_service_client::ScorecardServiceClient,
};
use attain_runtime::{
    config::{AuthArgs, DatabaseArgs, ServerArgs, WebhookArgs},
    db,
};
use sqlx::PgPool;
use tokio::{sync::watch, task::JoinHandle};
use tonic::{
    Request, Status,
    metadata::MetadataValue,
    service::interceptor::InterceptedService,
    transport::{Channel, server::TcpIncoming},
};
use uuid::Uuid;

pub use jsonwebtoken::Algorithm;
pub use jwt::{JWT_AUDIENCE, Jwt, issuer_for, test_identity_provider};

/// A fresh database with every service's migrations applied and service roles granted.
pub struct TestDb {
    pub name: String,
    /// URL as the cluster's owner (superuser): bypasses row-level security.
    pub owner_url: String,
    pub owner: PgPool,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let db = Self::empty().await;
        for set in [
            &attain_scorecard::SCHEMAS,
            &attain_metrics::SCHEMAS,
            &attain_coaching::SCHEMAS,
            &attain_hiring::SCHEMAS,
        ] {
            db::migrate(&db.owner, set).await.expect("migrate");
            db::grant_service_role(&db.owner, set, &set.default_role(), true)
                .await
                .expect("grant the service role");
        }
        db
    }

    /// A fresh database with nothing in it, e.g. to test `attain migrate`.
    pub async fn empty() -> TestDb {
        let cluster = cluster::shared();
        let name = format!("test_{}", Uuid::new_v4().simple());
        let maintenance = db::connect_owner(&cluster.url("postgres"))
            .await
            .expect("connect to the test cluster");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&maintenance)
            .await
            .expect("create the test database");
        maintenance.close().await;
        let owner_url = cluster.url(&name);
        let owner = db::connect_owner(&owner_url)
            .await
            .expect("connect to the test database");
        TestDb { name, owner_url, owner }
    }

    /// Settings for a pool that runs as `role`, as a deployed service does.
    pub fn service_args(&self, role: &str) -> DatabaseArgs {
        DatabaseArgs {
            database_url: Some(self.owner_url.clone()),
            db_role: Some(role.to_string()),
            db_max_connections: 8,
            db_acquire_timeout: std::time::Duration::from_secs(10),
        }
    }

    /// A pool that runs as `role`, subject to row-level security.
    pub async fn service_pool(&self, role: &str) -> PgPool {
        db::connect(&self.service_args(role))
            .await
            .expect("connect as the service role")
    }
}

/// The peer secret of every test deployment: services sign their key checks with it.
pub const PEER_SECRET: &str = "the test deployment's peer secret, 32+ bytes";

/// The auth settings of every test server: the shared peer secret.
pub fn auth_args() -> AuthArgs {
    AuthArgs {
        peer_secret: Some(PEER_SECRET.into()),
        ..AuthArgs::default()
    }
}

/// Webhook settings for tests: loopback receivers allowed, and retries, polls and leases in
/// milliseconds so tests wait for state changes, not for wall-clock thresholds.
/// What a test's service is assembled from: `server`, the test deployment's auth settings, and
/// the org directory at `org_url`.
pub fn service_settings(server: &ServerArgs, org_url: String) -> attain_runtime::config::ServiceSettings {
    attain_runtime::config::ServiceSettings {
        server: server.clone(),
        auth: auth_args(),
        org_url,
    }
}

pub fn webhook_args() -> WebhookArgs {
    WebhookArgs {
        dispatch: true,
        allow_private: true,
        timeout: std::time::Duration::from_secs(5),
        max_attempts: 3,
        backoff: std::time::Duration::from_millis(20),
        backoff_max: std::time::Duration::from_millis(200),
        lease: std::time::Duration::from_secs(10),
        poll: std::time::Duration::from_millis(50),
        batch: 16,
        // Tests run detection themselves (`Detector::detect_once`), so nothing is found behind
        // their backs.
        milestones: attain_runtime::config::MilestoneArgs { interval_seconds: 0 },
    }
}

/// A tenant made for a test, with an admin key.
#[derive(Clone, Debug)]
pub struct TestTenant {
    pub id: Uuid,
    pub admin_key: String,
}

/// The scorecard, metrics, coaching and hiring services, each its own gRPC server on its own
/// loopback port (so the calls between them are real gRPC), over one fresh database.
pub struct TestApp {
    pub db: TestDb,
    /// The scorecard service (org directory).
    pub addr: SocketAddr,
    /// The metrics service.
    pub metrics_addr: SocketAddr,
    /// The coaching service.
    pub coaching_addr: SocketAddr,
    /// The hiring service.
    pub hiring_addr: SocketAddr,
    stop: Option<watch::Sender<bool>>,
    server: Option<Server>,
    metrics_server: Option<Server>,
    coaching_server: Option<Server>,
    hiring_server: Option<Server>,
}

fn loopback() -> TcpIncoming {
    TcpIncoming::bind("127.0.0.1:0".parse().expect("loopback address"))
        .expect("bind a loopback port")
        .with_nodelay(Some(true))
}

/// Resolves once `stop` says so: the servers' shutdown signal.
async fn until_stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

// Each server is spawned from a plain function, not inside `start_with_webhooks`'s async body.
// A server's future then never becomes part of the type of the future a test awaits, so a test
// crate does not have to generate drop glue for the whole server stack (which made rustc's
// monomorphization walk take minutes for every test binary).
type Server = JoinHandle<anyhow::Result<()>>;

fn spawn_scorecard(
    settings: attain_scorecard::Settings,
    pool: PgPool,
    incoming: TcpIncoming,
    stop: watch::Receiver<bool>,
) -> Server {
    tokio::spawn(async move { attain_scorecard::serve(&settings, pool, incoming, Box::pin(until_stopped(stop))).await })
}

fn spawn_metrics(
    settings: attain_runtime::config::ServiceSettings,
    pool: PgPool,
    incoming: TcpIncoming,
    stop: watch::Receiver<bool>,
) -> Server {
    tokio::spawn(async move { attain_metrics::serve(&settings, pool, incoming, Box::pin(until_stopped(stop))).await })
}

fn spawn_hiring(
    settings: attain_runtime::config::ServiceSettings,
    pool: PgPool,
    incoming: TcpIncoming,
    stop: watch::Receiver<bool>,
) -> Server {
    tokio::spawn(async move { attain_hiring::serve(&settings, pool, incoming, Box::pin(until_stopped(stop))).await })
}

fn spawn_coaching(
    settings: attain_coaching::Settings,
    pool: PgPool,
    incoming: TcpIncoming,
    stop: watch::Receiver<bool>,
) -> Server {
    tokio::spawn(async move { attain_coaching::serve(&settings, pool, incoming, Box::pin(until_stopped(stop))).await })
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(ServerArgs::default()).await
    }

    pub async fn start_with(server_args: ServerArgs) -> TestApp {
        Self::start_with_webhooks(server_args, webhook_args()).await
    }

    /// Starts the services with these webhook settings for the scorecard service.
    pub async fn start_with_webhooks(server_args: ServerArgs, webhooks: WebhookArgs) -> TestApp {
        let db = TestDb::new().await;
        let (stop, stopped) = watch::channel(false);
        let pools = [
            db.service_pool("attain_scorecard").await,
            db.service_pool("attain_metrics").await,
            db.service_pool("attain_hiring").await,
            db.service_pool("attain_coaching").await,
        ];
        let [scorecard_pool, metrics_pool, hiring_pool, coaching_pool] = pools;
        let incoming = [loopback(), loopback(), loopback(), loopback()];
        let [addr, metrics_addr, hiring_addr, coaching_addr] =
            incoming.each_ref().map(|i| i.local_addr().expect("local address"));
        let [scorecard_in, metrics_in, hiring_in, coaching_in] = incoming;
        // The scorecard server also serves the org directory, which every service (itself
        // included) reads over gRPC.
        let org_url = format!("http://{addr}");
        let metrics_url = format!("http://{metrics_addr}");
        let settings = |args: &ServerArgs| service_settings(args, org_url.clone());
        let scorecard = attain_scorecard::Settings {
            service: settings(&server_args),
            metrics_url,
            webhooks,
        };
        let coaching = attain_coaching::Settings {
            service: settings(&server_args),
            survey_secret: b"test survey secret, 32 bytes long".to_vec(),
        };
        let server = spawn_scorecard(scorecard, scorecard_pool, scorecard_in, stopped.clone());
        let metrics_server = spawn_metrics(settings(&server_args), metrics_pool, metrics_in, stopped.clone());
        let hiring_server = spawn_hiring(settings(&server_args), hiring_pool, hiring_in, stopped.clone());
        let coaching_server = spawn_coaching(coaching, coaching_pool, coaching_in, stopped);
        TestApp {
            db,
            addr,
            metrics_addr,
            coaching_addr,
            hiring_addr,
            stop: Some(stop),
            server: Some(server),
            metrics_server: Some(metrics_server),
            coaching_server: Some(coaching_server),
            hiring_server: Some(hiring_server),
        }
    }

    /// Creates a tenant (as the operator would) with an admin API key.
    pub async fn tenant(&self, name: &str) -> TestTenant {
        let calendar = attain_domain::calendar::Calendar::default();
        let t = attain_scorecard::tenants::create_tenant(&self.db.owner, name, &calendar, "USD")
            .await
            .expect("create tenant");
        let admin_key = self.api_key(t.tenant_id, AccessRole::Admin, None).await;
        // Its own token issuer, so tests can sign in with tokens too.
        attain_scorecard::org::identity::IdentityProviders::new(self.db.owner.clone())
            .add(&test_identity_provider(t.tenant_id))
            .await
            .expect("register the tenant's test issuer");
        TestTenant {
            id: t.tenant_id,
            admin_key,
        }
    }

    /// Creates an API key of `role` in `tenant`, acting as `person`.
    pub async fn api_key(&self, tenant: Uuid, role: AccessRole, person: Option<Uuid>) -> String {
        attain_scorecard::org::admin::create_api_key(&self.db.owner, tenant, role, person, "test")
            .await
            .expect("create api key")
            .1
    }

    pub async fn channel(&self) -> Channel {
        connect(self.addr).await
    }

    /// A metrics client that authenticates with `token` (API key or JWT).
    pub async fn metrics(&self, token: &str) -> MetricsServiceClient<InterceptedService<Channel, Bearer>> {
        MetricsServiceClient::with_interceptor(connect(self.metrics_addr).await, Bearer::new(token))
            .max_decoding_message_size(64 * 1024 * 1024)
            .max_encoding_message_size(64 * 1024 * 1024)
    }

    /// A coaching client that authenticates with `token` (API key or JWT).
    pub async fn coaching(&self, token: &str) -> CoachingServiceClient<InterceptedService<Channel, Bearer>> {
        CoachingServiceClient::with_interceptor(connect(self.coaching_addr).await, Bearer::new(token))
    }

    /// A hiring client that authenticates with `token` (API key or JWT).
    pub async fn hiring(&self, token: &str) -> HiringServiceClient<InterceptedService<Channel, Bearer>> {
        HiringServiceClient::with_interceptor(connect(self.hiring_addr).await, Bearer::new(token))
    }

    /// A scorecard client that authenticates with `token` (API key or JWT).
    pub async fn scorecard(&self, token: &str) -> ScorecardServiceClient<InterceptedService<Channel, Bearer>> {
        ScorecardServiceClient::with_interceptor(self.channel().await, Bearer::new(token))
    }

    /// A webhooks client (served by the scorecard service) that authenticates with `token`.
    pub async fn webhooks(&self, token: &str) -> WebhookServiceClient<InterceptedService<Channel, Bearer>> {
        WebhookServiceClient::with_interceptor(self.channel().await, Bearer::new(token))
    }

    /// A milestones client (served by the scorecard service) that authenticates with `token`.
    pub async fn milestones(
        &self,
        token: &str,
    ) -> attain_proto::webhooks::v1::milestone_service_client::MilestoneServiceClient<InterceptedService<Channel, Bearer>>
    {
        attain_proto::webhooks::v1::milestone_service_client::MilestoneServiceClient::with_interceptor(
            self.channel().await,
            Bearer::new(token),
        )
    }

    /// An org directory client that authenticates with `token` (API key or JWT).
    pub async fn org(&self, token: &str) -> OrgServiceClient<InterceptedService<Channel, Bearer>> {
        OrgServiceClient::with_interceptor(self.channel().await, Bearer::new(token))
    }

    /// Stops the server, letting in-flight calls finish, and returns its result.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        let servers = [
            self.server.take(),
            self.metrics_server.take(),
            self.coaching_server.take(),
            self.hiring_server.take(),
        ];
        for server in servers.into_iter().flatten() {
            server.await??;
        }
        Ok(())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for server in [
            &self.server,
            &self.metrics_server,
            &self.coaching_server,
            &self.hiring_server,
        ]
        .into_iter()
        .flatten()
        {
            server.abort();
        }
    }
}

async fn connect(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to the test server")
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<tonic::metadata::Ascii>>);

impl Bearer {
    pub fn new(token: &str) -> Self {
        Bearer(format!("Bearer {token}").parse().ok())
    }

    /// Sends no authorization at all.
    pub fn none() -> Self {
        Bearer(None)
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            req.metadata_mut().insert("authorization", value.clone());
        }
        Ok(req)
    }
}

/// The fields named by the `google.rpc.BadRequest` details of an INVALID_ARGUMENT status.
pub fn violated_fields(status: &Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(
        status.code(),
        tonic::Code::InvalidArgument,
        "expected INVALID_ARGUMENT, got {status:?}"
    );
    status
        .get_details_bad_request()
        .expect("INVALID_ARGUMENT carries BadRequest details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

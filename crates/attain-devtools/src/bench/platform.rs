//! A throwaway Attain platform for benchmarks: a database, migrations, the scorecard and
//! metrics services on loopback ports, a tenant and an integration key.

use std::net::SocketAddr;

use anyhow::Context;
use attain_domain::{calendar::Calendar, org::AccessRole};
use attain_runtime::{
    config::{AuthArgs, DatabaseArgs, ServerArgs, ServiceSettings, WebhookArgs},
    db,
    local_pg::{LocalPostgres, LocalPostgresOptions},
};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

/// A database for one benchmark run: in a private PostgreSQL unless a URL is given, migrated.
pub struct BenchDatabase {
    pub owner: PgPool,
    /// The owner's URL of the benchmark's database.
    pub url: String,
    postgres: Option<LocalPostgres>,
    dir: Option<std::path::PathBuf>,
}

impl BenchDatabase {
    pub async fn start(database_url: Option<String>) -> anyhow::Result<BenchDatabase> {
        let (maintenance_url, postgres, dir) = match database_url {
            Some(url) => (url, None, None),
            None => {
                let dir = std::env::temp_dir().join(format!("attain-bench-{}", std::process::id()));
                let pg_dir = dir.clone();
                let pg =
                    tokio::task::spawn_blocking(move || LocalPostgres::start(&pg_dir, LocalPostgresOptions::default()))
                        .await??;
                (pg.url("postgres"), Some(pg), Some(dir))
            }
        };
        let name = format!("attain_bench_{}", Uuid::new_v4().simple());
        let maintenance = db::connect_owner(&maintenance_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&maintenance)
            .await?;
        maintenance.close().await;
        let url = db::with_database(&maintenance_url, &name);
        let owner = db::connect_owner(&url).await?;
        attain_server::migrate_all(&owner, true).await?;
        Ok(BenchDatabase {
            owner,
            url,
            postgres,
            dir,
        })
    }

    /// A tenant and its admin key.
    pub async fn tenant(&self) -> anyhow::Result<(Uuid, String)> {
        let tenant =
            attain_scorecard::tenants::create_tenant(&self.owner, "Bench", &Calendar::default(), "USD").await?;
        let (_, key) = attain_scorecard::org::admin::create_api_key(
            &self.owner,
            tenant.tenant_id,
            AccessRole::Admin,
            None,
            "bench",
        )
        .await
        .context("creating the bench key")?;
        Ok((tenant.tenant_id, key))
    }

    /// Stops the private PostgreSQL and removes its files.
    pub fn finish(mut self) {
        drop(self.postgres.take());
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub struct Platform {
    pub owner: PgPool,
    pub tenant: Uuid,
    pub key: String,
    pub org_addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    /// The scorecard service's own pool (its role, under row-level security), for work the
    /// bench runs in-process as that service would, e.g. a milestone detection run.
    pub scorecard_pool: PgPool,
    stop: watch::Sender<bool>,
    database: BenchDatabase,
}

impl Platform {
    /// Starts the scorecard and metrics services in this process. Through the service crates'
    /// own `serve` rather than `attain_server::serve`: the bench listens on port 0 and needs the
    /// address it got, and wants no admin server or dispatcher beside what it measures.
    pub async fn start(database_url: Option<String>) -> anyhow::Result<Platform> {
        let database = BenchDatabase::start(database_url).await?;
        let url = database.url.clone();
        let (stop, stopped) = watch::channel(false);
        let server = ServerArgs {
            max_message_bytes: 64 * 1024 * 1024,
            // Thousands of calls a second: a line each would bury the figures the bench prints
            // (and measure the terminal). A deployment samples it with ATTAIN_ACCESS_LOG_SAMPLE.
            access_log: attain_runtime::config::AccessLog::Off,
            ..ServerArgs::default()
        };
        let service_db = |role: &str| DatabaseArgs {
            database_url: Some(url.clone()),
            db_role: Some(role.into()),
            db_max_connections: 16,
            db_acquire_timeout: std::time::Duration::from_secs(30),
        };
        let org_incoming = attain_runtime::server::bind("127.0.0.1:0".parse()?)?;
        let org_addr = org_incoming.local_addr()?;
        let metrics_incoming = attain_runtime::server::bind("127.0.0.1:0".parse()?)?;
        let metrics_addr = metrics_incoming.local_addr()?;
        let org_pool = db::connect(&service_db("attain_scorecard")).await?;
        let scorecard_pool = org_pool.clone();
        let metrics_url = format!("http://{metrics_addr}");
        let metrics_pool = db::connect(&service_db("attain_metrics")).await?;
        let until = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let (s1, s2) = (server.clone(), server);
        let (r1, r2) = (stopped.clone(), stopped);
        let own_url = format!("http://{org_addr}");
        tokio::spawn(async move {
            let settings = attain_scorecard::Settings {
                service: ServiceSettings {
                    server: s1,
                    auth: bench_auth(),
                    org_url: own_url,
                },
                metrics_url,
                // Nothing to send in a benchmark: no dispatcher polling and no milestone detection
                // beside the measured load.
                webhooks: WebhookArgs {
                    dispatch: false,
                    milestones: attain_runtime::config::MilestoneArgs { interval_seconds: 0 },
                    ..WebhookArgs::default()
                },
            };
            attain_scorecard::serve(&settings, org_pool, org_incoming, Box::pin(until(r1))).await
        });
        let org_url = format!("http://{org_addr}");
        tokio::spawn(async move {
            let settings = ServiceSettings {
                server: s2,
                auth: bench_auth(),
                org_url,
            };
            attain_metrics::serve(&settings, metrics_pool, metrics_incoming, Box::pin(until(r2))).await
        });

        let (tenant, key) = database.tenant().await?;
        Ok(Platform {
            owner: database.owner.clone(),
            tenant,
            key,
            org_addr,
            metrics_addr,
            scorecard_pool,
            stop,
            database,
        })
    }
}

impl Platform {
    /// Stops the services and the private PostgreSQL, and removes its files.
    pub fn finish(self) {
        let _ = self.stop.send(true);
        self.database.finish();
    }
}

/// The peer secret the benchmark's services sign their key checks with.
pub const BENCH_PEER_SECRET: &str = "bench-peer-secret-0123456789abcdef0123";

/// Auth settings of the benchmark's services: API keys, and the bench's peer secret.
fn bench_auth() -> AuthArgs {
    AuthArgs {
        peer_secret: Some(BENCH_PEER_SECRET.into()),
        ..AuthArgs::default()
    }
}

/// Creates an SDR named `name` through the org directory at `org`; their person id.
pub async fn create_rep(org: &tonic::transport::Channel, key: &str, name: &str) -> anyhow::Result<String> {
    use attain_proto::org::v1::{CreatePersonRequest, Person, SalesRole, org_service_client::OrgServiceClient};
    let request = CreatePersonRequest {
        person: Some(Person {
            display_name: name.into(),
            sales_role: SalesRole::Sdr as i32,
            ..Default::default()
        }),
        request_id: String::new(),
    };
    Ok(OrgServiceClient::new(org.clone())
        .create_person(attain_server::api::authorized(request, key)?)
        .await?
        .into_inner()
        .person
        .context("the org directory returned no person")?
        .id)
}

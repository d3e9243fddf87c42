//! `attain dev`: the whole platform on a laptop. Starts a private PostgreSQL (unless
//! DATABASE_URL is set), migrates, makes sure a dev tenant exists, mints an admin API key, and
//! serves every built service on its own port so the gRPC contracts between them are real.

use std::{net::IpAddr, path::PathBuf};

use anyhow::Context;
use attain_domain::{calendar::Calendar, org::AccessRole};
use attain_runtime::{
    config::{AuthArgs, DatabaseArgs, ServerArgs, WebhookArgs},
    db,
    local_pg::{LocalPostgres, LocalPostgresOptions},
};
use attain_scorecard::org::admin;
use futures::future::try_join_all;
use tokio::sync::watch;

use crate::{
    migrate::migrate_all,
    serve::serve,
    service::{BUILT, Service},
    settings::Settings,
};

const DEV_TENANT: &str = "Dev tenant";

#[derive(clap::Args)]
pub struct DevArgs {
    /// Where the private PostgreSQL keeps its data between runs.
    #[arg(long, env = "ATTAIN_DEV_DIR", default_value = ".attain/dev")]
    data_dir: PathBuf,
    /// Address the services listen on.
    #[arg(long, env = "ATTAIN_DEV_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// First of four consecutive gRPC ports: metrics, scorecard, coaching, hiring. Each
    /// service's admin HTTP port (/healthz, /readyz, /metrics) is its gRPC port + 1000.
    #[arg(long, env = "ATTAIN_DEV_BASE_PORT", default_value_t = 50051)]
    base_port: u16,
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    webhooks: WebhookArgs,
}

pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    args.server.validate()?;
    args.webhooks.validate()?;
    // Four gRPC ports, and the admin ports 1000 above them.
    if args.base_port > u16::MAX - 1003 {
        anyhow::bail!("ATTAIN_DEV_BASE_PORT must be at most {}", u16::MAX - 1003);
    }
    let (owner_url, _postgres) = match args.db.database_url.clone().filter(|u| !u.is_empty()) {
        Some(url) => (url, None),
        None => {
            let dir = std::path::absolute(&args.data_dir)?;
            eprintln!("starting a private PostgreSQL in {}", dir.display());
            let pg = tokio::task::spawn_blocking(move || {
                LocalPostgres::start(&dir.join("postgres"), LocalPostgresOptions::default())
            })
            .await??;
            ensure_database(&pg.url("postgres"), "attain").await?;
            (pg.url("attain"), Some(pg))
        }
    };
    let owner = db::connect_owner(&owner_url).await?;
    migrate_all(&owner, true).await?;
    let tenant = match admin::find_tenant_by_name(&owner, DEV_TENANT).await? {
        Some(t) => t,
        None => attain_scorecard::tenants::create_tenant(&owner, DEV_TENANT, &Calendar::default(), "USD").await?,
    };
    // A dev database from an older build may predate the built-in templates.
    attain_scorecard::tenants::ensure_built_in_templates(&owner, tenant.tenant_id).await?;
    let (_, key) = admin::create_api_key(&owner, tenant.tenant_id, AccessRole::Admin, None, "attain dev").await?;
    // A local identity provider for the dev tenant, so tokens work as an org's sign-in would.
    crate::dev_idp::register(&owner, &args.data_dir, tenant.tenant_id).await?;
    owner.close().await;

    let scorecard = format!("{}:{}", args.host, args.base_port + Service::Scorecard.port_offset());
    let metrics = format!("{}:{}", args.host, args.base_port + Service::Metrics.port_offset());
    let survey_secret = kept_secret(&args.data_dir, "survey-secret")?;
    // The services prove who they are to each other with this (the org directory checks keys
    // only for calls signed with it); kept with the data so a restart changes nothing.
    let mut auth = args.auth.clone();
    if auth.peer_secret.is_none() {
        auth.peer_secret = Some(kept_secret(&args.data_dir, "peer-secret")?);
    }
    attain_runtime::auth::PeerIdentity::new("dev", auth.peer_secret.as_deref())?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut servers = Vec::new();
    let mut lines = Vec::new();
    let mut addresses = Vec::new();
    for service in BUILT {
        let listen = std::net::SocketAddr::new(args.host, args.base_port + service.port_offset());
        let settings = Settings {
            service: *service,
            listen,
            admin_listen: attain_runtime::config::admin_address(listen)?,
            db: DatabaseArgs {
                database_url: Some(owner_url.clone()),
                db_role: Some(format!("attain_{}", service.name())),
                ..args.db.clone()
            },
            server: args.server.clone(),
            auth: auth.clone(),
            webhooks: args.webhooks.clone(),
            org_url: format!("http://{scorecard}"),
            metrics_url: format!("http://{metrics}"),
            survey_secret: Some(survey_secret.clone()),
        };
        let mut stop = stop_rx.clone();
        lines.push(format!(
            "  {:<10} grpc://{listen}  admin http://{}/metrics",
            service.name(),
            settings.admin_listen
        ));
        servers.push(tokio::spawn(async move {
            serve(
                &settings,
                Box::pin(async move {
                    let _ = stop.wait_for(|s| *s).await;
                }),
            )
            .await
        }));
        addresses.push(listen);
    }
    // Announce only once every server accepts connections, so that a script that waits for the
    // banner can use the services at once.
    for address in addresses {
        wait_until_listening(address, &mut servers).await?;
    }
    println!("Attain dev is running.\n");
    println!("Services:\n{}\n", lines.join("\n"));
    println!("Tenant:        {} ({})", tenant.display_name, tenant.tenant_id);
    println!("Admin API key: {key}");
    println!(
        "Token issuer:  {} (sign in with a token: attain dev-token --role admin{})\n",
        crate::dev_idp::ISSUER,
        if args.data_dir == std::path::Path::new(".attain/dev") {
            String::new()
        } else {
            format!(" --data-dir {}", args.data_dir.display())
        }
    );
    println!("Try it:");
    println!("  export ATTAIN_KEY={key}");
    println!(
        "  buf curl --protocol grpc --http2-prior-knowledge -H \"authorization: Bearer $ATTAIN_KEY\" \\\n    http://{scorecard}/attain.org.v1.OrgService/GetTenant"
    );
    println!("\nPress Ctrl-C to stop.");

    let shutdown = tokio::spawn(async move {
        attain_runtime::server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let served = try_join_all(servers).await;
    shutdown.abort();
    for result in served? {
        result?;
    }
    Ok(())
}

/// Waits until `address` accepts TCP connections, failing early if a server has stopped (a
/// port in use, a bad setting).
async fn wait_until_listening(
    address: std::net::SocketAddr,
    servers: &mut [tokio::task::JoinHandle<anyhow::Result<()>>],
) -> anyhow::Result<()> {
    let connect_to = if address.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), address.port())
    } else {
        address
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if tokio::net::TcpStream::connect(connect_to).await.is_ok() {
            return Ok(());
        }
        if let Some(done) = servers.iter_mut().find(|s| s.is_finished()) {
            return match done.await {
                Ok(Err(e)) => Err(e),
                Ok(Ok(())) => Err(anyhow::anyhow!("a service stopped before it started listening")),
                Err(e) => Err(anyhow::anyhow!("a service task failed: {e}")),
            };
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("{address} did not start listening within 60 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A dev secret (the survey secret, the peer secret): made once and kept in the data directory,
/// so that a restart does not, e.g., let people answer a survey twice.
fn kept_secret(dir: &std::path::Path, file: &str) -> anyhow::Result<String> {
    let path = dir.join(file);
    if let Ok(secret) = std::fs::read_to_string(&path)
        && secret.trim().len() >= 16
    {
        return Ok(secret.trim().to_string());
    }
    std::fs::create_dir_all(dir)?;
    let secret: String = {
        use rand::RngExt;
        let bytes: [u8; 32] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    std::fs::write(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

/// Creates `name` on the cluster if it does not exist yet.
async fn ensure_database(maintenance_url: &str, name: &str) -> anyhow::Result<()> {
    let pool = db::connect_owner(maintenance_url).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&pool)
        .await?;
    if !exists {
        db::check_identifier(name)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&pool)
            .await
            .context("creating the dev database")?;
    }
    pool.close().await;
    Ok(())
}

//! The admin HTTP port every service serves beside gRPC, for Kubernetes and Prometheus:
//! `/healthz` (the process answers), `/readyz` (the database answers and holds every migration
//! this binary knows; not while draining) and `/metrics` (Prometheus text format).

use std::{
    future::Future,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use sqlx::{AssertSqlSafe, PgPool};

use crate::{db::SchemaSet, rpc_metrics::ServiceMetrics};

/// Longest a readiness check waits for the database, below the probe's own timeout so the
/// answer is a reason rather than a timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// What the admin endpoints report on.
#[derive(Clone)]
pub struct Admin {
    metrics: Arc<ServiceMetrics>,
    pool: PgPool,
    schemas: &'static SchemaSet,
    draining: Arc<AtomicBool>,
}

impl Admin {
    pub fn new(metrics: Arc<ServiceMetrics>, pool: PgPool, schemas: &'static SchemaSet) -> Self {
        Self {
            metrics,
            pool,
            schemas,
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// From now on `/readyz` answers 503, so the pod leaves the Service's endpoints while its
    /// in-flight calls drain.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// `Ok` when the service can take traffic, else why not.
    pub async fn readiness(&self) -> Result<(), String> {
        if self.draining.load(Ordering::Relaxed) {
            return Err("shutting down".into());
        }
        match tokio::time::timeout(READY_TIMEOUT, migrations_current(&self.pool, self.schemas)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "the database did not answer within {}s",
                READY_TIMEOUT.as_secs()
            )),
        }
    }
}

/// Binds the admin port; separate from [`serve`] so that a port in use fails the start.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (ATTAIN_ADMIN_LISTEN)"))
}

/// Serves the admin endpoints until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    admin: Admin,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(admin);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("admin HTTP server failed")
}

/// Runs a gRPC server (`grpc`, given the future that tells it to drain) with its admin server
/// beside it. On `shutdown`, readiness fails first; the admin port stays up until the gRPC
/// server has drained, so probes and scrapes see the drain instead of a refused connection.
pub async fn serve_with_grpc<F, G>(
    listener: tokio::net::TcpListener,
    admin: Admin,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grpc: G,
) -> anyhow::Result<()>
where
    G: FnOnce(crate::server::Shutdown) -> F,
    F: Future<Output = anyhow::Result<()>>,
{
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut admin_server = tokio::spawn(serve(listener, admin.clone(), async move {
        let _ = stop_rx.await;
    }));
    let drain = Box::pin(async move {
        shutdown.await;
        admin.start_draining();
    });
    let grpc = grpc(drain);
    tokio::pin!(grpc);
    tokio::select! {
        served = &mut grpc => {
            let _ = stop_tx.send(());
            let admin_result = admin_server.await.context("admin server task failed")?;
            served.and(admin_result)
        }
        admin_result = &mut admin_server => {
            admin_result.context("admin server task failed")??;
            anyhow::bail!("the admin HTTP server stopped unexpectedly")
        }
    }
}

async fn readyz(State(admin): State<Admin>) -> impl IntoResponse {
    match admin.readiness().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}\n")),
    }
}

async fn metrics(State(admin): State<Admin>) -> impl IntoResponse {
    match admin.metrics.encode(Some(&admin.pool)) {
        Ok(text) => (
            StatusCode::OK,
            [(
                http::header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics\n").into_response(),
    }
}

/// Whether every migration embedded in this binary is applied. A database that is ahead
/// (versions this binary does not know) is fine: during a rolling upgrade the new release's
/// migrations run before its pods start, and the old pods must keep serving.
pub async fn migrations_current(pool: &PgPool, set: &SchemaSet) -> Result<(), String> {
    crate::db::check_identifier(set.service).map_err(|e| e.to_string())?;
    let query = format!("SELECT version FROM \"{}\"._sqlx_migrations WHERE success", set.service);
    // Through the reachability check, so a database that does not answer is said in a moment.
    let applied = async {
        let mut connection = crate::reachability::acquire(pool).await?;
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(query))
            .fetch_all(&mut *connection)
            .await
    };
    let applied = match applied.await {
        Ok(applied) => applied,
        Err(sqlx::Error::Database(e)) => {
            // Only the SQLSTATE and PostgreSQL's own message: neither holds a credential.
            return Err(match e.code().as_deref() {
                Some("42P01" | "3F000") => {
                    format!("the {} migrations have not been run (`attain migrate`)", set.service)
                }
                Some("42501") => format!(
                    "the service role may not read {}._sqlx_migrations (`attain migrate` grants it)",
                    set.service
                ),
                _ => format!("the database refused the readiness query: {}", e.message()),
            });
        }
        Err(e) => return Err(format!("the database is unreachable: {}", unreachable_reason(&e))),
    };
    let missing: Vec<_> = set
        .migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{} of the {} migrations are not applied yet, from {} ({}); run `attain migrate`",
            missing.len(),
            set.service,
            first.version,
            first.description
        )),
    }
}

/// A connection error without anything from the URL in it.
fn unreachable_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::PoolTimedOut => "no connection became free in time".into(),
        sqlx::Error::Io(io) => io.kind().to_string(),
        sqlx::Error::Tls(_) => "TLS failed".into(),
        sqlx::Error::PoolClosed => "the pool is closed".into(),
        _ => "connection failed".into(),
    }
}

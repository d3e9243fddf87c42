//! The admin port against a real PostgreSQL (a private cluster, or DATABASE_URL as a superuser)
//! and a real gRPC server: readiness follows the migrations, and the RPC counters move with
//! calls and errors.

use std::{borrow::Cow, net::SocketAddr, sync::Arc, time::Duration};

use attain_runtime::{
    admin::{self, Admin},
    auth::Authenticator,
    config::ServerArgs,
    db::{self, SchemaSet},
    local_pg::{LocalPostgres, LocalPostgresOptions},
    rpc_metrics::ServiceMetrics,
    server::GrpcServer,
};
use sqlx::{
    SqlSafeStr,
    migrate::{Migration, MigrationType, Migrator},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// A database of its own on the test cluster, as its owner; the cluster lives as long as it.
async fn database(name: &str) -> (Option<LocalPostgres>, sqlx::PgPool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (pg, maintenance) = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => (None, url),
        None => {
            let path = dir.path().to_path_buf();
            let pg = tokio::task::spawn_blocking(move || {
                LocalPostgres::start(
                    &path,
                    LocalPostgresOptions {
                        ephemeral: true,
                        port: None,
                    },
                )
            })
            .await
            .expect("join")
            .expect("start PostgreSQL");
            let url = pg.url("postgres");
            (Some(pg), url)
        }
    };
    let owner = db::connect_owner(&maintenance).await.expect("connect");
    let name = format!("{name}_{}", std::process::id());
    for statement in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&owner)
            .await
            .expect("create database");
    }
    owner.close().await;
    let pool = db::connect_owner(&db::with_database(&maintenance, &name))
        .await
        .expect("connect");
    (pg, pool, dir)
}

fn migration(version: i64, sql: &'static str) -> Migration {
    Migration::new(
        version,
        Cow::Owned(format!("step {version}")),
        MigrationType::Simple,
        sql.into_sql_str(),
        false,
    )
}

/// A service with two migrations, leaked because a SchemaSet holds a static migrator.
fn schema_set() -> &'static SchemaSet {
    let migrator = Box::leak(Box::new(Migrator {
        migrations: Cow::Owned(vec![
            migration(1, "CREATE TABLE widgets.parts (id int PRIMARY KEY)"),
            migration(2, "ALTER TABLE widgets.parts ADD COLUMN name text"),
        ]),
        ..Migrator::DEFAULT
    }));
    Box::leak(Box::new(SchemaSet {
        service: "widgets",
        schemas: &["widgets"],
        migrator,
    }))
}

/// GET `path` over HTTP/1.1; the status code and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect admin");
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The value of the sample `name{labels}` in a Prometheus text exposition, 0 when absent.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|v| v.trim().parse().expect("a number"))
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_waits_for_migrations_and_metrics_count_calls_and_errors() {
    let (_pg, pool, _dir) = database("admin_port").await;
    let set = schema_set();
    let metrics = Arc::new(ServiceMetrics::new());
    let admin = Admin::new(metrics.clone(), pool.clone(), set);
    let admin_listener = admin::bind("127.0.0.1:0".parse().expect("addr")).await.expect("bind");
    let admin_addr = admin_listener.local_addr().expect("addr");
    let grpc_listener = attain_runtime::server::bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let grpc_addr = grpc_listener.local_addr().expect("addr");
    let server = ServerArgs {
        metrics: Some(metrics),
        shutdown_grace: Duration::from_secs(2),
        ..ServerArgs::default()
    };
    let probe = admin.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(admin::serve_with_grpc(
        admin_listener,
        admin,
        async move {
            let _ = stop_rx.await;
        },
        move |shutdown| async move {
            let auth = Authenticator::new(Arc::new(Nobody), Arc::new(Nobody));
            GrpcServer::new(&server).serve(grpc_listener, auth, shutdown).await
        },
    ));

    assert_eq!(get(admin_addr, "/healthz").await.0, 200);
    let (status, body) = get(admin_addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("have not been run"), "{body}");

    // Half migrated: still not ready, and the answer names the first missing migration.
    let mut first = Migrator {
        migrations: Cow::Owned(set.migrator.migrations[..1].to_vec()),
        ..Migrator::DEFAULT
    };
    first.dangerous_set_table_name("widgets._sqlx_migrations");
    first.create_schema("widgets");
    first.run(&pool).await.expect("first migration");
    let (status, body) = get(admin_addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("1 of the widgets migrations") && body.contains("from 2"),
        "{body}"
    );

    db::migrate(&pool, set).await.expect("migrate");
    let (status, body) = get(admin_addr, "/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));

    // A database ahead of the binary (a newer release migrated it) keeps old pods ready.
    sqlx::query(
        "INSERT INTO widgets._sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (3, 'from a newer release', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .expect("a newer migration");
    assert_eq!(get(admin_addr, "/readyz").await.0, 200);

    // One call that succeeds and one that fails (no such service: NOT_FOUND).
    let (_, before) = get(admin_addr, "/metrics").await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{grpc_addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel);
    let check = |service: &str| {
        tonic::Request::new(HealthCheckRequest {
            service: service.to_string(),
        })
    };
    health.check(check("")).await.expect("overall health");
    let err = health
        .check(check("no.such.Service"))
        .await
        .expect_err("unknown service");
    assert_eq!(err.code(), tonic::Code::NotFound);
    let (status, after) = get(admin_addr, "/metrics").await;
    assert_eq!(status, 200);

    let labels = r#"grpc_service="grpc.health.v1.Health",grpc_method="Check""#;
    let delta = |name: &str| sample(&after, name) - sample(&before, name);
    assert_eq!(delta(&format!("grpc_server_started_total{{{labels}}}")), 2.0, "{after}");
    assert_eq!(
        delta(&format!(r#"grpc_server_handled_total{{{labels},grpc_code="OK"}}"#)),
        1.0,
        "{after}"
    );
    assert_eq!(
        delta(&format!(
            r#"grpc_server_handled_total{{{labels},grpc_code="NOT_FOUND"}}"#
        )),
        1.0,
        "{after}"
    );
    assert_eq!(
        delta(&format!("grpc_server_handling_seconds_count{{{labels}}}")),
        2.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, &format!("grpc_server_in_flight_requests{{{labels}}}")),
        0.0
    );
    assert!(sample(&after, "attain_db_pool_connections") >= 1.0, "{after}");
    assert!(
        after.contains("# TYPE attain_db_pool_idle_connections gauge"),
        "{after}"
    );

    // Draining: readiness fails while the admin port stays up.
    probe.start_draining();
    let (status, body) = get(admin_addr, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: shutting down\n"));
    drop(health);
    stop_tx.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(40), served)
        .await
        .expect("drained in time")
        .expect("join")
        .expect("served");
}

/// Credential stores that know no one: the probes under test need none.
struct Nobody;

impl attain_runtime::auth::ApiKeyStore for Nobody {
    fn verify<'a>(
        &'a self,
        _: &'a attain_runtime::auth::ApiKey,
    ) -> futures::future::BoxFuture<'a, Result<Option<attain_runtime::Caller>, attain_runtime::ApiError>> {
        Box::pin(async { Ok(None) })
    }
}

impl attain_runtime::auth::TokenStore for Nobody {
    fn verify_token<'a>(
        &'a self,
        _: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<attain_runtime::Caller, attain_runtime::ApiError>> {
        Box::pin(async { Err(attain_runtime::ApiError::Unauthenticated("no one".into())) })
    }
}

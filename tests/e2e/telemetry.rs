//! Observability through the real binary: traces of one call across two services, received by
//! an OTLP/gRPC receiver built here from the OpenTelemetry collector's own definitions; the
//! `/metrics` counters moving with calls and errors; and logs and spans free of any fragment of
//! the API key, the JWT, the peer secret and the database password.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::Stdio,
};

use attain_proto::{
    metrics::v1::{Event, IngestEventsRequest, ListMetricsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{CreatePersonRequest, GetTenantRequest, Person, SalesRole, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, Jwt, PEER_SECRET, TestDb};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode};
use tonic::{Request, metadata::MetadataValue, transport::Channel};

use crate::{
    Running, attain, free_port,
    otlp::{Received, start_receiver},
};

const DB_PASSWORD: &str = "pg-password-0f3b9c27d1e84a56";

/// A migrated database with a tenant and an admin key, made through the binary.
struct Org {
    _db: TestDb,
    /// The owner URL with a password in it (the test cluster trusts loopback connections, so it
    /// is not checked, but it is there to leak).
    url: String,
    tenant: String,
    key: String,
    dir: PathBuf,
}

async fn org() -> Org {
    let db = TestDb::empty().await;
    let url = db
        .owner_url
        .replacen("postgres://attain@", &format!("postgres://attain:{DB_PASSWORD}@"), 1);
    assert!(url.contains(DB_PASSWORD), "the test cluster's URL changed shape: {url}");
    let (tenant, key) =
        crate::migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme", "--time-zone", "UTC"]);
    crate::register_test_issuer(&url, &tenant);
    let dir = std::env::temp_dir().join(format!("attain-telemetry-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("log folder");
    Org {
        _db: db,
        url,
        tenant,
        key,
        dir,
    }
}

/// The scorecard (with the org directory) and metrics services as two processes, logging JSON at
/// debug level into files, exporting traces to `otlp` when given.
struct Services {
    scorecard: Running,
    metrics: Running,
    scorecard_addr: String,
    metrics_addr: String,
    metrics_admin: String,
    scorecard_admin: String,
    logs: [PathBuf; 2],
}

fn serve(org: &Org, otlp: Option<&str>) -> Services {
    let scorecard_addr = format!("127.0.0.1:{}", free_port());
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let metrics_admin = format!("127.0.0.1:{}", free_port());
    let scorecard_admin = format!("127.0.0.1:{}", free_port());
    let logs = [org.dir.join("scorecard.log"), org.dir.join("metrics.log")];
    let start = |service: &str, listen: &str, log: &Path, role: &str| {
        let mut cmd = attain();
        cmd.args(["serve", service, "--listen", listen, "--admin-listen"])
            .arg(if service == "metrics" {
                metrics_admin.clone()
            } else {
                scorecard_admin.clone()
            })
            .env("DATABASE_URL", &org.url)
            .env("ATTAIN_DB_ROLE", role)
            .env("ATTAIN_ORG_URL", format!("http://{scorecard_addr}"))
            .env("ATTAIN_METRICS_URL", format!("http://{metrics_addr}"))
            .env("ATTAIN_LOG", "debug")
            .env("ATTAIN_LOG_FORMAT", "json")
            .env_remove("OTEL_SERVICE_NAME")
            .env_remove("OTEL_RESOURCE_ATTRIBUTES")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if let Some(endpoint) = otlp {
            // Spans stay buffered for an hour: only the flush at shutdown can deliver them.
            cmd.env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
                .env("OTEL_BSP_SCHEDULE_DELAY", "3600000");
        }
        let file = File::create(log).expect("log file");
        Running(
            cmd.stdout(Stdio::null())
                .stderr(Stdio::from(file))
                .spawn()
                .expect("start attain"),
        )
    };
    let scorecard = start("scorecard", &scorecard_addr, &logs[0], "attain_scorecard");
    let metrics = start("metrics", &metrics_addr, &logs[1], "attain_metrics");
    Services {
        scorecard,
        metrics,
        scorecard_addr,
        metrics_addr,
        metrics_admin,
        scorecard_admin,
        logs,
    }
}

impl Services {
    async fn channels(&self) -> (Channel, Channel) {
        (
            crate::operator::wait_serving_service(&self.scorecard_addr, "attain.org.v1.OrgService").await,
            crate::operator::wait_serving_service(&self.metrics_addr, "attain.metrics.v1.MetricsService").await,
        )
    }

    /// Stops both with SIGTERM (which flushes their spans) and returns their logs.
    async fn stop(mut self) -> String {
        let logs = self.logs.clone();
        tokio::task::spawn_blocking(move || {
            self.metrics.terminate();
            self.scorecard.terminate();
        })
        .await
        .expect("stop");
        logs.iter()
            .map(|p| std::fs::read_to_string(p).expect("read log"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const ROOT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const ROOT_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn one_call_across_two_services_is_one_trace_with_parent_links_names_and_status() {
    let (endpoint, receiver) = start_receiver().await;
    let org = org().await;
    let services = serve(&org, Some(&endpoint));
    let (_, metrics_channel) = services.channels().await;
    let mut metrics = MetricsServiceClient::with_interceptor(metrics_channel, Bearer::new(&org.key));

    // The metrics service asks the org directory (in the scorecard process) who the key is.
    let mut request = Request::new(ListMetricsRequest::default());
    request.metadata_mut().insert(
        "traceparent",
        MetadataValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    let listed = metrics.list_metrics(request).await.expect("list metrics");
    assert!(!listed.into_inner().metrics.is_empty());
    // A caller's mistake: the span says INVALID_ARGUMENT and is not a server error.
    let bad = metrics
        .ingest_events(IngestEventsRequest { events: Vec::new() })
        .await
        .expect_err("an empty batch");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    drop(metrics);
    services.stop().await;

    let spans = receiver.0.lock().expect("lock").clone();
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let trace: Vec<&Received> = spans.iter().filter(|s| hex(&s.span.trace_id) == ROOT_TRACE).collect();
    let find = |service: &str, kind: SpanKind, name: &str| -> &Received {
        trace
            .iter()
            .copied()
            .find(|s| s.service == service && s.span.kind == kind as i32 && s.span.name == name)
            .unwrap_or_else(|| panic!("no {kind:?} span {name} from {service} in trace; got {trace:#?}"))
    };
    let list = find(
        "attain-metrics",
        SpanKind::Server,
        "attain.metrics.v1.MetricsService/ListMetrics",
    );
    assert_eq!(
        hex(&list.span.parent_span_id),
        ROOT_SPAN,
        "the caller's traceparent is the parent"
    );
    assert_eq!(list.attr("rpc.system").as_deref(), Some("grpc"));
    assert_eq!(list.attr("rpc.method").as_deref(), Some("ListMetrics"));
    assert_eq!(list.attr("rpc.grpc.status_code").as_deref(), Some("0"));
    assert_eq!(list.attr("tenant").as_deref(), Some(org.tenant.as_str()));
    assert_eq!(list.status(), StatusCode::Ok as i32);

    let outgoing = find(
        "attain-metrics",
        SpanKind::Client,
        "attain.org.v1.CredentialService/VerifyApiKey",
    );
    assert_eq!(
        outgoing.span.parent_span_id, list.span.span_id,
        "the outgoing call is the call's child"
    );
    let verify = find(
        "attain-scorecard",
        SpanKind::Server,
        "attain.org.v1.CredentialService/VerifyApiKey",
    );
    assert_eq!(
        verify.span.parent_span_id, outgoing.span.span_id,
        "the callee continues the trace"
    );
    assert_eq!(verify.status(), StatusCode::Ok as i32);

    let sql: Vec<&&Received> = trace
        .iter()
        .filter(|s| s.span.name.starts_with("db ") && s.span.kind == SpanKind::Client as i32)
        .collect();
    assert!(
        sql.iter()
            .any(|s| s.service == "attain-scorecard" && s.span.parent_span_id == verify.span.span_id),
        "the key lookup's SQL is a child of the callee's span: {sql:#?}"
    );
    assert!(
        sql.iter()
            .all(|s| s.attr("db.system.name").as_deref() == Some("postgresql")
                && s.attr("db.query.text").is_some_and(|q| !q.is_empty())),
        "{sql:#?}"
    );

    let ingest = spans
        .iter()
        .find(|s| s.span.name == "attain.metrics.v1.MetricsService/IngestEvents")
        .expect("the bad call's span");
    assert_eq!(ingest.attr("rpc.grpc.status_code").as_deref(), Some("3"), "{ingest:#?}");
    assert_ne!(
        ingest.status(),
        StatusCode::Error as i32,
        "a caller's mistake is not a server error"
    );
    assert_ne!(
        hex(&ingest.span.trace_id),
        ROOT_TRACE,
        "a call without traceparent starts its own trace"
    );
}

/// `/metrics` of the metrics service, as Prometheus text.
fn scrape(admin: &str) -> String {
    crate::http_get(admin, "/metrics")
}

/// The value of one sample line (`name{labels} value`), 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_ingested_events_outgoing_calls_and_pool_waits_and_logs_hold_no_secret() {
    let (endpoint, receiver) = start_receiver().await;
    let org = org().await;
    let services = serve(&org, Some(&endpoint));
    let (scorecard_channel, metrics_channel) = services.channels().await;
    let tenant: uuid::Uuid = org.tenant.parse().expect("tenant id");
    let jwt = Jwt::new(tenant, "admin", None).sign();

    // The JWT, on both services.
    let mut org_api = OrgServiceClient::with_interceptor(scorecard_channel, Bearer::new(&jwt));
    org_api.get_tenant(GetTenantRequest {}).await.expect("tenant by JWT");
    let person = org_api
        .create_person(CreatePersonRequest {
            person: Some(Person {
                display_name: "Ana".into(),
                sales_role: SalesRole::Sdr as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("person")
        .into_inner()
        .person
        .expect("person")
        .id;
    let mut by_jwt = MetricsServiceClient::with_interceptor(metrics_channel.clone(), Bearer::new(&jwt));
    by_jwt
        .list_metrics(ListMetricsRequest::default())
        .await
        .expect("metrics by JWT");

    let before = scrape(&services.metrics_admin);
    // The key: one event accepted, the same again (duplicate), one for a metric that is not in
    // the catalog (rejected).
    let mut by_key = MetricsServiceClient::with_interceptor(metrics_channel, Bearer::new(&org.key));
    let event = |id: &str, metric: &str| Event {
        event_id: id.into(),
        person_id: person.clone(),
        metric_key: metric.into(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: 1_782_000_000,
            nanos: 0,
        }),
        ..Default::default()
    };
    let id = uuid::Uuid::now_v7().to_string();
    let first = by_key
        .ingest_events(IngestEventsRequest {
            events: vec![
                event(&id, "calls"),
                event(&uuid::Uuid::now_v7().to_string(), "no_such_metric"),
            ],
        })
        .await
        .expect("ingest")
        .into_inner();
    assert_eq!((first.accepted_count, first.rejected_count), (1, 1), "{first:?}");
    let again = by_key
        .ingest_events(IngestEventsRequest {
            events: vec![event(&id, "calls")],
        })
        .await
        .expect("ingest again")
        .into_inner();
    assert_eq!(again.duplicate_count, 1);
    let unauthenticated = MetricsServiceClient::with_interceptor(
        crate::operator::wait_serving_service(&services.metrics_addr, "attain.metrics.v1.MetricsService").await,
        Bearer::new("attain_not_a_key"),
    )
    .list_metrics(ListMetricsRequest::default())
    .await;
    assert_eq!(
        unauthenticated.expect_err("bad key").code(),
        tonic::Code::Unauthenticated
    );
    let after = scrape(&services.metrics_admin);

    let delta = |series: &str| sample(&after, series) - sample(&before, series);
    for outcome in ["accepted", "duplicate", "rejected"] {
        assert_eq!(
            delta(&format!(r#"attain_ingest_events_total{{outcome="{outcome}"}}"#)),
            1.0,
            "{outcome}:\n{after}"
        );
    }
    let ingest = r#"grpc_service="attain.metrics.v1.MetricsService",grpc_method="IngestEvents""#;
    assert_eq!(
        delta(&format!(r#"grpc_server_handled_total{{{ingest},grpc_code="OK"}}"#)),
        2.0,
        "{after}"
    );
    let list = r#"grpc_service="attain.metrics.v1.MetricsService",grpc_method="ListMetrics""#;
    assert_eq!(
        delta(&format!(
            r#"grpc_server_handled_total{{{list},grpc_code="UNAUTHENTICATED"}}"#
        )),
        1.0,
        "{after}"
    );
    // Ingest resolves people and the calendar through the org directory.
    let outgoing: f64 = after
        .lines()
        .filter(|l| l.starts_with("grpc_client_handled_total{") && l.contains(r#"grpc_service="attain.org.v1."#))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(outgoing >= 1.0, "{after}");
    let timed: f64 = after
        .lines()
        .filter(|l| {
            l.starts_with("grpc_client_handling_seconds_count{") && l.contains(r#"grpc_service="attain.org.v1."#)
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(timed, outgoing, "every outgoing call is timed:\n{after}");
    // Each ingest call begins one tenant transaction.
    assert!(delta("attain_db_pool_acquire_seconds_count") >= 2.0, "{after}");

    // The webhook and milestone panels read the scorecard service's metrics.
    let both = format!("{after}\n{}", scrape(&services.scorecard_admin));
    dashboard_shows_only_what_services_expose(&both);

    let logs = services.stop().await;
    let spans = format!("{:?}", receiver.0.lock().expect("lock"));
    lines_in_calls_carry_the_trace_id(&logs);
    let key_secret = org.key.rsplit('_').next().expect("key secret").to_string();
    let jwt_signature = jwt.rsplit('.').next().expect("signature").to_string();
    for (what, secret) in [
        ("API key secret", key_secret.as_str()),
        ("JWT signature", jwt_signature.as_str()),
        ("peer secret", PEER_SECRET),
        ("database password", DB_PASSWORD),
    ] {
        for (place, text) in [("logs", &logs), ("spans", &spans)] {
            if let Some(fragment) = leaked(text, secret) {
                panic!("a fragment of the {what} ({fragment}) is in the {place}");
            }
        }
    }
    assert!(logs.len() > 10_000, "debug logs were written: {} bytes", logs.len());
    let _ = std::fs::remove_dir_all(&org.dir);
}

/// Every JSON log line written inside a call names the call's span, with a trace id.
fn lines_in_calls_carry_the_trace_id(logs: &str) {
    let mut in_calls = 0;
    for line in logs.lines().filter(|l| l.starts_with('{')) {
        let line: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
        let Some(call) = line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["name"] == "rpc"))
        else {
            continue;
        };
        in_calls += 1;
        let trace_id = call["trace_id"].as_str().unwrap_or_default();
        assert!(
            trace_id.len() == 32 && trace_id.bytes().all(|b| b.is_ascii_hexdigit()),
            "a line inside a call without a trace id: {line}"
        );
    }
    assert!(in_calls >= 10, "only {in_calls} log lines were written inside calls");
}

/// Every metric the Grafana dashboard in deploy/ queries is one a service exposes (a renamed
/// metric would leave a panel silently empty).
fn dashboard_shows_only_what_services_expose(scraped: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/attain-red.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read the dashboard")).expect("dashboard JSON");
    let exprs: Vec<&str> = dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str())
        .collect();
    assert!(exprs.len() >= 10, "{exprs:?}");
    let mut names: Vec<&str> = exprs
        .iter()
        .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| w.starts_with("grpc_") || w.starts_with("attain_"))
        // Label names (grpc_service, grpc_code, ...) are words of the queries too.
        .filter(|w| !scraped.contains(&format!("{{{w}=")) && !scraped.contains(&format!(",{w}=")))
        .collect();
    names.sort_unstable();
    names.dedup();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(
            scraped
                .lines()
                .any(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} "))),
            "the dashboard queries {name}, which /metrics does not expose:\n{scraped}"
        );
    }
}

/// Any 12-character piece of `secret` found in `text`: long enough that hex ids and hashes in
/// the logs do not match by chance.
fn leaked<'a>(text: &str, secret: &'a str) -> Option<&'a str> {
    const PIECE: usize = 12;
    assert!(secret.len() >= PIECE, "a secret this short cannot be checked in pieces");
    (0..=secret.len() - PIECE)
        .filter_map(|i| secret.get(i..i + PIECE))
        .find(|piece| text.contains(piece))
}

/// `attain dev` runs every service in one process; its spans still say which service made them,
/// as separate processes' would, and each call gets one access line naming its method, status,
/// duration, tenant and trace.
#[tokio::test]
async fn under_attain_dev_each_service_exports_under_its_own_name_and_logs_one_access_line_per_call() {
    let (endpoint, receiver) = start_receiver().await;
    let db = TestDb::empty().await;
    let dir = std::env::temp_dir().join(format!("attain-dev-otel-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("data folder");
    let log = dir.join("dev.log");
    let base = crate::dev_base_port();
    let mut dev = Running(
        attain()
            .args(["dev", "--base-port", &base.to_string(), "--data-dir"])
            .arg(&dir)
            .env("DATABASE_URL", &db.owner_url)
            .env("ATTAIN_LOG", "info")
            .env("ATTAIN_LOG_FORMAT", "json")
            .env_remove("OTEL_SERVICE_NAME")
            .env_remove("OTEL_RESOURCE_ATTRIBUTES")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "3600000")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(File::create(&log).expect("log file")))
            .spawn()
            .expect("start attain dev"),
    );
    let banner = crate::read_until(&mut dev, "Press Ctrl-C");
    let key = crate::admin_key(&banner);
    let metrics_channel =
        crate::operator::wait_serving_service(&format!("127.0.0.1:{base}"), "attain.metrics.v1.MetricsService").await;
    let mut metrics = MetricsServiceClient::with_interceptor(metrics_channel, Bearer::new(&key));
    let mut request = Request::new(ListMetricsRequest::default());
    request.metadata_mut().insert(
        "traceparent",
        MetadataValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    metrics.list_metrics(request).await.expect("list metrics");
    let refused = MetricsServiceClient::with_interceptor(
        crate::operator::wait_serving_service(&format!("127.0.0.1:{base}"), "attain.metrics.v1.MetricsService").await,
        Bearer::new(&format!(
            "attain_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef_{}",
            "ab".repeat(32)
        )),
    )
    .list_metrics(ListMetricsRequest::default())
    .await
    .expect_err("a forged key");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    drop(metrics);
    tokio::task::spawn_blocking(move || dev.terminate())
        .await
        .expect("stop");

    let spans = receiver.0.lock().expect("lock").clone();
    let server = |name: &str| {
        spans
            .iter()
            .find(|s| s.span.kind == SpanKind::Server as i32 && s.span.name == name)
            .unwrap_or_else(|| panic!("no server span {name}; got {spans:#?}"))
    };
    assert_eq!(
        server("attain.metrics.v1.MetricsService/ListMetrics").service,
        "attain-metrics"
    );
    assert_eq!(
        server("attain.org.v1.CredentialService/VerifyApiKey").service,
        "attain-scorecard"
    );
    let sql_services: std::collections::HashSet<&str> = spans
        .iter()
        .filter(|s| s.span.name.starts_with("db "))
        .map(|s| s.service.as_str())
        .collect();
    assert!(sql_services.contains("attain-scorecard"), "{sql_services:?}");

    // One JSON line per call under the target `attain::access`, inside the call's span.
    let logs = std::fs::read_to_string(&log).expect("read log");
    let access: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["target"] == "attain::access")
        .collect();
    // The milestone detector may list metrics too, under a trace of its own: this test's call is
    // the one carrying its traceparent's trace id.
    let listed = access
        .iter()
        .find(|l| {
            l["span"]["rpc"] == "/attain.metrics.v1.MetricsService/ListMetrics"
                && l["fields"]["code"] == "OK"
                && l["span"]["trace_id"] == ROOT_TRACE
        })
        .unwrap_or_else(|| panic!("no access line for ListMetrics under trace {ROOT_TRACE} in {access:#?}"));
    assert_eq!(listed["level"], "INFO");
    assert!(
        listed["span"]["tenant"].as_str().is_some_and(|t| !t.is_empty()),
        "{listed}"
    );
    assert!(listed["fields"]["duration_ms"].as_f64().is_some(), "{listed}");
    // The forged key's line names the tenant the key claimed, and its refusal.
    let forged = access
        .iter()
        .find(|l| l["fields"]["code"] == "UNAUTHENTICATED")
        .unwrap_or_else(|| panic!("no access line for the refused call in {access:#?}"));
    assert_eq!(
        forged["span"]["tenant"], "01234567-89ab-cdef-0123-456789abcdef",
        "{forged}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

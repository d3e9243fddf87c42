//! The README's first command: `attain dev` with no DATABASE_URL starts its own PostgreSQL and
//! a newcomer creates a team and a person with `buf curl` using the printed key.

use serde_json::json;

use crate::{attain, buf, buf_curl, read_until, spawn};

#[test]
fn a_newcomer_creates_a_team_and_a_person_with_buf_curl_against_attain_dev() {
    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dev-{}", std::process::id()));
    // Metrics listens one port below scorecard, and every service's admin port is 1000 above
    // its gRPC port: find ports that are all free.
    let scorecard_port = crate::dev_base_port() + 1;
    let mut dev = spawn(
        attain()
            .arg("dev")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--base-port")
            .arg((scorecard_port - 1).to_string()),
    );
    let banner = read_until(&mut dev, "Press Ctrl-C");
    let key = crate::admin_key(&banner);
    let addr = format!("127.0.0.1:{scorecard_port}");
    assert!(banner.contains(&format!("grpc://{addr}")), "{banner}");

    let team = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/CreateTeam",
        json!({"team": {"displayName": "SDR East", "motion": "MOTION_SALES_DEVELOPMENT"}}),
    );
    let team_id = team["team"]["id"].as_str().expect("team id").to_string();
    let person = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/CreatePerson",
        json!({"person": {
            "displayName": "Ana Lopez", "salesRole": "SALES_ROLE_SDR", "teamId": team_id,
            "startDate": {"year": 2026, "month": 11, "day": 2},
            "externalIds": [{"system": "salesforce", "id": "0055e000001AbCd"}]
        }}),
    );
    assert_eq!(person["person"]["teamId"], team_id);
    let found = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/FindPersonByExternalId",
        json!({"externalId": {"system": "salesforce", "id": "0055e000001AbCd"}}),
    );
    assert_eq!(found["person"]["displayName"], "Ana Lopez");

    // The dev tenant's own issuer: a token from `attain dev-token`, as the banner says, signs in
    // to both the org directory and the metrics service.
    assert!(banner.contains("attain dev-token --role admin"), "{banner}");
    let token = crate::run_ok(
        attain()
            .args(["dev-token", "--role", "admin", "--data-dir"])
            .arg(&data_dir),
    )
    .trim()
    .to_string();
    let tenant = buf_curl(&addr, &token, "attain.org.v1.OrgService/GetTenant", json!({}));
    assert_eq!(tenant["tenant"]["displayName"], "Dev tenant");
    let refused = crate::run_err(
        attain()
            .args(["dev-token", "--role", "rep", "--data-dir"])
            .arg(&data_dir),
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--email"));
    assert_eq!(found["person"]["status"], "PERSON_STATUS_ONBOARDING");

    // The metrics service, a separate server in the same process, resolves Ana through the
    // org directory over gRPC.
    let metrics_addr = format!("127.0.0.1:{}", scorecard_port - 1);
    let event = |id: &str, metric: &str| {
        json!({"source": "salesforce", "externalId": id, "metricKey": metric, "occurredAt": "2026-11-03T15:00:00Z",
               "personExternalId": {"system": "salesforce", "id": "0055e000001AbCd"}})
    };
    let ingested = buf_curl(
        &metrics_addr,
        &key,
        "attain.metrics.v1.MetricsService/IngestEvents",
        json!({"events": [event("00T1", "calls"), event("00T2", "calls"), event("00T3", "connects")]}),
    );
    assert_eq!(ingested["acceptedCount"], 3, "{ingested}");
    let totals = buf_curl(
        &metrics_addr,
        &key,
        "attain.metrics.v1.MetricsService/GetTotals",
        json!({"metricKeys": ["calls", "call_to_connect"],
               "period": {"range": {"startDate": {"year": 2026, "month": 11, "day": 1}, "endDate": {"year": 2026, "month": 11, "day": 30}}}}),
    );
    let values = &totals["rows"][0]["values"];
    assert_eq!(values[0]["total"], "2", "{totals}");
    assert_eq!(values[1]["ratio"], 0.5, "{totals}");

    // Reflection lists the service's methods with no proto files at hand.
    let methods = std::process::Command::new(buf())
        .args([
            "curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--list-methods",
        ])
        .arg(format!("http://{addr}"))
        .output()
        .expect("buf curl --list-methods");
    let methods = String::from_utf8_lossy(&methods.stdout);
    assert!(
        methods.contains("attain.org.v1.OrgService/ListTeamSubtree"),
        "{methods}"
    );

    // Each service's admin port: ready, and its metrics counted the calls above.
    let scorecard_admin = format!("127.0.0.1:{}", scorecard_port + 1000);
    let metrics_admin = format!("127.0.0.1:{}", scorecard_port + 999);
    assert!(
        banner.contains(&format!("http://{scorecard_admin}/metrics")),
        "{banner}"
    );
    assert_eq!(http_get(&scorecard_admin, "/healthz").0, 200);
    assert_eq!(http_get(&metrics_admin, "/readyz"), (200, "ready\n".to_string()));
    let (status, text) = http_get(&metrics_admin, "/metrics");
    assert_eq!(status, 200);
    assert!(
        text.contains(
            r#"grpc_server_handled_total{grpc_service="attain.metrics.v1.MetricsService",grpc_method="IngestEvents",grpc_code="OK"} 1"#
        ),
        "{text}"
    );
    let (_, text) = http_get(&scorecard_admin, "/metrics");
    assert!(
        text.contains(
            r#"grpc_server_started_total{grpc_service="attain.org.v1.OrgService",grpc_method="CreateTeam"} 1"#
        ),
        "{text}"
    );

    dev.terminate();
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// GET over HTTP/1.1: the status code and the body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let response = crate::http_get(addr, path);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

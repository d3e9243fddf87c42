//! Milestones end to end through the real binary: `attain dev` with a one-second detection
//! interval, a quota and a subscription set up over gRPC and the CLI, revenue ingested, and a
//! loopback receiver that gets the signed `milestone.quota_attained` delivery; then
//! `attain milestones list` shows it.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use attain_proto::{
    common::v1::{CalendarPeriod, Date, Granularity},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
    scorecard::v1::{Quota, QuotaKind, SetQuotaRequest, quota, scorecard_service_client::ScorecardServiceClient},
};
use attain_testing::Bearer;
use axum::{Router, body::Bytes, http::HeaderMap};
use chrono::{Datelike, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tonic::transport::Channel;

use crate::{attain, read_until, run_err, run_ok, spawn};

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
    let record = seen.clone();
    let app = Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let record = record.clone();
        async move {
            record.lock().expect("lock").push((headers, body));
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// Four free ports in a row (metrics, scorecard, coaching, hiring) whose admin ports (+1000)
/// are free too.
fn base_port() -> u16 {
    crate::dev_base_port()
}

async fn channel(port: u16) -> Channel {
    Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("url")
        .connect()
        .await
        .expect("connect")
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn attain_dev_detects_a_quota_milestone_and_delivers_it_signed() {
    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("milestones-{}", std::process::id()));
    let base = base_port();
    let mut dev = spawn(
        attain()
            .arg("dev")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--base-port")
            .arg(base.to_string())
            .env("ATTAIN_MILESTONES_INTERVAL_SECONDS", "1")
            .env("ATTAIN_WEBHOOKS_ALLOW_PRIVATE", "true")
            .env("ATTAIN_WEBHOOKS_POLL", "100ms"),
    );
    let banner = read_until(&mut dev, "Press Ctrl-C");
    let key = crate::admin_key(&banner);
    let (metrics_port, scorecard_port) = (base, base + 1);
    let org_url = format!("http://127.0.0.1:{scorecard_port}");

    let mut org = OrgServiceClient::with_interceptor(channel(scorecard_port).await, Bearer::new(&key));
    let team = org
        .create_team(org::CreateTeamRequest {
            team: Some(org::Team {
                display_name: "AE East".into(),
                motion: org::Motion::InsideSales as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("team")
        .into_inner()
        .team
        .expect("team")
        .id;
    let ana = org
        .create_person(org::CreatePersonRequest {
            person: Some(org::Person {
                display_name: "Ana Ruiz".into(),
                sales_role: org::SalesRole::InsideSalesAe as i32,
                team_id: team,
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
    // A monthly revenue quota for this month (the dev tenant's calendar is UTC's).
    let today = Utc::now().date_naive();
    let mut sc = ScorecardServiceClient::with_interceptor(channel(scorecard_port).await, Bearer::new(&key));
    sc.set_quota(SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(ana.clone())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: Some(Date {
                    year: today.year(),
                    month: today.month() as i32,
                    day: today.day() as i32,
                }),
            }),
            amount: 1_000,
            ..Default::default()
        }),
    })
    .await
    .expect("set quota");

    // Subscribe through the CLI, as an operator would.
    let (url, seen) = receiver().await;
    let cli = |args: &[&str]| {
        let mut cmd = attain();
        cmd.args(args)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", &org_url);
        cmd
    };
    let created = run_ok(&mut cli(&[
        "webhooks",
        "create",
        "--name",
        "quota club",
        "--url",
        &url,
        "--events",
        "milestone.quota_attained",
    ]));
    let secret = created
        .lines()
        .find_map(|l| l.strip_prefix("Signing secret (shown only now): "))
        .unwrap_or_else(|| panic!("no secret in {created}"))
        .trim()
        .to_string();

    let mut metrics = MetricsServiceClient::with_interceptor(channel(metrics_port).await, Bearer::new(&key));
    let at = Utc::now() - chrono::Duration::seconds(5);
    let accepted = metrics
        .ingest_events(IngestEventsRequest {
            events: vec![Event {
                source: "crm".into(),
                external_id: "deal-1".into(),
                person_id: ana.clone(),
                metric_key: "revenue_won".into(),
                occurred_at: Some(prost_types::Timestamp {
                    seconds: at.timestamp(),
                    nanos: 0,
                }),
                value: Some(1_200),
                ..Default::default()
            }],
        })
        .await
        .expect("ingest")
        .into_inner()
        .accepted_count;
    assert_eq!(accepted, 1);

    // 50 % and 100 % (not 150 %): two deliveries, each signed with the subscription's secret.
    let deadline = Instant::now() + Duration::from_secs(90);
    while seen.lock().expect("lock").len() < 2 {
        assert!(Instant::now() < deadline, "no deliveries within 90 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 2, "each step once, however many detection runs passed");
    let mut titles = Vec::new();
    for (headers, body) in &got {
        assert_eq!(header(headers, "attain-event-type"), "milestone.quota_attained");
        let timestamp = header(headers, "attain-timestamp");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(header(headers, "attain-signature"), format!("v1={expected}"));
        let json: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
        assert_eq!(json["subject"], ana.as_str());
        titles.push(json["data"]["title"].as_str().unwrap_or_default().to_string());
    }
    titles.sort();
    assert_eq!(
        titles,
        [
            "Ana Ruiz hit 100% of quota (revenue won)",
            "Ana Ruiz hit 50% of quota (revenue won)"
        ]
    );

    let listed = run_ok(&mut cli(&["milestones", "list", "--person", "Ana Ruiz"]));
    assert!(
        listed.contains("quota attained  Ana Ruiz hit 100% of quota"),
        "{listed}"
    );
    assert_eq!(listed.matches("quota attained").count(), 2, "{listed}");

    let shown = run_ok(&mut cli(&["milestones", "settings"]));
    assert!(shown.contains("streak           5 working days"), "{shown}");
    let changed = run_ok(&mut cli(&[
        "milestones",
        "settings",
        "--quota-steps",
        "100,200",
        "--streak-days",
        "3",
    ]));
    assert!(changed.starts_with("quota steps      100%, 200%\n"), "{changed}");
    assert!(changed.contains("streak           3 working days"), "{changed}");
    let refused = run_err(&mut cli(&["milestones", "settings", "--streak-days", "1"]));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("streak_days"), "{stderr}");
    assert!(
        run_ok(&mut cli(&["milestones", "settings"])).contains("3 working days"),
        "a refused change leaves the settings as they were"
    );
    // Waits for the exit on a blocking thread, so that this runtime stays free to close the
    // test's own connections when the servers drain them.
    drop((org, sc, metrics));
    tokio::task::spawn_blocking(move || dev.terminate())
        .await
        .expect("attain stopped");
}

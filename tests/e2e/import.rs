//! `attain import events`: a Salesforce export through the real binary into real servers.

use attain_proto::{
    common::v1::{Date, DateRange, Period, period},
    metrics::v1::{GetTotalsRequest, metric_value},
    org::v1::{CreatePersonRequest, ExternalId, Person, SalesRole},
};
use attain_testing::TestApp;

use crate::attain;

const EXPORT: &str = "Activity ID,Assigned ID,Type,Date,Call Duration (Seconds),Account ID\r\n\
00T001,005ANA,Call,03/02/2026,120,001A\r\n\
00T002,005ANA,Email,03/02/2026,,001A\r\n\
00T003,005ANA,Task,03/03/2026,,001B\r\n\
00T004,005NOBODY,Call,03/03/2026,30,001B\r\n\
00T005,005ANA,Call,13/45/2026,,001C\r\n\
00T006,005ANA,Call,03/04/2026,0,'; DROP TABLE metrics.events; --\r\n";

#[tokio::test]
async fn a_salesforce_export_imports_once_and_reports_every_rejected_row() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let ana = org
        .create_person(CreatePersonRequest {
            person: Some(Person {
                display_name: "Ana".into(),
                sales_role: SalesRole::Sdr as i32,
                external_ids: vec![ExternalId {
                    system: "salesforce".into(),
                    id: "005ANA".into(),
                }],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
        .id;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("import-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("activities.csv");
    std::fs::write(&file, EXPORT).unwrap();

    let (key, metrics_url, org_url) = (
        tenant.admin_key.clone(),
        format!("http://{}", app.metrics_addr),
        format!("http://{}", app.addr),
    );
    let file_arg = file.clone();
    let import = move || {
        let out = attain()
            .args(["import", "events", "--preset", "salesforce", "--quiet"])
            .arg(&file_arg)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_METRICS_URL", &metrics_url)
            .env("ATTAIN_ORG_URL", &org_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = tokio::task::spawn_blocking(import.clone()).await.unwrap();
    assert!(first.contains("rows read:        6"), "{first}");
    assert!(first.contains("events accepted:  4"), "{first}");
    assert!(first.contains("events rejected:  2"), "{first}");
    assert!(first.contains("rows rejected:    2"), "{first}");

    let rejects = std::fs::read_to_string(dir.join("activities.csv.rejects.csv")).unwrap();
    assert!(rejects.contains("Task"), "{rejects}");
    assert!(rejects.contains("Date"), "{rejects}");
    assert!(rejects.contains("person_external_id"), "{rejects}");

    let second = tokio::task::spawn_blocking(import).await.unwrap();
    assert!(second.contains("events accepted:  0"), "{second}");
    assert!(second.contains("duplicates:       4"), "{second}");

    let mut metrics = app.metrics(&tenant.admin_key).await;
    let date = |day| {
        Some(Date {
            year: 2026,
            month: 3,
            day,
        })
    };
    let march = Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: date(1),
            end_date: date(31),
        })),
    };
    let totals = metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![ana],
            metric_keys: vec!["calls".into(), "emails".into(), "talk_time".into()],
            period: Some(march),
            grouping: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let values: Vec<_> = totals.rows[0]
        .values
        .iter()
        .map(|v| match v.value {
            Some(metric_value::Value::Total(t)) => t,
            _ => -1,
        })
        .collect();
    assert_eq!(
        values,
        [2, 1, 120],
        "calls on 2 and 4 March, one email, 120 s of talk time"
    );
}

const OPEN_OPPORTUNITIES: &str = "Opportunity ID,Opportunity Name,Opportunity Owner ID,Stage,Amount\r\n\
006A,Acme renewal,005ANA,Negotiation,\"12,500.00\"\r\n\
006B,Globex,005ANA,Discovery,\"7,500.00\"\r\n\
006C,Initech,005ANA,Closed Won,\"1,000.00\"\r\n";

#[tokio::test]
async fn a_salesforce_open_opportunities_report_becomes_each_reps_open_pipeline() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let mut people = Vec::new();
    for (name, sf) in [("Ana", "005ANA"), ("Bo", "005BO")] {
        let id = org
            .create_person(CreatePersonRequest {
                person: Some(Person {
                    display_name: name.into(),
                    sales_role: SalesRole::InsideSalesAe as i32,
                    external_ids: vec![ExternalId {
                        system: "salesforce".into(),
                        id: sf.into(),
                    }],
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .person
            .unwrap()
            .id;
        people.push(id);
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("import-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("open.csv");
    std::fs::write(&file, OPEN_OPPORTUNITIES).unwrap();
    let (key, metrics_url, org_url) = (
        tenant.admin_key.clone(),
        format!("http://{}", app.metrics_addr),
        format!("http://{}", app.addr),
    );
    let run = move || {
        let out = attain()
            .args([
                "import",
                "events",
                "--preset",
                "salesforce-open-opportunities",
                "--as-of",
                "2026-03-10",
                "--quiet",
            ])
            .arg(&file)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_METRICS_URL", &metrics_url)
            .env("ATTAIN_ORG_URL", &org_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    // Ana's two open deals; Bo is in the directory with a Salesforce id but has none open: 0.
    assert!(first.contains("rows read:           3"), "{first}");
    assert!(first.contains("owners:              1"), "{first}");
    assert!(first.contains("reps with none open: 1"), "{first}");
    assert!(first.contains("snapshots accepted:  4"), "{first}");
    assert!(first.contains("rows rejected:       1"), "{first}");
    let again = tokio::task::spawn_blocking(run).await.unwrap();
    assert!(again.contains("duplicates:          4"), "{again}");

    let mut metrics = app.metrics(&tenant.admin_key).await;
    let day = |day| {
        Some(Date {
            year: 2026,
            month: 3,
            day,
        })
    };
    let totals = metrics
        .get_totals(GetTotalsRequest {
            person_ids: people,
            metric_keys: vec!["open_pipeline".into(), "open_opportunities".into()],
            period: Some(Period {
                kind: Some(period::Kind::Range(DateRange {
                    start_date: day(1),
                    end_date: day(31),
                })),
            }),
            grouping: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let values: Vec<Vec<i64>> = totals
        .rows
        .iter()
        .map(|r| {
            r.values
                .iter()
                .map(|v| match v.value {
                    Some(metric_value::Value::Total(t)) => t,
                    _ => -1,
                })
                .collect()
        })
        .collect();
    // 12,500.00 + 7,500.00 = 20,000.00 in cents, two open; Bo 0 and 0.
    assert_eq!(values, [vec![2_000_000, 2], vec![0, 0]]);
}

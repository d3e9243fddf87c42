//! `attain demo seed`: a believable org through the public APIs, and seeding twice changes
//! nothing.

use attain_proto::{
    common::v1::{CalendarPeriod, Granularity, Period, period},
    metrics::v1::{GetTopPeopleRequest, GetTotalsRequest, Grouping, metric_value},
    org::v1::{ListPeopleRequest, ListTeamsRequest},
};
use attain_testing::TestApp;

use crate::attain;

#[tokio::test]
async fn demo_seed_builds_a_plausible_org_once() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Demo").await;
    let (key, org_url, metrics_url, coaching_url, hiring_url) = (
        tenant.admin_key.clone(),
        format!("http://{}", app.addr),
        format!("http://{}", app.metrics_addr),
        format!("http://{}", app.coaching_addr),
        format!("http://{}", app.hiring_addr),
    );
    let seed = move || {
        let out = attain()
            .args(["demo", "seed", "--days", "30"])
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", &org_url)
            .env("ATTAIN_METRICS_URL", &metrics_url)
            .env("ATTAIN_COACHING_URL", &coaching_url)
            .env("ATTAIN_HIRING_URL", &hiring_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = tokio::task::spawn_blocking(seed.clone()).await.unwrap();
    assert!(first.contains("0 already there"), "{first}");
    let second = tokio::task::spawn_blocking(seed).await.unwrap();
    assert!(second.contains(" 0 events accepted"), "{second}");
    assert!(second.contains("0 cadences created, 3 already there"), "{second}");
    assert!(second.contains(" 0 past sessions recorded"), "{second}");
    assert!(first.contains("hiring: 2 open requisitions, 7 candidates"), "{first}");
    assert!(
        second.contains("hiring: the demo requisitions are already there"),
        "{second}"
    );

    let mut org = app.org(&tenant.admin_key).await;
    let people = org
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(people.len(), 15, "3 managers and 12 reps, once");
    assert_eq!(
        org.list_teams(ListTeamsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .teams
            .len(),
        3
    );

    let teams = org
        .list_teams(ListTeamsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .teams;
    let sdr_team = teams.iter().find(|t| t.display_name == "SDR Team").unwrap();
    let sdrs: Vec<String> = people
        .iter()
        .filter(|p| p.team_id == sdr_team.id)
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(sdrs.len(), 7);
    let mut metrics = app.metrics(&tenant.admin_key).await;
    let month = || {
        Some(Period {
            kind: Some(period::Kind::Calendar(CalendarPeriod {
                granularity: Granularity::Year as i32,
                date: None,
            })),
        })
    };
    let totals = metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![],
            metric_keys: vec![
                "calls".into(),
                "call_to_connect".into(),
                "set_to_held".into(),
                "win_rate".into(),
            ],
            period: month(),
            grouping: Grouping::Combined as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let value = |i: usize| match totals.rows[0].values[i].value {
        Some(metric_value::Value::Total(t)) => t as f64,
        Some(metric_value::Value::Ratio(r)) => r,
        None => f64::NAN,
    };
    assert!(
        value(0) > 5_000.0,
        "a dozen reps make thousands of calls a month: {}",
        value(0)
    );
    assert!((0.05..0.15).contains(&value(1)), "call to connect {}", value(1));
    assert!(
        (0.1..0.45).contains(&value(3)),
        "win rate {} in {:?}",
        value(3),
        totals.rows[0].values
    );
    let sdr_totals = metrics
        .get_totals(GetTotalsRequest {
            person_ids: sdrs,
            metric_keys: vec!["set_to_held".into()],
            period: month(),
            grouping: Grouping::Combined as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let Some(metric_value::Value::Ratio(set_to_held)) = sdr_totals.rows[0].values[0].value else {
        panic!("no ratio")
    };
    assert!((0.6..0.95).contains(&set_to_held), "SDR set to held {set_to_held}");

    let top = metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: "calls".into(),
            period: month(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let new_hire = people.iter().find(|p| p.display_name == "Gia Rossi").unwrap();
    let rank = top
        .rows
        .iter()
        .find(|r| r.person_id == new_hire.id)
        .map(|r| r.rank)
        .unwrap();
    assert!(
        rank >= 6,
        "the ramping new hire is not among the top callers (rank {rank})"
    );
}

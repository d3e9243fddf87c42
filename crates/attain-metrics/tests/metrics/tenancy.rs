use attain_domain::org::AccessRole;
use attain_proto::{metrics::v1::*, org::v1 as org};
use tonic::Code;

use crate::{at, event, ingest, range, totals, world};

#[tokio::test]
async fn another_tenant_can_neither_write_nor_read_our_numbers() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let ours = event(&ana, "calls", day, Some(5));
    let our_event_id = ours.event_id.clone();
    ingest(&mut w.metrics, vec![ours]).await;

    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.metrics(&other.admin_key).await;
    let forged = ingest(&mut theirs, vec![event(&ana, "calls", day, Some(100))]).await;
    assert_eq!(forged.rejected_count, 1, "our person is unknown to them");
    let err = theirs
        .get_totals(GetTotalsRequest {
            person_ids: vec![ana.clone()],
            metric_keys: vec!["calls".into()],
            period: range((2026, 3, 1), (2026, 3, 31)),
            grouping: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let top = theirs
        .get_top_people(GetTopPeopleRequest {
            metric_key: "calls".into(),
            period: range((2026, 3, 1), (2026, 3, 31)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(top.rows.is_empty());
    let theirs_retract = theirs
        .retract_events(RetractEventsRequest {
            // Our real event's id: to them it does not exist.
            events: vec![EventRef {
                event_id: our_event_id,
                ..Default::default()
            }],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(theirs_retract.results[0].status, RetractStatus::NotFound as i32);
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls"], range((2026, 3, 1), (2026, 3, 31))).await,
        [Some(5.0)]
    );
}

/// A metric one tenant defines is invisible to another: reading or changing it by its key answers
/// NOT_FOUND, lists leave it out, and the other tenant may define the same key for itself.
#[tokio::test]
async fn another_tenant_neither_sees_nor_changes_our_metric_definitions() {
    let mut w = world().await;
    let demos = Metric {
        key: "demos".into(),
        display_name: "Demos".into(),
        layer: Layer::Objective as i32,
        aggregation: Aggregation::Count as i32,
        unit: Unit::Count as i32,
        direction: Direction::HigherIsBetter as i32,
        ..Default::default()
    };
    w.metrics
        .create_metric(CreateMetricRequest {
            metric: Some(demos.clone()),
        })
        .await
        .unwrap();

    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.metrics(&other.admin_key).await;
    let err = theirs
        .get_metric(GetMetricRequest { key: "demos".into() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let err = theirs
        .update_metric(UpdateMetricRequest {
            metric: Some(Metric {
                display_name: "Hijacked".into(),
                ..demos.clone()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let listed = theirs
        .list_metrics(ListMetricsRequest {
            page_size: 1000,
            include_retired: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(listed.metrics.iter().all(|m| m.key != "demos"));
    // Events on our metric are refused for them, by the metric key.
    let gus = crate::person(&mut w.app.org(&other.admin_key).await, "Gus", None).await;
    let ingested = ingest(&mut theirs, vec![event(&gus, "demos", at(2026, 3, 2, 15, 0), None)]).await;
    assert_eq!(ingested.rejected_count, 1);
    assert!(
        ingested.results[0].violations.iter().any(|v| v.field == "metric_key"),
        "{ingested:?}"
    );
    // The same key is theirs to define, with their own name.
    theirs
        .create_metric(CreateMetricRequest {
            metric: Some(Metric {
                display_name: "Product demos".into(),
                ..demos
            }),
        })
        .await
        .expect("the same key in another tenant");
    let still = w
        .metrics
        .get_metric(GetMetricRequest { key: "demos".into() })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    assert_eq!(still.display_name, "Demos");
}

#[tokio::test]
async fn an_integration_key_ingests_and_a_rep_key_cannot() {
    let w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let integration = w.app.api_key(w.tenant.id, AccessRole::Integration, None).await;
    let mut sync = w.app.metrics(&integration).await;
    assert_eq!(
        ingest(&mut sync, vec![event(&ana, "calls", day, None)])
            .await
            .accepted_count,
        1
    );

    let rep_key = w
        .app
        .api_key(w.tenant.id, AccessRole::Rep, Some(ana.parse().unwrap()))
        .await;
    let mut rep = w.app.metrics(&rep_key).await;
    let err = rep
        .ingest_events(IngestEventsRequest {
            events: vec![event(&ana, "calls", day, None)],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = rep
        .retract_events(RetractEventsRequest {
            events: vec![EventRef {
                event_id: uuid::Uuid::now_v7().to_string(),
                ..Default::default()
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = rep.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // A rep reads their own numbers, and nobody else's.
    assert_eq!(
        totals(&mut rep, &ana, &["calls"], range((2026, 3, 1), (2026, 3, 31))).await,
        [Some(1.0)]
    );
    let err = rep
        .get_totals(GetTotalsRequest {
            person_ids: vec![w.bo.clone()],
            metric_keys: vec!["calls".into()],
            period: range((2026, 3, 1), (2026, 3, 31)),
            grouping: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn a_manager_reads_their_team_only() {
    let mut w = world().await;
    let manager = crate::person(&mut w.org, "Max", None).await;
    let team = w
        .org
        .create_team(org::CreateTeamRequest {
            team: Some(org::Team {
                display_name: "SDR".into(),
                motion: org::Motion::SalesDevelopment as i32,
                manager_id: manager.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .team
        .unwrap();
    let ana = w
        .org
        .get_person(org::GetPersonRequest {
            person_id: w.ana.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    w.org
        .update_person(org::UpdatePersonRequest {
            person: Some(org::Person {
                team_id: team.id.clone(),
                ..ana
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["team_id".into()],
            }),
        })
        .await
        .unwrap();
    let day = at(2026, 3, 2, 15, 0);
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    ingest(
        &mut w.metrics,
        vec![event(&ana, "calls", day, Some(2)), event(&bo, "calls", day, Some(50))],
    )
    .await;

    let key = w
        .app
        .api_key(w.tenant.id, AccessRole::Manager, Some(manager.parse().unwrap()))
        .await;
    let mut mgr = w.app.metrics(&key).await;
    let all = mgr
        .get_totals(GetTotalsRequest {
            person_ids: vec![],
            metric_keys: vec!["calls".into()],
            period: range((2026, 3, 1), (2026, 3, 31)),
            grouping: Grouping::Combined as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        crate::value(&all.rows[0].values[0]),
        Some(2.0),
        "Bo's 50 calls are outside the manager's team"
    );
    let top = mgr
        .get_top_people(GetTopPeopleRequest {
            metric_key: "calls".into(),
            period: range((2026, 3, 1), (2026, 3, 31)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // Rankings are leaderboards, which every credential of the tenant sees (DESIGN.md §4).
    assert_eq!(
        top.rows.iter().map(|r| r.person_id.clone()).collect::<Vec<_>>(),
        [bo, ana]
    );
}

#[tokio::test]
async fn streams_rebuilds_and_series_stay_within_the_tenant() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    ingest(&mut w.metrics, vec![event(&ana, "calls", day, Some(5))]).await;
    let ours = crate::rollups(&w.app).await;

    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.metrics(&other.admin_key).await;
    let stream = tokio_stream::iter(vec![StreamEventsRequest {
        events: vec![event(&ana, "calls", day, Some(100))],
    }]);
    let response = theirs.stream_events(stream).await.unwrap().into_inner();
    assert_eq!((response.accepted_count, response.rejected_count), (0, 1));
    assert_eq!(response.results[0].violations[0].field, "person_id");
    theirs.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap();
    assert_eq!(
        crate::rollups(&w.app).await,
        ours,
        "their rebuild leaves our rollups alone"
    );
    let err = theirs
        .get_series(GetSeriesRequest {
            person_ids: vec![ana],
            metric_key: "calls".into(),
            period: range((2026, 3, 1), (2026, 3, 31)),
            bucket: attain_proto::common::v1::Granularity::Day as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn a_stream_with_an_oversized_batch_is_refused_but_keeps_earlier_batches() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let good = StreamEventsRequest {
        events: vec![event(&ana, "calls", day, None)],
    };
    let too_many = StreamEventsRequest {
        events: vec![event(&ana, "calls", day, None); attain_metrics::MAX_BATCH + 1],
    };
    let err = w
        .metrics
        .stream_events(tokio_stream::iter(vec![good, too_many]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls"], range((2026, 3, 1), (2026, 3, 31))).await,
        [Some(1.0)]
    );
    let err = w
        .metrics
        .get_metric(GetMetricRequest { key: String::new() })
        .await
        .unwrap_err();
    assert_eq!(attain_testing::violated_fields(&err), ["key"]);
}

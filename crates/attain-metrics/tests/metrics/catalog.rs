use attain_proto::metrics::v1::*;
use attain_testing::violated_fields;
use tonic::Code;

use crate::{at, event, ingest, range, totals, world};

#[tokio::test]
async fn a_new_tenant_starts_with_the_built_in_catalog() {
    let mut w = world().await;
    let listed = w
        .metrics
        .list_metrics(ListMetricsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let keys: Vec<_> = listed.metrics.iter().map(|m| m.key.as_str()).collect();
    for key in [
        "calls",
        "emails",
        "meetings_set",
        "revenue_won",
        "talk_time",
        "win_rate",
        "average_deal_size",
        "call_to_connect",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    let win_rate = w
        .metrics
        .get_metric(GetMetricRequest { key: "win_rate".into() })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    assert!(win_rate.built_in);
    assert_eq!(win_rate.layer, Layer::Efficiency as i32);
    assert_eq!(win_rate.ratio.unwrap().numerator_key, "deals_won");
}

#[tokio::test]
async fn a_tenant_adds_an_event_metric_and_a_ratio_over_it() {
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
    let ratio = Metric {
        key: "demo_to_deal".into(),
        display_name: "Demo to deal".into(),
        layer: Layer::Efficiency as i32,
        unit: Unit::Ratio as i32,
        direction: Direction::HigherIsBetter as i32,
        ratio: Some(RatioDefinition {
            numerator_key: "deals_won".into(),
            denominator_key: "demos".into(),
        }),
        ..Default::default()
    };
    w.metrics
        .create_metric(CreateMetricRequest { metric: Some(ratio) })
        .await
        .unwrap();
    let err = w
        .metrics
        .create_metric(CreateMetricRequest { metric: Some(demos) })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);

    let day = at(2026, 3, 2, 15, 0);
    let ana = w.ana.clone();
    let events = vec![
        event(&ana, "demos", day, None),
        event(&ana, "demos", day, Some(3)),
        event(&ana, "deals_won", day, None),
    ];
    assert_eq!(ingest(&mut w.metrics, events).await.accepted_count, 3);
    let got = totals(
        &mut w.metrics,
        &ana,
        &["demos", "demo_to_deal"],
        range((2026, 3, 1), (2026, 3, 31)),
    )
    .await;
    assert_eq!(got, [Some(4.0), Some(0.25)]);
}

#[tokio::test]
async fn bad_metric_definitions_name_every_field() {
    let mut w = world().await;
    let bad = Metric {
        key: "Bad Key".into(),
        display_name: String::new(),
        layer: Layer::Result as i32,
        unit: Unit::Ratio as i32,
        direction: Direction::HigherIsBetter as i32,
        ratio: Some(RatioDefinition {
            numerator_key: "win_rate".into(),
            denominator_key: "nope".into(),
        }),
        ..Default::default()
    };
    let err = w
        .metrics
        .create_metric(CreateMetricRequest { metric: Some(bad) })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "metric.key",
            "metric.display_name",
            "metric.ratio.numerator_key",
            "metric.ratio.denominator_key",
            "metric.layer"
        ]
    );
    let err = w
        .metrics
        .create_metric(CreateMetricRequest {
            metric: Some(Metric::default()),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["metric.layer", "metric.unit", "metric.direction", "metric.aggregation"]
    );
    let err = w
        .metrics
        .update_metric(UpdateMetricRequest {
            metric: Some(Metric {
                key: "calls".into(),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["update_mask"]);
    let err = w
        .metrics
        .list_metrics(ListMetricsRequest {
            page_size: 5000,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["page_size"]);
    let err = w
        .metrics
        .get_metric(GetMetricRequest { key: "nope".into() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn a_retired_metric_refuses_new_events_but_keeps_its_history() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    ingest(&mut w.metrics, vec![event(&ana, "emails", day, Some(5))]).await;
    let emails = w
        .metrics
        .get_metric(GetMetricRequest { key: "emails".into() })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    let retire = Metric {
        state: MetricState::Retired as i32,
        ..emails
    };
    let mask = Some(prost_types::FieldMask {
        paths: vec!["state".into()],
    });
    w.metrics
        .update_metric(UpdateMetricRequest {
            metric: Some(retire.clone()),
            update_mask: mask.clone(),
        })
        .await
        .unwrap();
    let stale = w
        .metrics
        .update_metric(UpdateMetricRequest {
            metric: Some(retire),
            update_mask: mask,
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let response = ingest(&mut w.metrics, vec![event(&ana, "emails", day, Some(1))]).await;
    assert_eq!(response.rejected_count, 1);
    let violation = &response.results[0].violations[0];
    assert_eq!(violation.field, "metric_key");
    assert!(violation.description.contains("retired"), "{violation:?}");
    let got = totals(&mut w.metrics, &ana, &["emails"], range((2026, 3, 1), (2026, 3, 31))).await;
    assert_eq!(got, [Some(5.0)]);
    let listed = w
        .metrics
        .list_metrics(ListMetricsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        !listed.metrics.iter().any(|m| m.key == "emails"),
        "retired metrics are listed only on request"
    );
}

#[tokio::test]
async fn only_admins_change_the_catalog_and_each_tenant_has_its_own() {
    let mut w = world().await;
    let key = w
        .app
        .api_key(w.tenant.id, attain_domain::org::AccessRole::Integration, None)
        .await;
    let mut integration = w.app.metrics(&key).await;
    let custom = Metric {
        key: "demos".into(),
        display_name: "Demos".into(),
        layer: Layer::Objective as i32,
        aggregation: Aggregation::Count as i32,
        unit: Unit::Count as i32,
        direction: Direction::HigherIsBetter as i32,
        ..Default::default()
    };
    let err = integration
        .create_metric(CreateMetricRequest {
            metric: Some(custom.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    w.metrics
        .create_metric(CreateMetricRequest { metric: Some(custom) })
        .await
        .unwrap();

    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.metrics(&other.admin_key).await;
    let err = theirs
        .get_metric(GetMetricRequest { key: "demos".into() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let calls = theirs
        .get_metric(GetMetricRequest { key: "calls".into() })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    let renamed = Metric {
        display_name: "Dials".into(),
        etag: String::new(),
        ..calls
    };
    let mask = Some(prost_types::FieldMask {
        paths: vec!["display_name".into()],
    });
    theirs
        .update_metric(UpdateMetricRequest {
            metric: Some(renamed),
            update_mask: mask,
        })
        .await
        .unwrap();
    let ours = w
        .metrics
        .get_metric(GetMetricRequest { key: "calls".into() })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    assert_eq!(ours.display_name, "Calls");
}

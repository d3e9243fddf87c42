use attain_proto::{metrics::v1::*, org::v1::ExternalId};
use attain_testing::violated_fields;
use tonic::Code;

use crate::{at, event, ingest, range, rollups, set_time_zone, totals, ts, world};

#[tokio::test]
async fn resend_of_100k_events_changes_no_totals() {
    let mut w = world().await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let start = at(2026, 3, 2, 9, 0);
    let events: Vec<Event> = (0..100_000)
        .map(|i| {
            let who = if i % 3 == 0 { &bo } else { &ana };
            let metric = ["calls", "emails", "connects", "conversations"][i % 4];
            event(
                who,
                metric,
                start + chrono::Duration::minutes((i % 20_000) as i64),
                Some((i % 5) as i64 + 1),
            )
        })
        .collect();
    let send = |events: Vec<Event>| {
        let batches: Vec<StreamEventsRequest> = events
            .chunks(5_000)
            .map(|c| StreamEventsRequest { events: c.to_vec() })
            .collect();
        tokio_stream::iter(batches)
    };
    let first = w
        .metrics
        .stream_events(send(events.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (first.accepted_count, first.duplicate_count, first.rejected_count),
        (100_000, 0, 0)
    );
    let period = range((2026, 3, 1), (2026, 3, 31));
    let keys = ["calls", "emails", "connects", "conversations", "call_to_connect"];
    let before = totals(&mut w.metrics, &ana, &keys, period).await;
    let rollups_before = rollups(&w.app).await;

    let again = w.metrics.stream_events(send(events)).await.unwrap().into_inner();
    assert_eq!((again.accepted_count, again.duplicate_count), (0, 100_000));
    assert_eq!(totals(&mut w.metrics, &ana, &keys, period).await, before);
    assert_eq!(rollups(&w.app).await, rollups_before);
}

#[tokio::test]
async fn one_bad_event_is_reported_and_the_rest_are_stored() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let mut bad = event(&ana, "calls", day, Some(-1));
    bad.occurred_at = None;
    bad.attributes.insert("opportunity_id".into(), "006\0x".into());
    let events = vec![event(&ana, "calls", day, None), bad, event(&ana, "calls", day, Some(2))];
    let response = ingest(&mut w.metrics, events).await;
    assert_eq!((response.accepted_count, response.rejected_count), (2, 1));
    let rejected = &response.results[1];
    assert_eq!(rejected.status, EventStatus::Rejected as i32);
    let fields: Vec<_> = rejected.violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["occurred_at", "value", "attributes[opportunity_id]"]);
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls"], range((2026, 3, 2), (2026, 3, 2))).await,
        [Some(3.0)]
    );
}

#[tokio::test]
async fn every_kind_of_bad_event_is_rejected_with_its_field() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let cases: Vec<(Event, &str)> = vec![
        (
            Event {
                event_id: "nope".into(),
                ..event(&ana, "calls", day, None)
            },
            "event_id",
        ),
        (
            Event {
                event_id: String::new(),
                ..event(&ana, "calls", day, None)
            },
            "event_id",
        ),
        (
            Event {
                person_id: String::new(),
                ..event(&ana, "calls", day, None)
            },
            "person_id",
        ),
        (
            Event {
                person_id: uuid::Uuid::now_v7().to_string(),
                ..event(&ana, "calls", day, None)
            },
            "person_id",
        ),
        (event(&ana, "no_such_metric", day, None), "metric_key"),
        (event(&ana, "win_rate", day, None), "metric_key"),
        (event(&ana, "revenue_won", day, None), "value"),
        (
            event(&ana, "calls", chrono::Utc::now() + chrono::Duration::days(3), None),
            "occurred_at",
        ),
        (
            Event {
                source: "crm\u{7}".into(),
                ..event(&ana, "calls", day, None)
            },
            "source",
        ),
        (
            Event {
                person_external_id: Some(ExternalId {
                    system: "salesforce".into(),
                    id: "005NOBODY".into(),
                }),
                person_id: String::new(),
                ..event(&ana, "calls", day, None)
            },
            "person_external_id",
        ),
    ];
    let (events, fields): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let response = ingest(&mut w.metrics, events).await;
    assert_eq!(response.rejected_count as usize, fields.len());
    for (result, field) in response.results.iter().zip(fields) {
        assert_eq!(result.violations[0].field, field, "{result:?}");
    }
}

#[tokio::test]
async fn events_named_by_source_and_external_ids_are_idempotent() {
    let mut w = world().await;
    let day = at(2026, 3, 2, 15, 0);
    let from_crm = || Event {
        event_id: String::new(),
        source: "salesforce".into(),
        external_id: "00T5e00000ABC".into(),
        person_id: String::new(),
        person_external_id: Some(ExternalId {
            system: "salesforce".into(),
            id: "005ANA".into(),
        }),
        metric_key: "calls".into(),
        occurred_at: ts(day),
        ..Default::default()
    };
    let first = ingest(&mut w.metrics, vec![from_crm(), from_crm()]).await;
    let statuses: Vec<_> = first.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [EventStatus::Accepted as i32, EventStatus::Duplicate as i32]);
    assert_eq!(
        first.results[0].event_id,
        attain_domain::metric::derive_event_id("salesforce", "00T5e00000ABC").to_string()
    );
    let again = ingest(&mut w.metrics, vec![from_crm()]).await;
    assert_eq!(again.duplicate_count, 1);
    let ana = w.ana.clone();
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls"], range((2026, 3, 1), (2026, 3, 31))).await,
        [Some(1.0)]
    );
}

#[tokio::test]
async fn retraction_takes_an_event_out_of_every_rollup() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let day = at(2026, 3, 2, 15, 0);
    let big = event(&ana, "largest_deal", day, Some(90_000));
    let small = event(&ana, "largest_deal", day, Some(10_000));
    let call = event(&ana, "calls", day, None);
    ingest(&mut w.metrics, vec![big.clone(), small, call.clone()]).await;
    let march = || range((2026, 3, 1), (2026, 3, 31));
    assert_eq!(
        totals(&mut w.metrics, &ana, &["largest_deal", "calls"], march()).await,
        [Some(90_000.0), Some(1.0)]
    );

    let refs = vec![
        EventRef {
            event_id: big.event_id.clone(),
            ..Default::default()
        },
        EventRef {
            event_id: call.event_id.clone(),
            ..Default::default()
        },
        EventRef {
            event_id: uuid::Uuid::now_v7().to_string(),
            ..Default::default()
        },
    ];
    let out = w
        .metrics
        .retract_events(RetractEventsRequest { events: refs })
        .await
        .unwrap()
        .into_inner();
    let statuses: Vec<_> = out.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RetractStatus::Retracted as i32,
            RetractStatus::Retracted as i32,
            RetractStatus::NotFound as i32
        ]
    );
    assert_eq!(
        totals(&mut w.metrics, &ana, &["largest_deal", "calls"], march()).await,
        [Some(10_000.0), Some(0.0)]
    );
    let series = w
        .metrics
        .get_series(GetSeriesRequest {
            person_ids: vec![ana.clone()],
            metric_key: "calls".into(),
            period: march(),
            bucket: attain_proto::common::v1::Granularity::Day as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        series
            .points
            .iter()
            .all(|p| crate::value(p.value.as_ref().unwrap()) == Some(0.0))
    );
    // Retracting twice, or by a bad reference, is reported per item or refused whole.
    let err = w
        .metrics
        .retract_events(RetractEventsRequest {
            events: vec![EventRef {
                event_id: "x".into(),
                ..Default::default()
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["events[0].event_id"]);
    let rebuilt_before = rollups(&w.app).await;
    w.metrics.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap();
    assert_eq!(
        rollups(&w.app).await,
        rebuilt_before,
        "retraction left the rollups as a rebuild makes them"
    );
}

#[tokio::test]
async fn batch_limits_are_enforced() {
    let mut w = world().await;
    let err = w
        .metrics
        .ingest_events(IngestEventsRequest { events: vec![] })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["events"]);
    let ana = w.ana.clone();
    let many = vec![event(&ana, "calls", at(2026, 3, 2, 15, 0), None); attain_metrics::MAX_BATCH + 1];
    let err = w
        .metrics
        .ingest_events(IngestEventsRequest { events: many })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
}

/// Events at the edges of DST changes count on the right local day.
#[tokio::test]
async fn days_follow_the_tenant_time_zone_across_dst_changes() {
    for (zone, cases) in [
        // New York springs forward on 2026-03-08 (UTC-5 before, UTC-4 after) and falls back on
        // 2026-11-01 (UTC-4 before, UTC-5 after).
        (
            "America/New_York",
            vec![
                (at(2026, 3, 8, 4, 59), (2026, 3, 7)),
                (at(2026, 3, 8, 5, 0), (2026, 3, 8)),
                (at(2026, 3, 9, 3, 59), (2026, 3, 8)),
                (at(2026, 3, 9, 4, 0), (2026, 3, 9)),
                (at(2026, 11, 2, 4, 59), (2026, 11, 1)),
                (at(2026, 11, 2, 5, 0), (2026, 11, 2)),
            ],
        ),
        // Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
        (
            "Europe/Berlin",
            vec![
                (at(2026, 3, 28, 22, 59), (2026, 3, 28)),
                (at(2026, 3, 28, 23, 0), (2026, 3, 29)),
                (at(2026, 3, 29, 21, 59), (2026, 3, 29)),
                (at(2026, 3, 29, 22, 0), (2026, 3, 30)),
                (at(2026, 10, 25, 22, 59), (2026, 10, 25)),
                (at(2026, 10, 25, 23, 0), (2026, 10, 26)),
            ],
        ),
    ] {
        let mut w = world().await;
        set_time_zone(&mut w.org, zone).await;
        let ana = w.ana.clone();
        for (when, (y, m, d)) in cases {
            ingest(&mut w.metrics, vec![event(&ana, "calls", when, None)]).await;
            let day = range((y, m, d), (y, m, d));
            let got = totals(&mut w.metrics, &ana, &["calls"], day).await;
            assert!(
                got[0].unwrap_or(0.0) >= 1.0,
                "{zone}: {when} should count on {y}-{m}-{d}"
            );
        }
        let counted: i64 = sqlx::query_scalar("SELECT sum(count)::bigint FROM metrics.daily_rollups")
            .fetch_one(&w.app.db.owner)
            .await
            .unwrap();
        assert_eq!(counted, 6);
        // Each event is on exactly the expected day: 6 events over the days asked, no strays.
        let days: Vec<(chrono::NaiveDate, i64)> =
            sqlx::query_as("SELECT day, count FROM metrics.daily_rollups ORDER BY day")
                .fetch_all(&w.app.db.owner)
                .await
                .unwrap();
        assert!(days.iter().all(|(_, c)| *c >= 1));
    }
}

#[tokio::test]
async fn rebuild_equals_incremental_and_follows_a_time_zone_change() {
    let mut w = world().await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let mut events = Vec::new();
    for i in 0..2_000i64 {
        let when = at(2026, 3, 1, 0, 0) + chrono::Duration::minutes(i * 37);
        let who = if i % 2 == 0 { &ana } else { &bo };
        let metric = ["calls", "revenue_won", "largest_deal", "meetings_set"][(i % 4) as usize];
        events.push(event(who, metric, when, Some(i % 97 + 1)));
    }
    for chunk in events.chunks(500) {
        ingest(&mut w.metrics, chunk.to_vec()).await;
    }
    let incremental = rollups(&w.app).await;
    let rebuilt = w
        .metrics
        .rebuild_rollups(RebuildRollupsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rebuilt.event_count, 2_000);
    assert_eq!(rollups(&w.app).await, incremental);

    // An event at 02:00 UTC is the previous day in New York; after a rebuild it moves there.
    set_time_zone(&mut w.org, "America/New_York").await;
    w.metrics.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap();
    let moved = rollups(&w.app).await;
    assert_ne!(moved, incremental);
    let total = |r: &[(uuid::Uuid, chrono::NaiveDate, i32, i64, i64, i64)]| r.iter().map(|x| x.4).sum::<i64>();
    assert_eq!(total(&moved), total(&incremental), "every event still counted once");
    let first_day: chrono::NaiveDate = sqlx::query_scalar("SELECT min(day) FROM metrics.daily_rollups")
        .fetch_one(&w.app.db.owner)
        .await
        .unwrap();
    assert_eq!(first_day, chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
}

/// One event can carry at most its kind's maximum; a larger one is refused alone, with the rest
/// of its batch accepted.
#[tokio::test]
async fn a_value_past_its_kinds_maximum_is_refused_for_that_event_only() {
    let mut w = world().await;
    let day = crate::at(2026, 3, 2, 15, 0);
    let response = ingest(
        &mut w.metrics,
        vec![
            event(&w.ana, "revenue_won", day, Some(i64::MAX)),
            event(&w.ana, "calls", day, Some(1_000_001)),
            event(&w.ana, "revenue_won", day, Some(1_000_000_000_000)),
            event(&w.bo, "calls", day, Some(1_000_000)),
        ],
    )
    .await;
    assert_eq!(response.accepted_count, 2);
    let fields: Vec<_> = response
        .results
        .iter()
        .map(|r| r.violations.first().map(|v| v.field.as_str()))
        .collect();
    assert_eq!(fields, [Some("value"), Some("value"), None, None]);
}

/// A sum that would pass 2^63 - 1 is capped there, never an error: the batch that adds to it
/// (other people's events included), the reads of its month and quarter, and the fold all
/// go on. Millions of events at the maximum would take a day's sum there; the test sets the
/// rollups near the top instead.
#[tokio::test]
async fn a_sum_past_the_largest_bigint_is_capped_and_fails_nothing() {
    use crate::{calendar, fold::hold_the_fold};
    use attain_proto::common::v1::Granularity;
    let mut w = world().await;
    let day = crate::at(2026, 3, 2, 15, 0);
    ingest(&mut w.metrics, vec![event(&w.ana, "revenue_won", day, Some(5))]).await;
    attain_metrics::fold_all(&w.app.db.owner).await.unwrap();
    // Ana's rows of that day, month and quarter windows, pushed to the top of the range.
    let mut tx = w.app.db.owner.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL app.tenant_id = '{}'",
        w.tenant.id
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    for table in ["daily_rollups", "monthly_rollups", "three_month_totals"] {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE metrics.{table} SET sum = 9223372036854775000 WHERE person_id = $1"
        )))
        .bind(uuid::Uuid::parse_str(&w.ana).unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
        assert!(done.rows_affected() > 0, "{table}");
    }
    tx.commit().await.unwrap();

    // Pending additions are read beside the monthly rows: hold the fold so they stay pending.
    let held = hold_the_fold(&w).await;
    let response = ingest(
        &mut w.metrics,
        vec![
            event(&w.ana, "revenue_won", day, Some(1_000_000_000_000)),
            event(&w.bo, "revenue_won", day, Some(7)),
        ],
    )
    .await;
    assert_eq!(response.accepted_count, 2, "{response:?}");
    let month = calendar(Granularity::Month, (2026, 3, 2));
    assert_eq!(
        crate::totals(&mut w.metrics, &w.ana, &["revenue_won"], month).await,
        [Some(i64::MAX as f64)]
    );
    assert_eq!(
        crate::totals(&mut w.metrics, &w.bo, &["revenue_won"], month).await,
        [Some(7.0)]
    );
    drop(held);
    attain_metrics::fold_all(&w.app.db.owner)
        .await
        .expect("the fold goes on");
    let top = w
        .metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: "revenue_won".into(),
            period: calendar(Granularity::Quarter, (2026, 3, 2)),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("the quarter's ranking")
        .into_inner();
    assert_eq!(top.rows[0].person_id, w.ana);
    assert_eq!(top.rows[0].value.as_ref().and_then(crate::value), Some(i64::MAX as f64));
}

//! State metrics (gauges): snapshots of open pipeline read as of a day, idempotent, summed over
//! people, with "no value" before the first snapshot. Amounts are cents: 15_000_000 is $150,000.

use attain_proto::metrics::v1::*;
use tonic::Code;

use crate::{at, event, ingest, range, totals, value, world};

#[tokio::test]
async fn open_pipeline_is_the_latest_snapshot_as_of_the_last_day_summed_over_people() {
    let mut w = world().await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let mut resent = event(&ana, "open_pipeline", at(2026, 3, 9, 18, 0), Some(15_000_000));
    resent.event_id = uuid::Uuid::now_v7().to_string();
    let first = ingest(
        &mut w.metrics,
        vec![
            event(&ana, "open_pipeline", at(2026, 3, 2, 18, 0), Some(12_000_000)),
            // Two snapshots of one day: the later one holds.
            event(&ana, "open_pipeline", at(2026, 3, 9, 9, 0), Some(14_000_000)),
            resent.clone(),
            event(&ana, "open_pipeline", at(2026, 3, 20, 18, 0), Some(9_000_000)),
            event(&bo, "open_pipeline", at(2026, 3, 5, 18, 0), Some(6_000_000)),
            event(&ana, "open_opportunities", at(2026, 3, 9, 18, 0), Some(7)),
        ],
    )
    .await;
    assert_eq!(first.accepted_count, 6);
    // Resending a snapshot is a duplicate and changes nothing.
    let again = ingest(&mut w.metrics, vec![resent]).await;
    assert_eq!((again.accepted_count, again.duplicate_count), (0, 1));

    // As of 10 March: Ana's 9 March evening snapshot (150,000.00), not a sum over the month.
    let march_10 = range((2026, 3, 1), (2026, 3, 10));
    assert_eq!(
        totals(&mut w.metrics, &ana, &["open_pipeline", "open_opportunities"], march_10).await,
        [Some(15_000_000.0), Some(7.0)]
    );
    // As of the month's end: the 20 March snapshot.
    assert_eq!(
        totals(
            &mut w.metrics,
            &ana,
            &["open_pipeline"],
            range((2026, 3, 1), (2026, 3, 31))
        )
        .await,
        [Some(9_000_000.0)]
    );
    // Before the first snapshot there is no value (not 0).
    assert_eq!(
        totals(
            &mut w.metrics,
            &bo,
            &["open_pipeline"],
            range((2026, 3, 1), (2026, 3, 4))
        )
        .await,
        [None]
    );
    // A snapshot from before the period still holds in it: nothing has replaced it.
    assert_eq!(
        totals(
            &mut w.metrics,
            &bo,
            &["open_pipeline"],
            range((2026, 4, 1), (2026, 4, 30))
        )
        .await,
        [Some(6_000_000.0)]
    );

    // Combined: 150,000.00 + 60,000.00 as of 10 March, from two people.
    let combined = w
        .metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![ana.clone(), bo.clone()],
            metric_keys: vec!["open_pipeline".into()],
            period: march_10,
            grouping: Grouping::Combined as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let v = &combined.rows[0].values[0];
    assert_eq!((value(v), v.event_count), (Some(21_000_000.0), 2));

    // A weekly series: each week's value is as of its last day.
    let series = w
        .metrics
        .get_series(GetSeriesRequest {
            person_ids: vec![ana.clone()],
            metric_key: "open_pipeline".into(),
            period: range((2026, 3, 2), (2026, 3, 22)),
            bucket: attain_proto::common::v1::Granularity::Week as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let points: Vec<Option<f64>> = series.points.iter().map(|p| p.value.as_ref().and_then(value)).collect();
    assert_eq!(points, [Some(12_000_000.0), Some(15_000_000.0), Some(9_000_000.0)]);

    // A ranking as of the period's end.
    let top = w
        .metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: "open_pipeline".into(),
            period: march_10,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let ranked: Vec<(i32, &str)> = top.rows.iter().map(|r| (r.rank, r.person_id.as_str())).collect();
    assert_eq!(ranked, [(1, ana.as_str()), (2, bo.as_str())]);

    // A retracted snapshot no longer counts: the one before it holds again.
    let late = first.results[3].event_id.clone();
    w.metrics
        .retract_events(RetractEventsRequest {
            events: vec![EventRef {
                event_id: late,
                ..Default::default()
            }],
        })
        .await
        .unwrap();
    assert_eq!(
        totals(
            &mut w.metrics,
            &ana,
            &["open_pipeline"],
            range((2026, 3, 1), (2026, 3, 31))
        )
        .await,
        [Some(15_000_000.0)]
    );
}

#[tokio::test]
async fn a_snapshot_needs_a_value_and_a_ratio_cannot_be_built_on_a_state() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let out = ingest(
        &mut w.metrics,
        vec![event(&ana, "open_pipeline", at(2026, 3, 2, 18, 0), None)],
    )
    .await;
    assert_eq!(out.rejected_count, 1);
    assert_eq!(out.results[0].violations[0].field, "value");
    let err = w
        .metrics
        .create_metric(CreateMetricRequest {
            metric: Some(Metric {
                key: "win_per_open".into(),
                display_name: "Won per open".into(),
                layer: Layer::Efficiency as i32,
                unit: Unit::Ratio as i32,
                direction: Direction::HigherIsBetter as i32,
                ratio: Some(RatioDefinition {
                    numerator_key: "deals_won".into(),
                    denominator_key: "open_opportunities".into(),
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("ratio.denominator_key"), "{err:?}");
    // A tenant's own state metric.
    let created = w
        .metrics
        .create_metric(CreateMetricRequest {
            metric: Some(Metric {
                key: "open_opps_negotiation".into(),
                display_name: "Open in negotiation".into(),
                layer: Layer::Objective as i32,
                aggregation: Aggregation::Latest as i32,
                unit: Unit::Count as i32,
                direction: Direction::HigherIsBetter as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .metric
        .unwrap();
    assert_eq!(created.aggregation, Aggregation::Latest as i32);
}

#[tokio::test]
async fn a_per_day_read_of_states_too_large_for_everyone_is_refused() {
    let mut w = world().await;
    let mut people = vec![w.ana.clone(), w.bo.clone()];
    for i in 0..135 {
        people.push(crate::person(&mut w.org, &format!("Rep {i}"), None).await);
    }
    // 3,660 days × 137 people × 2 states = 1,002,840 lookups, past the 1,000,000 a read may ask.
    let decade = range((2020, 1, 1), (2030, 1, 7));
    let ask = |people: Vec<String>, grouping: Grouping| GetTotalsRequest {
        person_ids: people,
        metric_keys: vec!["open_pipeline".into(), "open_opportunities".into()],
        period: decade,
        grouping: grouping as i32,
    };
    let err = w
        .metrics
        .get_totals(ask(people.clone(), Grouping::PerPersonDay))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("period") && err.message().contains("1002840"),
        "{err:?}"
    );
    // One person fewer fits; so does the same read per person (one day each).
    w.metrics
        .get_totals(ask(people[1..].to_vec(), Grouping::PerPersonDay))
        .await
        .unwrap();
    w.metrics.get_totals(ask(people, Grouping::PerPerson)).await.unwrap();
}

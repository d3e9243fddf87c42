use attain_proto::{common::v1::Granularity, metrics::v1::*};
use attain_testing::violated_fields;

use crate::{at, calendar, event, ingest, range, totals, value, world};

#[tokio::test]
async fn a_ratio_over_a_period_is_sum_over_sum() {
    let mut w = world().await;
    let ana = w.ana.clone();
    // Day 1: 1 call, 1 connect (100 %). Day 2: 9 calls, 1 connect (11 %). Period: 2 / 10.
    let d1 = at(2026, 3, 2, 15, 0);
    let d2 = at(2026, 3, 3, 15, 0);
    ingest(
        &mut w.metrics,
        vec![
            event(&ana, "calls", d1, None),
            event(&ana, "connects", d1, None),
            event(&ana, "calls", d2, Some(9)),
            event(&ana, "connects", d2, None),
        ],
    )
    .await;
    let got = totals(
        &mut w.metrics,
        &ana,
        &["call_to_connect", "win_rate"],
        range((2026, 3, 1), (2026, 3, 31)),
    )
    .await;
    assert_eq!(
        got,
        [Some(0.2), None],
        "no opportunities: the win rate has no value, not 0 or NaN"
    );
}

#[tokio::test]
async fn combined_totals_add_people_up_and_take_ratios_over_the_group() {
    let mut w = world().await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let day = at(2026, 3, 2, 15, 0);
    ingest(
        &mut w.metrics,
        vec![
            event(&ana, "calls", day, Some(10)),
            event(&ana, "connects", day, Some(5)),
            event(&bo, "calls", day, Some(30)),
            event(&bo, "connects", day, Some(3)),
        ],
    )
    .await;
    let response = w
        .metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![ana, bo],
            metric_keys: vec!["calls".into(), "call_to_connect".into()],
            period: calendar(Granularity::Month, (2026, 3, 15)),
            grouping: Grouping::Combined as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let range = response.range.unwrap();
    assert_eq!((range.start_date.unwrap().day, range.end_date.unwrap().day), (1, 31));
    assert_eq!(response.rows.len(), 1);
    let values: Vec<_> = response.rows[0].values.iter().map(value).collect();
    assert_eq!(values, [Some(40.0), Some(0.2)]);
}

#[tokio::test]
async fn series_buckets_by_week_with_empty_weeks_included() {
    let mut w = world().await;
    let ana = w.ana.clone();
    ingest(
        &mut w.metrics,
        vec![
            event(&ana, "calls", at(2026, 11, 2, 15, 0), Some(4)),
            event(&ana, "calls", at(2026, 11, 20, 15, 0), Some(6)),
        ],
    )
    .await;
    let series = w
        .metrics
        .get_series(GetSeriesRequest {
            person_ids: vec![ana],
            metric_key: "calls".into(),
            period: range((2026, 11, 1), (2026, 11, 30)),
            bucket: Granularity::Week as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let values: Vec<_> = series.points.iter().map(|p| value(p.value.as_ref().unwrap())).collect();
    // Weeks start on Monday: Nov 1 (Sun) alone, then Nov 2-8, 9-15, 16-22, 23-29, 30.
    assert_eq!(
        values,
        [Some(0.0), Some(4.0), Some(0.0), Some(6.0), Some(0.0), Some(0.0)]
    );
}

#[tokio::test]
async fn top_people_rank_with_ties_and_a_minimum_denominator() {
    let mut w = world().await;
    let cy = crate::person(&mut w.org, "Cy", None).await;
    let di = crate::person(&mut w.org, "Di", None).await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let day = at(2026, 3, 2, 15, 0);
    ingest(
        &mut w.metrics,
        vec![
            event(&ana, "meetings_set", day, Some(9)),
            event(&bo, "meetings_set", day, Some(7)),
            event(&cy, "meetings_set", day, Some(7)),
            event(&di, "meetings_set", day, Some(5)),
            // Di won her only opportunity: 100 % from one deal. Ana won 3 of 4.
            event(&di, "opportunities_created", day, Some(1)),
            event(&di, "deals_won", day, Some(1)),
            event(&ana, "opportunities_created", day, Some(4)),
            event(&ana, "deals_won", day, Some(3)),
        ],
    )
    .await;
    let top = |metric: &str, min_denominator: i64, limit: i32| GetTopPeopleRequest {
        metric_key: metric.into(),
        period: range((2026, 3, 1), (2026, 3, 31)),
        limit,
        person_ids: vec![],
        min_denominator,
        also_person_ids: vec![],
    };
    let rows = w
        .metrics
        .get_top_people(top("meetings_set", 0, 10))
        .await
        .unwrap()
        .into_inner()
        .rows;
    let ranks: Vec<_> = rows.iter().map(|r| (r.rank, r.person_id.clone())).collect();
    let (first, tied) = (&ranks[..1], &ranks[1..3]);
    assert_eq!(first, [(1, ana.clone())]);
    assert!(tied.iter().all(|(rank, _)| *rank == 2));
    assert_eq!(ranks[3], (4, di.clone()));
    let two = w
        .metrics
        .get_top_people(top("meetings_set", 0, 2))
        .await
        .unwrap()
        .into_inner()
        .rows;
    assert_eq!(two.len(), 3, "ties at the cut-off are kept");

    let rates = w
        .metrics
        .get_top_people(top("win_rate", 2, 10))
        .await
        .unwrap()
        .into_inner()
        .rows;
    let people: Vec<_> = rates.iter().map(|r| r.person_id.clone()).collect();
    assert_eq!(
        people,
        std::slice::from_ref(&ana),
        "one deal is below the minimum denominator"
    );

    // A rep sees the whole ranking (a leaderboard) and their own row wherever it falls.
    let rep_key = w
        .app
        .api_key(
            w.tenant.id,
            attain_domain::org::AccessRole::Rep,
            uuid::Uuid::parse_str(&di).ok(),
        )
        .await;
    let mut rep = w.app.metrics(&rep_key).await;
    let board = rep
        .get_top_people(GetTopPeopleRequest {
            also_person_ids: vec![di.clone()],
            ..top("meetings_set", 0, 1)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(board.rows.len(), 1);
    assert_eq!(board.rows[0].person_id, ana);
    assert_eq!(board.also.len(), 1);
    assert_eq!((board.also[0].rank, board.also[0].person_id.as_str()), (4, di.as_str()));
    assert_eq!(board.ranked_count, 4);
}

#[tokio::test]
async fn bad_queries_name_every_field() {
    let mut w = world().await;
    let err = w
        .metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec!["me".into()],
            metric_keys: vec![],
            period: None,
            grouping: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["metric_keys", "period", "person_ids[0]"]);
    let err = w
        .metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![],
            metric_keys: vec!["nope".into()],
            period: range((2026, 3, 31), (2026, 3, 1)),
            grouping: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["period.range", "metric_keys[0]"]);
    let err = w
        .metrics
        .get_series(GetSeriesRequest {
            person_ids: vec![],
            metric_key: "calls".into(),
            period: calendar(Granularity::Unspecified, (2026, 3, 1)),
            bucket: Granularity::Quarter as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["period.calendar.granularity", "bucket"]);
    let err = w
        .metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: String::new(),
            period: range((2026, 3, 1), (2026, 3, 2)),
            limit: 5000,
            person_ids: vec![],
            min_denominator: -1,
            also_person_ids: vec!["x".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["limit", "min_denominator", "also_person_ids[0]", "metric_key"]
    );
}

use attain_proto::{common::v1::Granularity, metrics::v1::*};
use attain_testing::violated_fields;

use crate::{at, calendar, event, ingest, range, rollups, totals, value, world};

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

/// Totals over whole months come from the monthly rollups and the days around them from the
/// daily ones: every way of cutting a period must give what the days add up to.
#[tokio::test]
async fn totals_across_month_edges_equal_the_sum_of_their_days() {
    let mut w = world().await;
    let (ana, bo) = (w.ana.clone(), w.bo.clone());
    let mut events = Vec::new();
    for i in 0..150i64 {
        let when = at(2026, 1, 1, 12, 0) + chrono::Duration::days(i);
        events.push(event(&ana, "calls", when, Some(i % 7 + 1)));
        events.push(event(&bo, "calls", when, Some(i % 5 + 2)));
        if i % 3 == 0 {
            events.push(event(&ana, "largest_deal", when, Some(1_000 + i * 10)));
            events.push(event(&ana, "connects", when, Some(1)));
        }
    }
    for chunk in events.chunks(200) {
        ingest(&mut w.metrics, chunk.to_vec()).await;
    }
    rollups(&w.app).await;
    let keys = ["calls", "largest_deal", "call_to_connect"];
    let periods = [
        ((2026, 1, 1), (2026, 3, 31)),  // a quarter: whole months only
        ((2026, 1, 15), (2026, 4, 10)), // partial, whole, whole, partial
        ((2026, 2, 23), (2026, 3, 8)),  // a fortnight across a month's end
        ((2026, 3, 1), (2026, 3, 1)),   // one day
        ((2026, 2, 1), (2026, 5, 20)),  // whole months, then a partial one
    ];
    for (start, end) in periods {
        let got = totals(&mut w.metrics, &ana, &keys, range(start, end)).await;
        let daily = w
            .metrics
            .get_series(GetSeriesRequest {
                person_ids: vec![ana.clone()],
                metric_key: "calls".into(),
                period: range(start, end),
                bucket: Granularity::Day as i32,
            })
            .await
            .unwrap()
            .into_inner();
        let calls: f64 = daily
            .points
            .iter()
            .filter_map(|p| value(p.value.as_ref().unwrap()))
            .sum();
        assert_eq!(got[0], Some(calls), "calls over {start:?}..{end:?}");
        let (first, last) = (
            chrono::NaiveDate::from_ymd_opt(start.0, start.1 as u32, start.2 as u32).unwrap(),
            chrono::NaiveDate::from_ymd_opt(end.0, end.1 as u32, end.2 as u32).unwrap(),
        );
        let deal_days: Vec<i64> = (0..150i64)
            .filter(|i| i % 3 == 0)
            .filter(|i| {
                let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(*i);
                first <= d && d <= last
            })
            .collect();
        let largest = deal_days
            .iter()
            .map(|i| (1_000 + i * 10) as f64)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        assert_eq!(got[1], largest.or(Some(0.0)), "largest deal over {start:?}..{end:?}");
        let connects = deal_days.len() as f64;
        assert_eq!(
            got[2],
            (calls > 0.0).then_some(connects / calls),
            "ratio over {start:?}..{end:?}"
        );

        // The same numbers combined over both reps, and for everyone in a ranking.
        let both = w
            .metrics
            .get_totals(GetTotalsRequest {
                person_ids: vec![ana.clone(), bo.clone(), ana.clone()],
                metric_keys: vec!["calls".into()],
                period: range(start, end),
                grouping: Grouping::Combined as i32,
            })
            .await
            .unwrap()
            .into_inner();
        let bo_calls = totals(&mut w.metrics, &bo, &["calls"], range(start, end)).await[0].unwrap();
        assert_eq!(
            value(&both.rows[0].values[0]),
            Some(calls + bo_calls),
            "a repeated id counts once"
        );
        let top = w
            .metrics
            .get_top_people(GetTopPeopleRequest {
                metric_key: "calls".into(),
                period: range(start, end),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let mut ranked: Vec<f64> = top
            .rows
            .iter()
            .map(|r| value(r.value.as_ref().unwrap()).unwrap())
            .collect();
        ranked.sort_by(f64::total_cmp);
        let mut want = vec![calls, bo_calls];
        want.sort_by(f64::total_cmp);
        assert_eq!(ranked, want, "ranking over {start:?}..{end:?}");
    }
}

/// The ranking is computed in SQL; it must be the domain's competition ranking of the same
/// totals, for a sum, a largest value and a ratio, higher and lower first, in a list or not.
#[tokio::test]
async fn sql_ranking_equals_the_domain_ranking_of_the_totals() {
    let mut w = world().await;
    let mut people = vec![w.ana.clone(), w.bo.clone()];
    for i in 0..18 {
        people.push(crate::person(&mut w.org, &format!("Rep {i:02}"), None).await);
    }
    let day = at(2026, 3, 2, 15, 0);
    let mut events = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let i = i as i64;
        // Few distinct values, so there are ties; one rep has no events at all.
        if i == 7 {
            continue;
        }
        events.push(event(p, "calls", day, Some(i % 4 + 1)));
        events.push(event(p, "connects", day, Some(i % 3)));
        events.push(event(p, "largest_deal", day, Some((i % 5) * 1_000)));
    }
    ingest(&mut w.metrics, events).await;
    let period = || range((2026, 3, 1), (2026, 3, 31));
    for (metric, min_denominator, subset) in [
        ("calls", 0, false),
        ("largest_deal", 0, true),
        ("call_to_connect", 2, false),
        ("call_to_connect", 0, true),
    ] {
        let listed: Vec<String> = if subset { people[..12].to_vec() } else { Vec::new() };
        let got = w
            .metrics
            .get_top_people(GetTopPeopleRequest {
                metric_key: metric.into(),
                period: period(),
                limit: 5,
                person_ids: listed.clone(),
                min_denominator,
                also_person_ids: vec![people[11].clone()],
            })
            .await
            .unwrap()
            .into_inner();
        // The same ranking from each person's totals and the domain's ranking.
        let pool = if subset { &people[..12] } else { &people[..] };
        let mut scored = Vec::new();
        for p in pool {
            let values = w
                .metrics
                .get_totals(GetTotalsRequest {
                    person_ids: vec![p.clone()],
                    metric_keys: vec![metric.into(), "calls".into()],
                    period: period(),
                    grouping: Grouping::PerPerson as i32,
                })
                .await
                .unwrap()
                .into_inner();
            let v = &values.rows[0].values[0];
            let eligible = if metric == "call_to_connect" {
                v.denominator >= min_denominator.max(1)
            } else {
                v.event_count > 0
            };
            if let (true, Some(score)) = (eligible, value(v)) {
                scored.push((score, uuid::Uuid::parse_str(p).unwrap()));
            }
        }
        let ranked = attain_domain::ranking::competition_rank(scored, false, |p| *p);
        let want: Vec<(i32, String)> = attain_domain::ranking::top(ranked.clone(), 5)
            .iter()
            .map(|r| (r.rank as i32, r.item.to_string()))
            .collect();
        let rows: Vec<(i32, String)> = got.rows.iter().map(|r| (r.rank, r.person_id.clone())).collect();
        assert_eq!(rows, want, "{metric}, min {min_denominator}, subset {subset}");
        assert_eq!(got.ranked_count as usize, ranked.len());
        let own = ranked.iter().find(|r| r.item.to_string() == people[11]);
        let also: Vec<(i32, String)> = got.also.iter().map(|r| (r.rank, r.person_id.clone())).collect();
        assert_eq!(
            also,
            own.map(|r| (r.rank as i32, r.item.to_string()))
                .into_iter()
                .collect::<Vec<_>>()
        );
    }
}

//! A tenant-wide ranking over exactly three whole months is read from the ranked window index
//! (`metrics.three_month_totals`). It must equal the domain's ranking of everyone's totals in
//! every state the windows go through: additions pending, folded, retracted, rebuilt.

use attain_proto::metrics::v1::*;

use crate::{World, at, event, fold::hold_the_fold, ingest, range, value, world};

/// Twenty people, February to April: few distinct values (ties at the cut), one without events.
async fn people(w: &mut World) -> Vec<String> {
    let mut people = vec![w.ana.clone(), w.bo.clone()];
    for i in 0..18 {
        people.push(crate::person(&mut w.org, &format!("Rep {i:02}"), None).await);
    }
    people
}

fn batch(people: &[String], round: i64) -> Vec<Event> {
    let mut events = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let i = i as i64;
        if i == 7 {
            continue;
        }
        // Spread over the three months and the two next to them (outside the window).
        let when = at(2026, 1, 20, 15, 0) + chrono::Duration::days((i * 11 + round * 17) % 120);
        events.push(event(p, "calls", when, Some((i + round) % 4 + 1)));
        events.push(event(p, "handle_minutes", when, Some((i * round) % 3 + 1)));
    }
    events
}

/// Checks the ranking of `metric` over February to April against everyone's totals, with a
/// cut inside the field and with room for everyone.
async fn check(w: &mut World, people: &[String], metric: &str, lower_is_better: bool, what: &str) {
    for limit in [5, 50] {
        check_top(
            w,
            people,
            metric,
            lower_is_better,
            limit,
            &format!("{what}, top {limit}"),
        )
        .await;
    }
}

async fn check_top(w: &mut World, people: &[String], metric: &str, lower_is_better: bool, limit: usize, what: &str) {
    let period = || range((2026, 2, 1), (2026, 4, 30));
    let also = vec![people[3].clone(), people[11].clone(), people[7].clone()];
    let got = w
        .metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: metric.into(),
            period: period(),
            limit: limit as i32,
            also_person_ids: also.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut scored = Vec::new();
    for p in people {
        let values = w
            .metrics
            .get_totals(GetTotalsRequest {
                person_ids: vec![p.clone()],
                metric_keys: vec![metric.into()],
                period: period(),
                grouping: Grouping::PerPerson as i32,
            })
            .await
            .unwrap()
            .into_inner();
        let v = &values.rows[0].values[0];
        if let (true, Some(score)) = (v.event_count > 0, value(v)) {
            scored.push((score, uuid::Uuid::parse_str(p).unwrap()));
        }
    }
    let scores: std::collections::HashMap<uuid::Uuid, f64> = scored.iter().map(|(s, p)| (*p, *s)).collect();
    let ranked = attain_domain::ranking::competition_rank(scored, lower_is_better, |p| *p);
    let want: Vec<(i32, String, Option<f64>)> = attain_domain::ranking::top(ranked.clone(), limit)
        .iter()
        .map(|r| (r.rank as i32, r.item.to_string(), scores.get(&r.item).copied()))
        .collect();
    let rows: Vec<(i32, String, Option<f64>)> = got
        .rows
        .iter()
        .map(|r| (r.rank, r.person_id.clone(), r.value.as_ref().and_then(value)))
        .collect();
    assert_eq!(rows, want, "{what}: {metric}");
    assert_eq!(got.ranked_count as usize, ranked.len(), "{what}: {metric}");
    let mut own: Vec<(i32, String)> = ranked
        .iter()
        .filter(|r| also.contains(&r.item.to_string()))
        .map(|r| (r.rank as i32, r.item.to_string()))
        .collect();
    own.sort();
    let also_got: Vec<(i32, String)> = got.also.iter().map(|r| (r.rank, r.person_id.clone())).collect();
    assert_eq!(also_got, own, "{what}: {metric} (also)");
}

/// The window rows equal the sums of the monthly rows they span, and nothing else is there.
async fn windows_match_the_months(w: &World, what: &str) {
    let mismatched: i64 = sqlx::query_scalar(
        "WITH want AS (
             SELECT tenant_id, person_id, (month - make_interval(months => o))::date AS first_month, metric_id,
                    sum(sum)::bigint AS sum, sum(count)::bigint AS count
             FROM metrics.monthly_rollups CROSS JOIN generate_series(0, 2) AS o GROUP BY 1, 2, 3, 4
         )
         SELECT count(*) FROM (
             (SELECT * FROM want EXCEPT SELECT tenant_id, person_id, first_month, metric_id, sum, count
              FROM metrics.three_month_totals)
             UNION ALL
             (SELECT tenant_id, person_id, first_month, metric_id, sum, count FROM metrics.three_month_totals
              EXCEPT SELECT * FROM want)
         ) d",
    )
    .fetch_one(&w.app.db.owner)
    .await
    .unwrap();
    assert_eq!(mismatched, 0, "{what}: window rows that differ from their months");
}

#[tokio::test]
async fn a_quarter_ranked_from_the_window_index_equals_the_ranking_of_everyones_totals() {
    let mut w = world().await;
    let people = people(&mut w).await;
    // A metric where lower is better, ranked from the other end of the index.
    w.metrics
        .create_metric(CreateMetricRequest {
            metric: Some(Metric {
                key: "handle_minutes".into(),
                display_name: "Handle minutes".into(),
                layer: Layer::Activity as i32,
                aggregation: Aggregation::Sum as i32,
                unit: Unit::Count as i32,
                direction: Direction::LowerIsBetter as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let metrics = [("calls", false), ("handle_minutes", true)];

    // Folded, then more of it pending while the fold is held off.
    let first = batch(&people, 1);
    ingest(&mut w.metrics, first.clone()).await;
    attain_metrics::fold_all(&w.app.db.owner).await.unwrap();
    windows_match_the_months(&w, "folded").await;
    let blocker = hold_the_fold(&w).await;
    for round in 2..5 {
        ingest(&mut w.metrics, batch(&people, round)).await;
    }
    for (metric, lower) in metrics {
        check(&mut w, &people, metric, lower, "pending").await;
    }
    drop(blocker);
    attain_metrics::fold_all(&w.app.db.owner).await.unwrap();
    windows_match_the_months(&w, "folded again").await;
    for (metric, lower) in metrics {
        check(&mut w, &people, metric, lower, "folded").await;
    }

    // A retraction sums its months, and their windows, again.
    let refs = first
        .iter()
        .step_by(3)
        .map(|e| EventRef {
            event_id: e.event_id.clone(),
            ..Default::default()
        })
        .collect();
    w.metrics
        .retract_events(RetractEventsRequest { events: refs })
        .await
        .unwrap();
    windows_match_the_months(&w, "retracted").await;
    for (metric, lower) in metrics {
        check(&mut w, &people, metric, lower, "retracted").await;
    }

    // A rebuild makes them anew.
    sqlx::query("UPDATE metrics.three_month_totals SET sum = sum + 1")
        .execute(&w.app.db.owner)
        .await
        .unwrap();
    w.metrics.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap();
    windows_match_the_months(&w, "rebuilt").await;
    for (metric, lower) in metrics {
        check(&mut w, &people, metric, lower, "rebuilt").await;
    }
}

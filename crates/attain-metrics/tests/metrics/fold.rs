//! The monthly rollups: ingestion appends its additions as pending rows, reads count them
//! before and after the folder moves them into the monthly rows, and the folder stops cleanly.

use attain_proto::{common::v1::Granularity, metrics::v1::*};
use sqlx::{Connection, PgConnection};

use crate::{World, at, calendar, event, ingest, range, rollups, totals, world};

/// Holds the lock every writer of the monthly rollups takes first, as a fold that never ends
/// would: nothing is folded while it is held, so what is pending stays pending.
pub async fn hold_the_fold(w: &World) -> PgConnection {
    let mut c = PgConnection::connect(&w.app.db.owner_url).await.unwrap();
    sqlx::raw_sql("BEGIN").execute(&mut c).await.unwrap();
    attain_metrics::lock_monthly_rollups(&mut c, w.tenant.id).await.unwrap();
    c
}

async fn pending_rows(w: &World) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM metrics.monthly_pending")
        .fetch_one(&w.app.db.owner)
        .await
        .unwrap()
}

/// Ana's and Bo's events over February to April, in batches that share their monthly rows.
fn spring(w: &World) -> Vec<Vec<Event>> {
    (0..12i64)
        .map(|batch| {
            (0..30i64)
                .map(|i| {
                    let when = at(2026, 2, 1, 12, 0) + chrono::Duration::days((batch * 7 + i * 3) % 89);
                    let who = if i % 3 == 0 { &w.bo } else { &w.ana };
                    match i % 4 {
                        0 => event(who, "largest_deal", when, Some(1_000 + batch * 100 + i)),
                        1 => event(who, "connects", when, None),
                        _ => event(who, "calls", when, Some(i % 5 + 1)),
                    }
                })
                .collect()
        })
        .collect()
}

async fn board(w: &mut World) -> GetTopPeopleResponse {
    w.metrics
        .get_top_people(GetTopPeopleRequest {
            metric_key: "calls".into(),
            period: calendar(Granularity::Quarter, (2026, 2, 10)),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn reads_count_pending_months_and_the_fold_moves_them_into_the_monthly_rows() {
    let mut w = world().await;
    let keys = ["calls", "connects", "largest_deal", "call_to_connect"];
    let periods = [
        range((2026, 1, 1), (2026, 3, 31)),  // whole months
        range((2026, 2, 14), (2026, 4, 30)), // partial, whole, whole
        calendar(Granularity::Month, (2026, 3, 5)),
    ];
    let blocker = hold_the_fold(&w).await;
    for batch in spring(&w) {
        // Ingestion does not wait for the lock the folder holds.
        ingest(&mut w.metrics, batch).await;
    }
    // A row per batch, month and bucket of people: 12 batches over three months, two people.
    let rows = pending_rows(&w).await;
    assert!((36..=72).contains(&rows), "{rows} pending rows");
    let ana = w.ana.clone();
    let mut pending = Vec::new();
    for period in periods {
        pending.push(totals(&mut w.metrics, &ana, &keys, period).await);
    }
    let pending_board = board(&mut w).await;
    drop(blocker);

    // The service's own folder may take some first; between them, all are gone.
    attain_metrics::fold_all(&w.app.db.owner).await.unwrap();
    assert_eq!(pending_rows(&w).await, 0);
    // Checks that the monthly rows alone are the daily ones by month.
    rollups(&w.app).await;
    for (period, before) in periods.into_iter().zip(pending) {
        assert_eq!(totals(&mut w.metrics, &ana, &keys, period).await, before);
    }
    assert_eq!(board(&mut w).await, pending_board);
    // The figures themselves, from the events: Ana has 2 of every 3 events of each batch.
    let calls: i64 = spring(&w)
        .iter()
        .flatten()
        .filter(|e| e.person_id == ana && e.metric_key == "calls")
        .filter_map(|e| e.value)
        .sum();
    let spring_calls = totals(&mut w.metrics, &ana, &["calls"], range((2026, 2, 1), (2026, 4, 30))).await;
    assert_eq!(spring_calls, [Some(calls as f64)]);
}

#[tokio::test]
async fn a_retraction_and_a_rebuild_take_pending_additions_into_account() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let blocker = hold_the_fold(&w).await;
    let big = event(&ana, "largest_deal", at(2026, 5, 20, 9, 0), Some(90_000));
    let small = event(&ana, "largest_deal", at(2026, 5, 21, 9, 0), Some(10_000));
    let batches = spring(&w);
    for batch in &batches {
        ingest(&mut w.metrics, batch.clone()).await;
    }
    ingest(&mut w.metrics, vec![big.clone(), small]).await;
    let may = || calendar(Granularity::Month, (2026, 5, 1));
    let q2 = || range((2026, 4, 1), (2026, 6, 30));
    assert_eq!(
        totals(&mut w.metrics, &ana, &["largest_deal"], may()).await,
        [Some(90_000.0)]
    );
    let before = totals(&mut w.metrics, &ana, &["calls", "connects"], q2()).await;
    // A retraction waits for the lock, then folds what is pending besides the months it
    // recomputes: the big deal, still pending, must not come back.
    drop(blocker);
    w.metrics
        .retract_events(RetractEventsRequest {
            events: vec![EventRef {
                event_id: big.event_id.clone(),
                ..Default::default()
            }],
        })
        .await
        .unwrap();
    assert_eq!(
        totals(&mut w.metrics, &ana, &["largest_deal"], may()).await,
        [Some(10_000.0)]
    );
    assert_eq!(totals(&mut w.metrics, &ana, &["calls", "connects"], q2()).await, before);
    let after_retraction = rollups(&w.app).await;

    let blocker = hold_the_fold(&w).await;
    ingest(&mut w.metrics, batches[0].clone()).await; // all duplicates: nothing pending
    assert_eq!(pending_rows(&w).await, 0);
    let again: Vec<Event> = batches[1]
        .iter()
        .map(|e| Event {
            event_id: uuid::Uuid::now_v7().to_string(),
            ..e.clone()
        })
        .collect();
    ingest(&mut w.metrics, again).await;
    assert!(pending_rows(&w).await > 0);
    let with_pending = totals(&mut w.metrics, &ana, &["calls", "connects"], q2()).await;
    drop(blocker);
    w.metrics.rebuild_rollups(RebuildRollupsRequest {}).await.unwrap();
    assert_eq!(pending_rows(&w).await, 0, "the rebuild counted them in the daily rows");
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls", "connects"], q2()).await,
        with_pending
    );
    assert_ne!(rollups(&w.app).await, after_retraction);
}

/// Four streams add to the same people's months while folds run over and over: every read
/// right after a call returns counts that call, and nothing is counted twice or lost.
#[tokio::test]
async fn concurrent_ingestion_and_folds_lose_and_double_nothing() {
    let mut w = world().await;
    let ana = w.ana.clone();
    let quarter = || range((2026, 7, 1), (2026, 9, 30));
    let mut writers = Vec::new();
    for writer in 0..4i64 {
        let mut own = w.metrics.clone();
        let mine = crate::person(&mut w.org, &format!("Writer {writer}"), None).await;
        let ana = ana.clone();
        writers.push(tokio::spawn(async move {
            let mut sent = 0i64;
            for batch in 0..15i64 {
                let events: Vec<Event> = (0..40i64)
                    .map(|i| {
                        let when = at(2026, 7, 1, 10, 0) + chrono::Duration::hours((batch * 40 + i) * 5 % 2_200);
                        let who = if i % 2 == 0 { &ana } else { &mine };
                        event(who, "calls", when, Some(writer + 1))
                    })
                    .collect();
                ingest(&mut own, events).await;
                sent += 20 * (writer + 1);
                let read = totals(&mut own, &mine, &["calls"], quarter()).await;
                assert_eq!(read, [Some(sent as f64)], "writer {writer} reads its own writes");
            }
            sent
        }));
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (pool, writing) = (w.app.db.owner.clone(), done.clone());
    let folder = tokio::spawn(async move {
        let mut folded = 0;
        while !writing.load(std::sync::atomic::Ordering::Relaxed) {
            folded += attain_metrics::fold_all(&pool).await.unwrap();
            tokio::task::yield_now().await;
        }
        folded
    });
    let mut expected = 0;
    for writer in writers {
        expected += writer.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(folder.await.unwrap() > 0, "folds ran while the streams wrote");
    rollups(&w.app).await;
    assert_eq!(
        totals(&mut w.metrics, &ana, &["calls"], quarter()).await,
        [Some(expected as f64)]
    );
}

#[tokio::test]
async fn the_folder_stops_when_the_server_stops_and_what_it_did_not_fold_is_kept() {
    let mut w = world().await;
    let ana = w.ana.clone();
    // A fold is waiting for the lock when the server is told to stop.
    let blocker = hold_the_fold(&w).await;
    let batch = spring(&w).remove(0);
    ingest(&mut w.metrics, batch).await;
    let before = totals(&mut w.metrics, &ana, &["calls"], range((2026, 2, 1), (2026, 4, 30))).await;
    let World { app, .. } = w;
    let owner = app.db.owner.clone();
    // `stop` returns only once the folder has returned, so it does not wait for the lock.
    app.stop().await.unwrap();
    drop(blocker);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM metrics.monthly_pending")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(left >= 3, "as after a crash: the additions wait in the database");
    // The next start folds them.
    attain_metrics::fold_all(&owner).await.unwrap();
    let calls: i64 = sqlx::query_scalar(
        "SELECT sum(sum)::bigint FROM metrics.monthly_rollups r JOIN metrics.catalog m USING (tenant_id, metric_id)
         WHERE m.key = 'calls' AND r.person_id = $1",
    )
    .bind(uuid::Uuid::parse_str(&ana).unwrap())
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(Some(calls as f64), before[0]);
}

/// A pending row the fold cannot apply (here February's, against a check added to the monthly
/// rollups, as a later constraint might be) is set aside: the fold goes on with the tenant's
/// other months, reads still count it, and RebuildRollups repairs the month.
#[tokio::test]
async fn a_month_the_fold_cannot_apply_is_set_aside_and_the_others_still_fold() {
    let mut w = world().await;
    let held = hold_the_fold(&w).await;
    ingest(
        &mut w.metrics,
        vec![
            event(&w.ana, "calls", at(2026, 2, 3, 12, 0), Some(2)),
            event(&w.ana, "calls", at(2026, 3, 3, 12, 0), Some(5)),
        ],
    )
    .await;
    drop(held);
    sqlx::raw_sql(
        "ALTER TABLE metrics.monthly_rollups ADD CONSTRAINT no_february CHECK (month <> '2026-02-01') NOT VALID",
    )
    .execute(&w.app.db.owner)
    .await
    .unwrap();
    attain_metrics::fold_all(&w.app.db.owner)
        .await
        .expect("the fold carries on");
    let mut tx = w.app.db.owner.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL app.tenant_id = '{}'",
        w.tenant.id
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let pending: Vec<(chrono::NaiveDate, bool)> =
        sqlx::query_as("SELECT month, set_aside_at IS NOT NULL FROM metrics.monthly_pending ORDER BY month")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let february = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    assert_eq!(pending, [(february, true)], "February set aside, March folded");
    let month = |m| calendar(Granularity::Month, (2026, m, 3));
    assert_eq!(totals(&mut w.metrics, &w.ana, &["calls"], month(2)).await, [Some(2.0)]);
    assert_eq!(totals(&mut w.metrics, &w.ana, &["calls"], month(3)).await, [Some(5.0)]);
    attain_metrics::fold_all(&w.app.db.owner)
        .await
        .expect("a set-aside row is not retried");

    sqlx::raw_sql("ALTER TABLE metrics.monthly_rollups DROP CONSTRAINT no_february")
        .execute(&w.app.db.owner)
        .await
        .unwrap();
    w.metrics
        .rebuild_rollups(RebuildRollupsRequest {})
        .await
        .expect("rebuild");
    assert_eq!(pending_rows(&w).await, 0);
    assert_eq!(totals(&mut w.metrics, &w.ana, &["calls"], month(2)).await, [Some(2.0)]);
}

//! Milestone detection end to end inside the service: events ingested through the real metrics
//! server, detection run directly (`Detector::detect_at`, no timers), milestones read back from
//! the database and deliveries from the outbox and a real receiver.

use attain_proto::{
    common::v1::{Date, Granularity},
    org::v1 as org,
    scorecard::v1::*,
    webhooks::v1::Format,
};
use attain_runtime::db::begin_tenant;
use attain_scorecard::milestones::Report;
use uuid::Uuid;

use crate::{milestone_world::*, *};

#[tokio::test]
async fn quota_steps_are_recorded_once_and_delivered_signed_even_after_a_resend() {
    let mut w = world().await;
    let receiver = Receiver::start().await;
    let mut hooks = w.app.webhooks(&w.tenant.admin_key).await;
    let (_, secret) = create(&mut hooks, subscription("wins", &receiver.url, Format::Json)).await;
    june_quota(&mut w.sc, &w.star, 10_000).await;
    june_quota(&mut w.sc, &w.eve, 10_000).await;
    // Star: 11 000 of 10 000 (110 %); Eve: 4 000 (40 %, below every step).
    let sent = [
        events("a", &w.star, "revenue_won", (2026, 6, 3), 1, Some(6_000)),
        events("a", &w.star, "revenue_won", (2026, 6, 9), 1, Some(5_000)),
        events("a", &w.eve, "revenue_won", (2026, 6, 9), 1, Some(4_000)),
    ]
    .concat();
    ingest(&mut w.metrics, sent.clone()).await;
    let detector = w.detector().await;
    let report = detector.detect_at(noon((2026, 6, 15))).await.expect("detect");
    assert_eq!(report.failed, 0);
    let found = w.milestones().await;
    let star = id(&w.star);
    assert_eq!(
        of_kind(&found, "quota_attained")
            .iter()
            .map(|m| m.2.clone())
            .collect::<Vec<_>>(),
        [
            format!("quota:{star}:2026-06-01:50"),
            format!("quota:{star}:2026-06-01:100")
        ]
    );
    let outbox = w.outbox().await;
    assert_eq!(
        outbox.len(),
        2,
        "one delivery per milestone the subscription wants: {outbox:?}"
    );
    assert!(
        outbox
            .iter()
            .any(|(t, title)| t == "milestone.quota_attained" && title == "Star hit 100% of quota (revenue won)")
    );

    // The same events again, and detection again, twice: nothing new anywhere.
    ingest(&mut w.metrics, sent).await;
    for _ in 0..2 {
        let again = detector.detect_at(noon((2026, 6, 16))).await.expect("detect");
        assert_eq!(again.recorded, 0, "{again:?}");
    }
    assert_eq!(w.milestones().await, found);
    assert_eq!(w.outbox().await.len(), 2);

    receiver.wait_for_requests(2).await;
    for got in receiver.accepted() {
        assert_signed(&got, &secret);
        assert_eq!(got.json()["type"], "milestone.quota_attained");
        assert_eq!(got.json()["data"]["details"]["metric_key"], "revenue_won");
    }
}

#[tokio::test]
async fn two_detectors_at_once_record_each_milestone_once() {
    let mut w = world().await;
    let receiver = Receiver::start().await;
    let mut hooks = w.app.webhooks(&w.tenant.admin_key).await;
    create(&mut hooks, subscription("wins", &receiver.url, Format::Json)).await;
    june_quota(&mut w.sc, &w.star, 1_000).await;
    ingest(
        &mut w.metrics,
        events("b", &w.star, "revenue_won", (2026, 6, 3), 1, Some(2_000)),
    )
    .await;
    let (one, two) = (w.detector().await, w.detector().await);
    let at = noon((2026, 6, 10));
    let (a, b) = tokio::join!(one.detect_at(at), two.detect_at(at));
    let (a, b): (Report, Report) = (a.expect("detect"), b.expect("detect"));
    assert_eq!(a.recorded + b.recorded, 3, "50, 100 and 150 %: {a:?} {b:?}");
    assert_eq!(of_kind(&w.milestones().await, "quota_attained").len(), 3);
    assert_eq!(w.outbox().await.len(), 3);
}

#[tokio::test]
async fn daily_goal_and_a_five_day_streak_are_found_once_each() {
    let mut w = world().await;
    template_for(
        &mut w.sc,
        "sdr_milestones",
        &w.sdr_team.clone(),
        vec![daily_line("calls", Section::Activities, 10.0)],
    )
    .await;
    // Ana makes 10 calls every working day from Monday 1 June to Monday 8 June; Bo 9 a day.
    let mut sent = Vec::new();
    for day in [1, 2, 3, 4, 5, 8] {
        sent.extend(events("c", &w.ana, "calls", (2026, 6, day), 10, None));
        sent.extend(events("c", &w.bo, "calls", (2026, 6, day), 9, None));
    }
    ingest(&mut w.metrics, sent).await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 8))).await.expect("detect");
    let found = w.milestones().await;
    let ana = id(&w.ana);
    let daily: Vec<String> = of_kind(&found, "daily_goal_hit").iter().map(|m| m.2.clone()).collect();
    assert_eq!(daily.len(), 2, "Monday 8 and the working day before: {found:?}");
    assert!(daily.contains(&format!("daily:{ana}:2026-06-08")));
    assert!(daily.contains(&format!("daily:{ana}:2026-06-05")));
    let streak: Vec<String> = of_kind(&found, "streak").iter().map(|m| m.2.clone()).collect();
    assert_eq!(streak, [format!("streak:{ana}:2026-06-01:5")]);
    assert!(found.iter().all(|m| m.1 == ana), "Bo never met the goal");
    // Next day, with Tuesday's calls: the same streak (same first day) is not repeated.
    ingest(&mut w.metrics, events("c", &w.ana, "calls", (2026, 6, 9), 10, None)).await;
    let report = detector.detect_at(noon((2026, 6, 9))).await.expect("detect");
    assert_eq!(report.recorded, 1, "only Tuesday's daily goal: {report:?}");
}

/// The detector reads the last week on every run and the window's earlier days once a day: a
/// streak found a week later spans both parts, and is found the same from the kept days.
#[tokio::test]
async fn a_streak_across_the_kept_days_and_the_recent_ones_is_found_once() {
    let mut w = world().await;
    template_for(
        &mut w.sc,
        "sdr_milestones",
        &w.sdr_team.clone(),
        vec![daily_line("calls", Section::Activities, 10.0)],
    )
    .await;
    // Monday 1 to Friday 5 June at goal; detection first runs on Friday 12 June, so Monday to
    // Thursday are among the earlier days and Friday among the recent ones.
    let mut sent = Vec::new();
    for day in 1..=5 {
        sent.extend(events("k", &w.ana, "calls", (2026, 6, day), 10, None));
    }
    ingest(&mut w.metrics, sent).await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 12))).await.expect("detect");
    let ana = id(&w.ana);
    let streak: Vec<String> = of_kind(&w.milestones().await, "streak")
        .iter()
        .map(|m| m.2.clone())
        .collect();
    assert_eq!(streak, [format!("streak:{ana}:2026-06-01:5")]);
    // Again the same day (earlier days from the cache), and the next working day (read anew).
    for day in [12, 15] {
        let report = detector.detect_at(noon((2026, 6, day))).await.expect("detect");
        assert_eq!(report.recorded, 0, "June {day}: {report:?}");
    }
}

#[tokio::test]
async fn a_personal_best_needs_ten_earlier_days_and_must_beat_them_all() {
    let mut w = world().await;
    // A daily goal nobody reaches, so that only bests are found.
    template_for(
        &mut w.sc,
        "sdr_milestones",
        &w.sdr_team.clone(),
        vec![daily_line("calls", Section::Activities, 100.0)],
    )
    .await;
    let mut sent = Vec::new();
    for day in 1..=12 {
        sent.extend(events("d", &w.ana, "calls", (2026, 6, day), 5, None));
    }
    // Bo has fewer earlier days than the ten a best needs.
    for day in 8..=12 {
        sent.extend(events("d", &w.bo, "calls", (2026, 6, day), 2, None));
    }
    sent.extend(events("d", &w.ana, "calls", (2026, 6, 15), 8, None));
    sent.extend(events("d", &w.bo, "calls", (2026, 6, 15), 9, None));
    ingest(&mut w.metrics, sent).await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 15))).await.expect("detect");
    let ana = id(&w.ana);
    assert_eq!(
        w.milestones().await,
        [("personal_best".to_string(), ana, format!("best:{ana}:calls:2026-06-15"))]
    );
    // More calls later that day: still the same best, not another.
    ingest(&mut w.metrics, events("d2", &w.ana, "calls", (2026, 6, 15), 3, None)).await;
    assert_eq!(
        detector.detect_at(noon((2026, 6, 15))).await.expect("detect").recorded,
        0
    );
}

#[tokio::test]
async fn the_biggest_deal_is_announced_when_it_changes_hands() {
    let mut w = world().await;
    ingest(
        &mut w.metrics,
        [
            events("e", &w.star, "largest_deal", (2026, 6, 2), 1, Some(5_000)),
            events("e", &w.eve, "largest_deal", (2026, 6, 3), 1, Some(8_000)),
        ]
        .concat(),
    )
    .await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 4))).await.expect("detect");
    let (star, eve) = (id(&w.star), id(&w.eve));
    assert_eq!(
        w.milestones().await,
        [("biggest_deal".to_string(), eve, format!("deal:2026-06-01:{eve}:8000"))]
    );
    assert_eq!(
        detector.detect_at(noon((2026, 6, 5))).await.expect("detect").recorded,
        0
    );
    ingest(
        &mut w.metrics,
        events("e", &w.star, "largest_deal", (2026, 6, 5), 1, Some(9_000)),
    )
    .await;
    detector.detect_at(noon((2026, 6, 5))).await.expect("detect");
    let found = w.milestones().await;
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].2, format!("deal:2026-06-01:{star}:9000"));
    // Money in whole units of the tenant's currency.
    assert_eq!(
        w.titles().await,
        [
            "Eve has the biggest deal of June 2026: $80",
            "Star has the biggest deal of June 2026: $90"
        ]
    );
    // The payload carries money as whole minor units with the currency code, never a float.
    let pool = w.app.db.service_pool("attain_scorecard").await;
    let mut tx = attain_runtime::db::begin_tenant(&pool, w.tenant.id)
        .await
        .expect("begin");
    let data: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT data FROM scorecard.milestones WHERE kind = 'biggest_deal' ORDER BY milestone_id")
            .fetch_all(&mut *tx)
            .await
            .expect("data");
    assert_eq!(data[1]["value"], serde_json::json!(9000));
    assert!(data[1]["value"].is_i64(), "{data:?}");
    assert_eq!(data[1]["currency"], "USD");
}

#[tokio::test]
async fn a_new_leader_on_a_saved_board_is_announced_once_per_period() {
    let mut w = world().await;
    w.sc.create_leaderboard(CreateLeaderboardRequest {
        leaderboard: Some(Leaderboard {
            display_name: "Calls this month".into(),
            metric_key: "calls".into(),
            granularity: Granularity::Month as i32,
            ..Default::default()
        }),
    })
    .await
    .expect("create board");
    ingest(
        &mut w.metrics,
        [
            events("f", &w.ana, "calls", (2026, 6, 2), 5, None),
            events("f", &w.bo, "calls", (2026, 6, 2), 3, None),
        ]
        .concat(),
    )
    .await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 3))).await.expect("detect");
    let leaders = |found: Vec<(String, Uuid, String)>| -> Vec<Uuid> {
        found.into_iter().filter(|m| m.0 == "new_leader").map(|m| m.1).collect()
    };
    assert_eq!(leaders(w.milestones().await), [id(&w.ana)]);
    // Bo ties Ana: a tie leads nobody; then Bo passes her.
    ingest(&mut w.metrics, events("f2", &w.bo, "calls", (2026, 6, 3), 2, None)).await;
    assert_eq!(
        detector.detect_at(noon((2026, 6, 3))).await.expect("detect").recorded,
        0
    );
    ingest(&mut w.metrics, events("f3", &w.bo, "calls", (2026, 6, 4), 1, None)).await;
    detector.detect_at(noon((2026, 6, 4))).await.expect("detect");
    assert_eq!(leaders(w.milestones().await), [id(&w.ana), id(&w.bo)]);
}

#[tokio::test]
async fn a_new_hire_first_deal_is_announced_once_and_veterans_are_not_new_hires() {
    let mut w = world().await;
    let team = w.sdr_team.clone();
    let start = Some(Date {
        year: 2026,
        month: 5,
        day: 4,
    });
    let new = person(&mut w.org, "Nia", org::SalesRole::InsideSalesAe, &team, start).await;
    ingest(
        &mut w.metrics,
        [
            events("g", &new, "deals_won", (2026, 6, 2), 1, None),
            // Star has no start date: not a new hire, whatever the status default says.
            events("g", &w.star, "deals_won", (2026, 6, 2), 1, None),
        ]
        .concat(),
    )
    .await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 3))).await.expect("detect");
    ingest(&mut w.metrics, events("g2", &new, "deals_won", (2026, 6, 3), 1, None)).await;
    detector.detect_at(noon((2026, 6, 4))).await.expect("detect");
    let nia = id(&new);
    assert_eq!(
        w.milestones().await,
        [("first_deal".to_string(), nia, format!("first:{nia}"))]
    );
}

#[tokio::test]
async fn the_detector_key_is_short_lived_and_an_expired_key_is_refused() {
    let mut w = world().await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 3))).await.expect("detect");
    let pool = w.app.db.service_pool("attain_scorecard").await;
    let mut tx = begin_tenant(&pool, w.tenant.id).await.expect("begin");
    let (role, lifetime): (String, f64) = sqlx::query_as(
        "SELECT role, extract(epoch FROM expires_at - created_at)::float8 FROM org.api_keys WHERE system",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("one system key");
    tx.commit().await.expect("commit");
    assert_eq!(role, "integration", "the narrowest role that reads the whole tenant");
    assert!((3000.0..=3700.0).contains(&lifetime), "about an hour: {lifetime}");
    // An admin key that has expired is refused like a revoked one.
    let (key_id, text) = attain_scorecard::org::admin::create_api_key(
        &w.app.db.owner,
        w.tenant.id,
        attain_domain::org::AccessRole::Admin,
        None,
        "soon gone",
    )
    .await
    .expect("key");
    let mut tx = begin_tenant(&w.app.db.owner, w.tenant.id).await.expect("begin");
    sqlx::query("UPDATE org.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1")
        .bind(key_id)
        .execute(&mut *tx)
        .await
        .expect("expire");
    tx.commit().await.expect("commit");
    let mut org = w.app.org(&text).await;
    let err = org
        .get_tenant(org::GetTenantRequest::default())
        .await
        .expect_err("refused");
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    let _ = &mut w.org;
}

#[tokio::test]
async fn row_level_security_keeps_milestones_and_settings_to_their_tenant() {
    let mut w = world().await;
    june_quota(&mut w.sc, &w.star, 1_000).await;
    ingest(
        &mut w.metrics,
        events("h", &w.star, "revenue_won", (2026, 6, 3), 1, Some(1_000)),
    )
    .await;
    w.detector().await.detect_at(noon((2026, 6, 4))).await.expect("detect");
    let mut settings = w.app.milestones(&w.tenant.admin_key).await;
    settings
        .update_milestone_settings(attain_proto::webhooks::v1::UpdateMilestoneSettingsRequest {
            settings: Some(attain_proto::webhooks::v1::MilestoneSettings {
                streak_days: 3,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["streak_days".into()],
            }),
        })
        .await
        .expect("settings");
    let other = w.app.tenant("Globex").await;
    let pool = w.app.db.service_pool("attain_scorecard").await;
    // 50 and 100 % recorded, and one settings row.
    for (table, rows) in [("milestones", 2), ("milestone_settings", 1)] {
        let count = format!("SELECT count(*) FROM scorecard.{table}");
        let unscoped: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(unscoped, 0, "scorecard.{table} without a tenant");
        let mut tx = begin_tenant(&pool, other.id).await.expect("begin");
        let seen: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert_eq!(seen, 0, "scorecard.{table} as another tenant");
        let mut tx = begin_tenant(&pool, w.tenant.id).await.expect("begin");
        let own: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count))
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert_eq!(own, rows, "scorecard.{table} as its tenant");
    }
}

#[tokio::test]
async fn a_day_off_neither_counts_toward_nor_breaks_a_streak() {
    let mut w = world().await;
    template_for(
        &mut w.sc,
        "sdr_milestones",
        &w.sdr_team.clone(),
        vec![daily_line("calls", Section::Activities, 10.0)],
    )
    .await;
    // Wednesday 3 June off; goal met Mon, Tue, Thu, Fri and Mon: five working days at goal.
    let day = |d: u32| Date {
        year: 2026,
        month: 6,
        day: d as i32,
    };
    w.sc.create_time_off(CreateTimeOffRequest {
        time_off: Some(TimeOff {
            person_id: w.ana.clone(),
            range: Some(attain_proto::common::v1::DateRange {
                start_date: Some(day(3)),
                end_date: Some(day(3)),
            }),
            reason: "dentist".into(),
            ..Default::default()
        }),
    })
    .await
    .expect("time off");
    let mut sent = Vec::new();
    for d in [1, 2, 4, 5] {
        sent.extend(events("t", &w.ana, "calls", (2026, 6, d), 10, None));
    }
    ingest(&mut w.metrics, sent).await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 5))).await.expect("detect");
    assert!(of_kind(&w.milestones().await, "streak").is_empty(), "four days so far");
    ingest(&mut w.metrics, events("t", &w.ana, "calls", (2026, 6, 8), 10, None)).await;
    detector.detect_at(noon((2026, 6, 8))).await.expect("detect");
    let ana = id(&w.ana);
    let streak: Vec<String> = of_kind(&w.milestones().await, "streak")
        .iter()
        .map(|m| m.2.clone())
        .collect();
    assert_eq!(streak, [format!("streak:{ana}:2026-06-01:5")]);
}

#[tokio::test]
async fn a_revoked_system_key_fails_one_run_and_the_next_mints_a_fresh_one() {
    let mut w = world().await;
    june_quota(&mut w.sc, &w.star, 1_000).await;
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 2))).await.expect("detect");
    // An admin revokes the detector's key.
    let mut tx = begin_tenant(&w.app.db.owner, w.tenant.id).await.expect("begin");
    sqlx::query("UPDATE org.api_keys SET revoked_at = now() WHERE tenant_id = $1 AND system")
        .bind(w.tenant.id)
        .execute(&mut *tx)
        .await
        .expect("revoke");
    tx.commit().await.expect("commit");
    ingest(
        &mut w.metrics,
        events("r", &w.star, "revenue_won", (2026, 6, 3), 1, Some(1_000)),
    )
    .await;
    // The metrics service may still hold the key's check for up to 30 s: wait for the refusal.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let report = detector.detect_at(noon((2026, 6, 3))).await.expect("detect");
        if report.failed == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the revoked key kept working");
        // Forget what this run found so the next run still has something to find.
        let mut tx = begin_tenant(&w.app.db.owner, w.tenant.id).await.expect("begin");
        sqlx::query("DELETE FROM scorecard.milestones WHERE tenant_id = $1")
            .bind(w.tenant.id)
            .execute(&mut *tx)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let report = detector.detect_at(noon((2026, 6, 3))).await.expect("detect");
    assert_eq!((report.failed, report.recorded), (0, 2), "{report:?}");
}

#[tokio::test]
async fn a_team_quota_counts_each_member_against_their_share_and_nobody_else() {
    let mut w = world().await;
    // 2 000 for the SDR team in June: 1 000 each for Ana and Bo.
    w.sc.set_quota(SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::TeamId(w.sdr_team.clone())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(attain_proto::common::v1::CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: Some(Date {
                    year: 2026,
                    month: 6,
                    day: 1,
                }),
            }),
            amount: 2_000,
            ..Default::default()
        }),
    })
    .await
    .expect("team quota");
    ingest(
        &mut w.metrics,
        [
            events("q", &w.ana, "revenue_won", (2026, 6, 3), 1, Some(1_000)),
            events("q", &w.bo, "revenue_won", (2026, 6, 3), 1, Some(400)),
            // Star is in another team, with no quota: revenue alone is no milestone.
            events("q", &w.star, "revenue_won", (2026, 6, 3), 1, Some(50_000)),
        ]
        .concat(),
    )
    .await;
    w.detector().await.detect_at(noon((2026, 6, 10))).await.expect("detect");
    let ana = id(&w.ana);
    let keys: Vec<String> = w.milestones().await.into_iter().map(|m| m.2).collect();
    assert_eq!(
        keys,
        [
            format!("quota:{ana}:2026-06-01:50"),
            format!("quota:{ana}:2026-06-01:100")
        ]
    );
}

//! Milestone detection end to end inside the service: events ingested through the real metrics
//! server, detection run directly (`Detector::detect_at`, no timers), milestones read back from
//! the database and deliveries from the outbox and a real receiver.

use std::sync::Arc;

use attain_proto::{
    common::v1::{CalendarPeriod, Date, Granularity},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
    scorecard::v1::{scorecard_service_client::ScorecardServiceClient, *},
    webhooks::v1::Format,
};
use attain_runtime::db::begin_tenant;
use attain_scorecard::{
    milestones::{Detector, Report},
    scorecards::Metrics,
};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{DateTime, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use uuid::Uuid;

use crate::*;

type Org = OrgServiceClient<InterceptedService<Channel, Bearer>>;
type MetricsClient = MetricsServiceClient<InterceptedService<Channel, Bearer>>;
type Scorecards = ScorecardServiceClient<InterceptedService<Channel, Bearer>>;

/// A tenant with one SDR team (Ana, Bo) and one AE team (Star, Eve), admin clients, and a
/// detector of its own (the services' detector is off in tests).
pub struct World {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub org: Org,
    pub metrics: MetricsClient,
    pub sc: Scorecards,
    pub sdr_team: String,
    pub ana: String,
    pub bo: String,
    pub star: String,
    pub eve: String,
}

pub async fn world() -> World {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let metrics = app.metrics(&tenant.admin_key).await;
    let sc = app.scorecard(&tenant.admin_key).await;
    let sdr_team = team(&mut org, "SDR East").await;
    let ae_team = team(&mut org, "AE East").await;
    let ana = person(&mut org, "Ana Ruiz", org::SalesRole::Sdr, &sdr_team, None).await;
    let bo = person(&mut org, "Bo", org::SalesRole::Sdr, &sdr_team, None).await;
    let star = person(&mut org, "Star", org::SalesRole::InsideSalesAe, &ae_team, None).await;
    let eve = person(&mut org, "Eve", org::SalesRole::InsideSalesAe, &ae_team, None).await;
    World {
        app,
        tenant,
        org,
        metrics,
        sc,
        sdr_team,
        ana,
        bo,
        star,
        eve,
    }
}

impl World {
    pub async fn detector(&self) -> Detector {
        let pool = self.app.db.service_pool("attain_scorecard").await;
        let metrics = Metrics::new(&format!("http://{}", self.app.metrics_addr)).expect("metrics client");
        Detector::new(pool, Arc::new(metrics))
    }

    /// The tenant's milestones as (kind, person, dedup key), oldest first.
    async fn milestones(&self) -> Vec<(String, Uuid, String)> {
        // The service role, so row-level security shows this tenant's rows only.
        let pool = self.app.db.service_pool("attain_scorecard").await;
        let mut tx = begin_tenant(&pool, self.tenant.id).await.expect("begin");
        sqlx::query_as("SELECT kind, person_id, dedup_key FROM scorecard.milestones ORDER BY milestone_id")
            .fetch_all(&mut *tx)
            .await
            .expect("milestones")
    }

    /// Events in the outbox, as (event type, title).
    async fn outbox(&self) -> Vec<(String, String)> {
        let pool = self.app.db.service_pool("attain_scorecard").await;
        let mut tx = begin_tenant(&pool, self.tenant.id).await.expect("begin");
        sqlx::query_as(
            "SELECT e->>'type', e->>'title' FROM scorecard.webhook_deliveries d, jsonb_array_elements(d.events) e
             ORDER BY d.delivery_id",
        )
        .fetch_all(&mut *tx)
        .await
        .expect("outbox")
    }
}

async fn team(org: &mut Org, name: &str) -> String {
    let team = org::Team {
        display_name: name.into(),
        motion: org::Motion::InsideSales as i32,
        ..Default::default()
    };
    org.create_team(org::CreateTeamRequest {
        team: Some(team),
        request_id: String::new(),
    })
    .await
    .expect("create team")
    .into_inner()
    .team
    .expect("team")
    .id
}

async fn person(org: &mut Org, name: &str, role: org::SalesRole, team: &str, start: Option<Date>) -> String {
    let person = org::Person {
        display_name: name.into(),
        sales_role: role as i32,
        team_id: team.into(),
        start_date: start,
        ..Default::default()
    };
    org.create_person(org::CreatePersonRequest {
        person: Some(person),
        request_id: String::new(),
    })
    .await
    .expect("create person")
    .into_inner()
    .person
    .expect("person")
    .id
}

pub fn noon(day: (i32, u32, u32)) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(day.0, day.1, day.2, 12, 0, 0)
        .single()
        .expect("a date")
}

/// `count` events of `metric` for `person` at noon UTC on `day`, with ids derived from
/// `tag` so that building them again gives the same events (a re-send).
pub fn events(
    tag: &str,
    person: &str,
    metric: &str,
    day: (i32, u32, u32),
    count: usize,
    value: Option<i64>,
) -> Vec<Event> {
    let at = noon(day);
    (0..count)
        .map(|i| Event {
            source: "test".into(),
            external_id: format!("{tag}-{person}-{metric}-{day:?}-{i}"),
            person_id: person.into(),
            metric_key: metric.into(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: at.timestamp(),
                nanos: 0,
            }),
            value,
            ..Default::default()
        })
        .collect()
}

pub async fn ingest(metrics: &mut MetricsClient, events: Vec<Event>) {
    let r = metrics
        .ingest_events(IngestEventsRequest { events })
        .await
        .expect("ingest")
        .into_inner();
    assert_eq!(r.rejected_count, 0, "{:?}", r.results);
}

async fn template_for(sc: &mut Scorecards, key: &str, team: &str, lines: Vec<TemplateLine>) {
    let t = sc
        .create_template(CreateTemplateRequest {
            template: Some(Template {
                key: key.into(),
                display_name: key.to_uppercase(),
                lines,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("create template")
        .into_inner()
        .template
        .expect("template");
    sc.assign_template(AssignTemplateRequest {
        subject: Some(assign_template_request::Subject::TeamId(team.into())),
        template_id: t.id,
    })
    .await
    .expect("assign template");
}

fn daily_line(metric: &str, section: Section, per_day: f64) -> TemplateLine {
    TemplateLine {
        metric_key: metric.into(),
        section: section as i32,
        target: Some(Target {
            daily: Some(per_day),
            ..Default::default()
        }),
        weight: None,
        thresholds: None,
    }
}

/// A monthly revenue quota of `amount` for `person` in June 2026.
pub async fn june_quota(sc: &mut Scorecards, person: &str, amount: i64) {
    sc.set_quota(SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(person.into())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: Some(Date {
                    year: 2026,
                    month: 6,
                    day: 1,
                }),
            }),
            amount,
            ..Default::default()
        }),
    })
    .await
    .expect("set quota");
}

pub fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a uuid")
}

fn of_kind<'a>(found: &'a [(String, Uuid, String)], kind: &str) -> Vec<&'a (String, Uuid, String)> {
    found.iter().filter(|m| m.0 == kind).collect()
}

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
    assert_eq!(role, "admin");
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
async fn row_level_security_keeps_milestones_to_their_tenant() {
    let mut w = world().await;
    june_quota(&mut w.sc, &w.star, 1_000).await;
    ingest(
        &mut w.metrics,
        events("h", &w.star, "revenue_won", (2026, 6, 3), 1, Some(1_000)),
    )
    .await;
    w.detector().await.detect_at(noon((2026, 6, 4))).await.expect("detect");
    let other = w.app.tenant("Globex").await;
    let pool = w.app.db.service_pool("attain_scorecard").await;
    let count = "SELECT count(*) FROM scorecard.milestones";
    let unscoped: i64 = sqlx::query_scalar(count).fetch_one(&pool).await.expect("count");
    assert_eq!(unscoped, 0, "without a tenant");
    let mut tx = begin_tenant(&pool, other.id).await.expect("begin");
    let seen: i64 = sqlx::query_scalar(count).fetch_one(&mut *tx).await.expect("count");
    assert_eq!(seen, 0, "as another tenant");
    let mut tx = begin_tenant(&pool, w.tenant.id).await.expect("begin");
    let own: i64 = sqlx::query_scalar(count).fetch_one(&mut *tx).await.expect("count");
    assert_eq!(own, 2, "50 and 100 %, as its tenant");
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

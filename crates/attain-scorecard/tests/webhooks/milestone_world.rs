//! The world the milestone tests share: a tenant with two teams, clients, a detector of its own,
//! and helpers to ingest events, set quotas and templates and read back what was recorded.

use std::sync::Arc;

use attain_proto::{
    common::v1::{CalendarPeriod, Date, Granularity},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
    scorecard::v1::{scorecard_service_client::ScorecardServiceClient, *},
};
use attain_runtime::{auth::PeerIdentity, db::begin_tenant, tenant_directory::TenantDirectories};
use attain_scorecard::{milestones::Detector, scorecards::Metrics};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{DateTime, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use uuid::Uuid;

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
        let directory = TenantDirectories::new(
            &format!("http://{}", self.app.addr),
            PeerIdentity::new("test", Some(attain_testing::PEER_SECRET)).expect("peer identity"),
            64 * 1024 * 1024,
        )
        .expect("directory client");
        Detector::new(pool, Arc::new(metrics), Arc::new(directory))
    }

    /// The tenant's milestones as (kind, person, dedup key), oldest first.
    pub async fn milestones(&self) -> Vec<(String, Uuid, String)> {
        // The service role, so row-level security shows this tenant's rows only.
        let pool = self.app.db.service_pool("attain_scorecard").await;
        let mut tx = begin_tenant(&pool, self.tenant.id).await.expect("begin");
        sqlx::query_as("SELECT kind, person_id, dedup_key FROM scorecard.milestones ORDER BY milestone_id")
            .fetch_all(&mut *tx)
            .await
            .expect("milestones")
    }

    /// The titles of the tenant's milestones, oldest first.
    pub async fn titles(&self) -> Vec<String> {
        let pool = self.app.db.service_pool("attain_scorecard").await;
        let mut tx = begin_tenant(&pool, self.tenant.id).await.expect("begin");
        sqlx::query_scalar("SELECT title FROM scorecard.milestones ORDER BY milestone_id")
            .fetch_all(&mut *tx)
            .await
            .expect("titles")
    }

    /// Events in the outbox, as (event type, title).
    pub async fn outbox(&self) -> Vec<(String, String)> {
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

pub async fn team(org: &mut Org, name: &str) -> String {
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

pub async fn person(org: &mut Org, name: &str, role: org::SalesRole, team: &str, start: Option<Date>) -> String {
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

pub async fn template_for(sc: &mut Scorecards, key: &str, team: &str, lines: Vec<TemplateLine>) {
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

pub fn daily_line(metric: &str, section: Section, per_day: f64) -> TemplateLine {
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

pub fn of_kind<'a>(found: &'a [(String, Uuid, String)], kind: &str) -> Vec<&'a (String, Uuid, String)> {
    found.iter().filter(|m| m.0 == kind).collect()
}

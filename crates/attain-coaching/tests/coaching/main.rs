//! Coaching service tests: the coaching server, the scorecard server (org directory, metric
//! values, KPIs) and the metrics server, each its own gRPC server on loopback, over one real
//! PostgreSQL: every call here crosses the gRPC path between coaching and scorecard.

mod access;
mod calendar;
mod input;
mod kpis;
mod plans;
mod sessions;
mod survey_tenancy;
mod surveys;

use attain_proto::{
    coaching::v1::{coaching_service_client::CoachingServiceClient, *},
    common::v1::Date,
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{DateTime, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Coaching = CoachingServiceClient<InterceptedService<Channel, Bearer>>;
pub type Metrics = MetricsServiceClient<InterceptedService<Channel, Bearer>>;
pub type Org = OrgServiceClient<InterceptedService<Channel, Bearer>>;

/// A tenant with manager Maya over an SDR team of four, and an AE team of two she does not
/// manage.
pub struct World {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub org: Org,
    pub metrics: Metrics,
    pub co: Coaching,
    pub sdr_team: String,
    pub ae_team: String,
    pub maya: String,
    pub sdrs: Vec<String>,
    pub aes: Vec<String>,
}

pub async fn world() -> World {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let metrics = app.metrics(&tenant.admin_key).await;
    let co = app.coaching(&tenant.admin_key).await;
    let maya = person(&mut org, "Maya", org::SalesRole::SalesManager, "").await;
    let sdr_team = team(&mut org, "SDR East", org::Motion::SalesDevelopment, &maya).await;
    let ae_team = team(&mut org, "AE East", org::Motion::InsideSales, "").await;
    let mut sdrs = Vec::new();
    for name in ["Ana", "Bo", "Cy", "Di"] {
        sdrs.push(person(&mut org, name, org::SalesRole::Sdr, &sdr_team).await);
    }
    let mut aes = Vec::new();
    for name in ["Eve", "Fay"] {
        aes.push(person(&mut org, name, org::SalesRole::InsideSalesAe, &ae_team).await);
    }
    World {
        app,
        tenant,
        org,
        metrics,
        co,
        sdr_team,
        ae_team,
        maya,
        sdrs,
        aes,
    }
}

pub async fn team(org: &mut Org, name: &str, motion: org::Motion, manager: &str) -> String {
    org.create_team(org::CreateTeamRequest {
        team: Some(org::Team {
            display_name: name.into(),
            motion: motion as i32,
            manager_id: manager.into(),
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .expect("create team")
    .into_inner()
    .team
    .expect("team")
    .id
}

pub async fn person(org: &mut Org, name: &str, role: org::SalesRole, team: &str) -> String {
    org.create_person(org::CreatePersonRequest {
        person: Some(org::Person {
            display_name: name.into(),
            sales_role: role as i32,
            team_id: team.into(),
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .expect("create person")
    .into_inner()
    .person
    .expect("person")
    .id
}

pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

pub fn ts(t: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub fn utc(t: &Option<prost_types::Timestamp>) -> DateTime<Utc> {
    let t = t.as_ref().expect("a time");
    DateTime::from_timestamp(t.seconds, 0).expect("valid time")
}

/// `count` events of `metric` for `person` at noon UTC on `day`.
pub fn events(person: &str, metric: &str, day: (i32, u32, u32), count: usize) -> Vec<Event> {
    (0..count)
        .map(|_| Event {
            event_id: uuid::Uuid::now_v7().to_string(),
            person_id: person.into(),
            metric_key: metric.into(),
            occurred_at: ts(at(day.0, day.1, day.2, 12, 0)),
            ..Default::default()
        })
        .collect()
}

pub async fn ingest(metrics: &mut Metrics, events: Vec<Event>) {
    for chunk in events.chunks(5000) {
        let r = metrics
            .ingest_events(IngestEventsRequest { events: chunk.to_vec() })
            .await
            .expect("ingest")
            .into_inner();
        assert_eq!(r.rejected_count, 0);
    }
}

pub fn one_on_one(coach: &str, coachee: &str, start: DateTime<Utc>) -> CreateSessionRequest {
    CreateSessionRequest {
        session: Some(Session {
            kind: SessionKind::OneOnOne as i32,
            coach_id: coach.into(),
            coachee_ids: vec![coachee.into()],
            start_time: ts(start),
            duration_minutes: 30,
            agenda: "Pipeline and calls".into(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

pub async fn create(co: &mut Coaching, req: CreateSessionRequest) -> Session {
    co.create_session(req)
        .await
        .expect("create session")
        .into_inner()
        .session
        .expect("session")
}

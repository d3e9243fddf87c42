//! Hiring service tests: the hiring server, the scorecard server (org directory, ramps, manager
//! KPIs) and the metrics server, each its own gRPC server on its own loopback port, over one real
//! PostgreSQL: hires and KPIs cross the gRPC path from hiring to scorecard and on to metrics.

mod access;
mod bench;
mod flow;
mod input;
mod kpis;

use attain_proto::{
    common::v1::{CalendarPeriod, Date, Granularity, Period, period},
    hiring::v1::{hiring_service_client::HiringServiceClient, *},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
    scorecard::v1::scorecard_service_client::ScorecardServiceClient,
};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{DateTime, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Hiring = HiringServiceClient<InterceptedService<Channel, Bearer>>;
pub type Metrics = MetricsServiceClient<InterceptedService<Channel, Bearer>>;
pub type Org = OrgServiceClient<InterceptedService<Channel, Bearer>>;
pub type Scorecards = ScorecardServiceClient<InterceptedService<Channel, Bearer>>;

/// A tenant with manager Maya over "AE East" and manager Ned over "AE West", an AE on each, and
/// the interview process every requisition here uses.
pub struct World {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub org: Org,
    pub sc: Scorecards,
    pub metrics: Metrics,
    pub h: Hiring,
    pub east: String,
    pub west: String,
    pub maya: String,
    pub ned: String,
    pub east_ae: String,
    pub template: String,
}

pub async fn world() -> World {
    // Server errors are logged, never returned: show them with the failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let sc = app.scorecard(&tenant.admin_key).await;
    let metrics = app.metrics(&tenant.admin_key).await;
    let mut h = app.hiring(&tenant.admin_key).await;
    let maya = person(&mut org, "Maya", org::SalesRole::SalesManager, "", None).await;
    let ned = person(&mut org, "Ned", org::SalesRole::SalesManager, "", None).await;
    let east = team(&mut org, "AE East", &maya).await;
    let west = team(&mut org, "AE West", &ned).await;
    let east_ae = person(
        &mut org,
        "Eve",
        org::SalesRole::InsideSalesAe,
        &east,
        Some((2024, 1, 8)),
    )
    .await;
    let template = process(&mut h).await;
    World {
        app,
        tenant,
        org,
        sc,
        metrics,
        h,
        east,
        west,
        maya,
        ned,
        east_ae,
        template,
    }
}

pub async fn team(org: &mut Org, name: &str, manager: &str) -> String {
    org.create_team(org::CreateTeamRequest {
        team: Some(org::Team {
            display_name: name.into(),
            motion: org::Motion::InsideSales as i32,
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

pub async fn person(
    org: &mut Org,
    name: &str,
    role: org::SalesRole,
    team: &str,
    start: Option<(i32, i32, i32)>,
) -> String {
    org.create_person(org::CreatePersonRequest {
        person: Some(org::Person {
            display_name: name.into(),
            sales_role: role as i32,
            team_id: team.into(),
            start_date: start.and_then(|(y, m, d)| date(y, m, d)),
            status: org::PersonStatus::Active as i32,
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

/// Someone who worked on `team` from `start` and left on `end`.
pub async fn leaver(org: &mut Org, name: &str, team: &str, start: (i32, i32, i32), end: (i32, i32, i32)) -> String {
    org.create_person(org::CreatePersonRequest {
        person: Some(org::Person {
            display_name: name.into(),
            sales_role: org::SalesRole::InsideSalesAe as i32,
            team_id: team.into(),
            start_date: date(start.0, start.1, start.2),
            end_date: date(end.0, end.1, end.2),
            status: org::PersonStatus::Left as i32,
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .expect("create leaver")
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

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

pub fn month(y: i32, m: i32) -> Option<Period> {
    calendar(Granularity::Month, y, m)
}

pub fn calendar(g: Granularity, y: i32, m: i32) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: g as i32,
            date: date(y, m, 1),
        })),
    })
}

/// Screen, hiring manager, mock call (required), panel (optional), offer (required).
pub async fn process(h: &mut Hiring) -> String {
    let stage = |key: &str, required: bool, competencies: &[&str]| ProcessStage {
        key: key.into(),
        display_name: key.replace('_', " "),
        required,
        competencies: competencies.iter().map(|c| c.to_string()).collect(),
    };
    h.create_process_template(CreateProcessTemplateRequest {
        template: Some(ProcessTemplate {
            display_name: "AE loop".into(),
            stages: vec![
                stage("screen", true, &["motivation"]),
                stage("manager", true, &["discovery", "coachability"]),
                stage("mock_call", true, &["discovery", "objection_handling"]),
                stage("panel", false, &["collaboration"]),
                stage("offer", true, &[]),
            ],
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .expect("create template")
    .into_inner()
    .template
    .expect("template")
    .id
}

pub fn requisition(w: &World, team: &str, manager: &str, opened: (i32, i32, i32)) -> CreateRequisitionRequest {
    CreateRequisitionRequest {
        requisition: Some(Requisition {
            title: "Account Executive".into(),
            team_id: team.into(),
            sales_role: org::SalesRole::InsideSalesAe as i32,
            motion: org::Motion::InsideSales as i32,
            hiring_manager_id: manager.into(),
            reason: RequisitionReason::Growth as i32,
            opened_date: date(opened.0, opened.1, opened.2),
            process_template_id: w.template.clone(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

pub async fn open(w: &mut World, team: &str, manager: &str, opened: (i32, i32, i32)) -> String {
    let req = requisition(w, team, manager, opened);
    w.h.create_requisition(req)
        .await
        .expect("create requisition")
        .into_inner()
        .requisition
        .expect("requisition")
        .id
}

pub fn new_candidate(req: &str, name: &str, source: CandidateSource, applied: DateTime<Utc>) -> CreateCandidateRequest {
    CreateCandidateRequest {
        candidate: Some(Candidate {
            requisition_id: req.into(),
            display_name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            source: source as i32,
            apply_time: ts(applied),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

pub async fn candidate(
    h: &mut Hiring,
    req: &str,
    name: &str,
    source: CandidateSource,
    applied: DateTime<Utc>,
) -> String {
    h.create_candidate(new_candidate(req, name, source, applied))
        .await
        .expect("create candidate")
        .into_inner()
        .candidate
        .expect("candidate")
        .id
}

pub async fn move_to(h: &mut Hiring, cand: &str, stage: &str, when: DateTime<Utc>) {
    h.move_candidate(MoveCandidateRequest {
        candidate_id: cand.into(),
        stage: stage.into(),
        enter_time: ts(when),
    })
    .await
    .expect("move candidate");
}

pub fn interview_of(
    cand: &str,
    stage: &str,
    interviewer: &str,
    when: DateTime<Utc>,
    submitted: bool,
) -> RecordInterviewRequest {
    RecordInterviewRequest {
        interview: Some(Interview {
            candidate_id: cand.into(),
            stage: stage.into(),
            interviewer_id: interviewer.into(),
            interview_time: ts(when),
            scorecard: submitted.then(|| InterviewScorecard {
                ratings: vec![CompetencyRating {
                    competency: "discovery".into(),
                    rating: 4,
                }],
                recommendation: Recommendation::Yes as i32,
                notes: "Asked good questions".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

/// Walks a candidate through `stages` one day apart from `start`, with a submitted interview at
/// each stage that rates discovery, then an offer made and accepted; returns the acceptance time.
pub async fn walk(
    h: &mut Hiring,
    cand: &str,
    interviewer: &str,
    stages: &[&str],
    start: DateTime<Utc>,
) -> DateTime<Utc> {
    let mut when = start;
    for stage in stages {
        move_to(h, cand, stage, when).await;
        if ["manager", "mock_call"].contains(stage) {
            h.record_interview(interview_of(cand, stage, interviewer, when, true))
                .await
                .expect("record interview");
        }
        when += chrono::Duration::days(1);
    }
    accept(h, cand, when).await;
    when
}

pub async fn accept(h: &mut Hiring, cand: &str, when: DateTime<Utc>) {
    h.record_offer(RecordOfferRequest {
        candidate_id: cand.into(),
        outcome: OfferOutcome::Accepted as i32,
        make_time: ts(when),
        outcome_time: ts(when),
    })
    .await
    .expect("offer accepted");
}

pub fn hire_of(cand: &str, start: (i32, i32, i32), ramp: &str) -> HireCandidateRequest {
    HireCandidateRequest {
        candidate_id: cand.into(),
        start_date: date(start.0, start.1, start.2),
        ramp_id: ramp.into(),
        ..Default::default()
    }
}

pub async fn hire(h: &mut Hiring, cand: &str, start: (i32, i32, i32), ramp: &str) -> String {
    h.hire_candidate(hire_of(cand, start, ramp))
        .await
        .expect("hire")
        .into_inner()
        .person_id
}

pub async fn kpis_of(h: &mut Hiring, scope: get_hiring_kpis_request::Scope, period: Option<Period>) -> HiringKpis {
    h.get_hiring_kpis(GetHiringKpisRequest {
        scope: Some(scope),
        period,
        quota_metric_key: String::new(),
    })
    .await
    .expect("hiring kpis")
    .into_inner()
    .kpis
    .expect("kpis")
}

/// `revenue_won` events worth `amount` (minor units) for `person` at noon UTC on `day`.
pub fn revenue(person: &str, day: (i32, u32, u32), amount: i64) -> Event {
    Event {
        event_id: uuid::Uuid::now_v7().to_string(),
        person_id: person.into(),
        metric_key: "revenue_won".into(),
        occurred_at: ts(at(day.0, day.1, day.2)),
        value: Some(amount),
        ..Default::default()
    }
}

pub async fn ingest(metrics: &mut Metrics, events: Vec<Event>) {
    let r = metrics
        .ingest_events(IngestEventsRequest { events })
        .await
        .expect("ingest")
        .into_inner();
    assert_eq!(r.rejected_count, 0, "{r:?}");
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

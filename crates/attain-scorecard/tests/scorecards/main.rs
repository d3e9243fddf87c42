//! Scorecard service tests: real gRPC to the scorecard server, which asks the metrics server
//! (also real) for totals, both over one real PostgreSQL. The org is DESIGN.md's: an SDR team
//! and an AE team under one sales org.

mod access;
mod boards;
mod compute;
mod focus;
mod funnel;
mod incentives;
mod input;
mod kpis;
mod layering;
mod new_rpcs;
mod plans;
mod templates;
mod values;

use attain_proto::{
    common::v1::{CalendarPeriod, Date, DateRange, Granularity, Period, period},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{self as org, org_service_client::OrgServiceClient},
    scorecard::v1::{scorecard_service_client::ScorecardServiceClient, *},
};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{NaiveDate, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Scorecards = ScorecardServiceClient<InterceptedService<Channel, Bearer>>;
pub type Metrics = MetricsServiceClient<InterceptedService<Channel, Bearer>>;
pub type Org = OrgServiceClient<InterceptedService<Channel, Bearer>>;

/// A tenant with an SDR team of four under manager Maya and an AE team of three, with admin
/// clients for every service.
pub struct World {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub org: Org,
    pub metrics: Metrics,
    pub sc: Scorecards,
    pub sales: String,
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
    let sc = app.scorecard(&tenant.admin_key).await;
    let sales = team(&mut org, "Sales", "", org::Motion::InsideSales).await;
    let maya = person(&mut org, "Maya", org::SalesRole::SalesManager, "", None).await;
    let sdr_team = team(&mut org, "SDR East", &sales, org::Motion::SalesDevelopment).await;
    let ae_team = team(&mut org, "AE East", &sales, org::Motion::InsideSales).await;
    set_manager(&mut org, &sdr_team, &maya).await;
    let mut sdrs = Vec::new();
    for name in ["Ana", "Bo", "Cy", "Di"] {
        sdrs.push(person(&mut org, name, org::SalesRole::Sdr, &sdr_team, None).await);
    }
    let mut aes = Vec::new();
    for name in ["Star", "Eve", "Fay"] {
        aes.push(person(&mut org, name, org::SalesRole::InsideSalesAe, &ae_team, None).await);
    }
    World {
        app,
        tenant,
        org,
        metrics,
        sc,
        sales,
        sdr_team,
        ae_team,
        maya,
        sdrs,
        aes,
    }
}

pub async fn team(org: &mut Org, name: &str, parent: &str, motion: org::Motion) -> String {
    let team = org::Team {
        display_name: name.into(),
        parent_team_id: parent.into(),
        motion: motion as i32,
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

async fn set_manager(org: &mut Org, team: &str, manager: &str) {
    org.update_team(org::UpdateTeamRequest {
        team: Some(org::Team {
            id: team.into(),
            manager_id: manager.into(),
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["manager_id".into()],
        }),
    })
    .await
    .expect("set the team's manager");
}

pub async fn person(
    org: &mut Org,
    name: &str,
    role: org::SalesRole,
    team: &str,
    start: Option<(i32, i32, i32)>,
) -> String {
    let person = org::Person {
        display_name: name.into(),
        sales_role: role as i32,
        team_id: team.into(),
        start_date: start.and_then(|(y, m, d)| date(y, m, d)),
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

pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

pub fn calendar(granularity: Granularity, day: (i32, i32, i32)) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: granularity as i32,
            date: date(day.0, day.1, day.2),
        })),
    })
}

pub fn range(start: (i32, i32, i32), end: (i32, i32, i32)) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: date(start.0, start.1, start.2),
            end_date: date(end.0, end.1, end.2),
        })),
    })
}

/// `count` events of `metric` for `person` at noon UTC on `day` (each of value `value` for SUM
/// metrics).
pub fn events(person: &str, metric: &str, day: (i32, u32, u32), count: usize, value: Option<i64>) -> Vec<Event> {
    let at = Utc.with_ymd_and_hms(day.0, day.1, day.2, 12, 0, 0).unwrap();
    (0..count)
        .map(|_| Event {
            event_id: uuid::Uuid::now_v7().to_string(),
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

pub async fn ingest(metrics: &mut Metrics, events: Vec<Event>) {
    for chunk in events.chunks(5000) {
        let r = metrics
            .ingest_events(IngestEventsRequest { events: chunk.to_vec() })
            .await
            .expect("ingest")
            .into_inner();
        assert_eq!(
            r.rejected_count,
            0,
            "{:?}",
            r.results.iter().find(|x| !x.violations.is_empty())
        );
    }
}

/// A template with the given lines, assigned to `team`.
pub async fn template_for(sc: &mut Scorecards, key: &str, team: &str, lines: Vec<TemplateLine>) -> Template {
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
        template_id: t.id.clone(),
    })
    .await
    .expect("assign template");
    t
}

pub fn line(metric: &str, section: Section, target: Target) -> TemplateLine {
    TemplateLine {
        metric_key: metric.into(),
        section: section as i32,
        target: Some(target),
        weight: None,
        thresholds: None,
    }
}

pub fn daily(x: f64) -> Target {
    Target {
        daily: Some(x),
        ..Default::default()
    }
}

pub fn weekly(x: f64) -> Target {
    Target {
        weekly: Some(x),
        ..Default::default()
    }
}

pub fn level(x: f64) -> Target {
    Target {
        level: Some(x),
        ..Default::default()
    }
}

pub async fn person_scorecard(
    sc: &mut Scorecards,
    person: &str,
    period: Option<Period>,
    as_of: Option<Date>,
) -> Result<Scorecard, tonic::Status> {
    Ok(sc
        .get_scorecard(GetScorecardRequest {
            subject: Some(get_scorecard_request::Subject::PersonId(person.into())),
            period,
            as_of,
        })
        .await?
        .into_inner()
        .scorecard
        .expect("scorecard"))
}

pub fn line_of<'a>(card: &'a Scorecard, metric: &str) -> &'a ScorecardLine {
    card.lines
        .iter()
        .find(|l| l.metric_key == metric)
        .unwrap_or_else(|| panic!("no line {metric} in {card:?}"))
}

/// Working days (Monday to Friday) from `start` to `end`, inclusive.
pub fn weekdays(start: (i32, u32, u32), end: (i32, u32, u32)) -> u32 {
    use chrono::Datelike;
    let (a, b) = (
        NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        NaiveDate::from_ymd_opt(end.0, end.1, end.2).unwrap(),
    );
    a.iter_days()
        .take_while(|d| *d <= b)
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .count() as u32
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

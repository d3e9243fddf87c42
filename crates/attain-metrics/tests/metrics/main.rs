//! Metrics service tests: real gRPC to the metrics server, which calls the org directory on a
//! second real server, both over one real PostgreSQL.

mod catalog;
mod fairness;
mod fold;
mod ingest;
mod queries;
mod state;
mod tenancy;
mod windows;

use attain_proto::{
    common::v1::{CalendarPeriod, Date, DateRange, Granularity, Period, period},
    metrics::v1::{metrics_service_client::MetricsServiceClient, *},
    org::v1::{self as org, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, TestApp, TestTenant};
use chrono::{DateTime, TimeZone, Utc};
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Metrics = MetricsServiceClient<InterceptedService<Channel, Bearer>>;
pub type Org = OrgServiceClient<InterceptedService<Channel, Bearer>>;

/// A tenant with people, and admin clients for both services.
pub struct World {
    pub app: TestApp,
    pub tenant: TestTenant,
    pub org: Org,
    pub metrics: Metrics,
    pub ana: String,
    pub bo: String,
}

pub async fn world() -> World {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let metrics = app.metrics(&tenant.admin_key).await;
    let ana = person(&mut org, "Ana", Some(("salesforce", "005ANA"))).await;
    let bo = person(&mut org, "Bo", None).await;
    World {
        app,
        tenant,
        org,
        metrics,
        ana,
        bo,
    }
}

pub async fn person(org: &mut Org, name: &str, external: Option<(&str, &str)>) -> String {
    let person = org::Person {
        display_name: name.into(),
        sales_role: org::SalesRole::Sdr as i32,
        external_ids: external
            .map(|(system, id)| org::ExternalId {
                system: system.into(),
                id: id.into(),
            })
            .into_iter()
            .collect(),
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

pub async fn set_time_zone(org: &mut Org, zone: &str) {
    let mut tenant = org
        .get_tenant(org::GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    tenant.calendar.as_mut().unwrap().time_zone = zone.into();
    tenant.etag.clear();
    org.update_tenant(org::UpdateTenantRequest {
        tenant: Some(tenant),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["calendar.time_zone".into()],
        }),
    })
    .await
    .expect("set time zone");
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub fn ts(at: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

pub fn event(person: &str, metric: &str, when: DateTime<Utc>, value: Option<i64>) -> Event {
    Event {
        event_id: uuid::Uuid::now_v7().to_string(),
        person_id: person.into(),
        metric_key: metric.into(),
        occurred_at: ts(when),
        value,
        ..Default::default()
    }
}

pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

pub fn range(start: (i32, i32, i32), end: (i32, i32, i32)) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: date(start.0, start.1, start.2),
            end_date: date(end.0, end.1, end.2),
        })),
    })
}

pub fn calendar(granularity: Granularity, day: (i32, i32, i32)) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: granularity as i32,
            date: date(day.0, day.1, day.2),
        })),
    })
}

pub async fn ingest(metrics: &mut Metrics, events: Vec<Event>) -> IngestEventsResponse {
    metrics
        .ingest_events(IngestEventsRequest { events })
        .await
        .expect("ingest")
        .into_inner()
}

/// Totals of one person per metric key over a period: `Some(total)` or the ratio, `None` for
/// no value.
pub async fn totals(metrics: &mut Metrics, person: &str, keys: &[&str], period: Option<Period>) -> Vec<Option<f64>> {
    let response = metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![person.into()],
            metric_keys: keys.iter().map(|k| k.to_string()).collect(),
            period,
            grouping: Grouping::PerPerson as i32,
        })
        .await
        .expect("totals")
        .into_inner();
    response.rows[0].values.iter().map(value).collect()
}

pub fn value(v: &MetricValue) -> Option<f64> {
    match v.value? {
        metric_value::Value::Total(t) => Some(t as f64),
        metric_value::Value::Ratio(r) => Some(r),
    }
}

/// The daily rollups of a tenant, read as the owner, for comparisons. First checks that the
/// monthly rollups with the additions still pending are the daily ones summed by month; then
/// folds what is pending and checks that the monthly rollups alone are.
pub async fn rollups(app: &TestApp) -> Vec<(uuid::Uuid, chrono::NaiveDate, i32, i64, i64, i64)> {
    type Row = (uuid::Uuid, uuid::Uuid, chrono::NaiveDate, i32, i64, i64, i64);
    let by_month = |sql: &'static str| async move {
        let rows: Vec<Row> = sqlx::query_as(sql).fetch_all(&app.db.owner).await.unwrap();
        rows
    };
    // Folding leaves monthly rows plus pending additions as they were, so the service's own
    // folder may run between these statements.
    let monthly_and_pending = by_month(
        "SELECT tenant_id, person_id, month, metric_id, sum(sum)::bigint, sum(count)::bigint, max(max)
         FROM (SELECT tenant_id, person_id, month, metric_id, sum, count, max FROM metrics.monthly_rollups
               UNION ALL
               SELECT p.tenant_id, u.person_id, p.month, u.metric_id, u.sum, u.count, u.max
               FROM metrics.monthly_pending p,
                    unnest(p.person_ids, p.metric_ids, p.sums, p.counts, p.maxes) AS u(person_id, metric_id, sum, count, max)) m
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .await;
    let from_daily = by_month(
        "SELECT tenant_id, person_id, date_trunc('month', day::timestamp)::date, metric_id, sum(sum)::bigint,
                sum(count)::bigint, max(max)
         FROM metrics.daily_rollups GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .await;
    assert_eq!(
        monthly_and_pending, from_daily,
        "monthly rollups and pending additions are the daily ones by month"
    );
    attain_metrics::fold_all(&app.db.owner).await.unwrap();
    let monthly = by_month(
        "SELECT tenant_id, person_id, month, metric_id, sum, count, max FROM metrics.monthly_rollups ORDER BY 1, 2, 3, 4",
    )
    .await;
    assert_eq!(
        monthly, from_daily,
        "once folded, monthly rollups are the daily ones by month"
    );
    sqlx::query_as("SELECT person_id, day, metric_id, sum, count, max FROM metrics.daily_rollups ORDER BY 1, 2, 3")
        .fetch_all(&app.db.owner)
        .await
        .unwrap()
}

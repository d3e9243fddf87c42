//! What the shared server builder gives every service: health and reflection without
//! credentials, message size limits, load shedding, and a shutdown that drains calls.

use std::time::Duration;

use attain_proto::org::v1::*;
use attain_runtime::config::ServerArgs;
use attain_testing::TestApp;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

use crate::{mask, team};

#[tokio::test]
async fn health_and_reflection_answer_without_credentials() {
    let app = TestApp::start().await;
    let mut health = HealthClient::new(app.channel().await);
    let status = health
        .check(HealthCheckRequest {
            service: "attain.org.v1.OrgService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);

    let mut reflection = ServerReflectionClient::new(app.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"attain.org.v1.OrgService".to_string()), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health".to_string()), "{names:?}");
}

/// The services a port's reflection advertises, sorted.
async fn advertised(addr: std::net::SocketAddr) -> Vec<String> {
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    names
}

/// Each port lists exactly what it serves: a client that discovers services by reflection
/// never finds one that answers UNIMPLEMENTED.
#[tokio::test]
async fn reflection_lists_exactly_the_services_each_port_serves() {
    let app = TestApp::start().await;
    let with_common = |own: &[&str]| {
        let mut all: Vec<String> = own
            .iter()
            .chain(&[
                "attain.audit.v1.AuditService",
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
            ])
            .map(|s| s.to_string())
            .collect();
        all.sort();
        all
    };
    assert_eq!(
        advertised(app.addr).await,
        with_common(&[
            "attain.operator.v1.OperatorService",
            "attain.org.v1.CredentialService",
            "attain.org.v1.OrgService",
            "attain.org.v1.PeerDirectoryService",
            "attain.scorecard.v1.ScorecardService",
            "attain.webhooks.v1.MilestoneService",
            "attain.webhooks.v1.WebhookService",
        ])
    );
    assert_eq!(
        advertised(app.metrics_addr).await,
        with_common(&["attain.metrics.v1.MetricsService"])
    );
    assert_eq!(
        advertised(app.coaching_addr).await,
        with_common(&["attain.coaching.v1.CoachingService", "attain.coaching.v1.SurveyService"])
    );
    assert_eq!(
        advertised(app.hiring_addr).await,
        with_common(&["attain.hiring.v1.HiringService"])
    );
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_the_server_goes_on() {
    let app = TestApp::start_with(ServerArgs {
        max_message_bytes: 64 * 1024,
        ..ServerArgs::default()
    })
    .await;
    let tenant = app.tenant("Acme").await;
    let mut client = app.org(&tenant.admin_key).await.max_encoding_message_size(usize::MAX);
    let huge = team(&"x".repeat(100 * 1024), Motion::InsideSales);
    let err = client
        .create_team(CreateTeamRequest {
            team: Some(huge),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("limit"), "{err:?}");
    assert_eq!(
        client
            .list_teams(ListTeamsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .teams
            .len(),
        0
    );
}

/// Holds the tenant row locked from outside, so an UpdateTenant call stays in flight.
async fn lock_tenant(app: &TestApp, tenant: uuid::Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = app.db.owner.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM org.tenants WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn wait_for_lock_waiter(app: &TestApp) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the call never reached the lock");
}

fn rename(tenant: &Tenant) -> UpdateTenantRequest {
    UpdateTenantRequest {
        tenant: Some(Tenant {
            display_name: "Renamed".into(),
            ..tenant.clone()
        }),
        update_mask: mask(&["display_name"]),
    }
}

#[tokio::test]
async fn calls_beyond_the_concurrency_limit_are_shed() {
    let app = TestApp::start_with(ServerArgs {
        concurrency_limit: 1,
        ..ServerArgs::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let mut client = app.org(&t.admin_key).await;
    let tenant = client
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    let lock = lock_tenant(&app, t.id).await;
    let mut busy = client.clone();
    let request = rename(&tenant);
    let in_flight = tokio::spawn(async move { busy.update_tenant(request).await });
    wait_for_lock_waiter(&app).await;
    let err = client.get_tenant(GetTenantRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    lock.commit().await.unwrap();
    in_flight.await.unwrap().unwrap();
    assert_eq!(
        client
            .get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap()
            .display_name,
        "Renamed"
    );
}

#[tokio::test]
async fn shutdown_lets_the_call_in_flight_finish() {
    let app = TestApp::start().await;
    let t = app.tenant("Acme").await;
    let mut client = app.org(&t.admin_key).await;
    let tenant = client
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    let lock = lock_tenant(&app, t.id).await;
    let request = rename(&tenant);
    let in_flight = tokio::spawn(async move { client.update_tenant(request).await });
    wait_for_lock_waiter(&app).await;
    let owner = app.db.owner.clone();
    let stopped = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopped.is_finished(), "the server must wait for the call in flight");
    lock.commit().await.unwrap();
    let response = in_flight.await.unwrap().expect("the drained call succeeds");
    assert_eq!(response.into_inner().tenant.unwrap().display_name, "Renamed");
    stopped.await.unwrap().expect("clean shutdown");
    let name: String = sqlx::query_scalar("SELECT display_name FROM org.tenants")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(name, "Renamed");
}

#[tokio::test]
async fn a_call_past_the_server_deadline_fails_and_writes_nothing() {
    let app = TestApp::start_with(ServerArgs {
        request_timeout: Duration::from_millis(300),
        ..ServerArgs::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let mut client = app.org(&t.admin_key).await;
    let tenant = client
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    let lock = lock_tenant(&app, t.id).await;
    let err = client.update_tenant(rename(&tenant)).await.unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
    lock.commit().await.unwrap();
    let after = client
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    assert_eq!(after.display_name, "Acme", "the abandoned call rolled back");
}

#[tokio::test]
async fn a_noisy_tenant_is_refused_with_a_retry_hint_while_another_tenant_goes_on() {
    use tonic_types::StatusExt;
    let app = TestApp::start_with(ServerArgs {
        // Reads: 5 at once, then 1 a second; writes unlimited.
        rate_limits: "read=1/s:5".parse().expect("limits"),
        ..ServerArgs::default()
    })
    .await;
    let (noisy, quiet) = (app.tenant("Noisy").await, app.tenant("Quiet").await);
    let mut noisy_client = app.org(&noisy.admin_key).await;
    let mut quiet_client = app.org(&quiet.admin_key).await;

    let mut refused = None;
    let mut served = 0;
    for _ in 0..30 {
        match noisy_client.list_teams(ListTeamsRequest::default()).await {
            Ok(_) => served += 1,
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
    }
    let refused = refused.expect("the noisy tenant is refused once past its burst");
    assert!(served >= 5, "the burst is served first: {served}");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(refused.message().contains("read calls"), "{refused:?}");
    let retry = refused
        .get_details_retry_info()
        .and_then(|r| r.retry_delay)
        .expect("a retry hint");
    assert!(retry > Duration::ZERO && retry <= Duration::from_secs(1), "{retry:?}");

    // The other tenant's budget is its own: all of its burst is served while the noisy one is
    // refused, and writes (no rule) are never limited.
    for _ in 0..5 {
        quiet_client
            .list_teams(ListTeamsRequest::default())
            .await
            .expect("the quiet tenant is served");
    }
    noisy_client
        .create_team(CreateTeamRequest {
            team: Some(team("Noisy team", Motion::InsideSales)),
            request_id: String::new(),
        })
        .await
        .expect("writes have no limit here");
    assert_eq!(
        noisy_client
            .list_teams(ListTeamsRequest::default())
            .await
            .map(|_| ())
            .unwrap_err()
            .code(),
        Code::ResourceExhausted,
        "still refused"
    );
}

/// The scorecard code reads the directory over gRPC on the caller's behalf; that inner call is
/// not charged to the tenant again, so a tenant's read budget is its own calls, not twice them.
#[tokio::test]
async fn a_scorecard_read_costs_its_tenant_one_call_of_its_budget() {
    use attain_proto::{common::v1 as common, scorecard::v1 as sc};
    let app = TestApp::start_with(ServerArgs {
        rate_limits: "read=1/s:4".parse().expect("limits"),
        ..ServerArgs::default()
    })
    .await;
    let tenant = app.tenant("Acme").await;
    let ana = crate::create_person(
        &mut app.org(&tenant.admin_key).await,
        crate::person("Ana", SalesRole::Sdr),
    )
    .await;
    let mut scorecards = app.scorecard(&tenant.admin_key).await;
    let list = || sc::ListQuotasRequest {
        subject: Some(sc::list_quotas_request::Subject::PersonId(ana.id.clone())),
        period: Some(common::Period {
            kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
                granularity: common::Granularity::Month as i32,
                date: Some(common::Date {
                    year: 2026,
                    month: 12,
                    day: 1,
                }),
            })),
        }),
    };
    // The whole burst is served: each read asks the directory once, uncharged.
    for n in 1..=4 {
        scorecards
            .list_quotas(list())
            .await
            .unwrap_or_else(|e| panic!("read {n} of a burst of 4: {e:?}"));
    }
    let refused = scorecards.list_quotas(list()).await.unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
}

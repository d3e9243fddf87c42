//! The operator's path on an existing PostgreSQL: migrate, create a tenant and a key, serve,
//! revoke; and configuration errors that name the bad setting.

use attain_proto::{
    metrics::v1::{ListMetricsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{GetTenantRequest, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, TestDb};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::{attain, free_port, run_err, run_ok, spawn};

async fn wait_serving(addr: &str) -> Channel {
    wait_serving_service(addr, "attain.org.v1.OrgService").await
}

/// Waits until the server at `addr` reports `service` as serving over grpc.health.v1.
pub(crate) async fn wait_serving_service(addr: &str, service: &str) -> Channel {
    for _ in 0..400 {
        if let Ok(channel) = Channel::from_shared(format!("http://{addr}")).unwrap().connect().await {
            let check = HealthClient::new(channel.clone())
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await;
            if check.is_ok() {
                return channel;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("attain serve never became healthy at {addr}");
}

#[tokio::test]
async fn migrate_tenant_apikey_serve_and_revoke_through_the_binary() {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    for _ in 0..2 {
        run_ok(attain().args(["migrate", "--create-roles"]).env("DATABASE_URL", &url));
    }
    let tenant = run_ok(
        attain()
            .args([
                "tenant",
                "create",
                "--name",
                "Acme",
                "--time-zone",
                "America/New_York",
                "--currency",
                "EUR",
            ])
            .args(["--fiscal-year-start-month", "2"])
            .env("DATABASE_URL", &url),
    );
    let tenant = tenant.trim().to_string();
    let listed = run_ok(attain().args(["tenant", "list"]).env("DATABASE_URL", &url));
    assert!(listed.contains(&tenant) && listed.contains("Acme"), "{listed}");
    let key = run_ok(
        attain()
            .args([
                "apikey", "create", "--tenant", &tenant, "--role", "admin", "--name", "ci",
            ])
            .env("DATABASE_URL", &url),
    );
    let key = key.trim().to_string();
    let refused = run_err(
        attain()
            .args(["apikey", "create", "--tenant", &tenant, "--role", "rep"])
            .env("DATABASE_URL", &url),
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--person"));

    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = spawn(
        attain()
            .args(["serve", "scorecard", "--listen", &addr])
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_scorecard"),
    );
    let channel = wait_serving(&addr).await;
    let mut client = OrgServiceClient::with_interceptor(channel.clone(), Bearer::new(&key));
    let got = client
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    assert_eq!(got.display_name, "Acme");
    let calendar = got.calendar.unwrap();
    assert_eq!(
        (calendar.time_zone.as_str(), calendar.fiscal_year_start_month),
        ("America/New_York", 2)
    );
    assert_eq!(got.currency_code, "EUR");

    // The metrics service as its own process, finding the org directory at ATTAIN_ORG_URL.
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let mut metrics_server = spawn(
        attain()
            .args(["serve", "metrics", "--listen", &metrics_addr])
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_metrics")
            .env("ATTAIN_ORG_URL", format!("http://{addr}")),
    );
    let metrics_channel = wait_serving_service(&metrics_addr, "attain.metrics.v1.MetricsService").await;
    let mut metrics = MetricsServiceClient::with_interceptor(metrics_channel, Bearer::new(&key));
    let catalog = metrics
        .list_metrics(ListMetricsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(catalog.metrics.iter().any(|m| m.key == "calls"));
    drop(metrics);
    tokio::task::spawn_blocking(move || metrics_server.terminate())
        .await
        .unwrap();

    let keys = run_ok(
        attain()
            .args(["apikey", "list", "--tenant", &tenant])
            .env("DATABASE_URL", &url),
    );
    let key_id = keys
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("a key row")
        .to_string();
    assert!(!keys.contains(&key), "listing never shows a secret");
    run_ok(
        attain()
            .args(["apikey", "revoke", "--tenant", &tenant, "--key", &key_id])
            .env("DATABASE_URL", &url),
    );
    let err = client.get_tenant(GetTenantRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    // Stop from a blocking thread: the runtime must stay free to close the client connection
    // when the server says goodbye, as any real client would.
    drop(client);
    tokio::task::spawn_blocking(move || server.terminate()).await.unwrap();
}

#[test]
fn bad_configuration_fails_at_start_and_names_the_setting() {
    let out = run_err(attain().args(["serve", "scorecard"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));

    let out = run_err(
        attain()
            .args(["serve", "scorecard"])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("ATTAIN_PEER_SECRET", "short"),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ATTAIN_PEER_SECRET"));

    let out = run_err(
        attain()
            .args(["serve", "scorecard"])
            .env("ATTAIN_REQUEST_TIMEOUT", "banana"),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("request-timeout"));

    let out = run_err(
        attain()
            .args(["serve", "hiring"])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

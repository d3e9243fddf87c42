//! The audit trail: every write leaves a row naming who made it; quota, target, ramp and role
//! changes carry their before and after, written with the change; a tenant's admins see their
//! own trail only, and no one else reads it.

use std::time::Duration;

use attain_domain::org::AccessRole;
use attain_proto::{
    audit::v1::{AuditEvent, ListAuditEventsRequest, audit_service_client::AuditServiceClient},
    common::v1::{CalendarPeriod, Granularity},
    metrics::v1::{Event, IngestEventsRequest},
    org::v1::{ChangePersonRoleRequest, SalesRole, UpdatePersonRequest},
    scorecard::v1::{Quota, QuotaKind, SetQuotaRequest, quota},
};
use attain_testing::{Bearer, TestApp};
use tonic::{Code, transport::Channel};

use crate::{date, mask};

async fn trail(channel: Channel, key: &str, method: &str) -> Result<Vec<AuditEvent>, tonic::Status> {
    let mut client = AuditServiceClient::with_interceptor(channel, Bearer::new(key));
    Ok(client
        .list_audit_events(ListAuditEventsRequest {
            method: method.into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .events)
}

/// Waits for `n` events of `method` (rows the layer writes land just after the call returns).
async fn wait_for(channel: Channel, key: &str, method: &str, n: usize) -> Vec<AuditEvent> {
    for _ in 0..200 {
        let events = trail(channel.clone(), key, method).await.expect("list the trail");
        if events.len() >= n {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} {method} events");
}

fn quota_request(person: &str, amount: i64) -> SetQuotaRequest {
    SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(person.into())),
            kind: QuotaKind::Activity as i32,
            metric_key: "calls".into(),
            period: Some(CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: date(2026, 6, 1),
            }),
            amount,
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn every_write_is_audited_with_who_and_compensation_changes_with_before_and_after() {
    let app = TestApp::start().await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let key_id = attain_runtime::auth::ApiKey::parse(&acme.admin_key)
        .expect("key")
        .key_id
        .to_string();
    let mut org = app.org(&acme.admin_key).await;
    let ana = crate::create_person(&mut org, crate::person("Ana", SalesRole::Sdr)).await;

    // A quota set, then changed: both with before and after, in the scorecard's trail.
    let mut sc = app.scorecard(&acme.admin_key).await;
    sc.set_quota(quota_request(&ana.id, 100)).await.expect("set quota");
    sc.set_quota(quota_request(&ana.id, 120)).await.expect("change quota");
    let channel = app.channel().await;
    let quotas = wait_for(channel.clone(), &acme.admin_key, "SetQuota", 2).await;
    let (changed, set) = (&quotas[0], &quotas[1]);
    assert_eq!(set.before_json, "", "a new quota has no before");
    let amount = |json: &str| serde_json::from_str::<serde_json::Value>(json).expect("json")["amount"].clone();
    assert_eq!(amount(&set.after_json), 100);
    assert_eq!(
        (amount(&changed.before_json), amount(&changed.after_json)),
        (100.into(), 120.into())
    );
    assert_eq!(
        (changed.actor_kind.as_str(), changed.actor_id.as_str()),
        ("api_key", key_id.as_str())
    );
    assert_eq!(
        (changed.role.as_str(), changed.service.as_str()),
        ("admin", "scorecard")
    );
    assert!(changed.resource.starts_with("quota/"), "{changed:?}");
    assert!(!changed.request_id.is_empty());

    // A role change, with before and after.
    org.change_person_role(ChangePersonRoleRequest {
        person_id: ana.id.clone(),
        sales_role: SalesRole::InsideSalesAe as i32,
        effective_date: date(2026, 7, 1),
        ..Default::default()
    })
    .await
    .expect("change role");
    let roles = wait_for(channel.clone(), &acme.admin_key, "ChangePersonRole", 1).await;
    assert!(
        roles[0].before_json.contains("sdr") && roles[0].after_json.contains("inside_sales_ae"),
        "{roles:?}"
    );

    // Any other write: a row naming the caller, written just after the call.
    org.update_person(UpdatePersonRequest {
        person: Some(attain_proto::org::v1::Person {
            title: "Senior SDR".into(),
            etag: String::new(),
            ..ana.clone()
        }),
        update_mask: mask(&["title"]),
    })
    .await
    .expect("update person");
    let updates = wait_for(channel.clone(), &acme.admin_key, "UpdatePerson", 1).await;
    assert_eq!(updates[0].actor_id, key_id);

    // The metrics service keeps its own trail of ingests.
    let mut metrics = app.metrics(&acme.admin_key).await;
    metrics
        .ingest_events(IngestEventsRequest {
            events: vec![Event {
                source: "test".into(),
                external_id: "e1".into(),
                metric_key: "calls".into(),
                person_id: ana.id.clone(),
                occurred_at: Some(prost_types::Timestamp {
                    seconds: 1_780_000_000,
                    nanos: 0,
                }),
                value: Some(1),
                ..Default::default()
            }],
        })
        .await
        .expect("ingest");
    let metrics_channel = Channel::from_shared(format!("http://{}", app.metrics_addr))
        .expect("url")
        .connect()
        .await
        .expect("metrics");
    let ingests = wait_for(metrics_channel.clone(), &acme.admin_key, "IngestEvents", 1).await;
    assert_eq!(ingests[0].service, "metrics");

    // Reads leave nothing.
    assert!(
        trail(channel.clone(), &acme.admin_key, "ListPeople")
            .await
            .expect("list")
            .is_empty()
    );
    // Another tenant's admin sees none of it; a rep may not read the trail.
    for method in ["SetQuota", "UpdatePerson", "IngestEvents"] {
        let seen = trail(channel.clone(), &globex.admin_key, method).await.expect("list");
        assert!(seen.is_empty(), "Globex sees Acme's {method}");
    }
    // Nor can it page through Acme's trail with Acme's page token.
    let first = AuditServiceClient::with_interceptor(channel.clone(), Bearer::new(&acme.admin_key))
        .list_audit_events(ListAuditEventsRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("first page")
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    let err = AuditServiceClient::with_interceptor(channel.clone(), Bearer::new(&globex.admin_key))
        .list_audit_events(ListAuditEventsRequest {
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .expect_err("another tenant's token");
    assert_eq!(attain_testing::violated_fields(&err), ["page_token"]);
    let rep = app
        .api_key(acme.id, AccessRole::Rep, Some(ana.id.parse().expect("id")))
        .await;
    let err = trail(channel.clone(), &rep, "")
        .await
        .expect_err("a rep reads the trail");
    assert_eq!(err.code(), Code::PermissionDenied);
    // Bad filters name their field.
    let mut client = AuditServiceClient::with_interceptor(channel, Bearer::new(&acme.admin_key));
    let err = client
        .list_audit_events(ListAuditEventsRequest {
            page_token: "forged".into(),
            page_size: 5000,
            ..Default::default()
        })
        .await
        .expect_err("bad filters");
    assert_eq!(attain_testing::violated_fields(&err), ["page_size", "page_token"]);
    let far = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let err = client
        .list_audit_events(ListAuditEventsRequest {
            start_time: far(-8_000_000_000_000),
            end_time: far(253_402_300_800 + 86_400),
            method: "Set\0Quota".into(),
            page_token: "a1:\0".repeat(10_000),
            page_size: -1,
        })
        .await
        .expect_err("extreme filters");
    assert_eq!(
        attain_testing::violated_fields(&err),
        ["start_time", "end_time", "method", "page_size", "page_token"]
    );
}

//! The outbox as milestone detection will use it (`enqueue` in the caller's transaction), with
//! dispatchers run by the tests: killed mid-delivery, two at once, quiet rules, team filters.

use std::{collections::HashMap, time::Duration};

use attain_domain::webhook::EventType;
use attain_proto::{
    org::v1::{CreateTeamRequest, Motion, Team},
    webhooks::v1::*,
};
use attain_runtime::{
    config::{ServerArgs, WebhookArgs},
    db::begin_tenant,
};
use attain_scorecard::webhooks::{Dispatcher, MilestoneEvent, enqueue};
use attain_testing::{TestApp, TestTenant, webhook_args};
use uuid::Uuid;

use crate::{Hooks, Receiver, assert_signed, create, eventually, subscription};

/// Services whose own dispatcher is off, so the tests run theirs.
async fn app_without_dispatcher() -> (TestApp, TestTenant, Hooks) {
    let app = TestApp::start_with_webhooks(
        ServerArgs::default(),
        WebhookArgs {
            dispatch: false,
            ..webhook_args()
        },
    )
    .await;
    let tenant = app.tenant("Acme").await;
    let hooks = app.webhooks(&tenant.admin_key).await;
    (app, tenant, hooks)
}

/// Runs a dispatcher on its own pool until the returned task is aborted or the sender fires.
async fn dispatcher(
    app: &TestApp,
    args: WebhookArgs,
) -> (tokio::task::JoinHandle<()>, tokio::sync::oneshot::Sender<()>) {
    let pool = app.db.service_pool("attain_scorecard").await;
    let d = Dispatcher::new(pool, &args).expect("dispatcher");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(d.run(async move {
        let _ = stopped.await;
    }));
    (task, stop)
}

fn event(title: &str, team_path: Vec<Uuid>) -> MilestoneEvent {
    MilestoneEvent::new(EventType::QuotaAttained, title, Some(Uuid::now_v7()), team_path)
}

/// Enqueues events in one transaction, as milestone detection will; returns the deliveries.
async fn enqueue_all(app: &TestApp, tenant: Uuid, events: &[MilestoneEvent]) -> Vec<Uuid> {
    let pool = app.db.service_pool("attain_scorecard").await;
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let mut out = Vec::new();
    for e in events {
        out.extend(enqueue(&mut tx, tenant, e).await.expect("enqueue"));
    }
    tx.commit().await.expect("commit");
    out
}

async fn states(hooks: &mut Hooks) -> HashMap<String, Delivery> {
    hooks
        .list_deliveries(ListDeliveriesRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("list deliveries")
        .into_inner()
        .deliveries
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect()
}

async fn all_delivered(hooks: &mut Hooks, n: usize) {
    let mut hooks = hooks.clone();
    eventually(&format!("{n} deliveries delivered"), || {
        let mut hooks = hooks.clone();
        async move {
            let s = states(&mut hooks).await;
            s.len() == n && s.values().all(|d| d.state == DeliveryState::Delivered as i32)
        }
    })
    .await;
    let _ = &mut hooks;
}

#[tokio::test]
async fn a_dispatcher_killed_mid_delivery_and_restarted_delivers_the_rest_with_nothing_lost() {
    let (app, tenant, mut hooks) = app_without_dispatcher().await;
    let receiver = Receiver::start().await;
    receiver.hold_first(1);
    let (_, secret) = create(&mut hooks, subscription("wins", &receiver.url, Format::Json)).await;
    let events: Vec<_> = (0..5).map(|i| event(&format!("win {i}"), vec![])).collect();
    let deliveries = enqueue_all(&app, tenant.id, &events).await;
    assert_eq!(deliveries.len(), 5);

    // A short lease, so the restarted dispatcher takes over the dead one's claims soon.
    let args = WebhookArgs {
        timeout: Duration::from_secs(2),
        lease: Duration::from_secs(3),
        ..webhook_args()
    };
    let (first, _keep) = dispatcher(&app, args.clone()).await;
    receiver.wait_for_requests(1).await;
    // The receiver holds the first request: the dispatcher dies with it in flight.
    first.abort();
    let _ = first.await;

    let (second, stop) = dispatcher(&app, args).await;
    all_delivered(&mut hooks, 5).await;
    let _ = stop.send(());
    second.await.expect("the dispatcher stops cleanly");

    // Every event arrived with a valid signature; the one in flight at the crash, again.
    let accepted = receiver.accepted();
    for e in &events {
        let got = accepted
            .iter()
            .find(|g| g.json()["id"] == e.id.to_string().as_str())
            .unwrap_or_else(|| panic!("{} was lost", e.title));
        assert_signed(got, &secret);
    }
    let s = states(&mut hooks).await;
    assert!(s.values().all(|d| d.attempts >= 1 && d.last_status_code == 200));
}

#[tokio::test]
async fn two_dispatchers_on_one_database_send_each_delivery_once() {
    let (app, tenant, mut hooks) = app_without_dispatcher().await;
    let receiver = Receiver::start().await;
    create(&mut hooks, subscription("wins", &receiver.url, Format::Json)).await;
    let events: Vec<_> = (0..40).map(|i| event(&format!("win {i}"), vec![])).collect();
    enqueue_all(&app, tenant.id, &events).await;
    // Small batches, so both dispatchers keep claiming while the other is busy.
    let args = WebhookArgs {
        batch: 3,
        ..webhook_args()
    };
    let (a, stop_a) = dispatcher(&app, args.clone()).await;
    let (b, stop_b) = dispatcher(&app, args).await;
    all_delivered(&mut hooks, 40).await;
    let _ = (stop_a.send(()), stop_b.send(()));
    let _ = (a.await, b.await);
    let mut per_delivery: HashMap<String, usize> = HashMap::new();
    for g in receiver.got() {
        *per_delivery.entry(g.header("attain-delivery-id")).or_default() += 1;
    }
    assert_eq!(per_delivery.len(), 40);
    assert!(
        per_delivery.values().all(|n| *n == 1),
        "a delivery was sent twice: {per_delivery:?}"
    );
}

#[tokio::test]
async fn enqueue_commits_with_the_callers_transaction_and_honours_the_team_filter() {
    let (app, tenant, mut hooks) = app_without_dispatcher().await;
    let mut org = app.org(&tenant.admin_key).await;
    let team = |name: &str, parent: &str| Team {
        display_name: name.into(),
        parent_team_id: parent.into(),
        motion: Motion::InsideSales as i32,
        ..Default::default()
    };
    let sales = org
        .create_team(CreateTeamRequest {
            team: Some(team("Sales", "")),
            request_id: String::new(),
        })
        .await
        .expect("team")
        .into_inner()
        .team
        .expect("team")
        .id;
    let east = org
        .create_team(CreateTeamRequest {
            team: Some(team("East", &sales)),
            request_id: String::new(),
        })
        .await
        .expect("team")
        .into_inner()
        .team
        .expect("team")
        .id;
    let receiver = Receiver::start().await;
    let (all, _) = create(&mut hooks, subscription("all", &receiver.url, Format::Json)).await;
    let (only_east, _) = create(
        &mut hooks,
        Subscription {
            team_id: east.clone(),
            ..subscription("east", &receiver.url, Format::Json)
        },
    )
    .await;
    let id = |s: &str| Uuid::parse_str(s).expect("uuid");

    // Rolled back with the milestone: nothing to send.
    let pool = app.db.service_pool("attain_scorecard").await;
    let mut tx = begin_tenant(&pool, tenant.id).await.expect("begin");
    let written = enqueue(&mut tx, tenant.id, &event("rolled back", vec![id(&east), id(&sales)]))
        .await
        .expect("enqueue");
    assert_eq!(written.len(), 2);
    tx.rollback().await.expect("rollback");
    assert!(states(&mut hooks).await.is_empty());

    // A milestone in East goes to both; one in Sales outside East only to the org-wide one.
    enqueue_all(&app, tenant.id, &[event("east win", vec![id(&east), id(&sales)])]).await;
    enqueue_all(&app, tenant.id, &[event("sales win", vec![id(&sales)])]).await;
    let s = states(&mut hooks).await;
    let to = |sub: &str| s.values().filter(|d| d.subscription_id == sub).count();
    assert_eq!((to(&all.id), to(&only_east.id)), (2, 1));
    // Another tenant's transaction sees none of these subscriptions.
    let other = app.tenant("Globex").await;
    assert!(
        enqueue_all(&app, other.id, &[event("elsewhere", vec![])])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn quiet_rules_combine_a_digest_and_hold_deliveries_beyond_the_hourly_cap() {
    let (app, tenant, mut hooks) = app_without_dispatcher().await;
    let receiver = Receiver::start().await;
    let quiet = |cap, digest| {
        Some(QuietRules {
            hourly_cap: cap,
            digest_window_seconds: digest,
        })
    };
    let (digest, _) = create(
        &mut hooks,
        Subscription {
            quiet_rules: quiet(0, 1),
            ..subscription("digest", &format!("{}/digest", receiver.url), Format::Slack)
        },
    )
    .await;
    let (capped, _) = create(
        &mut hooks,
        Subscription {
            quiet_rules: quiet(1, 0),
            ..subscription("capped", &format!("{}/capped", receiver.url), Format::Json)
        },
    )
    .await;
    let events: Vec<_> = (0..3).map(|i| event(&format!("win {i}"), vec![])).collect();
    enqueue_all(&app, tenant.id, &events).await;
    let s = states(&mut hooks).await;
    let of = |sub: &str| -> Vec<Delivery> { s.values().filter(|d| d.subscription_id == sub).cloned().collect() };
    // Three events within the window: one delivery listing all three.
    let digests = of(&digest.id);
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].events.len(), 3);
    assert_eq!(digests[0].event_type, "milestone.digest");
    // A cap of one an hour: one goes now, the others wait for the next hours, none dropped.
    let mut capped_due: Vec<i64> = of(&capped.id)
        .iter()
        .map(|d| d.next_attempt_time.as_ref().map_or(0, |t| t.seconds))
        .collect();
    capped_due.sort();
    assert_eq!(capped_due.len(), 3);
    let hour = |t: i64| t - t.rem_euclid(3600);
    assert_eq!(hour(capped_due[1]), hour(capped_due[0]) + 3600);
    assert_eq!(hour(capped_due[2]), hour(capped_due[0]) + 7200);

    let (task, stop) = dispatcher(&app, webhook_args()).await;
    eventually("the digest and the first capped delivery", || async {
        let got = receiver.accepted();
        got.iter().any(|g| g.path == "/digest") && got.iter().any(|g| g.path == "/capped")
    })
    .await;
    let _ = stop.send(());
    task.await.expect("stops");
    let got = receiver.accepted();
    let digest_body = got.iter().find(|g| g.path == "/digest").expect("digest").json();
    assert_eq!(digest_body["text"], "3 milestones");
    assert_eq!(
        got.iter().filter(|g| g.path == "/capped").count(),
        1,
        "the rest are held"
    );
}

#[tokio::test]
async fn row_level_security_keeps_subscriptions_and_deliveries_to_their_tenant() {
    let (app, tenant, mut hooks) = app_without_dispatcher().await;
    let (sub, _) = create(&mut hooks, subscription("wins", "http://127.0.0.1:9/x", Format::Json)).await;
    hooks
        .test_webhook(TestWebhookRequest {
            subscription_id: sub.id,
        })
        .await
        .expect("test");
    let other = app.tenant("Globex").await;
    let pool = app.db.service_pool("attain_scorecard").await;
    for table in ["webhook_subscriptions", "webhook_deliveries"] {
        let sql = format!("SELECT count(*) FROM scorecard.{table}");
        let unscoped: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(unscoped, 0, "scorecard.{table} without a tenant");
        let mut tx = begin_tenant(&pool, other.id).await.expect("begin");
        let seen: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert_eq!(seen, 0, "scorecard.{table} as another tenant");
        let mut tx = begin_tenant(&pool, tenant.id).await.expect("begin");
        let own: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        assert_eq!(own, 1, "scorecard.{table} as its tenant");
    }
}

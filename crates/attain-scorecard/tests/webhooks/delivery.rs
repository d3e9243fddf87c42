//! Deliveries end to end through the service's own dispatcher: signatures in every format,
//! retries with backoff, the dead letter and redelivery.

use attain_proto::webhooks::v1::*;
use attain_testing::TestApp;

use crate::{Receiver, assert_signed, create, subscription, wait_state};

async fn test_webhook(hooks: &mut crate::Hooks, subscription: &str) -> Delivery {
    hooks
        .test_webhook(TestWebhookRequest {
            subscription_id: subscription.into(),
        })
        .await
        .expect("test webhook")
        .into_inner()
        .delivery
        .expect("delivery")
}

#[tokio::test]
async fn a_test_event_arrives_signed_in_each_of_the_three_formats() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    let receiver = Receiver::start().await;
    for (path, format) in [
        ("/json", Format::Json),
        ("/slack", Format::Slack),
        ("/teams", Format::Teams),
    ] {
        let url = format!("{}{path}", receiver.url);
        let (sub, secret) = create(&mut hooks, subscription(path, &url, format)).await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        let d = test_webhook(&mut hooks, &sub.id).await;
        assert_eq!(d.event_type, "webhook.test");
        let done = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::Delivered).await;
        assert_eq!(done.attempts, 1);
        assert_eq!(done.last_status_code, 200);
        let got = receiver
            .accepted()
            .into_iter()
            .find(|g| g.path == path)
            .expect("the receiver got it");
        assert_signed(&got, &secret);
        assert_eq!(got.header("attain-delivery-id"), d.id);
        assert_eq!(got.header("attain-event-type"), "webhook.test");
        assert_eq!(got.header("content-type"), "application/json");
        let body = got.json();
        match format {
            Format::Json => {
                assert_eq!(body["specversion"], "1.0");
                assert_eq!(body["type"], "webhook.test");
                assert_eq!(body["id"], d.events[0].id.as_str());
                assert_eq!(body["source"], format!("/attain/tenants/{}", tenant.id));
                assert!(body["time"].is_string() && body["data"].is_object(), "{body}");
            }
            Format::Slack => {
                assert!(body["text"].as_str().is_some_and(|t| t.contains("work")), "{body}");
                assert!(body["blocks"].is_array(), "{body}");
            }
            _ => {
                assert_eq!(body["type"], "message");
                assert_eq!(body["attachments"][0]["content"]["type"], "AdaptiveCard", "{body}");
            }
        }
    }
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_it_once_delivered_on_the_third_attempt() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    let receiver = Receiver::start().await;
    receiver.fail_first(2);
    let url = format!("{}/flaky", receiver.url);
    let (sub, secret) = create(&mut hooks, subscription("flaky", &url, Format::Json)).await;
    let d = test_webhook(&mut hooks, &sub.id).await;
    let done = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::Delivered).await;
    assert_eq!(done.attempts, 3);
    assert_eq!(done.last_status_code, 200);
    assert!(done.deliver_time.is_some());
    let got = receiver.got();
    assert_eq!(
        got.iter().map(|g| g.status).collect::<Vec<_>>(),
        [500, 500, 200],
        "two failures, then exactly one success"
    );
    // Every attempt carries the same delivery and event, each signed afresh.
    for g in &got {
        assert_signed(g, &secret);
        assert_eq!(g.header("attain-delivery-id"), d.id);
        assert_eq!(g.json()["id"], d.events[0].id.as_str());
    }
}

#[tokio::test]
async fn a_receiver_that_always_fails_ends_in_the_dead_letter_and_is_redelivered_on_request() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    let receiver = Receiver::start().await;
    receiver.always_fail(true);
    let url = format!("{}/down", receiver.url);
    let (sub, _) = create(&mut hooks, subscription("down", &url, Format::Slack)).await;
    let d = test_webhook(&mut hooks, &sub.id).await;
    let dead = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::DeadLetter).await;
    assert_eq!(dead.attempts, 3, "the test settings allow three attempts");
    assert_eq!(dead.last_error, "HTTP 500");
    assert_eq!(dead.last_status_code, 500);
    assert_eq!(receiver.got().len(), 3);
    let dead_only = hooks
        .list_deliveries(ListDeliveriesRequest {
            state: DeliveryState::DeadLetter as i32,
            ..Default::default()
        })
        .await
        .expect("list dead letters")
        .into_inner()
        .deliveries;
    assert_eq!(dead_only.len(), 1);

    receiver.always_fail(false);
    let again = hooks
        .redeliver_delivery(RedeliverDeliveryRequest { id: d.id.clone() })
        .await
        .expect("redeliver")
        .into_inner()
        .delivery
        .expect("delivery");
    assert_eq!(again.attempts, 0);
    let done = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::Delivered).await;
    assert_eq!(done.attempts, 1);
    assert_eq!(receiver.accepted().len(), 1);
    // A delivered one may be sent again too; a pending one is refused.
    hooks
        .redeliver_delivery(RedeliverDeliveryRequest { id: d.id.clone() })
        .await
        .expect("redeliver a delivered one");
    wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::Delivered).await;
    // The receiver now holds every request, so the next delivery stays pending.
    receiver.hold_first(usize::MAX);
    let pending = test_webhook(&mut hooks, &sub.id).await;
    let refused = hooks
        .redeliver_delivery(RedeliverDeliveryRequest { id: pending.id })
        .await
        .expect_err("a pending delivery is not redelivered");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
}

#[tokio::test]
async fn an_unreachable_receiver_is_recorded_with_the_reason() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/gone");
    let (sub, _) = create(&mut hooks, subscription("gone", &url, Format::Json)).await;
    let d = test_webhook(&mut hooks, &sub.id).await;
    let dead = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::DeadLetter).await;
    assert_eq!(dead.last_status_code, 0);
    assert!(!dead.last_error.is_empty());
}

/// A target that became private (allowed when the subscription was made, refused by the
/// dispatcher now) is refused at send time, and the delivery says only that: a tenant learns
/// nothing of where a name resolves inside the deployment.
#[tokio::test]
async fn a_refused_target_says_not_allowed_and_not_where_it_points() {
    use attain_runtime::config::{ServerArgs, WebhookArgs};
    use attain_testing::webhook_args;
    let app = TestApp::start_with_webhooks(
        ServerArgs::default(),
        WebhookArgs {
            dispatch: false,
            ..webhook_args()
        },
    )
    .await;
    let tenant = app.tenant("Acme").await;
    let mut hooks = app.webhooks(&tenant.admin_key).await;
    let receiver = Receiver::start().await;
    let (sub, _) = create(&mut hooks, subscription("inside", &receiver.url, Format::Json)).await;
    let d = test_webhook(&mut hooks, &sub.id).await;
    let strict = WebhookArgs {
        allow_private: false,
        max_attempts: 1,
        ..webhook_args()
    };
    let pool = app.db.service_pool("attain_scorecard").await;
    let dispatcher = attain_scorecard::webhooks::Dispatcher::new(pool, &strict).expect("dispatcher");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(dispatcher.run(async move {
        let _ = stopped.await;
    }));
    let dead = wait_state(&mut hooks, &sub.id, &d.id, DeliveryState::DeadLetter).await;
    let _ = stop.send(());
    running.await.expect("dispatcher stops");
    assert_eq!(dead.last_error, "target not allowed");
    assert!(receiver.got().is_empty(), "nothing was sent");
}

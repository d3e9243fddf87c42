//! Webhook tests: real gRPC to the scorecard service, a real PostgreSQL, and a real HTTP
//! receiver on a loopback port that records every request and checks nothing itself (the tests
//! verify signatures with their own HMAC).

mod api;
mod contests;
mod delivery;
mod milestone_world;
mod milestones;
mod milestones_api;
mod outbox;
mod praise;

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use attain_proto::webhooks::v1::{webhook_service_client::WebhookServiceClient, *};
use attain_testing::Bearer;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::Notify;
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Hooks = WebhookServiceClient<InterceptedService<Channel, Bearer>>;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The status it answered with; 0 for a request it held and never answered.
    pub status: u16,
}

impl Got {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    /// Answer 500 to this many requests first.
    fail_first: usize,
    /// Answer 500 to every request while set.
    always_fail: bool,
    /// Never answer this many requests first (a slow subscriber, to kill a dispatcher on).
    hold_first: usize,
    got: Vec<Got>,
}

/// An HTTP receiver on a loopback port.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    script: Arc<Mutex<Script>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let receiver = Receiver {
            url,
            script: Arc::default(),
            arrived: Arc::default(),
        };
        // Every path and method lands in `handle`, which records it.
        let app = Router::new().fallback(handle).with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn fail_first(&self, n: usize) {
        self.script.lock().expect("lock").fail_first = n;
    }

    pub fn always_fail(&self, on: bool) {
        self.script.lock().expect("lock").always_fail = on;
    }

    pub fn hold_first(&self, n: usize) {
        self.script.lock().expect("lock").hold_first = n;
    }

    pub fn got(&self) -> Vec<Got> {
        self.script.lock().expect("lock").got.clone()
    }

    /// Requests answered with 2xx.
    pub fn accepted(&self) -> Vec<Got> {
        self.got()
            .into_iter()
            .filter(|g| (200..300).contains(&g.status))
            .collect()
    }

    /// Waits until at least `n` requests arrived.
    pub async fn wait_for_requests(&self, n: usize) {
        eventually(&format!("{n} requests at the receiver"), || async {
            let arrived = self.arrived.notified();
            if self.got().len() >= n {
                return true;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), arrived).await;
            false
        })
        .await;
    }
}

async fn handle(State(r): State<Receiver>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let (status, hold) = {
        let mut s = r.script.lock().expect("lock");
        let n = s.got.len();
        let hold = n < s.hold_first;
        let status = if hold {
            0
        } else if s.always_fail || n < s.fail_first + s.hold_first {
            500
        } else {
            200
        };
        s.got.push(Got {
            path: uri.path().to_string(),
            headers,
            body,
            status,
        });
        (status, hold)
    };
    r.arrived.notify_waiters();
    if hold {
        std::future::pending::<()>().await;
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Checks a request's signature as a receiver would: HMAC-SHA256 of "{timestamp}.{body}".
pub fn assert_signed(got: &Got, secret: &str) {
    let timestamp = got.header("attain-timestamp");
    let now = chrono::Utc::now().timestamp();
    let sent: i64 = timestamp.parse().expect("a unix-seconds Attain-Timestamp");
    assert!((now - sent).abs() < 300, "timestamp within the replay window");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&got.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(got.header("attain-signature"), format!("v1={expected}"));
}

/// Polls `check` until it holds, failing after a generous minute: tests wait for states, never
/// for wall-clock thresholds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn subscription(name: &str, url: &str, format: Format) -> Subscription {
    Subscription {
        display_name: name.into(),
        url: url.into(),
        event_types: vec!["milestone.quota_attained".into()],
        format: format as i32,
        ..Default::default()
    }
}

/// Creates a subscription; returns it and its secret.
pub async fn create(hooks: &mut Hooks, s: Subscription) -> (Subscription, String) {
    let r = hooks
        .create_subscription(CreateSubscriptionRequest {
            subscription: Some(s),
            request_id: String::new(),
        })
        .await
        .expect("create subscription")
        .into_inner();
    (r.subscription.expect("subscription"), r.secret)
}

/// One delivery, read back through ListDeliveries.
pub async fn delivery(hooks: &mut Hooks, subscription: &str, id: &str) -> Delivery {
    hooks
        .list_deliveries(ListDeliveriesRequest {
            subscription_id: subscription.into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("list deliveries")
        .into_inner()
        .deliveries
        .into_iter()
        .find(|d| d.id == id)
        .expect("the delivery is listed")
}

/// Waits until a delivery is in `state`, and returns it.
pub async fn wait_state(hooks: &mut Hooks, subscription: &str, id: &str, state: DeliveryState) -> Delivery {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let d = delivery(hooks, subscription, id).await;
        if d.state == state as i32 {
            return d;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never reached {state:?}: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

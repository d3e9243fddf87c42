//! `attain webhooks` end to end: the real binary against the real services, with a receiver on
//! loopback that checks the signature the way the README's receiver does.

use std::sync::{Arc, Mutex};

use attain_testing::TestApp;
use axum::{Router, body::Bytes, http::HeaderMap};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::attain;

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/attain", listener.local_addr().unwrap());
    let record = seen.clone();
    let app = Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push((headers, body));
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn webhooks_are_created_tested_and_listed_from_the_command_line() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let (url, seen) = receiver().await;
    let (key, org_url) = (tenant.admin_key.clone(), format!("http://{}", app.addr));
    let run = move |args: Vec<String>| {
        attain()
            .arg("webhooks")
            .args(args)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", &org_url)
            .output()
            .unwrap()
    };
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let r = run.clone();
    let create = args(&[
        "create",
        "--name",
        "sales-wins",
        "--url",
        &url,
        "--events",
        "milestone.quota_attained,milestone.streak",
        "--format",
        "slack",
        "--digest",
        "15m",
    ]);
    let created = ok(tokio::task::spawn_blocking(move || r(create)).await.unwrap());
    let secret = created
        .lines()
        .find_map(|l| l.strip_prefix("Signing secret (shown only now): "))
        .unwrap_or_else(|| panic!("no secret in {created}"))
        .to_string();

    let r = run.clone();
    let listed = ok(tokio::task::spawn_blocking(move || r(args(&["list"]))).await.unwrap());
    assert!(listed.contains("\"sales-wins\" (slack)"), "{listed}");
    assert!(
        listed.contains("milestone.quota_attained, milestone.streak"),
        "{listed}"
    );
    assert!(listed.contains("digest window 900s"), "{listed}");

    let r = run.clone();
    let tested = ok(
        tokio::task::spawn_blocking(move || r(args(&["test", "sales-wins", "--wait", "60s"])))
            .await
            .unwrap(),
    );
    assert!(
        tested.contains("webhook.test") && tested.contains("delivered, 1 attempt"),
        "{tested}"
    );
    let (headers, body) = seen.lock().unwrap().first().cloned().expect("the receiver got it");
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.", header("attain-timestamp")).as_bytes());
    mac.update(&body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(header("attain-signature"), format!("v1={hex}"));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(json["blocks"].is_array(), "a Slack message: {json}");

    let r = run.clone();
    let listed =
        ok(
            tokio::task::spawn_blocking(move || r(args(&["deliveries", "sales-wins", "--state", "delivered"])))
                .await
                .unwrap(),
        );
    assert!(
        listed.contains("webhook.test") && listed.contains("delivered"),
        "{listed}"
    );

    // A URL that is not http(s) is refused, naming the field.
    let r = run.clone();
    let refused = tokio::task::spawn_blocking(move || {
        r(args(&[
            "create",
            "--name",
            "x",
            "--url",
            "ftp://example.com/x",
            "--events",
            "milestone.streak",
        ]))
    })
    .await
    .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("subscription.url"), "{stderr}");
}

//! The JWKS cache against a real HTTP server on loopback: rotation, bounded refetches, outages
//! and cache headers. Assertions count server hits and metrics, never elapsed time.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use attain_domain::org::AccessRole;
use attain_idp::{FetchOptions, IssuerConfig, KeySource, TokenError, Verifier, register_metrics};
use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

struct Key {
    kid: String,
    jwk: Value,
    encoding: EncodingKey,
    alg: Algorithm,
}

impl Key {
    fn ec(kid: &str) -> Key {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw();
        Key {
            kid: kid.to_owned(),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": URL_SAFE_NO_PAD.encode(&raw[1..33]), "y": URL_SAFE_NO_PAD.encode(&raw[33..65]),
            }),
            encoding: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
            alg: Algorithm::ES256,
        }
    }

    fn ed(kid: &str) -> Key {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        Key {
            kid: kid.to_owned(),
            jwk: json!({ "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": URL_SAFE_NO_PAD.encode(pair.public_key_raw()) }),
            encoding: EncodingKey::from_ed_pem(pair.serialize_pem().as_bytes()).unwrap(),
            alg: Algorithm::EdDSA,
        }
    }

    fn token(&self, issuer: &str) -> String {
        self.token_with_kid(issuer, &self.kid)
    }

    fn token_with_kid(&self, issuer: &str, kid: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": issuer, "aud": "attain", "sub": "u-1", "email": "ana@example.com",
            "groups": ["sales"], "iat": now, "exp": now + 300,
        });
        let mut header = Header::new(self.alg);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
    }
}

fn jwks(keys: &[&Key]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() }).to_string()
}

/// What the test JWKS server answers; swapped at runtime.
#[derive(Default)]
struct Served {
    body: Mutex<String>,
    cache_control: Mutex<Option<String>>,
    failing: Mutex<bool>,
    hits: AtomicUsize,
}

struct JwksServer {
    url: String,
    served: Arc<Served>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(body: String) -> JwksServer {
        let served = Arc::new(Served::default());
        *served.body.lock().unwrap() = body;
        let app = Router::new().route("/jwks", get(serve)).with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        JwksServer { url, served, task }
    }

    fn set_body(&self, body: String) {
        *self.served.body.lock().unwrap() = body;
    }

    fn set_cache_control(&self, value: &str) {
        *self.served.cache_control.lock().unwrap() = Some(value.to_owned());
    }

    fn fail(&self) {
        *self.served.failing.lock().unwrap() = true;
    }

    fn hits(&self) -> usize {
        self.served.hits.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(State(served): State<Arc<Served>>) -> axum::response::Response {
    served.hits.fetch_add(1, Ordering::SeqCst);
    if *served.failing.lock().unwrap() {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let body = served.body.lock().unwrap().clone();
    let mut response = ([("content-type", "application/json")], body).into_response();
    if let Some(cc) = served.cache_control.lock().unwrap().clone() {
        response.headers_mut().insert("cache-control", cc.parse().unwrap());
    }
    response
}

fn config(issuer: &str, url: &str) -> IssuerConfig {
    let mut c = IssuerConfig::new(issuer, vec!["attain".to_owned()], KeySource::JwksUrl(url.to_owned()));
    c.role_claim = "groups".to_owned();
    c.role_map = vec![("sales".to_owned(), AccessRole::Rep)];
    c
}

/// Options whose cache never expires on its own within a test and with no refetch bound, so
/// only what a test sets decides when a fetch happens.
fn options() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(10),
        min_refresh_interval: Duration::ZERO,
        default_max_age: Duration::from_secs(3600),
        min_max_age: Duration::ZERO,
        max_max_age: Duration::from_secs(7200),
    }
}

/// The value of a counter series in the registry's text exposition, 0 when absent.
fn counter(name: &str, labels: &str) -> u64 {
    let mut registry = prometheus_client::registry::Registry::default();
    register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    let prefix = format!("{name}_total{{{labels}}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn rotated_key_with_unknown_kid_is_accepted_after_one_refetch() {
    let issuer = "https://rotation.example.com";
    let (old, new) = (Key::ec("old"), Key::ed("new"));
    let server = JwksServer::start(jwks(&[&old])).await;
    let verifier = Verifier::new(options());
    let c = config(issuer, &server.url);

    let t = verifier.verify(&c, &old.token(issuer)).await.unwrap();
    assert_eq!(
        (t.person.as_deref(), t.role),
        (Some("ana@example.com"), AccessRole::Rep)
    );
    assert_eq!(server.hits(), 1);

    server.set_body(jwks(&[&new]));
    verifier.verify(&c, &new.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 2, "one refetch for the unknown kid");
    verifier.verify(&c, &new.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 2, "the new key is cached");

    // The retired key is gone from the set: its tokens are refused once the refetch shows it.
    assert_eq!(
        verifier.verify(&c, &old.token(issuer)).await.unwrap_err(),
        TokenError::UnknownKey
    );
}

#[tokio::test]
async fn unknown_kid_refetches_are_bounded_under_concurrency() {
    let issuer = "https://flood.example.com";
    let key = Key::ec("real");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Arc::new(Verifier::new(FetchOptions {
        min_refresh_interval: Duration::from_secs(60),
        ..options()
    }));
    let c = Arc::new(config(issuer, &server.url));

    for round in 0..2 {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let (verifier, c) = (verifier.clone(), c.clone());
                let token = key.token_with_kid(issuer, &format!("random-{round}-{i}-{}", rand_suffix(i)));
                tokio::spawn(async move { verifier.verify(&c, &token).await })
            })
            .collect();
        for result in futures::future::join_all(tasks).await {
            assert_eq!(result.unwrap().unwrap_err(), TokenError::UnknownKey);
        }
        assert_eq!(server.hits(), 1, "round {round}: one fetch per refresh interval");
    }
    // Real tokens keep working from the one fetch.
    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 1);
}

fn rand_suffix(i: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{:x}", (nanos as usize).wrapping_mul(31).wrapping_add(i))
}

#[tokio::test]
async fn outage_serves_cached_keys_and_counts_stale_tokens() {
    let issuer = "https://outage.example.com";
    let key = Key::ec("k1");
    let server = JwksServer::start(jwks(&[&key])).await;
    // Keys expire at once, so every token after the outage starts needs a refresh.
    server.set_cache_control("max-age=0");
    let verifier = Verifier::new(options());
    let c = config(issuer, &server.url);
    let labels = format!("issuer=\"{issuer}\"");

    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    let stale_before = counter("attain_jwks_stale_served", &labels);
    let errors_before = counter("attain_jwks_fetches", &format!("{labels},outcome=\"error\""));
    server.fail();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while counter("attain_jwks_stale_served", &labels) == stale_before {
        assert!(tokio::time::Instant::now() < deadline, "no stale token was counted");
        let t = verifier.verify(&c, &key.token(issuer)).await.unwrap();
        assert_eq!(t.subject.as_deref(), Some("u-1"));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(counter("attain_jwks_fetches", &format!("{labels},outcome=\"error\"")) > errors_before);
    assert!(server.hits() >= 2);

    // Nothing cached can verify an unknown kid, and the IdP cannot be asked.
    let other = Key::ec("k2");
    assert_eq!(
        verifier.verify(&c, &other.token(issuer)).await.unwrap_err(),
        TokenError::UnknownKey
    );
}

#[tokio::test]
async fn without_cached_keys_an_unreachable_issuer_means_keys_unavailable() {
    let issuer = "https://unreachable.example.com";
    let server = JwksServer::start(String::new()).await;
    server.fail();
    let verifier = Verifier::new(options());
    let key = Key::ec("k");
    let err = verifier
        .verify(&config(issuer, &server.url), &key.token(issuer))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "issuer keys unavailable");

    // A stopped server: nothing listens on the port any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    drop(listener);
    let err = verifier
        .verify(&config(issuer, &url), &key.token(issuer))
        .await
        .unwrap_err();
    assert_eq!(err, TokenError::KeysUnavailable);
}

#[tokio::test]
async fn cache_control_max_age_decides_when_keys_are_refetched() {
    let issuer = "https://cache.example.com";
    let key = Key::ed("k");
    let server = JwksServer::start(jwks(&[&key])).await;
    let c = config(issuer, &server.url);

    // A long max-age: one fetch serves every token.
    server.set_cache_control("public, max-age=3600");
    let verifier = Verifier::new(FetchOptions {
        default_max_age: Duration::ZERO,
        ..options()
    });
    for _ in 0..5 {
        verifier.verify(&c, &key.token(issuer)).await.unwrap();
    }
    assert_eq!(server.hits(), 1);

    // max-age=0 with no lower clamp: every token refetches.
    server.set_cache_control("max-age=0");
    let verifier = Verifier::new(options());
    for _ in 0..5 {
        verifier.verify(&c, &key.token(issuer)).await.unwrap();
    }
    assert_eq!(server.hits(), 1 + 5);

    // The same header clamped up to an hour: one fetch again.
    let verifier = Verifier::new(FetchOptions {
        min_max_age: Duration::from_secs(3600),
        ..options()
    });
    for _ in 0..5 {
        verifier.verify(&c, &key.token(issuer)).await.unwrap();
    }
    assert_eq!(server.hits(), 1 + 5 + 1);

    // A day-long max-age clamped down to nothing: every token refetches.
    server.set_cache_control("max-age=86400");
    let verifier = Verifier::new(FetchOptions {
        max_max_age: Duration::ZERO,
        ..options()
    });
    for _ in 0..3 {
        verifier.verify(&c, &key.token(issuer)).await.unwrap();
    }
    assert_eq!(server.hits(), 1 + 5 + 1 + 3);
}

#[tokio::test]
async fn forget_drops_cached_keys() {
    let issuer = "https://forget.example.com";
    let key = Key::ec("k");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Verifier::new(options());
    let c = config(issuer, &server.url);
    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 1);
    verifier.forget(issuer);
    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn check_keys_reports_jwks_url_problems() {
    let issuer = "https://check.example.com";
    let key = Key::ec("k");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Verifier::new(options());
    let c = config(issuer, &server.url);
    verifier.check_keys(&c).await.unwrap();
    // The check filled the cache.
    verifier.verify(&c, &key.token(issuer)).await.unwrap();
    assert_eq!(server.hits(), 1);

    let problem = |v: attain_domain::Violations| {
        let v: Vec<_> = v.into_iter().collect();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].field, "jwks_url");
        v[0].description.clone()
    };
    server.set_body("<html>login</html>".to_owned());
    assert_eq!(
        problem(verifier.check_keys(&c).await.unwrap_err()),
        "the document is not JSON"
    );
    server.set_body(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#.to_owned());
    assert!(problem(verifier.check_keys(&c).await.unwrap_err()).starts_with("the document holds private key"));
    server.set_body(r#"{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}"#.to_owned());
    assert!(problem(verifier.check_keys(&c).await.unwrap_err()).contains("no usable signing key"));
    server.fail();
    assert_eq!(problem(verifier.check_keys(&c).await.unwrap_err()), "answered HTTP 503");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    drop(listener);
    let unreachable = config(issuer, &url);
    assert!(problem(verifier.check_keys(&unreachable).await.unwrap_err()).starts_with("is unreachable"));
}

#[tokio::test]
async fn oversized_or_overfull_jwks_is_refused() {
    let issuer = "https://big.example.com";
    let key = Key::ec("k");
    let server = JwksServer::start("x".repeat(attain_idp::MAX_BODY_BYTES + 1)).await;
    let verifier = Verifier::new(options());
    let c = config(issuer, &server.url);
    let v: Vec<_> = verifier.check_keys(&c).await.unwrap_err().into_iter().collect();
    assert!(v[0].description.contains("larger than"), "{}", v[0].description);

    let many: Vec<&Key> = std::iter::repeat_n(&key, attain_idp::MAX_KEYS + 1).collect();
    server.set_body(jwks(&many));
    let v: Vec<_> = verifier.check_keys(&c).await.unwrap_err().into_iter().collect();
    assert!(v[0].description.contains("at most 100"), "{}", v[0].description);
    assert_eq!(
        verifier.verify(&c, &key.token(issuer)).await.unwrap_err(),
        TokenError::KeysUnavailable
    );
}

//! Per-tenant sign-in and the operator API, through the real binary: two orgs each register an
//! issuer whose keys a JWKS server on loopback (inside this test) publishes; tokens act only in
//! their issuer's org whatever they claim; a rotated key is picked up by refetching on an unknown
//! `kid`; while the JWKS server is down the cached keys keep working and the failed refresh is
//! counted and logged; bad registrations name their field; a suspended org is refused everywhere.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use attain_proto::{
    metrics::v1::{ListMetricsRequest, metrics_service_client::MetricsServiceClient},
    operator::v1::{
        AddIdentityProviderRequest, IdentityProvider, ListTenantsRequest, PersonMatch, ResumeTenantRequest,
        RoleMapping, SuspendTenantRequest, operator_service_client::OperatorServiceClient,
    },
    org::v1::{AccessRole, GetTenantRequest, ListPeopleRequest, org_service_client::OrgServiceClient},
};
use attain_testing::{Bearer, TestDb, violated_fields};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tonic::Code;

use crate::{attain, free_port, migrate_with_admin_key, operator::wait_serving_service, run_ok, spawn};

// The registry's metric line for failed fetches of Acme's JWKS.
const ACME_FETCH_ERRORS: &str = "attain_jwks_fetches_total{issuer=\"http://127.0.0.1/acme\",outcome=\"error\"}";

/// An EC P-256 signing key with its public JWK.
struct SigningKey {
    kid: String,
    pem: String,
    jwk: Value,
}

impl SigningKey {
    fn new(kid: &str) -> SigningKey {
        let pair = rcgen::KeyPair::generate().expect("P-256 key");
        let raw = pair.public_key_raw();
        let (x, y) = raw[1..].split_at(32);
        SigningKey {
            kid: kid.into(),
            pem: pair.serialize_pem(),
            jwk: json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
                        "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)}),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let key = EncodingKey::from_ec_pem(self.pem.as_bytes()).expect("EC key");
        jsonwebtoken::encode(&header, claims, &key).expect("sign")
    }
}

/// The JWKS each org's issuer publishes, swappable; `None` answers 503.
type Published = Arc<Mutex<HashMap<String, Option<Value>>>>;

async fn jwks_server(published: Published) -> String {
    use axum::{extract::Path, http::StatusCode, response::IntoResponse, routing::get};
    let app = axum::Router::new().route(
        "/{org}/jwks",
        get(move |Path(org): Path<String>| {
            let published = published.clone();
            async move {
                match published.lock().expect("lock").get(&org).cloned().flatten() {
                    Some(keys) => (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        keys.to_string(),
                    )
                        .into_response(),
                    None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn claims(issuer: &str, roles: &[&str], extra: Value) -> Value {
    let now = attain_testing::jwt::now();
    let mut claims = json!({"iss": issuer, "aud": ["attain", "other-app"], "iat": now, "exp": now + 300,
                            "sub": "someone", "groups": roles});
    if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        claims.extend(extra.clone());
    }
    claims
}

fn issuer_registration(tenant: &str, issuer: &str, jwks_url: &str) -> IdentityProvider {
    IdentityProvider {
        tenant_id: tenant.into(),
        issuer: issuer.into(),
        audiences: vec!["attain".into()],
        jwks_url: jwks_url.into(),
        person_claim: "email".into(),
        person_match: PersonMatch::Email as i32,
        role_claim: "groups".into(),
        role_mappings: vec![
            RoleMapping {
                claim_value: "sales-ops".into(),
                role: AccessRole::Admin as i32,
            },
            RoleMapping {
                claim_value: "integrations".into(),
                role: AccessRole::Integration as i32,
            },
        ],
        ..Default::default()
    }
}

fn metric(text: &str, prefix: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn scrape(admin: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(admin).await.expect("admin port");
    stream
        .write_all(format!("GET /metrics HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

#[tokio::test]
async fn each_org_signs_in_with_its_own_issuer_and_the_operator_runs_orgs_over_the_api() {
    let db = TestDb::empty().await;
    let url = db.owner_url.clone();
    let (acme, acme_key) = migrate_with_admin_key(&url, &["tenant", "create", "--name", "Acme"]);
    let globex = run_ok(
        attain()
            .args(["tenant", "create", "--name", "Globex"])
            .env("DATABASE_URL", &url),
    )
    .trim()
    .to_string();
    let operator_key = run_ok(
        attain()
            .args(["operator", "key", "create", "--name", "control-plane"])
            .env("DATABASE_URL", &url),
    )
    .trim()
    .to_string();
    let addr = format!("127.0.0.1:{}", free_port());
    let admin_addr = format!("127.0.0.1:{}", free_port());
    let log = std::env::temp_dir().join(format!("attain-identity-{}.log", uuid::Uuid::new_v4().simple()));
    // Its log goes to a file, to find the failed JWKS refresh in; a refetch may follow another
    // after 200 ms (10 s by default), so the test need not wait between a rotation and an outage.
    let mut scorecard = crate::Running(
        attain()
            .args(["serve", "scorecard", "--listen", &addr, "--admin-listen", &admin_addr])
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_scorecard")
            .env("ATTAIN_JWKS_MIN_REFRESH", "200ms")
            .env("ATTAIN_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start attain"),
    );
    let channel = wait_serving_service(&addr, "attain.org.v1.OrgService").await;
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let mut metrics_server = spawn(
        attain()
            .args(["serve", "metrics", "--listen", &metrics_addr])
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_metrics")
            .env("ATTAIN_ORG_URL", format!("http://{addr}")),
    );
    let metrics_channel = wait_serving_service(&metrics_addr, "attain.metrics.v1.MetricsService").await;

    // Each org's people, with the emails their tokens carry.
    for (key, email) in [(&acme_key, "ana@acme.example")] {
        let mut org = OrgServiceClient::with_interceptor(channel.clone(), Bearer::new(key));
        org.create_person(attain_proto::org::v1::CreatePersonRequest {
            person: Some(attain_proto::org::v1::Person {
                display_name: "Ana".into(),
                email: email.into(),
                sales_role: attain_proto::org::v1::SalesRole::SalesManager as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .expect("create person");
    }

    let published: Published = Arc::default();
    let (acme_signer, globex_signer) = (SigningKey::new("acme-1"), SigningKey::new("globex-1"));
    for (org, key) in [("acme", &acme_signer), ("globex", &globex_signer)] {
        published
            .lock()
            .expect("lock")
            .insert(org.into(), Some(json!({"keys": [key.jwk]})));
    }
    let jwks = jwks_server(published.clone()).await;
    let (acme_iss, globex_iss) = (
        "http://127.0.0.1/acme".to_string(),
        "http://127.0.0.1/globex".to_string(),
    );

    // The operator API takes an operator key only.
    let mut as_tenant = OperatorServiceClient::with_interceptor(channel.clone(), Bearer::new(&acme_key));
    let err = as_tenant
        .list_tenants(ListTenantsRequest {})
        .await
        .expect_err("a tenant key");
    assert_eq!(err.code(), Code::Unauthenticated);
    let mut op = OperatorServiceClient::with_interceptor(channel.clone(), Bearer::new(&operator_key));
    let tenants = op
        .list_tenants(ListTenantsRequest {})
        .await
        .expect("list")
        .into_inner()
        .tenants;
    assert_eq!(tenants.len(), 2);
    let err = OrgServiceClient::with_interceptor(channel.clone(), Bearer::new(&operator_key))
        .get_tenant(GetTenantRequest {})
        .await
        .expect_err("an operator key on a tenant API");
    assert_eq!(err.code(), Code::Unauthenticated);

    // Registration: bad configuration is refused naming the field.
    let add = |idp: IdentityProvider| AddIdentityProviderRequest {
        identity_provider: Some(idp),
    };
    let closed = format!("http://127.0.0.1:{}/jwks", free_port());
    let bad = [
        (
            issuer_registration(&acme, &acme_iss, &closed),
            "identity_provider.jwks_url",
        ),
        (
            IdentityProvider {
                jwks_url: String::new(),
                inline_keys: "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n".into(),
                ..issuer_registration(&acme, &acme_iss, "")
            },
            "identity_provider.inline_keys",
        ),
        (
            IdentityProvider {
                leeway_seconds: 31,
                ..issuer_registration(&acme, &acme_iss, &format!("{jwks}/acme/jwks"))
            },
            "identity_provider.leeway_seconds",
        ),
        (
            issuer_registration(&acme, "ftp://idp.example", &format!("{jwks}/acme/jwks")),
            "identity_provider.issuer",
        ),
    ];
    for (idp, field) in bad {
        let err = op.add_identity_provider(add(idp)).await.expect_err(field);
        assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
        assert!(violated_fields(&err).contains(&field.to_string()), "{field}: {err:?}");
    }
    op.add_identity_provider(add(issuer_registration(&acme, &acme_iss, &format!("{jwks}/acme/jwks"))))
        .await
        .expect("register Acme's issuer");
    op.add_identity_provider(add(issuer_registration(
        &globex,
        &globex_iss,
        &format!("{jwks}/globex/jwks"),
    )))
    .await
    .expect("register Globex's issuer");
    // An issuer belongs to one org.
    let err = op
        .add_identity_provider(add(issuer_registration(
            &globex,
            &acme_iss,
            &format!("{jwks}/acme/jwks"),
        )))
        .await
        .expect_err("Acme's issuer for Globex");
    assert_eq!(violated_fields(&err), ["identity_provider.issuer"]);

    let tenant_name = |token: String| {
        let channel = channel.clone();
        async move {
            OrgServiceClient::with_interceptor(channel, Bearer::new(&token))
                .get_tenant(GetTenantRequest {})
                .await
                .map(|r| r.into_inner().tenant.unwrap_or_default().display_name)
        }
    };
    let admin_claims = |issuer: &str, extra: Value| claims(issuer, &["sales-ops"], extra);
    // Acme's token acts in Acme, on every service, whatever tenant it names for itself.
    let acme_token = acme_signer.sign(&admin_claims(
        &acme_iss,
        json!({"tenant_id": globex, "email": "ana@acme.example"}),
    ));
    assert_eq!(tenant_name(acme_token.clone()).await.expect("Acme token"), "Acme");
    let mut metrics = MetricsServiceClient::with_interceptor(metrics_channel.clone(), Bearer::new(&acme_token));
    metrics
        .list_metrics(ListMetricsRequest::default())
        .await
        .expect("metrics by token");
    let people = OrgServiceClient::with_interceptor(channel.clone(), Bearer::new(&acme_token))
        .list_people(ListPeopleRequest::default())
        .await
        .expect("people")
        .into_inner()
        .people;
    assert_eq!(
        people.iter().map(|p| p.display_name.as_str()).collect::<Vec<_>>(),
        ["Ana"]
    );
    // Acme's key cannot speak for Globex's issuer, nor Globex's for Acme's.
    for forged in [
        acme_signer.sign(&admin_claims(&globex_iss, json!({}))),
        globex_signer.sign(&admin_claims(&acme_iss, json!({}))),
    ] {
        assert_eq!(
            tenant_name(forged).await.expect_err("forged").code(),
            Code::Unauthenticated
        );
    }
    // An unregistered issuer, a wrong audience, an unmapped group: refused.
    let mut wrong_audience = admin_claims(&acme_iss, json!({}));
    wrong_audience["aud"] = json!("someone-else");
    for refused in [
        acme_signer.sign(&admin_claims("http://127.0.0.1/nobody", json!({}))),
        acme_signer.sign(&wrong_audience),
        acme_signer.sign(&claims(&acme_iss, &["interns"], json!({}))),
    ] {
        assert_eq!(
            tenant_name(refused).await.expect_err("refused").code(),
            Code::Unauthenticated
        );
    }

    // Key rotation: a token signed with a new key (unknown kid) is accepted after one refetch.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rotated = SigningKey::new("acme-2");
    published
        .lock()
        .expect("lock")
        .insert("acme".into(), Some(json!({"keys": [acme_signer.jwk, rotated.jwk]})));
    let rotated_token = rotated.sign(&admin_claims(&acme_iss, json!({})));
    assert_eq!(tenant_name(rotated_token).await.expect("rotated key"), "Acme");

    // Outage: the JWKS answers 503. Known keys keep working; a refresh (for an unknown kid) fails,
    // is counted and logged, and that token is refused.
    published.lock().expect("lock").insert("acme".into(), None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = metric(&scrape(&admin_addr).await, ACME_FETCH_ERRORS);
    let unknown = SigningKey::new("acme-3").sign(&admin_claims(&acme_iss, json!({"jti": "x"})));
    let err = tenant_name(unknown)
        .await
        .expect_err("unknown kid while the JWKS is down");
    assert_eq!(err.code(), Code::Unauthenticated);
    let fresh = rotated.sign(&admin_claims(&acme_iss, json!({"jti": "fresh"})));
    assert_eq!(tenant_name(fresh).await.expect("known key during the outage"), "Acme");
    let after = metric(&scrape(&admin_addr).await, ACME_FETCH_ERRORS);
    assert!(after > before, "the failed refresh is counted ({before} -> {after})");

    // A suspended org is refused everywhere, keys and tokens alike, and works again on resume.
    op.suspend_tenant(SuspendTenantRequest {
        tenant_id: acme.clone(),
        reason: "unpaid invoice".into(),
    })
    .await
    .expect("suspend");
    let refused_in_metrics = async {
        for _ in 0..300 {
            match metrics.list_metrics(ListMetricsRequest::default()).await {
                Err(e) if e.code() == Code::PermissionDenied => return e,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("the metrics service kept accepting a suspended org's token");
    }
    .await;
    assert!(
        refused_in_metrics.message().contains("suspended"),
        "{refused_in_metrics:?}"
    );
    let err = tenant_name(acme_key.clone()).await.expect_err("a suspended org's key");
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(
        tenant_name(globex_signer.sign(&admin_claims(&globex_iss, json!({}))))
            .await
            .expect("Globex"),
        "Globex"
    );
    op.resume_tenant(ResumeTenantRequest {
        tenant_id: acme.clone(),
    })
    .await
    .expect("resume");
    assert_eq!(tenant_name(acme_key.clone()).await.expect("resumed"), "Acme");

    // The operator's writes and the tenant's own are in Acme's audit trail, newest first,
    // exported as JSON lines through the binary.
    let exported = run_ok(
        attain()
            .args([
                "audit",
                "list",
                "--format",
                "json",
                "--service",
                "scorecard",
                "--service",
                "metrics",
            ])
            .args(["--api-key", &acme_key, "--org-url", &format!("http://{addr}")])
            .args(["--metrics-url", &format!("http://{metrics_addr}")]),
    );
    let events: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let methods: Vec<&str> = events.iter().filter_map(|e| e["method"].as_str()).collect();
    for method in ["ResumeTenant", "SuspendTenant", "AddIdentityProvider", "CreatePerson"] {
        assert!(methods.contains(&method), "{method} missing from {methods:?}");
    }
    let suspend = events
        .iter()
        .find(|e| e["method"] == "SuspendTenant")
        .expect("suspension");
    assert_eq!(
        (suspend["actor_kind"].as_str(), suspend["after"]["reason"].as_str()),
        (Some("operator"), Some("unpaid invoice"))
    );
    assert!(!methods.iter().any(|m| m.contains("Globex")));

    drop((metrics, op, as_tenant));
    tokio::task::spawn_blocking(move || {
        metrics_server.terminate();
        scorecard.terminate();
    })
    .await
    .expect("stop");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("http://127.0.0.1/acme"),
        "the failed refresh is logged:\n{logged}"
    );
    let _ = std::fs::remove_file(&log);
}

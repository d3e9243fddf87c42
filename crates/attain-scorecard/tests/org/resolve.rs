//! ResolvePeople and CredentialService, which the other services call.

use attain_domain::org::AccessRole;
use attain_proto::org::v1::{credential_service_client::CredentialServiceClient, *};
use attain_testing::violated_fields;

use crate::{create_person, person, small_org, two_tenants};

fn external(id: &str) -> ExternalId {
    ExternalId {
        system: "salesforce".into(),
        id: id.into(),
    }
}

#[tokio::test]
async fn people_resolve_by_id_and_external_id_within_what_the_caller_sees() {
    let mut t = two_tenants().await;
    let ana = create_person(
        &mut t.a,
        Person {
            external_ids: vec![external("005A")],
            ..person("Ana", SalesRole::Sdr)
        },
    )
    .await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let found =
        t.a.resolve_people(ResolvePeopleRequest {
            person_ids: vec![ana.id.clone(), unknown],
            external_ids: vec![external("005A"), external("005NOBODY")],
            all_visible: false,
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|p| p.person_id == ana.id));
    assert_eq!(found[1].external_id, Some(external("005A")));

    // Another tenant resolves nothing of ours, by id or by external id.
    let theirs =
        t.b.resolve_people(ResolvePeopleRequest {
            person_ids: vec![ana.id.clone()],
            external_ids: vec![external("005A")],
            all_visible: true,
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert!(theirs.is_empty());
    let everyone =
        t.b.resolve_people(ResolvePeopleRequest {
            all_visible: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(everyone.people.is_empty());
}

#[tokio::test]
async fn a_rep_resolves_only_themself() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let key = t
        .app
        .api_key(t.a_id, AccessRole::Rep, Some(org.sdr1.id.parse().unwrap()))
        .await;
    let mut rep = t.app.org(&key).await;
    let all = rep
        .resolve_people(ResolvePeopleRequest {
            all_visible: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(
        all.iter().map(|p| p.person_id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&org.sdr1.id)
    );
}

#[tokio::test]
async fn bad_resolution_requests_name_every_field() {
    let mut t = two_tenants().await;
    let err =
        t.a.resolve_people(ResolvePeopleRequest {
            person_ids: vec!["nope".into()],
            external_ids: vec![ExternalId {
                system: "Sales Force".into(),
                id: String::new(),
            }],
            all_visible: false,
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        ["person_ids[0]", "external_ids[0].system", "external_ids[0].id"]
    );
}

/// Signs each call with a fresh peer token, as a service does.
#[derive(Clone)]
struct PeerSigned(attain_runtime::auth::PeerIdentity);

impl tonic::service::Interceptor for PeerSigned {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut()
            .insert(attain_runtime::auth::peer::HEADER, self.0.mint_now().parse().unwrap());
        Ok(req)
    }
}

type PeerClient =
    CredentialServiceClient<tonic::service::interceptor::InterceptedService<tonic::transport::Channel, PeerSigned>>;

/// A CredentialService client that signs its calls as the `metrics` service with `secret`.
fn as_peer(channel: tonic::transport::Channel, secret: &'static str) -> PeerClient {
    let identity = attain_runtime::auth::PeerIdentity::new("metrics", Some(secret)).unwrap();
    CredentialServiceClient::with_interceptor(channel, PeerSigned(identity))
}

#[tokio::test]
async fn credentials_answer_attain_services_only() {
    let t = two_tenants().await;
    let key = t.app.api_key(t.a_id, AccessRole::Integration, None).await;
    let request = || VerifyApiKeyRequest { api_key: key.clone() };
    // An outside client, with or without a bearer credential, learns nothing about the key.
    let mut outsider = CredentialServiceClient::new(t.app.channel().await);
    let err = outsider.verify_api_key(request()).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    assert!(!err.message().contains(&t.a_id.to_string()));
    let mut with_key =
        CredentialServiceClient::with_interceptor(t.app.channel().await, attain_testing::Bearer::new(&key));
    let err = with_key.verify_api_key(request()).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    // A forged token: signed with another secret, or an expired or garbled one.
    let mut forged = as_peer(t.app.channel().await, "not the deployment's peer secret at all!");
    let err = forged.verify_api_key(request()).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    for token in ["v1.metrics.1.00", "garbage", "v1.metrics.99999999999.zz"] {
        let mut req = tonic::Request::new(request());
        req.metadata_mut()
            .insert(attain_runtime::auth::peer::HEADER, token.parse().unwrap());
        let err = outsider.verify_api_key(req).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated, "{token}");
    }
    // A peer is answered.
    let mut peer = as_peer(t.app.channel().await, attain_testing::PEER_SECRET);
    assert!(peer.verify_api_key(request()).await.unwrap().into_inner().valid);
}

#[tokio::test]
async fn key_checks_for_one_tenant_are_rate_limited_per_peer_and_leave_other_tenants_alone() {
    let t = two_tenants().await;
    let mut peer = as_peer(t.app.channel().await, attain_testing::PEER_SECRET);
    // Guessed keys naming tenant A, as a flood through a service's public port would cause.
    let guess = attain_runtime::auth::ApiKey::generate(t.a_id).text;
    let mut limited = None;
    for i in 0..5_000 {
        match peer
            .verify_api_key(VerifyApiKeyRequest { api_key: guess.clone() })
            .await
        {
            Ok(answer) => assert!(!answer.into_inner().valid),
            Err(e) => {
                assert_eq!(e.code(), tonic::Code::ResourceExhausted, "{e:?}");
                limited = Some(i);
                break;
            }
        }
    }
    assert!(limited.is_some(), "5,000 checks for one tenant were never limited");
    // Tenant B's keys are still checked at once.
    let b_key = t.app.api_key(t.b_id, AccessRole::Integration, None).await;
    let answer = peer
        .verify_api_key(VerifyApiKeyRequest { api_key: b_key })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.valid);
}

#[tokio::test]
async fn credentials_verify_only_while_valid() {
    let t = two_tenants().await;
    let key = t.app.api_key(t.a_id, AccessRole::Integration, None).await;
    let mut credentials = as_peer(t.app.channel().await, attain_testing::PEER_SECRET);
    let answer = credentials
        .verify_api_key(VerifyApiKeyRequest { api_key: key.clone() })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.valid);
    assert_eq!(answer.tenant_id, t.a_id.to_string());
    assert_eq!(answer.role, attain_proto::org::v1::AccessRole::Integration as i32);
    for garbage in ["", "attain_x", "Bearer abc"] {
        let answer = credentials
            .verify_api_key(VerifyApiKeyRequest {
                api_key: garbage.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!answer.valid && answer.tenant_id.is_empty(), "{garbage}");
    }
    let keys = attain_scorecard::org::admin::list_api_keys(&t.app.db.owner, t.a_id)
        .await
        .unwrap();
    let integration = keys
        .iter()
        .find(|k| k.role == attain_domain::org::AccessRole::Integration)
        .unwrap();
    attain_scorecard::org::admin::revoke_api_key(&t.app.db.owner, t.a_id, integration.key_id)
        .await
        .unwrap();
    let answer = credentials
        .verify_api_key(VerifyApiKeyRequest { api_key: key })
        .await
        .unwrap()
        .into_inner();
    assert!(!answer.valid);
}

/// VerifyToken answers Attain services only, routes a token to its issuer's tenant whatever the
/// token claims, and answers garbage, NUL bytes and huge tokens with a refusal, never INTERNAL.
#[tokio::test]
async fn tokens_verify_in_their_issuers_tenant_and_garbage_is_refused_not_failed() {
    let t = two_tenants().await;
    let request = |token: String| VerifyTokenRequest { token };
    let mut outsider = CredentialServiceClient::new(t.app.channel().await);
    let err = outsider
        .verify_token(request(attain_testing::Jwt::new(t.a_id, "admin", None).sign()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);

    let mut peer = as_peer(t.app.channel().await, attain_testing::PEER_SECRET);
    // B's issuer's token that names tenant A acts in B.
    let mut from_b = attain_testing::Jwt::new(t.b_id, "admin", None);
    from_b.claims.tenant_id = Some(t.a_id.to_string());
    let answer = peer.verify_token(request(from_b.sign())).await.unwrap().into_inner();
    assert!(answer.valid);
    assert_eq!(answer.tenant_id, t.b_id.to_string());
    for garbage in [
        String::new(),
        "\0".into(),
        "a.b.c".into(),
        "x".repeat(200_000),
        format!("{}.{}.", "e30", "e30"),
        attain_testing::Jwt::new(t.a_id, "admin", None).unsigned(),
    ] {
        let answer = peer.verify_token(request(garbage.clone())).await.unwrap().into_inner();
        assert!(
            !answer.valid && answer.tenant_id.is_empty() && !answer.refusal.is_empty(),
            "{answer:?}"
        );
    }
}

use attain_domain::org::AccessRole;
use attain_proto::org::v1::{GetTenantRequest, ListPeopleRequest, org_service_client::OrgServiceClient};
use attain_testing::Algorithm;
use attain_testing::{Bearer, Jwt, TestApp};
use tonic::Code;

async fn call_with(app: &TestApp, token: Option<&str>) -> Result<String, tonic::Status> {
    let bearer = token.map_or_else(Bearer::none, Bearer::new);
    let mut client = OrgServiceClient::with_interceptor(app.channel().await, bearer);
    client
        .get_tenant(GetTenantRequest {})
        .await
        .map(|r| r.into_inner().tenant.unwrap_or_default().display_name)
}

#[tokio::test]
async fn calls_without_valid_credentials_are_unauthenticated() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    assert_eq!(call_with(&app, Some(&tenant.admin_key)).await.unwrap(), "Acme");
    for token in [None, Some("attain_garbage"), Some("not-a-jwt"), Some("")] {
        assert_eq!(
            call_with(&app, token).await.unwrap_err().code(),
            Code::Unauthenticated,
            "{token:?}"
        );
    }
    // A well-formed key with a secret the server never issued.
    let forged = attain_runtime::auth::ApiKey::generate(tenant.id).text;
    assert_eq!(
        call_with(&app, Some(&forged)).await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn a_key_moved_to_another_tenant_is_refused() {
    let app = TestApp::start().await;
    let a = app.tenant("Acme").await;
    let b = app.tenant("Globex").await;
    let moved = a
        .admin_key
        .replace(&a.id.simple().to_string(), &b.id.simple().to_string());
    assert_eq!(
        call_with(&app, Some(&moved)).await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn a_revoked_key_stops_working() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let keys = attain_scorecard::org::admin::list_api_keys(&app.db.owner, tenant.id)
        .await
        .unwrap();
    attain_scorecard::org::admin::revoke_api_key(&app.db.owner, tenant.id, keys[0].key_id)
        .await
        .unwrap();
    assert_eq!(
        call_with(&app, Some(&tenant.admin_key)).await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

#[tokio::test]
async fn valid_hs256_and_rs256_tokens_are_accepted() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let hs = Jwt::new(tenant.id, "admin", None).sign();
    assert_eq!(call_with(&app, Some(&hs)).await.unwrap(), "Acme");
    let rs = Jwt {
        algorithm: Algorithm::RS256,
        ..Jwt::new(tenant.id, "INTEGRATION", None)
    }
    .sign();
    assert_eq!(call_with(&app, Some(&rs)).await.unwrap(), "Acme");
}

#[tokio::test]
async fn expired_forged_unsigned_and_misaddressed_tokens_are_refused() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let valid = || Jwt::new(tenant.id, "admin", None);
    let mut expired = valid();
    expired.claims.exp = 1_000_000;
    let mut wrong_issuer = valid();
    wrong_issuer.claims.iss = "https://evil.example".into();
    let mut wrong_audience = valid();
    wrong_audience.claims.aud = "someone-else".into();
    let foreign = Jwt {
        algorithm: Algorithm::RS256,
        foreign_key: true,
        ..valid()
    };
    let mut bad_role = valid();
    bad_role.claims.role = "root".into();
    let manager_without_person = Jwt::new(tenant.id, "manager", None);
    let tokens = [
        ("expired", expired.sign()),
        ("wrong issuer", wrong_issuer.sign()),
        ("wrong audience", wrong_audience.sign()),
        ("unknown signing key", foreign.sign()),
        ("alg none", valid().unsigned()),
        ("unknown role", bad_role.sign()),
        ("manager without person", manager_without_person.sign()),
    ];
    for (what, token) in tokens {
        assert_eq!(
            call_with(&app, Some(&token)).await.unwrap_err().code(),
            Code::Unauthenticated,
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_token_for_another_tenant_sees_only_that_tenant() {
    let app = TestApp::start().await;
    let a = app.tenant("Acme").await;
    let b = app.tenant("Globex").await;
    let mut admin_a = app.org(&a.admin_key).await;
    crate::create_person(
        &mut admin_a,
        crate::person("Ana", attain_proto::org::v1::SalesRole::Sdr),
    )
    .await;
    let token_b = Jwt::new(b.id, "admin", None).sign();
    assert_eq!(call_with(&app, Some(&token_b)).await.unwrap(), "Globex");
    let mut client_b = app.org(&token_b).await;
    assert!(
        client_b
            .list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .is_empty()
    );
}

#[tokio::test]
async fn a_rep_jwt_acts_as_its_person() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut admin = app.org(&tenant.admin_key).await;
    let ana = crate::create_person(&mut admin, crate::person("Ana", attain_proto::org::v1::SalesRole::Sdr)).await;
    crate::create_person(&mut admin, crate::person("Bo", attain_proto::org::v1::SalesRole::Sdr)).await;
    let token = Jwt::new(tenant.id, "rep", Some(ana.id.parse().unwrap())).sign();
    let people = app
        .org(&token)
        .await
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner()
        .people;
    assert_eq!(
        people.iter().map(|p| p.display_name.as_str()).collect::<Vec<_>>(),
        ["Ana"]
    );
    let key = app
        .api_key(tenant.id, AccessRole::Rep, Some(ana.id.parse().unwrap()))
        .await;
    assert_eq!(
        app.org(&key)
            .await
            .list_people(ListPeopleRequest::default())
            .await
            .unwrap()
            .into_inner()
            .people
            .len(),
        1
    );
}

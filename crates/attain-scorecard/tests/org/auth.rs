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
async fn tokens_of_the_tenants_registered_issuer_are_accepted() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let admin = Jwt::new(tenant.id, "admin", None).sign();
    assert_eq!(call_with(&app, Some(&admin)).await.unwrap(), "Acme");
    let integration = Jwt::new(tenant.id, "INTEGRATION", None).sign();
    assert_eq!(call_with(&app, Some(&integration)).await.unwrap(), "Acme");
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
        foreign_key: true,
        ..valid()
    };
    let shared_secret = Jwt {
        algorithm: Algorithm::HS256,
        ..valid()
    };
    let mut bad_role = valid();
    bad_role.claims.roles = vec!["root".into()];
    let mut not_yet = valid();
    not_yet.claims.nbf = Some(attain_testing::jwt::now() + 600);
    let mut too_long = valid();
    too_long.claims.exp = too_long.claims.iat + 7_200;
    let mut unknown_person = valid();
    unknown_person.claims.attain_person = Some(uuid::Uuid::new_v4().to_string());
    let manager_without_person = Jwt::new(tenant.id, "manager", None);
    let tokens = [
        ("expired", expired.sign()),
        ("wrong issuer", wrong_issuer.sign()),
        ("wrong audience", wrong_audience.sign()),
        ("unknown signing key", foreign.sign()),
        ("HS256 (a shared secret)", shared_secret.sign()),
        ("not yet valid (nbf)", not_yet.sign()),
        ("lifetime above the issuer's maximum", too_long.sign()),
        ("a person not in the directory", unknown_person.sign()),
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

/// The tenant a token acts in is its issuer's, whatever the token says: a token from Acme's
/// issuer that names Globex (and a Globex person) never acts in Globex.
#[tokio::test]
async fn a_token_from_one_orgs_issuer_never_acts_in_another_whatever_its_claims_say() {
    let app = TestApp::start().await;
    let a = app.tenant("Acme").await;
    let b = app.tenant("Globex").await;
    let mut admin_b = app.org(&b.admin_key).await;
    let bo = crate::create_person(&mut admin_b, crate::person("Bo", attain_proto::org::v1::SalesRole::Sdr)).await;
    let mut from_a = Jwt::new(a.id, "admin", None);
    from_a.claims.tenant_id = Some(b.id.to_string());
    assert_eq!(call_with(&app, Some(&from_a.sign())).await.unwrap(), "Acme");
    let people = app
        .org(&from_a.sign())
        .await
        .list_people(ListPeopleRequest::default())
        .await
        .unwrap()
        .into_inner()
        .people;
    assert!(people.is_empty(), "Acme's admin token sees Globex's people: {people:?}");
    // Naming Globex's person: no such person in Acme, so refused.
    let mut as_bo = Jwt::new(a.id, "rep", Some(bo.id.parse().unwrap()));
    as_bo.claims.tenant_id = Some(b.id.to_string());
    assert_eq!(
        call_with(&app, Some(&as_bo.sign())).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    // Globex's own issuer's tokens act in Globex. (The e2e test gives each org a key of its own
    // and shows a token signed with Acme's key that claims Globex's issuer is refused.)
    let token_b = Jwt::new(b.id, "admin", None).sign();
    assert_eq!(call_with(&app, Some(&token_b)).await.unwrap(), "Globex");
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

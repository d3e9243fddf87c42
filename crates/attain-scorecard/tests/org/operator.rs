//! The operator API: only platform-operator keys reach it (a tenant's credentials are refused on
//! every RPC), ids of no tenant or of another tenant's things are NOT_FOUND, and bad or extreme
//! input names its field.

use attain_proto::{
    operator::v1::{operator_service_client::OperatorServiceClient, *},
    org::v1::{AccessRole, Tenant},
};
use attain_testing::{Bearer, TestApp, test_identity_provider, violated_fields};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

type Client = OperatorServiceClient<InterceptedService<Channel, Bearer>>;

async fn operator(app: &TestApp) -> Client {
    let (_, key) = attain_scorecard::org::operator::create_operator_key(&app.db.owner, "test")
        .await
        .expect("operator key");
    OperatorServiceClient::with_interceptor(app.channel().await, Bearer::new(&key))
}

/// An issuer registration for `tenant` with the test fixture's public key.
fn registration(tenant: &str, issuer: &str) -> IdentityProvider {
    let pem = std::fs::read_to_string(attain_testing::jwt::fixture("jwt-rs256.pub.pem")).expect("fixture");
    IdentityProvider {
        tenant_id: tenant.into(),
        issuer: issuer.into(),
        audiences: vec!["attain".into()],
        inline_keys: pem,
        person_claim: "email".into(),
        default_role: AccessRole::Rep as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn tenant_credentials_are_refused_on_every_operator_rpc() {
    let app = TestApp::start().await;
    let acme = app.tenant("Acme").await;
    let token = attain_testing::Jwt::new(acme.id, "admin", None).sign();
    for credential in [acme.admin_key.clone(), token, "attain_op_forged_00".into()] {
        let mut c = OperatorServiceClient::with_interceptor(app.channel().await, Bearer::new(&credential));
        let id = acme.id.to_string();
        let codes = [
            c.create_tenant(CreateTenantRequest::default()).await.map(|_| ()),
            c.list_tenants(ListTenantsRequest {}).await.map(|_| ()),
            c.suspend_tenant(SuspendTenantRequest {
                tenant_id: id.clone(),
                reason: String::new(),
            })
            .await
            .map(|_| ()),
            c.resume_tenant(ResumeTenantRequest { tenant_id: id.clone() })
                .await
                .map(|_| ()),
            c.add_identity_provider(AddIdentityProviderRequest::default())
                .await
                .map(|_| ()),
            c.list_identity_providers(ListIdentityProvidersRequest { tenant_id: id.clone() })
                .await
                .map(|_| ()),
            c.remove_identity_provider(RemoveIdentityProviderRequest {
                tenant_id: id.clone(),
                issuer: "x".into(),
            })
            .await
            .map(|_| ()),
            c.create_api_key(CreateApiKeyRequest::default()).await.map(|_| ()),
            c.revoke_api_key(RevokeApiKeyRequest::default()).await.map(|_| ()),
        ];
        for (i, result) in codes.into_iter().enumerate() {
            assert_eq!(result.expect_err("refused").code(), Code::Unauthenticated, "rpc {i}");
        }
    }
}

#[tokio::test]
async fn unknown_tenants_and_another_tenants_things_are_not_found() {
    let app = TestApp::start().await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let mut op = operator(&app).await;
    let nobody = uuid::Uuid::now_v7().to_string();
    let (a, g) = (acme.id.to_string(), globex.id.to_string());
    let not_found = |r: Result<(), tonic::Status>, what: &str| {
        assert_eq!(r.expect_err(what).code(), Code::NotFound, "{what}");
    };
    not_found(
        op.suspend_tenant(SuspendTenantRequest {
            tenant_id: nobody.clone(),
            reason: String::new(),
        })
        .await
        .map(|_| ()),
        "suspend nobody",
    );
    not_found(
        op.resume_tenant(ResumeTenantRequest {
            tenant_id: nobody.clone(),
        })
        .await
        .map(|_| ()),
        "resume nobody",
    );
    not_found(
        op.list_identity_providers(ListIdentityProvidersRequest {
            tenant_id: nobody.clone(),
        })
        .await
        .map(|_| ()),
        "issuers of nobody",
    );
    not_found(
        op.add_identity_provider(AddIdentityProviderRequest {
            identity_provider: Some(registration(&nobody, "https://idp.example/nobody")),
        })
        .await
        .map(|_| ()),
        "issuer for nobody",
    );
    // Globex's issuer (registered by TestApp::tenant) cannot be removed in Acme's name.
    let globex_issuer = test_identity_provider(globex.id).issuer;
    not_found(
        op.remove_identity_provider(RemoveIdentityProviderRequest {
            tenant_id: a.clone(),
            issuer: globex_issuer,
        })
        .await
        .map(|_| ()),
        "Globex's issuer in Acme's name",
    );
    // Globex's key cannot be revoked in Acme's name; Globex's person gets no Acme key.
    let globex_key = attain_runtime::auth::ApiKey::parse(&globex.admin_key)
        .expect("key")
        .key_id
        .to_string();
    not_found(
        op.revoke_api_key(RevokeApiKeyRequest {
            tenant_id: a.clone(),
            key_id: globex_key,
        })
        .await
        .map(|_| ()),
        "Globex's key in Acme's name",
    );
    let mut globex_org = app.org(&globex.admin_key).await;
    let bo = crate::create_person(
        &mut globex_org,
        crate::person("Bo", attain_proto::org::v1::SalesRole::Sdr),
    )
    .await;
    not_found(
        op.create_api_key(CreateApiKeyRequest {
            tenant_id: a.clone(),
            role: AccessRole::Rep as i32,
            person_id: bo.id.clone(),
            name: "steal".into(),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "an Acme key for Globex's person",
    );
    not_found(
        op.create_api_key(CreateApiKeyRequest {
            tenant_id: nobody,
            role: AccessRole::Admin as i32,
            name: "k".into(),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "a key for nobody",
    );
    // Globex still works, untouched.
    assert!(
        app.org(&globex.admin_key)
            .await
            .get_tenant(attain_proto::org::v1::GetTenantRequest {})
            .await
            .is_ok()
    );
    let listed = op
        .list_identity_providers(ListIdentityProvidersRequest { tenant_id: g })
        .await
        .expect("list");
    assert_eq!(listed.into_inner().identity_providers.len(), 1);
}

#[tokio::test]
async fn bad_and_extreme_operator_input_names_the_field() {
    let app = TestApp::start().await;
    let acme = app.tenant("Acme").await;
    let mut op = operator(&app).await;
    let a = acme.id.to_string();
    let huge = "x".repeat(100_000);
    let fields = |r: Result<(), tonic::Status>| violated_fields(&r.expect_err("refused"));

    for bad in ["", "not-a-uuid", "\0", huge.as_str()] {
        assert_eq!(
            fields(
                op.suspend_tenant(SuspendTenantRequest {
                    tenant_id: bad.into(),
                    reason: String::new()
                })
                .await
                .map(|_| ())
            ),
            ["tenant_id"]
        );
        assert_eq!(
            fields(
                op.resume_tenant(ResumeTenantRequest { tenant_id: bad.into() })
                    .await
                    .map(|_| ())
            ),
            ["tenant_id"]
        );
        assert_eq!(
            fields(
                op.list_identity_providers(ListIdentityProvidersRequest { tenant_id: bad.into() })
                    .await
                    .map(|_| ())
            ),
            ["tenant_id"]
        );
        assert_eq!(
            fields(
                op.remove_identity_provider(RemoveIdentityProviderRequest {
                    tenant_id: bad.into(),
                    issuer: "x".into()
                })
                .await
                .map(|_| ())
            ),
            ["tenant_id"]
        );
        assert_eq!(
            fields(
                op.revoke_api_key(RevokeApiKeyRequest {
                    tenant_id: bad.into(),
                    key_id: bad.into()
                })
                .await
                .map(|_| ())
            ),
            ["tenant_id", "key_id"]
        );
    }
    assert_eq!(
        fields(
            op.suspend_tenant(SuspendTenantRequest {
                tenant_id: a.clone(),
                reason: huge.clone()
            })
            .await
            .map(|_| ())
        ),
        ["reason"]
    );
    // A tenant: name empty, NUL or huge; currency and calendar wrong.
    for name in ["", "a\0b", huge.as_str()] {
        let r = op
            .create_tenant(CreateTenantRequest {
                tenant: Some(Tenant {
                    display_name: name.into(),
                    currency_code: "DOLLARS".into(),
                    calendar: Some(attain_proto::org::v1::Calendar {
                        time_zone: "Mars/Olympus".into(),
                        fiscal_year_start_month: 13,
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            })
            .await
            .map(|_| ());
        let f = fields(r);
        for expected in [
            "tenant.display_name",
            "tenant.currency_code",
            "tenant.calendar.time_zone",
        ] {
            assert!(f.iter().any(|x| x == expected), "{expected} not in {f:?}");
        }
    }
    // An API key: no role, a bad person, an empty name, an expiry in the past or out of range.
    for seconds in [-62_135_596_800 - 1_000, 0, 253_402_300_800 + 1_000] {
        let r = op
            .create_api_key(CreateApiKeyRequest {
                tenant_id: a.clone(),
                role: 0,
                person_id: "\0".into(),
                name: String::new(),
                expire_time: Some(prost_types::Timestamp { seconds, nanos: 0 }),
            })
            .await
            .map(|_| ());
        assert_eq!(
            fields(r),
            ["role", "person_id", "name", "expire_time"],
            "expiry {seconds}"
        );
    }
    let r = op
        .create_api_key(CreateApiKeyRequest {
            tenant_id: a.clone(),
            role: AccessRole::Manager as i32,
            name: "m".into(),
            ..Default::default()
        })
        .await
        .map(|_| ());
    assert_eq!(fields(r), ["person_id"]);
    // An issuer: every bad field at once, nested under identity_provider.
    let r = op
        .add_identity_provider(AddIdentityProviderRequest {
            identity_provider: Some(IdentityProvider {
                tenant_id: a.clone(),
                issuer: "not a url\0".into(),
                audiences: vec![],
                jwks_url: String::new(),
                inline_keys: "not keys".into(),
                person_claim: huge.clone(),
                leeway_seconds: -5,
                max_lifetime_seconds: 100_000,
                ..Default::default()
            }),
        })
        .await
        .map(|_| ());
    let f = fields(r);
    for expected in [
        "identity_provider.issuer",
        "identity_provider.audiences",
        "identity_provider.person_claim",
        "identity_provider.leeway_seconds",
        "identity_provider.max_lifetime_seconds",
    ] {
        assert!(f.iter().any(|x| x == expected), "{expected} not in {f:?}");
    }
    let r = op
        .add_identity_provider(AddIdentityProviderRequest {
            identity_provider: None,
        })
        .await
        .map(|_| ());
    assert!(fields(r).iter().all(|f| f.starts_with("identity_provider.")));
    // And a good one goes through, then lists.
    op.add_identity_provider(AddIdentityProviderRequest {
        identity_provider: Some(registration(&a, "https://idp.example/acme")),
    })
    .await
    .expect("register");
    let listed = op
        .list_identity_providers(ListIdentityProvidersRequest { tenant_id: a })
        .await
        .expect("list");
    assert_eq!(
        listed.into_inner().identity_providers.len(),
        2,
        "the test issuer and this one"
    );
}

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

#[tokio::test]
async fn credentials_verify_only_while_valid() {
    let t = two_tenants().await;
    let key = t.app.api_key(t.a_id, AccessRole::Integration, None).await;
    let mut credentials = CredentialServiceClient::new(t.app.channel().await);
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
    let integration = keys.iter().find(|k| k.role == "integration").unwrap();
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

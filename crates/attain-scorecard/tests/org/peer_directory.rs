//! PeerDirectoryService: the tenant directory the services read instead of the org schema.

use attain_domain::org::AccessRole;
use attain_proto::org::v1::{peer_directory_service_client::PeerDirectoryServiceClient, *};
use attain_runtime::auth::{PeerIdentity, peer};
use attain_testing::PEER_SECRET;
use tonic::{Code, Request};

use crate::{create_team, small_org, team, two_tenants};

/// A request as a service sends it: the caller's credential, and (when `secret` is given) a
/// peer token signed with it.
fn asked(known_version: i64, credential: &str, secret: Option<&str>) -> Request<GetTenantDirectoryRequest> {
    let mut req = Request::new(GetTenantDirectoryRequest { known_version });
    req.metadata_mut()
        .insert("authorization", format!("Bearer {credential}").parse().unwrap());
    if let Some(secret) = secret {
        let token = PeerIdentity::new("metrics", Some(secret)).unwrap().mint_now();
        req.metadata_mut().insert(peer::HEADER, token.parse().unwrap());
    }
    req
}

fn ids(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn the_directory_is_sent_again_only_after_a_change_and_only_the_callers_tenant() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let key = t.app.api_key(t.a_id, AccessRole::Admin, None).await;
    let mut client = PeerDirectoryServiceClient::new(t.app.channel().await);

    let first = client
        .get_tenant_directory(asked(0, &key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    let directory = first.directory.expect("the whole directory the first time");
    assert_eq!(directory.tenant.unwrap().id, t.a_id.to_string());
    assert_eq!(directory.teams.len(), 3);
    assert_eq!(directory.people.len(), 5);
    assert!(first.scope.unwrap().whole_tenant);

    // Unchanged: the version only.
    let again = client
        .get_tenant_directory(asked(first.version, &key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.version, first.version);
    assert!(again.directory.is_none());

    // Another tenant's change leaves this version alone; this tenant's gives a new one, at once.
    create_team(&mut t.b, team("Elsewhere", Motion::FieldSales)).await;
    let after_other = client
        .get_tenant_directory(asked(first.version, &key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after_other.version, first.version);
    create_team(
        &mut t.a,
        Team {
            parent_team_id: org.root.id.clone(),
            ..team("SDR West", Motion::SalesDevelopment)
        },
    )
    .await;
    let changed = client
        .get_tenant_directory(asked(first.version, &key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(changed.version, first.version);
    let teams = changed.directory.expect("sent again after a change").teams;
    assert_eq!(teams.len(), 4);
    assert!(teams.iter().all(|t| !t.display_name.contains("Elsewhere")));
}

#[tokio::test]
async fn a_managers_scope_is_their_subtree_and_a_reps_is_themself() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let mut client = PeerDirectoryServiceClient::new(t.app.channel().await);
    let manager = t
        .app
        .api_key(t.a_id, AccessRole::Manager, Some(org.manager.id.parse().unwrap()))
        .await;
    let scope = client
        .get_tenant_directory(asked(0, &manager, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner()
        .scope
        .unwrap();
    assert!(!scope.whole_tenant);
    assert_eq!(scope.member_team_ids, vec![org.sdr_team.id.clone()]);
    assert_eq!(
        ids(scope.person_ids),
        ids(vec![org.manager.id.clone(), org.sdr1.id.clone(), org.sdr2.id.clone()])
    );

    let rep = t
        .app
        .api_key(t.a_id, AccessRole::Rep, Some(org.sdr1.id.parse().unwrap()))
        .await;
    let scope = client
        .get_tenant_directory(asked(0, &rep, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner()
        .scope
        .unwrap();
    assert!(scope.member_team_ids.is_empty());
    assert_eq!(scope.team_ids, vec![org.sdr_team.id.clone()]);
    assert_eq!(scope.person_ids, vec![org.sdr1.id.clone()]);
}

#[tokio::test]
async fn outside_clients_and_forged_peers_are_refused() {
    let t = two_tenants().await;
    let key = t.app.api_key(t.a_id, AccessRole::Admin, None).await;
    let mut client = PeerDirectoryServiceClient::new(t.app.channel().await);
    // A tenant's own admin key without a peer token: the whole directory is not for clients.
    let err = client.get_tenant_directory(asked(0, &key, None)).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let forged = "not the deployment's peer secret, but long enough";
    let err = client
        .get_tenant_directory(asked(0, &key, Some(forged)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    // A peer token without a caller's credential, or with a made-up one.
    let err = client
        .get_tenant_directory(asked(0, "attain_not_a_key", Some(PEER_SECRET)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

/// Nothing in the request names a tenant: a caller of another tenant who sends this tenant's
/// version gets its own tenant's directory, never this one's; bad and extreme versions name
/// the field or are simply stale.
#[tokio::test]
async fn another_tenants_caller_gets_only_its_own_and_bad_versions_name_the_field() {
    let mut t = two_tenants().await;
    small_org(&mut t.a).await;
    let (a_key, b_key) = (
        t.app.api_key(t.a_id, AccessRole::Admin, None).await,
        t.app.api_key(t.b_id, AccessRole::Admin, None).await,
    );
    let mut client = PeerDirectoryServiceClient::new(t.app.channel().await);
    let a = client
        .get_tenant_directory(asked(0, &a_key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    let b = client
        .get_tenant_directory(asked(a.version, &b_key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    // Globex's own directory comes back whole or not at all, and never Acme's people.
    if let Some(directory) = b.directory {
        assert_eq!(directory.tenant.unwrap().id, t.b_id.to_string());
        assert!(directory.people.is_empty() && directory.teams.is_empty());
    }
    for bad in [-1, i64::MIN] {
        let err = client
            .get_tenant_directory(asked(bad, &a_key, Some(PEER_SECRET)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
        assert_eq!(attain_testing::violated_fields(&err), ["known_version"]);
    }
    let stale = client
        .get_tenant_directory(asked(i64::MAX, &a_key, Some(PEER_SECRET)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stale.version, a.version);
    assert!(stale.directory.is_some(), "an unknown version gets the whole directory");
}

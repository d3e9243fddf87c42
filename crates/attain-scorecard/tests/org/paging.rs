//! Page tokens are sealed and bound: to the tenant, the list and its filter. Anything else — a
//! token of another list, tenant or filter, an edited or made-up one, one holding a NUL — is
//! INVALID_ARGUMENT on `page_token`, saying nothing of what a token holds.

use attain_proto::org::v1::*;
use attain_testing::violated_fields;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use tonic::Code;

use crate::{create_team, team, two_tenants};

fn refused_on_page_token(status: tonic::Status) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(violated_fields(&status), ["page_token"]);
    assert!(!status.message().contains("p1:"), "{status:?}");
}

#[tokio::test]
async fn a_page_token_works_only_for_its_own_list_filter_and_tenant() {
    let mut t = two_tenants().await;
    let parent = create_team(&mut t.a, team("Sales", Motion::InsideSales)).await;
    for n in 0..3 {
        create_team(
            &mut t.a,
            Team {
                parent_team_id: parent.id.clone(),
                ..team(&format!("Team {n}"), Motion::InsideSales)
            },
        )
        .await;
    }
    let first =
        t.a.list_teams(ListTeamsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    assert!(!token.is_empty());
    // Opaque: no id of this tenant's teams can be read out of it.
    let raw = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
    for team in &first.teams {
        assert!(!String::from_utf8_lossy(&raw).contains(&team.id));
    }
    // Its own list, same filter, another page size: the next page.
    let second =
        t.a.list_teams(ListTeamsRequest {
            page_size: 10,
            page_token: token.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.teams.len(), 2);

    // Another filter of the same list.
    let other_filter =
        t.a.list_teams(ListTeamsRequest {
            page_size: 2,
            page_token: token.clone(),
            parent_team_id: parent.id.clone(),
        })
        .await
        .unwrap_err();
    refused_on_page_token(other_filter);
    // Another list.
    let other_list =
        t.a.list_people(ListPeopleRequest {
            page_size: 2,
            page_token: token.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    refused_on_page_token(other_list);
    // Another tenant.
    let other_tenant =
        t.b.list_teams(ListTeamsRequest {
            page_size: 2,
            page_token: token.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    refused_on_page_token(other_tenant);
    // Edited, forged in the old readable form, or holding a NUL.
    let mut edited = raw.clone();
    edited[5] ^= 0x20;
    for forged in [
        URL_SAFE_NO_PAD.encode(&edited),
        URL_SAFE_NO_PAD.encode(format!("p1:{}", first.teams[0].display_name)),
        URL_SAFE_NO_PAD.encode("p1:\0"),
        "\0".into(),
        "x".repeat(100_000),
    ] {
        let err =
            t.a.list_teams(ListTeamsRequest {
                page_size: 2,
                page_token: forged,
                ..Default::default()
            })
            .await
            .unwrap_err();
        refused_on_page_token(err);
    }
}

use attain_domain::org::AccessRole;
use attain_proto::org::v1::*;
use attain_testing::violated_fields;
use tonic::Code;

use crate::{create_team, mask, small_org, team, two_tenants};

#[tokio::test]
async fn created_team_reads_back_and_lists() {
    let mut t = two_tenants().await;
    let parent = create_team(&mut t.a, team("Sales", Motion::InsideSales)).await;
    let child = create_team(
        &mut t.a,
        Team {
            parent_team_id: parent.id.clone(),
            ..team("SDR", Motion::SalesDevelopment)
        },
    )
    .await;
    let got =
        t.a.get_team(GetTeamRequest {
            team_id: child.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .team
        .unwrap();
    assert_eq!(got, child);
    assert_eq!(got.parent_team_id, parent.id);
    assert_eq!(got.motion, Motion::SalesDevelopment as i32);

    let children =
        t.a.list_teams(ListTeamsRequest {
            parent_team_id: parent.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(children.teams, [child]);
    assert_eq!(children.next_page_token, "");
}

#[tokio::test]
async fn retried_create_with_the_same_request_id_creates_once() {
    let mut t = two_tenants().await;
    let request = CreateTeamRequest {
        team: Some(team("SDR", Motion::SalesDevelopment)),
        request_id: uuid::Uuid::now_v7().to_string(),
    };
    let first =
        t.a.create_team(request.clone())
            .await
            .unwrap()
            .into_inner()
            .team
            .unwrap();
    let again = t.a.create_team(request).await.unwrap().into_inner().team.unwrap();
    assert_eq!(first.id, again.id);
    let all =
        t.a.list_teams(ListTeamsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .teams;
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn bad_team_input_names_every_field() {
    let mut t = two_tenants().await;
    let bad = Team {
        display_name: " ".into(),
        motion: 0,
        parent_team_id: "not-a-uuid".into(),
        manager_id: "x".into(),
        ..Default::default()
    };
    let err =
        t.a.create_team(CreateTeamRequest {
            team: Some(bad),
            request_id: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "request_id",
            "team.display_name",
            "team.parent_team_id",
            "team.manager_id",
            "team.motion"
        ]
    );

    let unknown = uuid::Uuid::now_v7().to_string();
    let dangling = Team {
        parent_team_id: unknown.clone(),
        manager_id: unknown,
        ..team("SDR", Motion::SalesDevelopment)
    };
    let err =
        t.a.create_team(CreateTeamRequest {
            team: Some(dangling),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["team.parent_team_id", "team.manager_id"]);

    let err = t.a.get_team(GetTeamRequest { team_id: "42".into() }).await.unwrap_err();
    assert_eq!(violated_fields(&err), ["team_id"]);
    let err =
        t.a.list_teams(ListTeamsRequest {
            page_size: -1,
            page_token: "garbage".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["page_size", "page_token"]);
    let err =
        t.a.list_team_subtree(ListTeamSubtreeRequest {
            team_id: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["team_id"]);
}

#[tokio::test]
async fn update_applies_only_masked_fields_and_refuses_stale_etags() {
    let mut t = two_tenants().await;
    let created = create_team(&mut t.a, team("SDR", Motion::SalesDevelopment)).await;
    let change = Team {
        display_name: "SDR East".into(),
        motion: Motion::FieldSales as i32,
        ..created.clone()
    };
    let updated =
        t.a.update_team(UpdateTeamRequest {
            team: Some(change.clone()),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap()
        .into_inner()
        .team
        .unwrap();
    assert_eq!(updated.display_name, "SDR East");
    assert_eq!(updated.motion, Motion::SalesDevelopment as i32);
    let err =
        t.a.update_team(UpdateTeamRequest {
            team: Some(change),
            update_mask: mask(&["motion"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted, "the etag of `created` is stale");

    let err =
        t.a.update_team(UpdateTeamRequest {
            team: Some(Team { motion: 0, ..updated }),
            update_mask: mask(&["motion", "etag"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["update_mask"]);
}

#[tokio::test]
async fn a_team_cannot_move_under_its_own_subtree() {
    let mut t = two_tenants().await;
    let top = create_team(&mut t.a, team("Sales", Motion::InsideSales)).await;
    let mid = create_team(
        &mut t.a,
        Team {
            parent_team_id: top.id.clone(),
            ..team("Mid", Motion::InsideSales)
        },
    )
    .await;
    let low = create_team(
        &mut t.a,
        Team {
            parent_team_id: mid.id.clone(),
            ..team("Low", Motion::InsideSales)
        },
    )
    .await;
    for parent in [&low.id, &top.id] {
        let moved = Team {
            parent_team_id: parent.clone(),
            etag: String::new(),
            ..top.clone()
        };
        let err =
            t.a.update_team(UpdateTeamRequest {
                team: Some(moved),
                update_mask: mask(&["parent_team_id"]),
            })
            .await
            .unwrap_err();
        assert_eq!(violated_fields(&err), ["team.parent_team_id"]);
    }
}

#[tokio::test]
async fn subtree_lists_every_descendant_by_depth_across_pages() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let nested = create_team(
        &mut t.a,
        Team {
            parent_team_id: org.sdr_team.id.clone(),
            ..team("SDR East 2", Motion::SalesDevelopment)
        },
    )
    .await;
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page =
            t.a.list_team_subtree(ListTeamSubtreeRequest {
                team_id: org.root.id.clone(),
                page_size: 2,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.teams.into_iter().map(|t| (t.team.unwrap().id, t.depth)));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, [(org.root.id, 0), (org.sdr_team.id, 1), (nested.id, 2)]);
}

#[tokio::test]
async fn list_pages_through_every_team_once() {
    let mut t = two_tenants().await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            create_team(&mut t.a, team(&format!("Team {i}"), Motion::InsideSales))
                .await
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page =
            t.a.list_teams(ListTeamsRequest {
                page_size: 2,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.teams.len() <= 2);
        seen.extend(page.teams.into_iter().map(|t| t.id));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, made);
}

#[tokio::test]
async fn another_tenant_can_neither_see_nor_change_teams() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let id = org.sdr_team.id.clone();
    assert_eq!(
        t.b.get_team(GetTeamRequest { team_id: id.clone() })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert!(
        t.b.list_teams(ListTeamsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .teams
            .is_empty()
    );
    let err =
        t.b.list_team_subtree(ListTeamSubtreeRequest {
            team_id: org.root.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let hijack = Team {
        display_name: "Hijacked".into(),
        etag: String::new(),
        ..org.sdr_team.clone()
    };
    let err =
        t.b.update_team(UpdateTeamRequest {
            team: Some(hijack),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    // B cannot hang its own team under A's.
    let err =
        t.b.create_team(CreateTeamRequest {
            team: Some(Team {
                parent_team_id: id.clone(),
                ..team("Mine", Motion::InsideSales)
            }),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["team.parent_team_id"]);
    let unchanged =
        t.a.get_team(GetTeamRequest { team_id: id })
            .await
            .unwrap()
            .into_inner()
            .team
            .unwrap();
    assert_eq!(unchanged, org.sdr_team);
}

#[tokio::test]
async fn a_manager_sees_their_subtree_and_a_rep_their_own_team() {
    let mut t = two_tenants().await;
    let org = small_org(&mut t.a).await;
    let person = |p: &Person| Some(p.id.parse().unwrap());

    let director_key = t.app.api_key(t.a_id, AccessRole::Manager, person(&org.director)).await;
    let mut director = t.app.org(&director_key).await;
    let mut visible: Vec<_> = director
        .list_teams(ListTeamsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .teams
        .into_iter()
        .map(|t| t.id)
        .collect();
    visible.sort();
    let mut expected = vec![org.root.id.clone(), org.sdr_team.id.clone()];
    expected.sort();
    assert_eq!(visible, expected);
    assert_eq!(
        director
            .get_team(GetTeamRequest {
                team_id: org.ae_team.id.clone()
            })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let rep_key = t.app.api_key(t.a_id, AccessRole::Rep, person(&org.sdr1)).await;
    let mut rep = t.app.org(&rep_key).await;
    let visible: Vec<_> = rep
        .list_teams(ListTeamsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .teams
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(visible, std::slice::from_ref(&org.sdr_team.id));
    let err = rep
        .create_team(CreateTeamRequest {
            team: Some(team("Mine", Motion::InsideSales)),
            request_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = director
        .update_team(UpdateTeamRequest {
            team: Some(org.sdr_team.clone()),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

//! Leaderboards: competition ranking, private boards, the ratio minimum, recognition categories.

use attain_domain::org::AccessRole;
use attain_proto::{common::v1::Granularity, org::v1::SalesRole};
use attain_testing::violated_fields;
use tonic::Code;
use uuid::Uuid;

use crate::*;

fn board(metric: &str, granularity: Granularity) -> Leaderboard {
    Leaderboard {
        display_name: format!("{metric} board"),
        metric_key: metric.into(),
        granularity: granularity as i32,
        ..Default::default()
    }
}

async fn standings(sc: &mut Scorecards, req: GetStandingsRequest) -> Standings {
    sc.get_standings(req)
        .await
        .expect("standings")
        .into_inner()
        .standings
        .expect("standings")
}

fn ranks(s: &Standings) -> Vec<(i32, String)> {
    s.rows.iter().map(|r| (r.rank, r.display_name.clone())).collect()
}

/// Meetings set on 2 June: Ana 5, Bo 3, Cy 3, Di 1.
async fn meetings(w: &mut World) {
    let mut evs = Vec::new();
    for (sdr, n) in w.sdrs.iter().zip([5, 3, 3, 1]) {
        evs.extend(events(sdr, "meetings_set", (2026, 6, 2), n, None));
    }
    ingest(&mut w.metrics, evs).await;
}

#[tokio::test]
async fn ties_share_a_rank_and_the_next_skips() {
    let mut w = world().await;
    meetings(&mut w).await;
    let saved =
        w.sc.create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(Leaderboard {
                display_name: "Meetings booked".into(),
                category: RecognitionCategory::MostMeetingsBooked as i32,
                granularity: Granularity::Week as i32,
                scope: Some(BoardScope {
                    scope: Some(board_scope::Scope::TeamId(w.sdr_team.clone())),
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .leaderboard
        .unwrap();
    assert_eq!(saved.metric_key, "meetings_set", "the category names the metric");
    let s = standings(
        &mut w.sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::LeaderboardId(saved.id.clone())),
            as_of: date(2026, 6, 4),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ranks(&s),
        [(1, "Ana".into()), (2, "Bo".into()), (2, "Cy".into()), (4, "Di".into())]
    );
    assert_eq!(s.ranked_count, 4);
    let r = s.range.unwrap();
    assert_eq!((r.start_date, r.end_date), (date(2026, 6, 1), date(2026, 6, 7)));
    // Top 2 keeps the tie at the cut-off.
    let top2 = standings(
        &mut w.sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::LeaderboardId(saved.id.clone())),
            as_of: date(2026, 6, 4),
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(top2.rows.len(), 3);
    let listed =
        w.sc.list_leaderboards(ListLeaderboardsRequest::default())
            .await
            .unwrap()
            .into_inner();
    assert_eq!(listed.leaderboards, std::slice::from_ref(&saved));
    w.sc.delete_leaderboard(DeleteLeaderboardRequest { id: saved.id.clone() })
        .await
        .unwrap();
    let gone =
        w.sc.get_standings(GetStandingsRequest {
            board: Some(get_standings_request::Board::LeaderboardId(saved.id)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test]
async fn a_rep_on_a_private_board_sees_the_top_n_and_their_own_row() {
    let mut w = world().await;
    meetings(&mut w).await;
    let private =
        w.sc.create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(Leaderboard {
                visibility: Visibility::Private as i32,
                top_n: 1,
                ..board("meetings_set", Granularity::Week)
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .leaderboard
        .unwrap();
    let di = w.sdrs[3].clone();
    let key = w
        .app
        .api_key(w.tenant.id, AccessRole::Rep, Uuid::parse_str(&di).ok())
        .await;
    let mut rep = w.app.scorecard(&key).await;
    let ask = |limit| GetStandingsRequest {
        board: Some(get_standings_request::Board::LeaderboardId(private.id.clone())),
        as_of: date(2026, 6, 4),
        limit,
        ..Default::default()
    };
    let s = standings(&mut rep, ask(100)).await;
    assert_eq!(ranks(&s), [(1, "Ana".into())], "a rep gets at most the top N");
    let own = s.caller.expect("the rep's own row");
    assert_eq!((own.rank, own.display_name.as_str()), (4, "Di"));
    // The admin sees the whole board.
    let all = standings(&mut w.sc, ask(100)).await;
    assert_eq!(all.rows.len(), 4);
    // A rep may not save boards.
    let denied = rep
        .create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(board("calls", Granularity::Day)),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn ratio_boards_leave_out_small_denominators() {
    let mut w = world().await;
    let aes = w.aes.clone();
    let mut evs = Vec::new();
    // Star wins 3 of 6, Eve 1 of 1 (a 100 % win rate from one deal), Fay 2 of 10.
    for (ae, won, opps) in [(&aes[0], 3, 6), (&aes[1], 1, 1), (&aes[2], 2, 10)] {
        evs.extend(events(ae, "deals_won", (2026, 6, 2), won, None));
        evs.extend(events(ae, "opportunities_created", (2026, 6, 1), opps, None));
    }
    ingest(&mut w.metrics, evs).await;
    let spec = Leaderboard {
        min_denominator: 3,
        scope: Some(BoardScope {
            scope: Some(board_scope::Scope::SalesRole(SalesRole::InsideSalesAe as i32)),
        }),
        ..board("win_rate", Granularity::Month)
    };
    let s = standings(
        &mut w.sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(spec.clone())),
            as_of: date(2026, 6, 20),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ranks(&s), [(1, "Star".into()), (2, "Fay".into())]);
    assert_eq!(s.leaderboard_id, "", "an ad-hoc board");
    let loose = standings(
        &mut w.sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(Leaderboard {
                min_denominator: 0,
                ..spec
            })),
            as_of: date(2026, 6, 20),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(loose.rows[0].display_name, "Eve");
}

#[tokio::test]
async fn biggest_deal_ranks_on_the_largest_single_value() {
    let mut w = world().await;
    let aes = w.aes.clone();
    let mut evs = Vec::new();
    evs.extend(events(&aes[0], "largest_deal", (2026, 6, 2), 1, Some(10_000)));
    evs.extend(events(&aes[0], "largest_deal", (2026, 6, 3), 1, Some(10_000)));
    evs.extend(events(&aes[1], "largest_deal", (2026, 6, 3), 1, Some(15_000)));
    ingest(&mut w.metrics, evs).await;
    let s = standings(
        &mut w.sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(Leaderboard {
                category: RecognitionCategory::BiggestDeal as i32,
                granularity: Granularity::Month as i32,
                ..Default::default()
            })),
            as_of: date(2026, 6, 20),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ranks(&s), [(1, "Eve".into()), (2, "Star".into())]);
}

#[tokio::test]
async fn leaderboard_input_and_tenancy() {
    let mut w = world().await;
    let bad =
        w.sc.create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(Leaderboard {
                display_name: String::new(),
                metric_key: "nope".into(),
                top_n: 500,
                min_denominator: -1,
                scope: Some(BoardScope {
                    scope: Some(board_scope::Scope::TeamId("x".into())),
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "leaderboard.display_name",
            "leaderboard.granularity",
            "leaderboard.metric_key",
            "leaderboard.min_denominator",
            "leaderboard.scope.team_id",
            "leaderboard.top_n",
        ]
    );
    let bad =
        w.sc.get_standings(GetStandingsRequest {
            board: None,
            limit: -1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["board", "limit", "period"]);
    let bad =
        w.sc.list_leaderboards(ListLeaderboardsRequest {
            page_size: -5,
            page_token: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&bad), ["page_size"]);
    let bad =
        w.sc.delete_leaderboard(DeleteLeaderboardRequest { id: "1".into() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&bad), ["id"]);

    meetings(&mut w).await;
    let saved =
        w.sc.create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(board("meetings_set", Granularity::Week)),
        })
        .await
        .unwrap()
        .into_inner()
        .leaderboard
        .unwrap();
    let other = w.app.tenant("Globex").await;
    let mut sc = w.app.scorecard(&other.admin_key).await;
    let by_id = GetStandingsRequest {
        board: Some(get_standings_request::Board::LeaderboardId(saved.id.clone())),
        ..Default::default()
    };
    assert_eq!(sc.get_standings(by_id).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(
        sc.delete_leaderboard(DeleteLeaderboardRequest { id: saved.id.clone() })
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert!(
        sc.list_leaderboards(ListLeaderboardsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .leaderboards
            .is_empty()
    );
    // Their org-wide board on the same metric ranks only their own people: nobody.
    let theirs = standings(
        &mut sc,
        GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(board(
                "meetings_set",
                Granularity::Week,
            ))),
            as_of: date(2026, 6, 4),
            ..Default::default()
        },
    )
    .await;
    assert!(theirs.rows.is_empty());
    // A board scoped to this tenant's team is not found for them.
    let scoped = sc
        .create_leaderboard(CreateLeaderboardRequest {
            leaderboard: Some(Leaderboard {
                scope: Some(BoardScope {
                    scope: Some(board_scope::Scope::TeamId(w.sdr_team.clone())),
                }),
                ..board("calls", Granularity::Week)
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(scoped.code(), Code::NotFound);
}

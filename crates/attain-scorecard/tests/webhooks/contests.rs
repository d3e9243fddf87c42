//! Contests: live standings with competition ranking, a tie for first sharing the first prize,
//! a first-to race ranked by the day, and (through the detector) `contest.started` and the
//! winners fixed and announced as `contest.won`.

use attain_proto::{common::v1::Date, scorecard::v1::*, webhooks::v1::Format};
use tonic::Code;

use crate::{milestone_world::*, *};

fn day(d: i32) -> Option<Date> {
    Some(Date {
        year: 2026,
        month: 6,
        day: d,
    })
}

fn contest(name: &str, metric: &str, team: &str, kind: ContestKind, threshold: i64) -> CreateContestRequest {
    CreateContestRequest {
        contest: Some(Contest {
            display_name: name.into(),
            metric_key: metric.into(),
            start_date: day(1),
            end_date: day(5),
            eligibility: Some(contest::Eligibility::TeamId(team.into())),
            kind: kind as i32,
            threshold,
            prizes: vec![
                ContestPrize {
                    rank: 1,
                    description: "$500 gift card".into(),
                },
                ContestPrize {
                    rank: 2,
                    description: "$200 gift card".into(),
                },
            ],
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn a_tie_for_first_shares_the_prize_and_the_first_to_ten_wins_by_the_day() {
    let mut w = world().await;
    let receiver = Receiver::start().await;
    let mut hooks = w.app.webhooks(&w.tenant.admin_key).await;
    let mut wanted = subscription("contests", &receiver.url, Format::Json);
    wanted.event_types = vec!["contest.started".into(), "contest.won".into()];
    create(&mut hooks, wanted).await;

    let team = w.sdr_team.clone();
    let most =
        w.sc.create_contest(contest(
            "Most meetings set",
            "meetings_set",
            &team,
            ContestKind::Most,
            0,
        ))
        .await
        .unwrap()
        .into_inner()
        .contest
        .unwrap();
    let race =
        w.sc.create_contest(contest("First to ten calls", "calls", &team, ContestKind::FirstTo, 10))
            .await
            .unwrap()
            .into_inner()
            .contest
            .unwrap();
    // Meetings: Ana 5 on the 2nd, Bo 5 on the 3rd: a tie. Calls: Ana 4 + 6 (10 on the 3rd), Bo
    // 10 on the 2nd.
    let sent = [
        events("m", &w.ana, "meetings_set", (2026, 6, 2), 5, None),
        events("m", &w.bo, "meetings_set", (2026, 6, 3), 5, None),
        events("c", &w.ana, "calls", (2026, 6, 1), 4, None),
        events("c", &w.ana, "calls", (2026, 6, 3), 6, None),
        events("c", &w.bo, "calls", (2026, 6, 2), 10, None),
    ]
    .concat();
    ingest(&mut w.metrics, sent).await;

    let standings = |id: String, as_of: i32| {
        let mut sc = w.sc.clone();
        async move {
            sc.get_contest_standings(GetContestStandingsRequest {
                contest_id: id,
                as_of: day(as_of),
            })
            .await
            .unwrap()
            .into_inner()
        }
    };
    let live = standings(most.id.clone(), 3).await;
    let view: Vec<(i32, &str, &str)> = live
        .standings
        .iter()
        .map(|s| (s.rank, s.display_name.as_str(), s.prize.as_str()))
        .collect();
    assert_eq!(view, [(1, "Ana Ruiz", "$500 gift card"), (1, "Bo", "$500 gift card")]);
    assert!(!live.contest.unwrap().closed);
    // On the 2nd only Bo has reached ten calls; Ana is listed unranked with her 4.
    let early = standings(race.id.clone(), 2).await;
    let view: Vec<(i32, &str)> = early
        .standings
        .iter()
        .map(|s| (s.rank, s.display_name.as_str()))
        .collect();
    assert_eq!(view, [(1, "Bo"), (0, "Ana Ruiz")]);
    let race_end = standings(race.id.clone(), 5).await;
    let view: Vec<(i32, &str, &str)> = race_end
        .standings
        .iter()
        .map(|s| (s.rank, s.display_name.as_str(), s.prize.as_str()))
        .collect();
    assert_eq!(view, [(1, "Bo", "$500 gift card"), (2, "Ana Ruiz", "$200 gift card")]);

    // The detector on the 6th: both started, both closed with their winners, each once.
    let detector = w.detector().await;
    detector.detect_at(noon((2026, 6, 6))).await.expect("detect");
    detector.detect_at(noon((2026, 6, 7))).await.expect("detect");
    let mut announced: Vec<(String, String)> = w
        .outbox()
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("contest."))
        .collect();
    announced.sort();
    assert_eq!(
        announced,
        [
            (
                "contest.started".into(),
                "Contest \"First to ten calls\" has started: 2026-06-01 to 2026-06-05".into()
            ),
            (
                "contest.started".into(),
                "Contest \"Most meetings set\" has started: 2026-06-01 to 2026-06-05".into()
            ),
            (
                "contest.won".into(),
                "Ana Ruiz won \"First to ten calls\" (rank 2): $200 gift card".into()
            ),
            (
                "contest.won".into(),
                "Ana Ruiz won \"Most meetings set\" (rank 1): $500 gift card".into()
            ),
            (
                "contest.won".into(),
                "Bo won \"First to ten calls\" (rank 1): $500 gift card".into()
            ),
            (
                "contest.won".into(),
                "Bo won \"Most meetings set\" (rank 1): $500 gift card".into()
            ),
        ]
    );
    // Winners are fixed: a late event does not change them.
    ingest(
        &mut w.metrics,
        events("late", &w.bo, "meetings_set", (2026, 6, 4), 3, None),
    )
    .await;
    let closed = standings(most.id.clone(), 30).await.contest.unwrap();
    assert!(closed.closed);
    let winners: Vec<(i32, &str)> = closed
        .winners
        .iter()
        .map(|s| (s.rank, s.display_name.as_str()))
        .collect();
    assert_eq!(winners, [(1, "Ana Ruiz"), (1, "Bo")]);
}

#[tokio::test]
async fn contests_refuse_bad_input_reps_and_other_tenants() {
    let mut w = world().await;
    let team = w.sdr_team.clone();
    let mut bad = contest("x", "nope", &team, ContestKind::FirstTo, 0);
    if let Some(c) = bad.contest.as_mut() {
        c.end_date = Some(Date {
            year: 2026,
            month: 12,
            day: 31,
        });
        c.prizes[1].rank = 1;
    }
    let err = w.sc.create_contest(bad).await.unwrap_err();
    let mut fields = attain_testing::violated_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        [
            "contest.end_date",
            "contest.metric_key",
            "contest.prizes[1].rank",
            "contest.threshold"
        ]
    );
    let rep = attain_scorecard::org::admin::create_api_key(
        &w.app.db.owner,
        w.tenant.id,
        attain_domain::org::AccessRole::Rep,
        Some(id(&w.ana)),
        "test",
    )
    .await
    .expect("key")
    .1;
    let mut as_rep = w.app.scorecard(&rep).await;
    let err = as_rep
        .create_contest(contest("Mine", "calls", &team, ContestKind::Most, 0))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let made =
        w.sc.create_contest(contest("Ours", "calls", &team, ContestKind::Most, 0))
            .await
            .unwrap()
            .into_inner()
            .contest
            .unwrap();
    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.scorecard(&other.admin_key).await;
    let err = theirs
        .get_contest_standings(GetContestStandingsRequest {
            contest_id: made.id,
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

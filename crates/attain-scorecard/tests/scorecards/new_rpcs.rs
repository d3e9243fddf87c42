//! The RPCs of issues 21 and 22 against a hostile caller: another tenant's admin naming this
//! tenant's ids gets NOT_FOUND (or an empty list), and bad or extreme input gets
//! INVALID_ARGUMENT naming the field, never INTERNAL.

use attain_testing::violated_fields;
use tonic::{Code, Status};

use crate::*;

fn invalid(result: Result<impl std::fmt::Debug, Status>, field: &str) {
    let err = result.expect_err("refused");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(
        violated_fields(&err).iter().any(|f| f == field),
        "{field} not named: {err:?}"
    );
}

fn not_found(result: Result<impl std::fmt::Debug, Status>) {
    let err = result.expect_err("refused");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
}

fn far() -> Option<attain_proto::common::v1::Date> {
    date(10_000, 1, 1)
}

#[tokio::test]
async fn another_tenant_finds_none_of_the_new_things() {
    let mut w = world().await;
    let (eve, team) = (w.aes[0].clone(), w.ae_team.clone());
    w.sc.set_incentive_plan(SetIncentivePlanRequest {
        plan: Some(IncentivePlan {
            subject: Some(incentive_plan::Subject::PersonId(eve.clone())),
            metric_key: "revenue_won".into(),
            effective_date: date(2026, 1, 1),
            tiers: vec![CommissionTier {
                from_bp: 0,
                rate_bp: 1_000,
            }],
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let contest =
        w.sc.create_contest(CreateContestRequest {
            contest: Some(Contest {
                display_name: "Calls".into(),
                metric_key: "calls".into(),
                start_date: date(2026, 6, 1),
                end_date: date(2026, 6, 5),
                eligibility: Some(contest::Eligibility::TeamId(team.clone())),
                kind: ContestKind::Most as i32,
                prizes: vec![ContestPrize {
                    rank: 1,
                    description: "Lunch".into(),
                }],
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .contest
        .unwrap();
    let other = w.app.tenant("Globex").await;
    let mut g = w.app.scorecard(&other.admin_key).await;

    not_found(
        g.get_earnings(GetEarningsRequest {
            person_id: eve.clone(),
            ..Default::default()
        })
        .await,
    );
    not_found(
        g.get_team_earnings(GetTeamEarningsRequest {
            team_id: team.clone(),
            ..Default::default()
        })
        .await,
    );
    not_found(
        g.get_person_ramp(GetPersonRampRequest {
            person_id: eve.clone(),
            as_of: None,
        })
        .await,
    );
    not_found(
        g.set_incentive_plan(SetIncentivePlanRequest {
            plan: Some(IncentivePlan {
                subject: Some(incentive_plan::Subject::PersonId(eve.clone())),
                metric_key: "revenue_won".into(),
                effective_date: date(2026, 1, 1),
                tiers: vec![CommissionTier {
                    from_bp: 0,
                    rate_bp: 1_000,
                }],
                ..Default::default()
            }),
        })
        .await,
    );
    not_found(
        g.create_contest(CreateContestRequest {
            contest: Some(Contest {
                eligibility: Some(contest::Eligibility::TeamId(team.clone())),
                ..contest.clone()
            }),
        })
        .await,
    );
    not_found(
        g.get_contest_standings(GetContestStandingsRequest {
            contest_id: contest.id.clone(),
            as_of: None,
        })
        .await,
    );
    // Praise comes from a person: a Globex rep naming an Acme person.
    let gus = person(
        &mut w.app.org(&other.admin_key).await,
        "Gus",
        attain_proto::org::v1::SalesRole::Sdr,
        "",
        None,
    )
    .await;
    let gus_key = w
        .app
        .api_key(
            other.id,
            attain_domain::org::AccessRole::Rep,
            uuid::Uuid::parse_str(&gus).ok(),
        )
        .await;
    let mut as_gus = w.app.scorecard(&gus_key).await;
    not_found(
        as_gus
            .give_praise(GivePraiseRequest {
                praise: Some(Praise {
                    recipient_id: eve.clone(),
                    category: "teamwork".into(),
                    message: "Hi".into(),
                    ..Default::default()
                }),
            })
            .await,
    );
    not_found(
        g.list_praise(ListPraiseRequest {
            recipient_id: eve.clone(),
            ..Default::default()
        })
        .await,
    );
    // Lists and settings are the caller's own tenant's: empty, or the defaults.
    let plans = g
        .list_incentive_plans(ListIncentivePlansRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(plans.plans.is_empty());
    let contests = g
        .list_contests(ListContestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(contests.contests.is_empty());
    w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
        settings: Some(ScorecardSettings {
            red_after_share: 0.5,
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["red_after_share".into()],
        }),
    })
    .await
    .unwrap();
    let theirs = g
        .get_scorecard_settings(GetScorecardSettingsRequest {})
        .await
        .unwrap()
        .into_inner()
        .settings
        .unwrap();
    assert_eq!(theirs.red_after_share, 0.2, "Acme's change is not Globex's");
    // A ramp of Acme's cannot be changed by Globex either.
    let acme_ramp =
        w.sc.list_ramps(ListRampsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .ramps[0]
            .id
            .clone();
    not_found(
        g.update_ramp(UpdateRampRequest {
            ramp: Some(Ramp {
                id: acme_ramp,
                display_name: "Mine".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await,
    );
}

#[tokio::test]
async fn bad_and_extreme_input_names_the_field() {
    let mut w = world().await;
    let eve = w.aes[0].clone();
    let nul = "a\0b".to_string();
    let huge = "x".repeat(100_000);

    invalid(
        w.sc.get_earnings(GetEarningsRequest {
            person_id: "not-a-uuid".into(),
            ..Default::default()
        })
        .await,
        "person_id",
    );
    invalid(
        w.sc.get_earnings(GetEarningsRequest {
            person_id: eve.clone(),
            what_if_more: -1,
            ..Default::default()
        })
        .await,
        "what_if_more",
    );
    invalid(
        w.sc.get_earnings(GetEarningsRequest {
            person_id: eve.clone(),
            metric_key: nul.clone(),
            as_of: far(),
            ..Default::default()
        })
        .await,
        "metric_key",
    );
    invalid(
        w.sc.get_team_earnings(GetTeamEarningsRequest {
            team_id: huge.clone(),
            ..Default::default()
        })
        .await,
        "team_id",
    );
    invalid(
        w.sc.get_person_ramp(GetPersonRampRequest {
            person_id: eve.clone(),
            as_of: far(),
        })
        .await,
        "as_of",
    );
    invalid(
        w.sc.update_ramp(UpdateRampRequest {
            ramp: Some(Ramp {
                id: "x".into(),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await,
        "ramp.id",
    );
    invalid(
        w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
            settings: Some(ScorecardSettings {
                red_after_working_days: i32::MAX,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["red_after_working_days".into()],
            }),
        })
        .await,
        "settings.red_after_working_days",
    );
    invalid(
        w.sc.set_incentive_plan(SetIncentivePlanRequest {
            plan: Some(IncentivePlan {
                subject: Some(incentive_plan::Subject::PersonId(eve.clone())),
                metric_key: "revenue_won".into(),
                effective_date: far(),
                tiers: vec![CommissionTier {
                    from_bp: 0,
                    rate_bp: i32::MAX,
                }],
                cap: Some(i64::MIN),
                ..Default::default()
            }),
        })
        .await,
        "plan.tiers[0].rate_bp",
    );
    invalid(
        w.sc.list_incentive_plans(ListIncentivePlansRequest {
            page_size: -5,
            page_token: nul.clone(),
        })
        .await,
        "page_token",
    );
    invalid(
        w.sc.create_contest(CreateContestRequest {
            contest: Some(Contest {
                display_name: huge.clone(),
                metric_key: "calls".into(),
                start_date: date(2026, 6, 1),
                end_date: far(),
                kind: ContestKind::Most as i32,
                ..Default::default()
            }),
        })
        .await,
        "contest.display_name",
    );
    invalid(
        w.sc.list_contests(ListContestsRequest {
            page_size: 0,
            page_token: "forged".into(),
        })
        .await,
        "page_token",
    );
    invalid(
        w.sc.get_contest_standings(GetContestStandingsRequest {
            contest_id: nul.clone(),
            as_of: far(),
        })
        .await,
        "contest_id",
    );
    invalid(
        w.sc.give_praise(GivePraiseRequest {
            praise: Some(Praise {
                recipient_id: eve.clone(),
                category: "teamwork".into(),
                message: huge.clone(),
                ..Default::default()
            }),
        })
        .await,
        "praise.message",
    );
    invalid(
        w.sc.list_praise(ListPraiseRequest {
            recipient_id: "nope".into(),
            ..Default::default()
        })
        .await,
        "recipient_id",
    );
}

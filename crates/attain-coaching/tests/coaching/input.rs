//! Bad input: every RPC answers INVALID_ARGUMENT naming each bad field.

use attain_proto::common::v1::DateRange;
use attain_testing::violated_fields;

use crate::*;

fn sorted(mut fields: Vec<String>) -> Vec<String> {
    fields.sort();
    fields
}

#[tokio::test]
async fn end_before_start_unknown_coachee_and_rating_six_are_refused() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    let unknown = uuid::Uuid::now_v7().to_string();
    let status =
        w.co.create_session(one_on_one(&maya, &unknown, at(2026, 6, 1, 9, 0)))
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&status), ["session.coachee_ids[0]"]);
    w.co.set_development_plan(SetDevelopmentPlanRequest {
        person_id: ana.clone(),
        goals: vec!["Grow".into()],
    })
    .await
    .unwrap();
    let status =
        w.co.create_action_plan(CreateActionPlanRequest {
            person_id: ana.clone(),
            action_plan: Some(ActionPlan {
                title: "Backwards".into(),
                start_date: date(2026, 7, 1),
                end_date: date(2026, 6, 1),
                metric_goals: vec![MetricGoal {
                    metric_key: "win_rate".into(),
                    from: 0.2,
                    to: 0.2,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            baseline_days: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        sorted(violated_fields(&status)),
        ["action_plan.end_date", "action_plan.metric_goals[0].to"]
    );
    let status =
        w.co.create_action_plan(CreateActionPlanRequest {
            person_id: ana.clone(),
            action_plan: Some(ActionPlan {
                title: "Unknown metric".into(),
                start_date: date(2026, 6, 1),
                end_date: date(2026, 7, 12),
                metric_goals: vec![MetricGoal {
                    metric_key: "smiles_per_call".into(),
                    from: 1.0,
                    to: 2.0,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            baseline_days: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["action_plan.metric_goals[0].metric_key"]);
    let status =
        w.co.rate_skill(RateSkillRequest {
            rating: Some(SkillRating {
                person_id: ana.clone(),
                competency: "discovery".into(),
                rating: 6,
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["rating.rating"]);
}

#[tokio::test]
async fn every_rpc_names_its_bad_fields() {
    let mut w = world().await;
    let co = &mut w.co;
    let check = |r: Result<(), tonic::Status>, expected: &[&str]| {
        let status = r.expect_err("bad input must fail");
        assert_eq!(
            sorted(violated_fields(&status)),
            sorted(expected.iter().map(|s| s.to_string()).collect())
        );
    };
    check(
        co.create_session(CreateSessionRequest {
            session: Some(Session {
                duration_minutes: 1000,
                ..Default::default()
            }),
            request_id: "nope".into(),
        })
        .await
        .map(|_| ()),
        &[
            "request_id",
            "session.kind",
            "session.coach_id",
            "session.coachee_ids",
            "session.start_time",
            "session.duration_minutes",
        ],
    );
    check(
        co.get_session(GetSessionRequest { id: "x".into() }).await.map(|_| ()),
        &["id"],
    );
    check(
        co.list_sessions(ListSessionsRequest {
            coach_id: "x".into(),
            page_size: -1,
            ..Default::default()
        })
        .await
        .map(|_| ()),
        &["coach_id", "page_size"],
    );
    check(
        co.update_session(UpdateSessionRequest {
            session: Some(Session::default()),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["coach_id".into()],
            }),
        })
        .await
        .map(|_| ()),
        &["session.id", "update_mask"],
    );
    check(
        co.complete_session(CompleteSessionRequest {
            id: String::new(),
            next_steps: vec![NextStep::default()],
            ..Default::default()
        })
        .await
        .map(|_| ()),
        &[
            "id",
            "next_steps[0].description",
            "next_steps[0].owner_id",
            "next_steps[0].due_date",
        ],
    );
    check(
        co.list_action_items(ListActionItemsRequest::default())
            .await
            .map(|_| ()),
        &["scope"],
    );
    check(
        co.update_action_item(UpdateActionItemRequest {
            id: "x".into(),
            done: true,
        })
        .await
        .map(|_| ()),
        &["id"],
    );
    check(
        co.create_cadence(CreateCadenceRequest {
            cadence: Some(Cadence {
                start_minute: 2000,
                start_date: date(2026, 6, 10),
                end_date: date(2026, 6, 1),
                time_zone: "Mars/Olympus".into(),
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        &[
            "cadence.kind",
            "cadence.coach_id",
            "cadence.coachee_ids",
            "cadence.frequency",
            "cadence.day_of_week",
            "cadence.start_minute",
            "cadence.end_date",
            "cadence.time_zone",
        ],
    );
    check(
        co.list_cadences(ListCadencesRequest { coach_id: "x".into() })
            .await
            .map(|_| ()),
        &["coach_id"],
    );
    check(
        co.delete_cadence(DeleteCadenceRequest { id: String::new() })
            .await
            .map(|_| ()),
        &["id"],
    );
    check(
        co.get_calendar(GetCalendarRequest {
            scope: None,
            range: Some(DateRange {
                start_date: date(2026, 6, 10),
                end_date: date(2026, 6, 1),
            }),
            time_zone: String::new(),
        })
        .await
        .map(|_| ()),
        &["scope", "range"],
    );
    check(
        co.get_coaching_load(GetCoachingLoadRequest {
            period: None,
            team_id: "x".into(),
        })
        .await
        .map(|_| ()),
        &["team_id", "period"],
    );
    check(
        co.set_development_plan(SetDevelopmentPlanRequest {
            person_id: String::new(),
            goals: vec![" ".into()],
        })
        .await
        .map(|_| ()),
        &["person_id", "goals[0]"],
    );
    check(
        co.get_development_plan(GetDevelopmentPlanRequest { person_id: "x".into() })
            .await
            .map(|_| ()),
        &["person_id"],
    );
    check(
        co.create_action_plan(CreateActionPlanRequest {
            person_id: "x".into(),
            action_plan: Some(ActionPlan::default()),
            baseline_days: 400,
        })
        .await
        .map(|_| ()),
        &[
            "person_id",
            "action_plan.title",
            "action_plan.start_date",
            "action_plan.end_date",
            "baseline_days",
        ],
    );
    check(
        co.get_action_plan(GetActionPlanRequest {
            id: "x".into(),
            as_of: date(2026, 2, 30),
        })
        .await
        .map(|_| ()),
        &["id", "as_of"],
    );
    check(
        co.update_action_plan(UpdateActionPlanRequest {
            action_plan: Some(ActionPlan {
                etag: "?".into(),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .map(|_| ()),
        &["action_plan.id", "action_plan.etag", "update_mask"],
    );
    check(
        co.add_check_in(AddCheckInRequest {
            action_plan_id: String::new(),
            note: String::new(),
        })
        .await
        .map(|_| ()),
        &["action_plan_id", "note"],
    );
    check(
        co.rate_skill(RateSkillRequest {
            rating: Some(SkillRating {
                rating: 0,
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        &["rating.person_id", "rating.competency", "rating.rating"],
    );
    check(
        co.list_skill_ratings(ListSkillRatingsRequest {
            person_id: String::new(),
            history: false,
        })
        .await
        .map(|_| ()),
        &["person_id"],
    );
    check(
        co.get_coaching_kpis(GetCoachingKpisRequest {
            scope: None,
            period: None,
        })
        .await
        .map(|_| ()),
        &["scope", "period"],
    );
    check(
        co.suggest_coaching(SuggestCoachingRequest {
            team_id: "x".into(),
            period: None,
            as_of: date(2026, 13, 1),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        &["team_id", "as_of"],
    );
}

/// Times outside what a protobuf Timestamp may hold (years 1 to 9999) are the caller's error
/// on the field, not INTERNAL, and never stored (a year-10000 time could not be read back).
#[tokio::test]
async fn session_times_in_year_minus_251000_or_10000_name_the_field() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    for seconds in [-7_983_034_150_400_i64, 253_402_300_800, i64::MIN, i64::MAX] {
        let mut req = one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0));
        if let Some(s) = req.session.as_mut() {
            s.start_time = Some(prost_types::Timestamp { seconds, nanos: 0 });
        }
        let status = w.co.create_session(req).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{seconds}: {status:?}");
        assert_eq!(violated_fields(&status), ["session.start_time"], "{seconds}");
    }
    let mut req = one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0));
    if let Some(s) = req.session.as_mut() {
        s.start_time = Some(prost_types::Timestamp {
            seconds: 1_780_000_000,
            nanos: -1,
        });
    }
    let status = w.co.create_session(req).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["session.start_time"]);
}

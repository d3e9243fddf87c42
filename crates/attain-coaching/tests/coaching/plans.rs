//! Development and action plans with before/after from real metrics, check-ins, skills.

use tonic::Code;

use crate::*;

#[tokio::test]
async fn an_action_plan_measures_before_and_after_its_start_from_real_metrics() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    // Before the plan (the 28 days to 31 May): 50 conversations, 6 meetings set (12 %).
    // During it (from 1 June): 40 conversations, 8 meetings set (20 %).
    let mut evs = events(&ana, "conversations", (2026, 5, 20), 50);
    evs.extend(events(&ana, "meetings_set", (2026, 5, 21), 6));
    evs.extend(events(&ana, "conversations", (2026, 6, 10), 40));
    evs.extend(events(&ana, "meetings_set", (2026, 6, 11), 8));
    // Long before the baseline window: ignored.
    evs.extend(events(&ana, "meetings_set", (2026, 3, 2), 30));
    ingest(&mut w.metrics, evs).await;
    let no_plan =
        w.co.create_action_plan(CreateActionPlanRequest {
            person_id: ana.clone(),
            action_plan: Some(ActionPlan {
                title: "x".into(),
                start_date: date(2026, 6, 1),
                end_date: date(2026, 7, 12),
                ..Default::default()
            }),
            baseline_days: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(no_plan.code(), Code::FailedPrecondition);
    w.co.set_development_plan(SetDevelopmentPlanRequest {
        person_id: ana.clone(),
        goals: vec!["Become the team's best at booking meetings".into()],
    })
    .await
    .unwrap();
    let plan =
        w.co.create_action_plan(CreateActionPlanRequest {
            person_id: ana.clone(),
            action_plan: Some(ActionPlan {
                title: "Better discovery calls".into(),
                start_date: date(2026, 6, 1),
                end_date: date(2026, 7, 12),
                metric_goals: vec![MetricGoal {
                    metric_key: "conversation_to_meeting_set".into(),
                    from: 0.12,
                    to: 0.18,
                    ..Default::default()
                }],
                steps: vec![PlanStep {
                    description: "Role-play discovery with Maya".into(),
                    owner_id: ana.clone(),
                    due_date: date(2026, 6, 8),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            baseline_days: 28,
        })
        .await
        .unwrap()
        .into_inner()
        .action_plan
        .unwrap();
    assert!(plan.warnings.is_empty(), "six weeks: {:?}", plan.warnings);
    let goal = &plan.metric_goals[0];
    assert_eq!(goal.baseline, Some(0.12));
    let got =
        w.co.get_action_plan(GetActionPlanRequest {
            id: plan.id.clone(),
            as_of: date(2026, 6, 30),
        })
        .await
        .unwrap()
        .into_inner()
        .action_plan
        .unwrap();
    let goal = &got.metric_goals[0];
    assert_eq!(goal.current, Some(0.2));
    assert!((goal.change.unwrap() - 0.08).abs() < 1e-9);
    assert!((goal.progress.unwrap() - (0.2 - 0.12) / (0.18 - 0.12)).abs() < 1e-9);
    // Check-ins and the development plan view.
    w.co.add_check_in(AddCheckInRequest {
        action_plan_id: plan.id.clone(),
        note: "Two role-plays done".into(),
    })
    .await
    .unwrap();
    let dev =
        w.co.get_development_plan(GetDevelopmentPlanRequest { person_id: ana.clone() })
            .await
            .unwrap()
            .into_inner()
            .development_plan
            .unwrap();
    assert_eq!(dev.action_plans.len(), 1);
    assert_eq!(dev.action_plans[0].check_ins.len(), 1);
    // Steps are updated by mask; a short plan draws a warning, not a refusal.
    let mut steps = got.steps.clone();
    steps[0].done = true;
    let updated =
        w.co.update_action_plan(UpdateActionPlanRequest {
            action_plan: Some(ActionPlan {
                id: plan.id.clone(),
                steps,
                end_date: date(2026, 6, 21),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["steps".into(), "end_date".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .action_plan
        .unwrap();
    assert!(updated.steps[0].done);
    assert_eq!(updated.steps[0].id, got.steps[0].id);
    assert_eq!(updated.warnings.len(), 1, "{:?}", updated.warnings);
}

#[tokio::test]
async fn skill_ratings_keep_their_history() {
    let mut w = world().await;
    let bo = w.sdrs[1].clone();
    for rating in [2, 3] {
        w.co.rate_skill(RateSkillRequest {
            rating: Some(SkillRating {
                person_id: bo.clone(),
                competency: "Discovery".into(),
                rating,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    }
    w.co.rate_skill(RateSkillRequest {
        rating: Some(SkillRating {
            person_id: bo.clone(),
            competency: "objection_handling".into(),
            rating: 4,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let latest =
        w.co.list_skill_ratings(ListSkillRatingsRequest {
            person_id: bo.clone(),
            history: false,
        })
        .await
        .unwrap()
        .into_inner()
        .ratings;
    let view: Vec<(String, i32)> = latest.iter().map(|r| (r.competency.clone(), r.rating)).collect();
    assert_eq!(
        view,
        [("discovery".to_string(), 3), ("objection_handling".to_string(), 4)]
    );
    let history =
        w.co.list_skill_ratings(ListSkillRatingsRequest {
            person_id: bo.clone(),
            history: true,
        })
        .await
        .unwrap()
        .into_inner()
        .ratings;
    assert_eq!(history.iter().map(|r| r.rating).collect::<Vec<_>>(), [2, 3, 4]);
}

fn plan(title: &str, start: (i32, i32, i32), end: (i32, i32, i32)) -> ActionPlan {
    ActionPlan {
        title: title.into(),
        start_date: date(start.0, start.1, start.2),
        end_date: date(end.0, end.1, end.2),
        metric_goals: vec![MetricGoal {
            metric_key: "conversation_to_meeting_set".into(),
            from: 0.12,
            to: 0.18,
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn a_plan_past_its_end_is_closed_with_its_outcome_and_an_overlap_is_warned() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    w.co.set_development_plan(SetDevelopmentPlanRequest {
        person_id: ana.clone(),
        goals: vec!["Book more meetings".into()],
    })
    .await
    .unwrap();
    // During the plan (1 June to 12 July 2026, long past on any day this runs): 40
    // conversations, 8 meetings set: 20 %.
    let mut evs = events(&ana, "conversations", (2026, 6, 10), 40);
    evs.extend(events(&ana, "meetings_set", (2026, 6, 11), 8));
    ingest(&mut w.metrics, evs).await;
    let create = |p: ActionPlan| CreateActionPlanRequest {
        person_id: ana.clone(),
        action_plan: Some(p),
        baseline_days: 0,
    };
    let past =
        w.co.create_action_plan(create(plan("Discovery", (2026, 6, 1), (2026, 7, 12))))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    let got = |id: String| GetActionPlanRequest { id, as_of: None };
    let closed =
        w.co.get_action_plan(got(past.id.clone()))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    assert_eq!(closed.status, PlanStatus::Ended as i32);
    // Progress from 0.12 to 0.18 reached 0.20: (0.20 − 0.12) / 0.06 = 4/3.
    assert_eq!(closed.metric_goals[0].current, Some(0.2));
    assert!((closed.metric_goals[0].progress.unwrap() - 4.0 / 3.0).abs() < 1e-9);
    // Events that arrive later inside its span do not move a closed plan's outcome…
    ingest(&mut w.metrics, events(&ana, "conversations", (2026, 6, 20), 40)).await;
    let again =
        w.co.get_action_plan(got(past.id.clone()))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    assert_eq!(again.metric_goals[0].current, Some(0.2));
    assert_eq!(again.etag, closed.etag, "closed once");
    // … while asking as of a day inside the plan still measures live: 8 of 80 by 30 June.
    let inside =
        w.co.get_action_plan(GetActionPlanRequest {
            id: past.id.clone(),
            as_of: date(2026, 6, 30),
        })
        .await
        .unwrap()
        .into_inner()
        .action_plan
        .unwrap();
    assert_eq!(inside.metric_goals[0].current, Some(0.1));
    // Attain alone sets ENDED.
    let refused =
        w.co.create_action_plan(create(ActionPlan {
            status: PlanStatus::Ended as i32,
            ..plan("x", (2099, 1, 5), (2099, 2, 15))
        }))
        .await
        .unwrap_err();
    assert_eq!(attain_testing::violated_fields(&refused), ["action_plan.status"]);

    // Two active plans that share days: the second is saved with a warning naming the first,
    // and the warning comes back on every read. The ended plan overlaps nothing.
    let first =
        w.co.create_action_plan(create(plan("Objections", (2099, 1, 5), (2099, 2, 15))))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let second =
        w.co.create_action_plan(create(plan("Follow-ups", (2099, 2, 9), (2099, 3, 22))))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    let expected =
        ["overlaps the active plan \"Objections\" (2099-01-05 to 2099-02-15): one plan at a time keeps a rep's focus"];
    assert_eq!(second.warnings, expected);
    let read =
        w.co.get_action_plan(got(second.id.clone()))
            .await
            .unwrap()
            .into_inner()
            .action_plan
            .unwrap();
    assert_eq!(read.warnings, expected);
    let dev =
        w.co.get_development_plan(GetDevelopmentPlanRequest { person_id: ana.clone() })
            .await
            .unwrap()
            .into_inner()
            .development_plan
            .unwrap();
    let statuses: Vec<i32> = dev.action_plans.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [
            PlanStatus::Active as i32,
            PlanStatus::Active as i32,
            PlanStatus::Ended as i32
        ],
        "newest start first"
    );
}

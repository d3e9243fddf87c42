//! A rep sees their own sessions and plans, a manager their subtree, another tenant nothing.

use attain_domain::org::AccessRole;
use attain_proto::common::v1::DateRange;
use tonic::Code;
use uuid::Uuid;

use crate::*;

async fn key(w: &World, role: AccessRole, person: &str) -> Coaching {
    let key = w.app.api_key(w.tenant.id, role, Uuid::parse_str(person).ok()).await;
    w.app.coaching(&key).await
}

#[tokio::test]
async fn reps_see_their_own_and_managers_their_subtree() {
    let mut w = world().await;
    let (maya, ana, bo) = (w.maya.clone(), w.sdrs[0].clone(), w.sdrs[1].clone());
    let (eve, fay) = (w.aes[0].clone(), w.aes[1].clone());
    let ana_s = create(&mut w.co, one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0))).await;
    let bo_s = create(&mut w.co, one_on_one(&maya, &bo, at(2026, 6, 1, 10, 0))).await;
    // Peer coaching in the AE team, outside Maya's subtree.
    let mut peer = one_on_one(&eve, &fay, at(2026, 6, 1, 11, 0));
    if let Some(s) = peer.session.as_mut() {
        s.kind = SessionKind::PeerCallCoaching as i32;
    }
    let ae_s = create(&mut w.co, peer).await;
    for p in [&ana, &bo] {
        w.co.set_development_plan(SetDevelopmentPlanRequest {
            person_id: p.clone(),
            goals: vec!["Grow".into()],
        })
        .await
        .unwrap();
    }

    let mut rep = key(&w, AccessRole::Rep, &ana).await;
    let mine = rep
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(
        mine.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&ana_s.id)
    );
    let other = rep
        .get_session(GetSessionRequest { id: bo_s.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    rep.get_development_plan(GetDevelopmentPlanRequest { person_id: ana.clone() })
        .await
        .expect("own plan");
    let bos = rep
        .get_development_plan(GetDevelopmentPlanRequest { person_id: bo.clone() })
        .await
        .unwrap_err();
    assert_eq!(bos.code(), Code::NotFound);
    let schedule = rep
        .create_session(one_on_one(&ana, &bo, at(2026, 6, 2, 9, 0)))
        .await
        .unwrap_err();
    assert_eq!(schedule.code(), Code::PermissionDenied);

    let mut manager = key(&w, AccessRole::Manager, &maya).await;
    let theirs = manager
        .list_sessions(ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .sessions;
    let mut ids: Vec<String> = theirs.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    let mut expected = vec![ana_s.id.clone(), bo_s.id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "the SDR team's sessions, not the AE team's");
    let ae = manager
        .get_session(GetSessionRequest { id: ae_s.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(ae.code(), Code::NotFound);
    let outside = manager
        .create_session(one_on_one(&maya, &eve, at(2026, 6, 2, 9, 0)))
        .await
        .unwrap_err();
    assert_eq!(outside.code(), Code::InvalidArgument, "Eve is not Maya's to coach");
}

/// Every RPC, called by another tenant's admin with this tenant's ids, finds nothing.
#[tokio::test]
async fn another_tenant_sees_and_changes_nothing() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    let s = create(&mut w.co, one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0))).await;
    let done =
        w.co.complete_session(CompleteSessionRequest {
            id: s.id.clone(),
            next_steps: vec![NextStep {
                description: "Call back".into(),
                owner_id: ana.clone(),
                due_date: date(2026, 6, 3),
            }],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let item = done.action_items[0].id.clone();
    let cadence =
        w.co.create_cadence(CreateCadenceRequest {
            cadence: Some(Cadence {
                kind: SessionKind::WeeklyMetricsReview as i32,
                coach_id: maya.clone(),
                coachee_ids: vec![ana.clone()],
                frequency: Frequency::Weekly as i32,
                day_of_week: 1,
                start_minute: 540,
                start_date: date(2026, 6, 1),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .cadence
        .unwrap();
    w.co.set_development_plan(SetDevelopmentPlanRequest {
        person_id: ana.clone(),
        goals: vec!["Grow".into()],
    })
    .await
    .unwrap();
    let plan =
        w.co.create_action_plan(CreateActionPlanRequest {
            person_id: ana.clone(),
            action_plan: Some(ActionPlan {
                title: "Plan".into(),
                start_date: date(2026, 6, 1),
                end_date: date(2026, 7, 12),
                ..Default::default()
            }),
            baseline_days: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .action_plan
        .unwrap();

    let other = w.app.tenant("Globex").await;
    let mut co = w.app.coaching(&other.admin_key).await;
    let june = DateRange {
        start_date: date(2026, 6, 1),
        end_date: date(2026, 6, 30),
    };
    let nf = |r: Result<(), tonic::Status>, what: &str| {
        let status = r.expect_err(what);
        assert_eq!(status.code(), Code::NotFound, "{what}: {status:?}");
    };
    nf(
        co.get_session(GetSessionRequest { id: s.id.clone() }).await.map(|_| ()),
        "GetSession",
    );
    nf(
        co.update_session(UpdateSessionRequest {
            session: Some(Session {
                id: s.id.clone(),
                agenda: "x".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["agenda".into()],
            }),
        })
        .await
        .map(|_| ()),
        "UpdateSession",
    );
    nf(
        co.complete_session(CompleteSessionRequest {
            id: s.id.clone(),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "CompleteSession",
    );
    nf(
        co.list_action_items(ListActionItemsRequest {
            scope: Some(list_action_items_request::Scope::SessionId(s.id.clone())),
            include_done: true,
        })
        .await
        .map(|_| ()),
        "ListActionItems",
    );
    nf(
        co.update_action_item(UpdateActionItemRequest { id: item, done: true })
            .await
            .map(|_| ()),
        "UpdateActionItem",
    );
    nf(
        co.delete_cadence(DeleteCadenceRequest { id: cadence.id.clone() })
            .await
            .map(|_| ()),
        "DeleteCadence",
    );
    nf(
        co.get_calendar(GetCalendarRequest {
            scope: Some(get_calendar_request::Scope::CoachId(maya.clone())),
            range: Some(june),
            time_zone: String::new(),
        })
        .await
        .map(|_| ()),
        "GetCalendar",
    );
    nf(
        co.set_development_plan(SetDevelopmentPlanRequest {
            person_id: ana.clone(),
            goals: vec!["x".into()],
        })
        .await
        .map(|_| ()),
        "SetDevelopmentPlan",
    );
    nf(
        co.get_development_plan(GetDevelopmentPlanRequest { person_id: ana.clone() })
            .await
            .map(|_| ()),
        "GetDevelopmentPlan",
    );
    nf(
        co.create_action_plan(CreateActionPlanRequest {
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
        .map(|_| ()),
        "CreateActionPlan",
    );
    nf(
        co.get_action_plan(GetActionPlanRequest {
            id: plan.id.clone(),
            as_of: None,
        })
        .await
        .map(|_| ()),
        "GetActionPlan",
    );
    nf(
        co.update_action_plan(UpdateActionPlanRequest {
            action_plan: Some(ActionPlan {
                id: plan.id.clone(),
                title: "x".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["title".into()],
            }),
        })
        .await
        .map(|_| ()),
        "UpdateActionPlan",
    );
    nf(
        co.add_check_in(AddCheckInRequest {
            action_plan_id: plan.id.clone(),
            note: "x".into(),
        })
        .await
        .map(|_| ()),
        "AddCheckIn",
    );
    nf(
        co.rate_skill(RateSkillRequest {
            rating: Some(SkillRating {
                person_id: ana.clone(),
                competency: "discovery".into(),
                rating: 3,
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        "RateSkill",
    );
    nf(
        co.list_skill_ratings(ListSkillRatingsRequest {
            person_id: ana.clone(),
            history: true,
        })
        .await
        .map(|_| ()),
        "ListSkillRatings",
    );
    nf(
        co.get_coaching_kpis(GetCoachingKpisRequest {
            scope: Some(get_coaching_kpis_request::Scope::CoachId(maya.clone())),
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Range(june)),
            }),
        })
        .await
        .map(|_| ()),
        "GetCoachingKpis",
    );
    nf(
        co.suggest_coaching(SuggestCoachingRequest {
            team_id: w.sdr_team.clone(),
            ..Default::default()
        })
        .await
        .map(|_| ()),
        "SuggestCoaching",
    );
    // Creating with this tenant's people: the coachee is unknown over there.
    let status = co
        .create_session(one_on_one(&maya, &ana, at(2026, 6, 2, 9, 0)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    // A cadence over our people: answered exactly as for ids that exist nowhere, so the
    // answer does not tell that they exist here.
    let cadence_over = |coach: &str, coachee: &str| CreateCadenceRequest {
        cadence: Some(Cadence {
            coach_id: coach.to_string(),
            coachee_ids: vec![coachee.to_string()],
            ..cadence.clone()
        }),
    };
    let ours = co.create_cadence(cadence_over(&maya, &ana)).await.unwrap_err();
    let (nobody, no_one) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let nowhere = co.create_cadence(cadence_over(&nobody, &no_one)).await.unwrap_err();
    assert_eq!(ours.code(), nowhere.code(), "{ours:?} / {nowhere:?}");
    assert_eq!(
        attain_testing::violated_fields(&ours),
        attain_testing::violated_fields(&nowhere)
    );
    // Lists show nothing of ours.
    assert!(
        co.list_sessions(ListSessionsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .sessions
            .is_empty()
    );
    assert!(
        co.list_cadences(ListCadencesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cadences
            .is_empty()
    );
    let load = co
        .get_coaching_load(GetCoachingLoadRequest {
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Range(june)),
            }),
            team_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(load.coaches.is_empty());
    // And nothing changed for us.
    let still =
        w.co.get_session(GetSessionRequest { id: s.id })
            .await
            .unwrap()
            .into_inner()
            .session
            .unwrap();
    assert_eq!(still.status, SessionStatus::Completed as i32);
}

/// Row-level security on the coaching schema, checked in SQL as the service's own role.
#[tokio::test]
async fn the_coaching_schema_keeps_tenants_apart_in_the_database() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    create(&mut w.co, one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0))).await;
    let pool = w.app.db.service_pool("attain_coaching").await;
    for table in [
        "sessions",
        "session_people",
        "cadences",
        "action_items",
        "development_plans",
        "action_plans",
        "check_ins",
        "skill_ratings",
        "survey_templates",
        "campaigns",
        "invitations",
        "responses",
        "survey_settings",
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM coaching.{table}")))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "coaching.{table} without app.tenant_id");
    }
    let other = w.app.tenant("Globex").await;
    let mut tx = attain_runtime::db::begin_tenant(&pool, other.id).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM coaching.sessions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

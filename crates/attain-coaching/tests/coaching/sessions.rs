//! Sessions: scheduling, completing with next steps, follow-ups, action items.

use tonic::Code;

use crate::*;

#[tokio::test]
async fn completing_a_session_with_next_steps_creates_action_items_and_a_follow_up() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    let s = create(&mut w.co, one_on_one(&maya, &ana, at(2026, 6, 1, 9, 0))).await;
    assert_eq!(s.status, SessionStatus::Scheduled as i32);
    assert!(s.overdue, "a session from June 2026 still scheduled is overdue by now");
    let done =
        w.co.complete_session(CompleteSessionRequest {
            id: s.id.clone(),
            notes: "Good energy on calls.".into(),
            went_well: vec!["Opening".into()],
            to_improve: vec!["Asking for the meeting".into()],
            next_steps: vec![
                NextStep {
                    description: "Listen to two top-rep calls".into(),
                    owner_id: ana.clone(),
                    due_date: date(2026, 6, 5),
                },
                NextStep {
                    description: "Share the call library".into(),
                    owner_id: maya.clone(),
                    due_date: date(2026, 6, 3),
                },
            ],
            follow_up_time: ts(at(2026, 6, 8, 9, 0)),
        })
        .await
        .unwrap()
        .into_inner();
    let session = done.session.unwrap();
    assert_eq!(session.status, SessionStatus::Completed as i32);
    assert_eq!(session.went_well, ["Opening"]);
    assert_eq!(session.action_items.len(), 2);
    let follow = done.follow_up.expect("a follow-up");
    assert_eq!(session.follow_up_session_id, follow.id);
    assert_eq!(utc(&follow.start_time), at(2026, 6, 8, 9, 0));
    assert_eq!(follow.coachee_ids, std::slice::from_ref(&ana));
    // Ana's own items; marking one done.
    let items =
        w.co.list_action_items(ListActionItemsRequest {
            scope: Some(list_action_items_request::Scope::OwnerId(ana.clone())),
            include_done: false,
        })
        .await
        .unwrap()
        .into_inner()
        .action_items;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].description, "Listen to two top-rep calls");
    let item =
        w.co.update_action_item(UpdateActionItemRequest {
            id: items[0].id.clone(),
            done: true,
        })
        .await
        .unwrap()
        .into_inner()
        .action_item
        .unwrap();
    assert!(item.done && item.done_time.is_some());
    // A completed session is final.
    let again =
        w.co.complete_session(CompleteSessionRequest {
            id: s.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn sessions_update_cancel_and_list_by_period() {
    let mut w = world().await;
    let (maya, bo) = (w.maya.clone(), w.sdrs[1].clone());
    let s = create(&mut w.co, one_on_one(&maya, &bo, at(2026, 6, 2, 9, 0))).await;
    let moved =
        w.co.update_session(UpdateSessionRequest {
            session: Some(Session {
                id: s.id.clone(),
                etag: s.etag.clone(),
                start_time: ts(at(2026, 6, 3, 10, 0)),
                status: SessionStatus::Cancelled as i32,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["start_time".into(), "status".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(moved.status, SessionStatus::Cancelled as i32);
    assert_eq!(utc(&moved.start_time), at(2026, 6, 3, 10, 0));
    let stale =
        w.co.update_session(UpdateSessionRequest {
            session: Some(Session {
                id: s.id.clone(),
                etag: s.etag.clone(),
                agenda: "x".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["agenda".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    create(&mut w.co, one_on_one(&maya, &bo, at(2026, 7, 1, 9, 0))).await;
    let june =
        w.co.list_sessions(ListSessionsRequest {
            coachee_id: bo.clone(),
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Calendar(
                    attain_proto::common::v1::CalendarPeriod {
                        granularity: attain_proto::common::v1::Granularity::Month as i32,
                        date: date(2026, 6, 1),
                    },
                )),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(june.len(), 1);
    assert_eq!(june[0].id, s.id);
}

/// The directory's answer of whom a caller sees is cached for a few seconds; someone hired a
/// moment ago must still be coachable at once, and a made-up id still refused.
#[tokio::test]
async fn a_person_created_a_moment_ago_can_be_coached_at_once() {
    let mut w = world().await;
    let (maya, ana) = (w.maya.clone(), w.sdrs[0].clone());
    let start = at(2026, 12, 1, 15, 0);
    // Fills the cache with the team as it is now.
    create(&mut w.co, one_on_one(&maya, &ana, start)).await;
    let team = w.sdr_team.clone();
    let new_hire = person(&mut w.org, "Gus", org::SalesRole::Sdr, &team).await;
    let session = create(
        &mut w.co,
        one_on_one(&maya, &new_hire, start + chrono::Duration::hours(1)),
    )
    .await;
    assert_eq!(session.coachee_ids, std::slice::from_ref(&new_hire));
    let err =
        w.co.create_session(one_on_one(&maya, &uuid::Uuid::now_v7().to_string(), start))
            .await
            .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

//! The path of a hire: stages, interviews, offer, hire; adherence, time to fill, idempotency.

use attain_proto::{
    common::v1::{DateRange, Period, period},
    scorecard::v1::{CreateRampRequest, GetPersonRampRequest, Ramp},
};
use tonic::Code;

use crate::*;

pub fn range(from: (i32, i32, i32), to: (i32, i32, i32)) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: date(from.0, from.1, from.2),
            end_date: date(to.0, to.1, to.2),
        })),
    })
}

/// A candidate who gets an interview on `applied + 1 day` and accepts at `accepted`.
pub async fn quick(
    h: &mut Hiring,
    req: &str,
    name: &str,
    interviewer: &str,
    applied: DateTime<Utc>,
    accepted: DateTime<Utc>,
) -> String {
    let c = candidate(h, req, name, CandidateSource::Inbound, applied).await;
    move_to(h, &c, "screen", applied).await;
    h.record_interview(interview_of(&c, "screen", interviewer, applied, false))
        .await
        .expect("interview");
    accept(h, &c, accepted).await;
    c
}

#[tokio::test]
async fn a_candidate_skipping_a_required_stage_makes_the_hire_non_adherent() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let first = open(&mut w, &east, &maya, (2026, 1, 5)).await;
    let second = open(&mut w, &east, &maya, (2026, 1, 5)).await;
    let full = candidate(&mut w.h, &first, "Ava", CandidateSource::Referral, at(2026, 1, 10)).await;
    let all = ["screen", "manager", "mock_call", "panel", "offer"];
    walk(&mut w.h, &full, &maya, &all, at(2026, 1, 12)).await;
    // Straight from the manager interview to the offer: no mock call.
    let skipper = candidate(&mut w.h, &second, "Ben", CandidateSource::Inbound, at(2026, 1, 10)).await;
    walk(
        &mut w.h,
        &skipper,
        &maya,
        &["screen", "manager", "offer"],
        at(2026, 1, 12),
    )
    .await;
    hire(&mut w.h, &full, (2026, 3, 2), "").await;
    hire(&mut w.h, &skipper, (2026, 3, 2), "").await;

    let k = kpis_of(
        &mut w.h,
        get_hiring_kpis_request::Scope::HiringManagerId(maya.clone()),
        range((2026, 1, 1), (2026, 3, 31)),
    )
    .await;
    assert_eq!((k.hires, k.adherent_hires), (2, 1));
    assert_eq!(k.process_adherence, Some(0.5));
    // Optional stages may be skipped, and the order of the required ones is what counts.
    let stages: Vec<_> = k.time_in_stage.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(stages, ["screen", "manager", "mock_call", "panel", "offer"]);
    let screen = &k.time_in_stage[0];
    assert_eq!((screen.spells, screen.mean_days), (2, Some(1.0)));
}

#[tokio::test]
async fn time_to_fill_runs_from_the_opened_day_to_the_accepted_offer() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let mut hires = Vec::new();
    for (i, (opened, accepted)) in [
        ((2026, 1, 5), at(2026, 2, 4)),  // 30 days
        ((2026, 1, 10), at(2026, 3, 1)), // 50 days
        ((2026, 1, 1), at(2026, 1, 17)), // 16 days
    ]
    .into_iter()
    .enumerate()
    {
        let req = open(&mut w, &east, &maya, opened).await;
        let c = quick(&mut w.h, &req, &format!("Cand{i}"), &maya, at(2026, 1, 12), accepted).await;
        hires.push((req, c));
    }
    for (_, c) in &hires {
        hire(&mut w.h, c, (2026, 4, 1), "").await;
    }
    let filled =
        w.h.get_requisition(GetRequisitionRequest {
            requisition_id: hires[0].0.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .requisition
        .unwrap();
    assert_eq!(filled.status, RequisitionStatus::Filled as i32);
    assert_eq!(filled.filled_date, date(2026, 2, 4));
    let k = kpis_of(
        &mut w.h,
        get_hiring_kpis_request::Scope::TeamId(east.clone()),
        range((2026, 1, 1), (2026, 3, 31)),
    )
    .await;
    assert_eq!(k.hires, 3);
    assert_eq!(k.time_to_fill_median_days, Some(30.0));
    assert_eq!(k.time_to_fill_mean_days, Some(32.0));
    // A hire belongs to the period of its filled date: only the 16-day one is January's.
    let jan = kpis_of(&mut w.h, get_hiring_kpis_request::Scope::TeamId(east), month(2026, 1)).await;
    assert_eq!((jan.hires, jan.time_to_fill_mean_days), (1, Some(16.0)));
}

#[tokio::test]
async fn a_retried_hire_creates_exactly_one_person() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let req = open(&mut w, &east, &maya, (2026, 2, 2)).await;
    let c = quick(&mut w.h, &req, "Cleo", &maya, at(2026, 2, 3), at(2026, 2, 20)).await;
    let people_before = team_size(&mut w.org, &east).await;

    let first = hire(&mut w.h, &c, (2026, 3, 2), "").await;
    let again = hire(&mut w.h, &c, (2026, 3, 2), "").await;
    assert_eq!(first, again, "a retry returns the same person");
    // Concurrent retries too.
    let (mut h1, mut h2) = (w.h.clone(), w.h.clone());
    let (a, b) = tokio::join!(
        h1.hire_candidate(hire_of(&c, (2026, 3, 2), "")),
        h2.hire_candidate(hire_of(&c, (2026, 3, 2), ""))
    );
    assert_eq!(a.unwrap().into_inner().person_id, first);
    assert_eq!(b.unwrap().into_inner().person_id, first);

    // The worst moment to fail: the person exists, but the hire was not recorded as done (the
    // reply was lost or this service stopped). Put the rows back as they were then and retry.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "UPDATE hiring.hires SET person_id = NULL, completed_at = NULL WHERE candidate_id = '{c}';
         UPDATE hiring.candidates SET status = 'active', hired_person_id = NULL, close_time = NULL WHERE candidate_id = '{c}';
         UPDATE hiring.requisitions SET status = 'open', filled_date = NULL, hired_person_id = NULL WHERE requisition_id = '{req}';"
    )))
    .execute(&w.app.db.owner)
    .await
    .unwrap();
    let retried = hire(&mut w.h, &c, (2026, 3, 2), "").await;
    assert_eq!(retried, first);
    assert_eq!(
        team_size(&mut w.org, &east).await,
        people_before + 1,
        "exactly one new person"
    );

    let person = w
        .org
        .get_person(org::GetPersonRequest {
            person_id: first.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(person.display_name, "Cleo");
    assert_eq!(person.manager_id, maya);
    assert_eq!(person.start_date, date(2026, 3, 2));
    assert_eq!(person.hire_date, date(2026, 2, 20));
    assert_eq!(person.status, org::PersonStatus::Onboarding as i32);

    // No ramp named: the new hire follows the tenant's built-in default ramp, which the person's
    // ramp shows. Hired on 20 Feb to start 2 March; on 15 April they are in their 2nd month: 50 %.
    let on_ramp =
        w.sc.get_person_ramp(GetPersonRampRequest {
            person_id: first.clone(),
            as_of: date(2026, 4, 15),
        })
        .await
        .unwrap()
        .into_inner();
    let ramp = on_ramp.ramp.clone().unwrap();
    assert_eq!((ramp.display_name.as_str(), ramp.is_default), ("Standard ramp", true));
    assert_eq!(ramp.steps, [0.25, 0.5, 0.75, 1.0]);
    assert!(!on_ramp.assigned);
    assert_eq!((on_ramp.month, on_ramp.factor), (2, 0.5));
    assert_eq!(on_ramp.start_date, date(2026, 3, 2));

    // A retry with other arguments is refused, naming the person, and changes nothing: neither
    // the start date nor the ramp.
    let faster =
        w.sc.create_ramp(CreateRampRequest {
            ramp: Some(Ramp {
                display_name: "Fast".into(),
                steps: vec![0.5, 1.0],
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .ramp
        .unwrap();
    for (start, ramp) in [((2026, 3, 9), ""), ((2026, 3, 2), faster.id.as_str())] {
        let err = w.h.hire_candidate(hire_of(&c, start, ramp)).await.unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
        assert!(err.message().contains(&format!("person {first}")), "{err:?}");
    }
    let unchanged = w
        .org
        .get_person(org::GetPersonRequest {
            person_id: first.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap();
    assert_eq!(unchanged.start_date, date(2026, 3, 2));
    let still =
        w.sc.get_person_ramp(GetPersonRampRequest {
            person_id: first.clone(),
            as_of: date(2026, 4, 15),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((still.ramp, still.assigned), (on_ramp.ramp, false));
    assert_eq!(
        hire(&mut w.h, &c, (2026, 3, 2), "").await,
        first,
        "the same arguments still answer"
    );

    // The seat is filled: nobody else joins it.
    let late =
        w.h.create_candidate(new_candidate(&req, "Eli", CandidateSource::Inbound, at(2026, 2, 3)))
            .await;
    assert_eq!(
        late.unwrap_err().code(),
        Code::FailedPrecondition,
        "a filled requisition takes no candidates"
    );
}

async fn team_size(org: &mut Org, team: &str) -> usize {
    org.list_people(org::ListPeopleRequest {
        team_id: team.into(),
        page_size: 1000,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .people
    .len()
}

#[tokio::test]
async fn stage_moves_offers_and_closing_follow_the_process() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    // A retried create with the same request id returns the first requisition.
    let mut create = requisition(&w, &east, &maya, (2026, 2, 2));
    create.request_id = uuid::Uuid::new_v4().to_string();
    let first = w.h.create_requisition(create.clone()).await.unwrap().into_inner();
    let again = w.h.create_requisition(create).await.unwrap().into_inner();
    let req = first.requisition.unwrap().id;
    assert_eq!(again.requisition.unwrap().id, req);
    let c = candidate(&mut w.h, &req, "Fay", CandidateSource::Referral, at(2026, 2, 3)).await;
    move_to(&mut w.h, &c, "screen", at(2026, 2, 4)).await;
    move_to(&mut w.h, &c, "manager", at(2026, 2, 6)).await;
    let got =
        w.h.get_candidate(GetCandidateRequest {
            candidate_id: c.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    assert_eq!(got.stage, "manager");
    let history: Vec<_> = got.stage_history.iter().map(|m| m.stage.as_str()).collect();
    assert_eq!(history, ["screen", "manager"]);
    w.h.record_interview(interview_of(&c, "manager", &maya, at(2026, 2, 6), true))
        .await
        .unwrap();
    w.h.record_offer(RecordOfferRequest {
        candidate_id: c.clone(),
        outcome: OfferOutcome::Pending as i32,
        make_time: ts(at(2026, 2, 8)),
        outcome_time: None,
    })
    .await
    .unwrap();
    let declined =
        w.h.record_offer(RecordOfferRequest {
            candidate_id: c.clone(),
            outcome: OfferOutcome::Declined as i32,
            make_time: None,
            outcome_time: ts(at(2026, 2, 10)),
        })
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    let offer = declined.offer.unwrap();
    assert_eq!(offer.outcome, OfferOutcome::Declined as i32);
    let closed =
        w.h.close_candidate(CloseCandidateRequest {
            candidate_id: c.clone(),
            status: CandidateStatus::Withdrawn as i32,
            reason: "took another offer".into(),
            close_time: ts(at(2026, 2, 11)),
        })
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    assert_eq!(closed.status, CandidateStatus::Withdrawn as i32);
    let err = w.h.move_candidate(MoveCandidateRequest {
        candidate_id: c.clone(),
        stage: "panel".into(),
        enter_time: ts(at(2026, 2, 12)),
    });
    assert_eq!(err.await.unwrap_err().code(), Code::FailedPrecondition);
    let interviews =
        w.h.list_interviews(ListInterviewsRequest {
            candidate_id: c.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .interviews;
    assert_eq!(interviews.len(), 1);
    assert_eq!(
        interviews[0].scorecard.as_ref().map(|s| s.recommendation),
        Some(Recommendation::Yes as i32)
    );
    let pipeline =
        w.h.get_pipeline(GetPipelineRequest::default())
            .await
            .unwrap()
            .into_inner()
            .requisitions;
    assert_eq!(pipeline.len(), 1);
    assert!(
        pipeline[0].candidates.is_empty(),
        "withdrawn candidates leave the pipeline"
    );
    let on_hold =
        w.h.set_requisition_status(SetRequisitionStatusRequest {
            requisition_id: req.clone(),
            status: RequisitionStatus::OnHold as i32,
            etag: pipeline[0].requisition.as_ref().unwrap().etag.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .requisition
        .unwrap();
    assert_eq!(on_hold.status, RequisitionStatus::OnHold as i32);
    let stale = w.h.set_requisition_status(SetRequisitionStatusRequest {
        requisition_id: req.clone(),
        status: RequisitionStatus::Cancelled as i32,
        etag: pipeline[0].requisition.as_ref().unwrap().etag.clone(),
    });
    assert_eq!(stale.await.unwrap_err().code(), Code::Aborted);
}

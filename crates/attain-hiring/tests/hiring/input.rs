//! Bad input to every RPC is refused with INVALID_ARGUMENT naming the bad fields.

use attain_testing::violated_fields;
use uuid::Uuid;

use crate::*;

fn fields<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Vec<String> {
    match r {
        Ok(_) => panic!("expected INVALID_ARGUMENT, the call succeeded"),
        Err(s) => violated_fields(&s),
    }
}

#[tokio::test]
async fn every_rpc_names_the_bad_fields() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let req = open(&mut w, &east, &maya, (2026, 3, 2)).await;
    let c = candidate(&mut w.h, &req, "Dee", CandidateSource::Inbound, at(2026, 3, 3)).await;
    let h = &mut w.h;
    let stage = |key: &str| ProcessStage {
        key: key.into(),
        display_name: "Screen".into(),
        required: true,
        competencies: vec![],
    };
    assert_eq!(
        fields(
            h.create_process_template(CreateProcessTemplateRequest {
                template: Some(ProcessTemplate {
                    display_name: " ".into(),
                    stages: vec![stage("screen"), stage("screen")],
                    ..Default::default()
                }),
                request_id: "not-a-uuid".into(),
            })
            .await
        ),
        ["request_id", "template.display_name", "template.stages[1].key"]
    );
    assert_eq!(
        fields(
            h.list_process_templates(ListProcessTemplatesRequest {
                page_size: 5000,
                page_token: String::new(),
            })
            .await
        ),
        ["page_size"]
    );
    assert_eq!(
        fields(
            h.create_requisition(CreateRequisitionRequest {
                requisition: Some(Requisition {
                    target_start_date: date(2026, 2, 30),
                    status: RequisitionStatus::Filled as i32,
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
        ),
        [
            "requisition.title",
            "requisition.team_id",
            "requisition.sales_role",
            "requisition.motion",
            "requisition.hiring_manager_id",
            "requisition.reason",
            "requisition.opened_date",
            "requisition.target_start_date",
            "requisition.status",
            "requisition.process_template_id"
        ]
    );
    assert_eq!(
        fields(
            h.get_requisition(GetRequisitionRequest {
                requisition_id: "nope".into()
            })
            .await
        ),
        ["requisition_id"]
    );
    assert_eq!(
        fields(
            h.list_requisitions(ListRequisitionsRequest {
                hiring_manager_id: "x".into(),
                status: 42,
                ..Default::default()
            })
            .await
        ),
        ["hiring_manager_id", "status"]
    );
    assert_eq!(
        fields(
            h.set_requisition_status(SetRequisitionStatusRequest {
                requisition_id: req.clone(),
                status: RequisitionStatus::Filled as i32,
                etag: String::new(),
            })
            .await
        ),
        ["status"]
    );
    // An unknown requisition.
    assert_eq!(
        fields(
            h.create_candidate(new_candidate(
                &Uuid::now_v7().to_string(),
                "Eda",
                CandidateSource::Inbound,
                at(2026, 3, 3)
            ))
            .await
        ),
        ["candidate.requisition_id"]
    );
    let mut no_source = new_candidate(&req, "", CandidateSource::Unspecified, at(2026, 3, 3));
    no_source.candidate.as_mut().unwrap().email = "not an email".into();
    assert_eq!(
        fields(h.create_candidate(no_source).await),
        ["candidate.display_name", "candidate.email", "candidate.source"]
    );
    assert_eq!(
        fields(
            h.get_candidate(GetCandidateRequest {
                candidate_id: "1".into()
            })
            .await
        ),
        ["candidate_id"]
    );
    assert_eq!(
        fields(h.list_candidates(ListCandidatesRequest::default()).await),
        ["requisition_id"]
    );
    // A stage not in the process, and a move before the candidate applied.
    assert_eq!(
        fields(
            h.move_candidate(MoveCandidateRequest {
                candidate_id: c.clone(),
                stage: "golf_outing".into(),
                enter_time: ts(at(2026, 3, 1)),
            })
            .await
        ),
        ["stage", "enter_time"]
    );
    let mut bad_scorecard = interview_of(&c, "manager", &maya, at(2026, 3, 4), true);
    let card = bad_scorecard.interview.as_mut().unwrap().scorecard.as_mut().unwrap();
    card.ratings = vec![
        CompetencyRating {
            competency: "juggling".into(),
            rating: 3,
        },
        CompetencyRating {
            competency: "discovery".into(),
            rating: 9,
        },
    ];
    card.recommendation = 0;
    assert_eq!(
        fields(h.record_interview(bad_scorecard).await),
        [
            "interview.scorecard.recommendation",
            "interview.scorecard.ratings[0].competency",
            "interview.scorecard.ratings[1].rating"
        ]
    );
    assert_eq!(
        fields(
            h.record_interview(interview_of(&c, "golf_outing", &maya, at(2026, 3, 4), false))
                .await
        ),
        ["interview.stage"]
    );
    assert_eq!(
        fields(
            h.list_interviews(ListInterviewsRequest {
                candidate_id: String::new()
            })
            .await
        ),
        ["candidate_id"]
    );
    assert_eq!(
        fields(
            h.close_candidate(CloseCandidateRequest {
                candidate_id: c.clone(),
                status: CandidateStatus::Hired as i32,
                reason: String::new(),
                close_time: None,
            })
            .await
        ),
        ["status", "reason"]
    );
    // An offer before any interview.
    assert_eq!(
        fields(
            h.record_offer(RecordOfferRequest {
                candidate_id: c.clone(),
                outcome: OfferOutcome::Pending as i32,
                make_time: ts(at(2026, 3, 5)),
                outcome_time: None,
            })
            .await
        ),
        ["candidate_id"]
    );
    assert_eq!(
        fields(
            h.hire_candidate(HireCandidateRequest {
                candidate_id: c.clone(),
                ramp_id: "fast".into(),
                ..Default::default()
            })
            .await
        ),
        ["start_date", "ramp_id"]
    );
    assert_eq!(
        fields(
            h.create_bench_entry(CreateBenchEntryRequest {
                entry: Some(BenchEntry {
                    kind: BenchKind::Internal as i32,
                    team_id: east.clone(),
                    target_roles: vec![99],
                    ..Default::default()
                }),
            })
            .await
        ),
        ["entry.readiness", "entry.target_roles[0]", "entry.person_id"]
    );
    assert_eq!(
        fields(
            h.list_bench_entries(ListBenchEntriesRequest {
                team_id: "east".into(),
                target_role: 0,
            })
            .await
        ),
        ["team_id"]
    );
    assert_eq!(
        fields(
            h.get_bench_strength(GetBenchStrengthRequest {
                team_id: east.clone(),
                as_of: date(2026, 13, 1),
            })
            .await
        ),
        ["as_of"]
    );
    assert_eq!(
        fields(
            h.get_pipeline(GetPipelineRequest {
                team_id: "x".into(),
                ..Default::default()
            })
            .await
        ),
        ["team_id"]
    );
    assert_eq!(
        fields(
            h.get_hiring_kpis(GetHiringKpisRequest {
                scope: Some(get_hiring_kpis_request::Scope::TeamId("x".into())),
                ..Default::default()
            })
            .await
        ),
        ["team_id", "period"]
    );
}

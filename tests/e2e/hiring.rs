//! `attain hiring pipeline` and `attain hiring kpis` through the real binary, against the
//! hiring, scorecard and metrics servers of the test harness.

use attain_proto::{
    common::v1::Date,
    hiring::v1::{
        Candidate, CandidateSource, CreateCandidateRequest, CreateProcessTemplateRequest, CreateRequisitionRequest,
        HireCandidateRequest, Interview, MoveCandidateRequest, OfferOutcome, ProcessStage, ProcessTemplate,
        RecordInterviewRequest, RecordOfferRequest, Requisition, RequisitionReason,
    },
    org::v1::{CreatePersonRequest, CreateTeamRequest, Motion, Person, SalesRole, Team},
};
use attain_testing::TestApp;
use chrono::{TimeZone, Utc};

use crate::{attain, buf_curl};

fn ts(y: i32, m: u32, d: u32) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap().timestamp(),
        nanos: 0,
    })
}

fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

#[tokio::test]
async fn pipeline_and_kpis_show_requisitions_by_stage_and_time_to_fill() {
    let app = TestApp::start().await;
    let tenant = app.tenant("Acme").await;
    let mut org = app.org(&tenant.admin_key).await;
    let mut h = app.hiring(&tenant.admin_key).await;
    let maya = org
        .create_person(CreatePersonRequest {
            person: Some(Person {
                display_name: "Maya Chen".into(),
                sales_role: SalesRole::SalesManager as i32,
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .person
        .unwrap()
        .id;
    let team = org
        .create_team(CreateTeamRequest {
            team: Some(Team {
                display_name: "AE East".into(),
                motion: Motion::InsideSales as i32,
                manager_id: maya.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .team
        .unwrap()
        .id;
    let stage = |key: &str, name: &str| ProcessStage {
        key: key.into(),
        display_name: name.into(),
        required: true,
        competencies: vec!["discovery".into()],
    };
    let template = h
        .create_process_template(CreateProcessTemplateRequest {
            template: Some(ProcessTemplate {
                display_name: "AE loop".into(),
                stages: vec![stage("screen", "Recruiter screen"), stage("mock_call", "Mock call")],
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap()
        .id;
    let mut reqs = Vec::new();
    for title in ["Account Executive", "Senior Account Executive"] {
        reqs.push(
            h.create_requisition(CreateRequisitionRequest {
                requisition: Some(Requisition {
                    title: title.into(),
                    team_id: team.clone(),
                    sales_role: SalesRole::InsideSalesAe as i32,
                    motion: Motion::InsideSales as i32,
                    hiring_manager_id: maya.clone(),
                    reason: RequisitionReason::Backfill as i32,
                    opened_date: date(2026, 1, 5),
                    process_template_id: template.clone(),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .requisition
            .unwrap()
            .id,
        );
    }
    let add = |req: String, name: &str, source: CandidateSource| {
        let mut h = h.clone();
        let name = name.to_string();
        async move {
            h.create_candidate(CreateCandidateRequest {
                candidate: Some(Candidate {
                    requisition_id: req,
                    display_name: name,
                    source: source as i32,
                    apply_time: ts(2026, 1, 6),
                    ..Default::default()
                }),
                request_id: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .candidate
            .unwrap()
            .id
        }
    };
    let hired = add(reqs[0].clone(), "Ava Reyes", CandidateSource::Referral).await;
    let waiting = add(reqs[1].clone(), "Ben Ode", CandidateSource::Agency).await;
    add(reqs[1].clone(), "Cy Park", CandidateSource::Inbound).await;
    for (c, stage) in [(&hired, "screen"), (&hired, "mock_call"), (&waiting, "mock_call")] {
        h.move_candidate(MoveCandidateRequest {
            candidate_id: c.clone(),
            stage: stage.into(),
            enter_time: ts(2026, 1, 10),
        })
        .await
        .unwrap();
    }
    h.record_interview(RecordInterviewRequest {
        interview: Some(Interview {
            candidate_id: hired.clone(),
            stage: "mock_call".into(),
            interviewer_id: maya.clone(),
            interview_time: ts(2026, 1, 10),
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .unwrap();
    h.record_offer(RecordOfferRequest {
        candidate_id: hired.clone(),
        outcome: OfferOutcome::Accepted as i32,
        make_time: ts(2026, 2, 4),
        outcome_time: ts(2026, 2, 4),
    })
    .await
    .unwrap();
    h.hire_candidate(HireCandidateRequest {
        candidate_id: hired,
        start_date: date(2026, 3, 2),
        ..Default::default()
    })
    .await
    .unwrap();

    let (key, org_url, hiring_url) = (
        tenant.admin_key.clone(),
        format!("http://{}", app.addr),
        format!("http://{}", app.hiring_addr),
    );
    let run = move |args: Vec<&'static str>| {
        let out = attain()
            .arg("hiring")
            .args(args)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", &org_url)
            .env("ATTAIN_HIRING_URL", &hiring_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let run2 = run.clone();
    let pipeline = tokio::task::spawn_blocking(move || run(vec!["pipeline", "AE East"]))
        .await
        .unwrap();
    // Only the requisition still open, with Ben in the mock call and Cy not yet screened.
    assert!(
        pipeline.contains("Senior Account Executive — AE East — hiring manager Maya Chen — open"),
        "{pipeline}"
    );
    assert!(!pipeline.contains("Ava Reyes"), "{pipeline}");
    let mock = pipeline
        .lines()
        .find(|l| l.contains("Mock call"))
        .expect("a mock call row");
    assert!(mock.contains(" 1  Ben Ode (agency)"), "{pipeline}");
    let new = pipeline
        .lines()
        .find(|l| l.trim_start().starts_with("new"))
        .expect("a new row");
    assert!(new.contains("Cy Park (inbound)"), "{pipeline}");

    let kpis = tokio::task::spawn_blocking(move || {
        run2(vec!["kpis", "Maya Chen", "--from", "2026-01-01", "--to", "2026-03-31"])
    })
    .await
    .unwrap();
    assert!(kpis.contains("Hiring KPIs 2026-01-01 to 2026-03-31"), "{kpis}");
    let line = |name: &str| kpis.lines().find(|l| l.contains(name)).unwrap_or_default().to_string();
    assert!(line("Hires").ends_with(" 1"), "{kpis}");
    assert!(line("Time to fill, median").ends_with("30.0 days"), "{kpis}");
    assert!(line("Process adherence").ends_with("100 % (1/1)"), "{kpis}");
    assert!(line("Offer acceptance").ends_with("100 % (1/1)"), "{kpis}");
    assert!(line("Scorecards submitted").ends_with("0 % (0/1)"), "{kpis}");
    assert!(kpis.contains("Maya Chen"), "tenure by hiring manager names her: {kpis}");

    // Server reflection: a client with no proto files at hand calls the hiring service.
    let (addr, key) = (app.hiring_addr.to_string(), tenant.admin_key.clone());
    let templates = tokio::task::spawn_blocking(move || {
        buf_curl(
            &addr,
            &key,
            "attain.hiring.v1.HiringService/ListProcessTemplates",
            serde_json::json!({}),
        )
    })
    .await
    .unwrap();
    assert_eq!(templates["templates"][0]["displayName"], "AE loop", "{templates}");
}

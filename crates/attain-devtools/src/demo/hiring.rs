//! The hiring side of `attain demo seed`: an AE interview loop, a growth requisition on the AE
//! team and a backfill on the SDR team, with candidates at every stage (one with an offer out,
//! one rejected), through the public HiringService. Idempotent: once the demo's process template
//! exists, the hiring demo is there and nothing is added.

use anyhow::Context;
use attain_proto::{
    common::v1::Date,
    hiring::v1::{
        Candidate, CandidateSource, CandidateStatus, CloseCandidateRequest, CompetencyRating, CreateCandidateRequest,
        CreateProcessTemplateRequest, CreateRequisitionRequest, Interview, InterviewScorecard,
        ListProcessTemplatesRequest, MoveCandidateRequest, OfferOutcome, ProcessStage, ProcessTemplate, Recommendation,
        RecordInterviewRequest, RecordOfferRequest, Requisition, RequisitionReason,
        hiring_service_client::HiringServiceClient,
    },
    org::v1::{ListTeamsRequest, SalesRole, org_service_client::OrgServiceClient},
};
use attain_server::api;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use tonic::transport::Channel;

const TEMPLATE: &str = "Demo interview loop";

/// Stage key, name, required, competencies.
const STAGES: &[(&str, &str, bool, &[&str])] = &[
    (
        "recruiter_screen",
        "Recruiter screen",
        true,
        &["motivation", "communication"],
    ),
    (
        "manager_interview",
        "Hiring manager interview",
        true,
        &["coachability", "discovery"],
    ),
    (
        "mock_call",
        "Role-play / mock call",
        true,
        &["discovery", "objection_handling"],
    ),
    ("panel", "Panel", false, &["collaboration"]),
    ("references", "References", true, &[]),
    ("offer", "Offer", true, &[]),
];

/// Team, role, reason, days open; then candidates: name, source, stages reached.
type Seat = (
    &'static str,
    SalesRole,
    RequisitionReason,
    i64,
    &'static [(&'static str, CandidateSource, usize)],
);
const SEATS: &[Seat] = &[
    (
        "AE Team",
        SalesRole::InsideSalesAe,
        RequisitionReason::Growth,
        40,
        &[
            ("Priya Natarajan", CandidateSource::Referral, 6),
            ("Tom Becker", CandidateSource::Agency, 3),
            ("Lena Fischer", CandidateSource::Inbound, 2),
            ("Omar Haddad", CandidateSource::Inbound, 1),
        ],
    ),
    (
        "SDR Team",
        SalesRole::Sdr,
        RequisitionReason::Backfill,
        20,
        &[
            ("Grace Kim", CandidateSource::Inbound, 2),
            ("Diego Alvarez", CandidateSource::Referral, 1),
            ("Sam Wu", CandidateSource::Inbound, 0),
        ],
    ),
];

fn date(d: NaiveDate) -> Option<Date> {
    Some(Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    })
}

fn ts(t: chrono::DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

pub async fn seed(org_url: &str, hiring_url: &str, key: &str) -> anyhow::Result<()> {
    let mut hiring = HiringServiceClient::new(api::channel(hiring_url)?);
    let templates = hiring
        .list_process_templates(api::authorized(
            ListProcessTemplatesRequest {
                page_size: 1000,
                ..Default::default()
            },
            key,
        )?)
        .await
        .context("listing interview process templates")?
        .into_inner()
        .templates;
    if templates.iter().any(|t| t.display_name == TEMPLATE) {
        println!("hiring: the demo requisitions are already there");
        return Ok(());
    }
    let template = ProcessTemplate {
        display_name: TEMPLATE.into(),
        stages: STAGES
            .iter()
            .map(|(key, name, required, competencies)| ProcessStage {
                key: key.to_string(),
                display_name: name.to_string(),
                required: *required,
                competencies: competencies.iter().map(|c| c.to_string()).collect(),
            })
            .collect(),
        ..Default::default()
    };
    let template = hiring
        .create_process_template(api::authorized(
            CreateProcessTemplateRequest {
                template: Some(template),
                request_id: String::new(),
            },
            key,
        )?)
        .await
        .context("creating the demo interview process")?
        .into_inner()
        .template
        .context("no template returned")?
        .id;
    let teams = OrgServiceClient::new(api::channel(org_url)?)
        .list_teams(api::authorized(
            ListTeamsRequest {
                page_size: 1000,
                ..Default::default()
            },
            key,
        )?)
        .await
        .context("listing teams")?
        .into_inner()
        .teams;
    let now = Utc::now();
    let mut candidates = 0;
    for (team_name, role, reason, days_open, people) in SEATS {
        let team = teams
            .iter()
            .find(|t| t.display_name == *team_name)
            .with_context(|| format!("the demo team \"{team_name}\""))?;
        let opened = now - Duration::days(*days_open);
        let requisition = Requisition {
            title: if *role == SalesRole::Sdr {
                "Sales Development Representative".into()
            } else {
                "Account Executive, Mid-Market".into()
            },
            team_id: team.id.clone(),
            sales_role: *role as i32,
            motion: team.motion,
            hiring_manager_id: team.manager_id.clone(),
            reason: *reason as i32,
            opened_date: date(opened.date_naive()),
            target_start_date: date((now + Duration::days(45)).date_naive()),
            process_template_id: template.clone(),
            ..Default::default()
        };
        let req = hiring
            .create_requisition(api::authorized(
                CreateRequisitionRequest {
                    requisition: Some(requisition),
                    request_id: String::new(),
                },
                key,
            )?)
            .await
            .with_context(|| format!("opening the {team_name} requisition"))?
            .into_inner()
            .requisition
            .context("no requisition returned")?
            .id;
        for (i, (name, source, reached)) in people.iter().enumerate() {
            let applied = opened + Duration::days(2 + i as i64);
            let c = Candidate {
                requisition_id: req.clone(),
                display_name: name.to_string(),
                email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
                source: *source as i32,
                apply_time: ts(applied),
                ..Default::default()
            };
            let id = hiring
                .create_candidate(api::authorized(
                    CreateCandidateRequest {
                        candidate: Some(c),
                        request_id: String::new(),
                    },
                    key,
                )?)
                .await
                .with_context(|| format!("adding candidate {name}"))?
                .into_inner()
                .candidate
                .context("no candidate returned")?
                .id;
            walk(&mut hiring, key, &id, &team.manager_id, applied, *reached).await?;
            candidates += 1;
        }
    }
    println!("hiring: 2 open requisitions, {candidates} candidates in the pipeline (one offer out, one rejected)");
    Ok(())
}

/// Moves a candidate through the first `reached` stages, four days apart, with the hiring
/// manager's interview at each interviewed stage; the one who reached the offer has it out, and
/// the agency candidate stuck at the mock call is turned down.
async fn walk(
    hiring: &mut HiringServiceClient<Channel>,
    key: &str,
    id: &str,
    manager: &str,
    applied: chrono::DateTime<Utc>,
    reached: usize,
) -> anyhow::Result<()> {
    let mut when = applied + Duration::days(1);
    for (key_name, _, _, competencies) in STAGES.iter().take(reached) {
        let request = MoveCandidateRequest {
            candidate_id: id.into(),
            stage: key_name.to_string(),
            enter_time: ts(when),
        };
        hiring
            .move_candidate(api::authorized(request, key)?)
            .await
            .context("moving a demo candidate")?;
        if !competencies.is_empty() {
            let scorecard = InterviewScorecard {
                ratings: competencies
                    .iter()
                    .map(|c| CompetencyRating {
                        competency: c.to_string(),
                        rating: 4,
                    })
                    .collect(),
                recommendation: Recommendation::Yes as i32,
                notes: "Good questions, clear next steps.".into(),
                ..Default::default()
            };
            let interview = Interview {
                candidate_id: id.into(),
                stage: key_name.to_string(),
                interviewer_id: manager.into(),
                interview_time: ts(when + Duration::hours(2)),
                scorecard: Some(scorecard),
                ..Default::default()
            };
            hiring
                .record_interview(api::authorized(
                    RecordInterviewRequest {
                        interview: Some(interview),
                        request_id: String::new(),
                    },
                    key,
                )?)
                .await
                .context("recording a demo interview")?;
        }
        when += Duration::days(4);
    }
    if reached == STAGES.len() {
        let request = RecordOfferRequest {
            candidate_id: id.into(),
            outcome: OfferOutcome::Pending as i32,
            make_time: ts(when.min(Utc::now())),
            outcome_time: None,
        };
        hiring
            .record_offer(api::authorized(request, key)?)
            .await
            .context("making the demo offer")?;
    } else if reached == 3 {
        let request = CloseCandidateRequest {
            candidate_id: id.into(),
            status: CandidateStatus::Rejected as i32,
            reason: "Mock call: struggled with objections".into(),
            close_time: ts(when.min(Utc::now())),
        };
        hiring
            .close_candidate(api::authorized(request, key)?)
            .await
            .context("closing a demo candidate")?;
    }
    Ok(())
}

//! The hiring service's records as protobuf messages.

use attain_proto::hiring::v1 as pb;
use attain_runtime::convert;
use uuid::Uuid;

use crate::store::{
    candidates::{CandidateRecord, InterviewRecord, MoveRecord},
    requisitions::{BenchRecord, RequisitionRecord, StoredStage, TemplateRecord},
};

use attain_runtime::enums::to_wire;

fn id(v: Option<Uuid>) -> String {
    v.map(|u| u.to_string()).unwrap_or_default()
}

pub fn template(t: &TemplateRecord) -> pb::ProcessTemplate {
    pb::ProcessTemplate {
        id: t.template_id.to_string(),
        display_name: t.display_name.clone(),
        stages: t.stages.0.iter().map(stage).collect(),
        create_time: Some(convert::timestamp(t.created_at)),
    }
}

fn stage(s: &StoredStage) -> pb::ProcessStage {
    pb::ProcessStage {
        key: s.key.clone(),
        display_name: s.display_name.clone(),
        required: s.required,
        competencies: s.competencies.clone(),
    }
}

pub fn requisition(r: &RequisitionRecord) -> pb::Requisition {
    pb::Requisition {
        id: r.requisition_id.to_string(),
        title: r.title.clone(),
        team_id: r.team_id.to_string(),
        sales_role: to_wire(r.sales_role),
        motion: to_wire(r.motion),
        hiring_manager_id: r.hiring_manager_id.to_string(),
        reason: to_wire(r.reason),
        opened_date: Some(convert::date_to_proto(r.opened_date)),
        target_start_date: r.target_start_date.map(convert::date_to_proto),
        status: to_wire(r.status),
        process_template_id: r.template_id.to_string(),
        filled_date: r.filled_date.map(convert::date_to_proto),
        hired_person_id: id(r.hired_person_id),
        create_time: Some(convert::timestamp(r.created_at)),
        etag: convert::etag(r.revision),
    }
}

/// A candidate with their moves (any candidates' moves may be passed; only theirs are used).
pub fn candidate(c: &CandidateRecord, moves: &[MoveRecord]) -> pb::Candidate {
    let offer = match (c.offer_make_time, c.offer_outcome) {
        (Some(made), Some(outcome)) => Some(pb::Offer {
            make_time: Some(convert::timestamp(made)),
            outcome: to_wire(outcome),
            outcome_time: c.offer_outcome_time.map(convert::timestamp),
        }),
        _ => None,
    };
    pb::Candidate {
        id: c.candidate_id.to_string(),
        requisition_id: c.requisition_id.to_string(),
        display_name: c.display_name.clone(),
        email: c.email.clone(),
        source: to_wire(c.source),
        person_id: id(c.person_id),
        status: to_wire(c.status),
        stage: c.stage.clone().unwrap_or_default(),
        stage_history: moves
            .iter()
            .filter(|m| m.candidate_id == c.candidate_id)
            .map(|m| pb::StageMove {
                stage: m.stage.clone(),
                enter_time: Some(convert::timestamp(m.enter_time)),
            })
            .collect(),
        apply_time: Some(convert::timestamp(c.apply_time)),
        close_reason: c.close_reason.clone(),
        close_time: c.close_time.map(convert::timestamp),
        offer,
        hired_person_id: id(c.hired_person_id),
        create_time: Some(convert::timestamp(c.created_at)),
    }
}

pub fn interview(i: &InterviewRecord) -> pb::Interview {
    let scorecard = match (i.recommendation, i.submit_time) {
        (Some(rec), Some(at)) => Some(pb::InterviewScorecard {
            ratings: i
                .ratings
                .as_ref()
                .map(|r| {
                    r.0.iter()
                        .map(|x| pb::CompetencyRating {
                            competency: x.competency.clone(),
                            rating: x.rating,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            recommendation: to_wire(rec),
            notes: i.notes.clone(),
            submit_time: Some(convert::timestamp(at)),
        }),
        _ => None,
    };
    pb::Interview {
        id: i.interview_id.to_string(),
        candidate_id: i.candidate_id.to_string(),
        stage: i.stage.clone(),
        interviewer_id: i.interviewer_id.to_string(),
        interview_time: Some(convert::timestamp(i.interview_time)),
        scorecard,
    }
}

pub fn bench(b: &BenchRecord) -> pb::BenchEntry {
    pb::BenchEntry {
        id: b.entry_id.to_string(),
        kind: to_wire(b.kind),
        team_id: b.team_id.to_string(),
        display_name: b.display_name.clone(),
        person_id: id(b.person_id),
        readiness: to_wire(b.readiness),
        target_roles: b.target_roles.iter().map(|r| to_wire(*r)).collect(),
        notes: b.notes.clone(),
        create_time: Some(convert::timestamp(b.created_at)),
    }
}

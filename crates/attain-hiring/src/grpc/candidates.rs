//! Candidates, interviews, offers and hires on the wire.

use attain_domain::{
    Violations,
    hiring::{CandidateSource, CandidateStatus, OfferOutcome, Recommendation},
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire, paging::Page};
use chrono::{DateTime, Duration, Utc};

use super::{
    encode,
    requisitions::{check_name, required_id},
};
use crate::app::{
    HiringApi,
    candidates::{CandidateQuery, CandidateView, Closing, NewCandidate, StageMove, parse_position},
    hire::Hire,
    interviews::{NewInterview, OfferInput, ScorecardInput},
};

/// How far ahead of the server's clock a client's timestamp may be.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// An optional timestamp: unset means now; a time in the future is refused.
fn time_or_now(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> DateTime<Utc> {
    let now = Utc::now();
    match t {
        None => now,
        Some(t) => match convert::from_timestamp_opt(t) {
            Some(at) if at <= now + CLOCK_SKEW => at,
            Some(_) => {
                v.add(field, "must not be in the future");
                now
            }
            None => {
                v.add(field, "is not a valid timestamp");
                now
            }
        },
    }
}

fn check_email(v: &mut Violations, field: &str, email: &str) {
    if !email.is_empty() && (email.len() > 320 || !email.contains('@')) {
        v.add(field, "must be an email address of at most 320 characters, or empty");
    }
}

fn reply(c: &CandidateView) -> Option<pb::Candidate> {
    Some(encode::candidate(&c.candidate, &c.moves))
}

fn new_candidate(req: pb::CreateCandidateRequest) -> ApiResult<NewCandidate> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let c = req.candidate.unwrap_or_default();
    let requisition = convert::required_id(&mut v, "candidate.requisition_id", &c.requisition_id);
    check_name(&mut v, "candidate.display_name", &c.display_name);
    check_email(&mut v, "candidate.email", &c.email);
    let source = from_wire::<CandidateSource>(c.source);
    if source.is_none() {
        v.add("candidate.source", "is required: REFERRAL, INBOUND, AGENCY or INTERNAL");
    }
    let person = convert::optional_id(&mut v, "candidate.person_id", &c.person_id);
    if person.is_some() && source != Some(CandidateSource::Internal) {
        v.add(
            "candidate.person_id",
            "only INTERNAL candidates are people of the org directory",
        );
    }
    let apply_time = time_or_now(&mut v, "candidate.apply_time", c.apply_time.as_ref());
    let (Some(requisition_id), Some(source)) = v.into_result((requisition, source))? else {
        return Err(ApiError::invalid("candidate", "is incomplete"));
    };
    Ok(NewCandidate {
        request_id,
        requisition_id,
        display_name: c.display_name,
        email: c.email,
        source,
        person_id: person,
        apply_time,
    })
}

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateCandidateRequest,
) -> ApiResult<pb::CreateCandidateResponse> {
    let c = api.create_candidate(ctx, new_candidate(req).into()).await?;
    Ok(pb::CreateCandidateResponse { candidate: reply(&c) })
}

pub async fn get(api: &HiringApi, ctx: &Ctx, req: pb::GetCandidateRequest) -> ApiResult<pb::GetCandidateResponse> {
    let id = required_id("candidate_id", &req.candidate_id)?;
    let c = api.get_candidate(ctx, id).await?;
    Ok(pb::GetCandidateResponse { candidate: reply(&c) })
}

fn candidate_query(ctx: &Ctx, req: &pb::ListCandidatesRequest) -> ApiResult<CandidateQuery> {
    let mut v = Violations::new();
    let requisition = convert::required_id(&mut v, "requisition_id", &req.requisition_id);
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let after = page.after.as_deref().and_then(|a| {
        let parsed = parse_position(a);
        if parsed.is_none() {
            v.add("page_token", "is not a token from a previous page of this list");
        }
        parsed
    });
    let requisition_id = v
        .into_result(requisition)?
        .ok_or_else(|| ApiError::invalid("requisition_id", "is required"))?;
    Ok(CandidateQuery {
        requisition_id,
        page,
        after,
    })
}

pub async fn list(api: &HiringApi, ctx: &Ctx, req: pb::ListCandidatesRequest) -> ApiResult<pb::ListCandidatesResponse> {
    let (listed, moves) = api.list_candidates(ctx, candidate_query(ctx, &req).into()).await?;
    Ok(pb::ListCandidatesResponse {
        candidates: listed.items.iter().map(|c| encode::candidate(c, &moves)).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn stage_move(req: pb::MoveCandidateRequest) -> ApiResult<StageMove> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    if req.stage.is_empty() {
        v.add("stage", "is required: a stage key of the requisition's process");
    }
    let enter_time = time_or_now(&mut v, "enter_time", req.enter_time.as_ref());
    let candidate_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("candidate_id", "is required"))?;
    Ok(StageMove {
        candidate_id,
        stage: req.stage,
        enter_time,
    })
}

pub async fn move_to(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::MoveCandidateRequest,
) -> ApiResult<pb::MoveCandidateResponse> {
    let c = api.move_candidate(ctx, stage_move(req).into()).await?;
    Ok(pb::MoveCandidateResponse { candidate: reply(&c) })
}

fn closing(req: pb::CloseCandidateRequest) -> ApiResult<Closing> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    let status = from_wire::<CandidateStatus>(req.status)
        .filter(|s| matches!(s, CandidateStatus::Rejected | CandidateStatus::Withdrawn));
    if status.is_none() {
        v.add("status", "must be REJECTED or WITHDRAWN");
    }
    if req.reason.trim().is_empty() || req.reason.chars().count() > 2000 {
        v.add("reason", "must be 1 to 2,000 characters");
    }
    let close_time = time_or_now(&mut v, "close_time", req.close_time.as_ref());
    let (Some(candidate_id), Some(status)) = v.into_result((id, status))? else {
        return Err(ApiError::invalid("candidate_id", "is required"));
    };
    Ok(Closing {
        candidate_id,
        status,
        reason: req.reason,
        close_time,
    })
}

pub async fn close(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CloseCandidateRequest,
) -> ApiResult<pb::CloseCandidateResponse> {
    let c = api.close_candidate(ctx, closing(req).into()).await?;
    Ok(pb::CloseCandidateResponse { candidate: reply(&c) })
}

fn new_interview(req: pb::RecordInterviewRequest) -> ApiResult<NewInterview> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let i = req.interview.unwrap_or_default();
    let id = convert::required_id(&mut v, "interview.candidate_id", &i.candidate_id);
    let interviewer = convert::required_id(&mut v, "interview.interviewer_id", &i.interviewer_id);
    let interview_time = time_or_now(&mut v, "interview.interview_time", i.interview_time.as_ref());
    let (Some(candidate_id), Some(interviewer_id)) = v.into_result((id, interviewer))? else {
        return Err(ApiError::invalid("interview.candidate_id", "is required"));
    };
    Ok(NewInterview {
        request_id,
        candidate_id,
        interviewer_id,
        interview_time,
        stage: i.stage,
        scorecard: i.scorecard.map(|s| ScorecardInput {
            recommendation: from_wire::<Recommendation>(s.recommendation),
            ratings: s.ratings.into_iter().map(|r| (r.competency, r.rating)).collect(),
            notes: s.notes,
        }),
    })
}

pub async fn record_interview(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::RecordInterviewRequest,
) -> ApiResult<pb::RecordInterviewResponse> {
    let i = api.record_interview(ctx, new_interview(req).into()).await?;
    Ok(pb::RecordInterviewResponse {
        interview: Some(encode::interview(&i)),
    })
}

pub async fn list_interviews(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListInterviewsRequest,
) -> ApiResult<pb::ListInterviewsResponse> {
    let id = required_id("candidate_id", &req.candidate_id)?;
    let rows = api.list_interviews(ctx, id).await?;
    Ok(pb::ListInterviewsResponse {
        interviews: rows.iter().map(encode::interview).collect(),
    })
}

fn offer_input(req: &pb::RecordOfferRequest) -> ApiResult<OfferInput> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    let outcome = from_wire::<OfferOutcome>(req.outcome);
    if outcome.is_none() {
        v.add("outcome", "is required: PENDING, ACCEPTED or DECLINED");
    }
    let make_time = req
        .make_time
        .as_ref()
        .map(|t| time_or_now(&mut v, "make_time", Some(t)));
    let outcome_time = time_or_now(&mut v, "outcome_time", req.outcome_time.as_ref());
    let (Some(candidate_id), Some(outcome)) = v.into_result((id, outcome))? else {
        return Err(ApiError::invalid("candidate_id", "is required"));
    };
    Ok(OfferInput {
        candidate_id,
        outcome,
        make_time,
        outcome_time,
    })
}

pub async fn offer(api: &HiringApi, ctx: &Ctx, req: pb::RecordOfferRequest) -> ApiResult<pb::RecordOfferResponse> {
    let c = api.record_offer(ctx, offer_input(&req).into()).await?;
    Ok(pb::RecordOfferResponse { candidate: reply(&c) })
}

fn hire_input(req: pb::HireCandidateRequest) -> ApiResult<Hire> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    let start = convert::required_date(&mut v, "start_date", req.start_date.as_ref());
    let ramp_id = convert::optional_id(&mut v, "ramp_id", &req.ramp_id);
    check_email(&mut v, "email", &req.email);
    if req.title.chars().count() > 200 {
        v.add("title", "at most 200 characters");
    }
    let (Some(candidate_id), Some(start_date)) = v.into_result((id, start))? else {
        return Err(ApiError::invalid("candidate_id", "is required"));
    };
    Ok(Hire {
        candidate_id,
        start_date,
        ramp_id,
        email: req.email,
        title: req.title,
    })
}

pub async fn hire(api: &HiringApi, ctx: &Ctx, req: pb::HireCandidateRequest) -> ApiResult<pb::HireCandidateResponse> {
    let h = api.hire(ctx, hire_input(req).into()).await?;
    Ok(pb::HireCandidateResponse {
        candidate: reply(&h.candidate),
        requisition: Some(encode::requisition(&h.requisition)),
        person_id: h.person_id.to_string(),
    })
}

//! Interviews with their interviewer scorecards, and offers.

use std::collections::HashSet;

use attain_domain::{
    Violations,
    hiring::{OfferOutcome, Recommendation},
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::Utc;
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    candidates::{load, reply, require_active, time_or_now},
    convert::{self as cv, from_wire},
    requisitions::requisition_id,
};
use crate::store::{
    candidates::{self as store, InterviewRecord, StoredRating},
    requisitions as req_store,
};

pub async fn record(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::RecordInterviewRequest,
) -> ApiResult<pb::RecordInterviewResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let i = req.interview.unwrap_or_default();
    let id = convert::required_id(&mut v, "interview.candidate_id", &i.candidate_id);
    let interviewer = convert::required_id(&mut v, "interview.interviewer_id", &i.interviewer_id);
    let at = time_or_now(&mut v, "interview.interview_time", i.interview_time.as_ref());
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("interview.candidate_id", "is required"))?;
    let tenant = ctx.tenant_id;
    // The candidate first: one the caller may not see is NOT_FOUND whatever else is wrong.
    let (cand, requisition) = {
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let found = load(&mut tx, &view, id, false).await?;
        tx.commit().await?;
        found
    };
    let mut v = Violations::new();
    if let Some(p) = interviewer
        && api.peers.org.person(ctx, p).await?.is_none()
    {
        v.add("interview.interviewer_id", "no person with this id that you may see");
    }
    let scorecard = i.scorecard.as_ref();
    let recommendation = scorecard.map(|s| from_wire::<Recommendation>(s.recommendation));
    if recommendation == Some(None) {
        v.add(
            "interview.scorecard.recommendation",
            "is required: STRONG_NO, NO, YES or STRONG_YES",
        );
    }
    if scorecard.is_some_and(|s| s.notes.chars().count() > 10_000) {
        v.add("interview.scorecard.notes", "at most 10,000 characters");
    }
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let template = req_store::get_template(&mut tx, tenant, requisition.template_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("template {} missing", requisition.template_id)))?;
    let stage = template.stages.0.iter().find(|s| s.key == i.stage);
    if stage.is_none() {
        let keys: Vec<&str> = template.stages.0.iter().map(|s| s.key.as_str()).collect();
        v.add(
            "interview.stage",
            format!(
                "is not a stage of the requisition's process; its stages are {}",
                keys.join(", ")
            ),
        );
    }
    if at < cand.apply_time {
        v.add(
            "interview.interview_time",
            "must not be before the candidate's apply time",
        );
    }
    let mut ratings = Vec::new();
    let mut seen = HashSet::new();
    for (n, r) in scorecard
        .map(|s| s.ratings.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let field = format!("interview.scorecard.ratings[{n}]");
        if let Some(s) = stage
            && !s.competencies.contains(&r.competency)
        {
            v.add(
                format!("{field}.competency"),
                format!(
                    "is not rated at this stage; its competencies are {}",
                    s.competencies.join(", ")
                ),
            );
        } else if !seen.insert(r.competency.clone()) {
            v.add(format!("{field}.competency"), "is rated twice");
        }
        if !(1..=5).contains(&r.rating) {
            v.add(format!("{field}.rating"), "must be 1 to 5");
        }
        ratings.push(StoredRating {
            competency: r.competency.clone(),
            rating: r.rating,
        });
    }
    v.into_result(())?;
    let record = InterviewRecord {
        interview_id: Uuid::now_v7(),
        candidate_id: id,
        stage: i.stage.clone(),
        interviewer_id: interviewer.ok_or_else(|| ApiError::invalid("interview.interviewer_id", "is required"))?,
        interview_time: at,
        recommendation: recommendation.flatten(),
        ratings: scorecard.map(|_| Json(ratings)),
        notes: scorecard.map(|s| s.notes.clone()).unwrap_or_default(),
        submit_time: scorecard.map(|_| Utc::now()),
    };
    let stored = store::insert_interview(&mut tx, tenant, &record, request_id).await?;
    let stored = store::get_interview(&mut tx, tenant, stored)
        .await?
        .filter(|x| x.candidate_id == id)
        .ok_or_else(|| ApiError::AlreadyExists("request_id was used for another interview".into()))?;
    tx.commit().await?;
    Ok(pb::RecordInterviewResponse {
        interview: Some(cv::interview_to_proto(&stored)),
    })
}

pub async fn list(api: &HiringApi, ctx: &Ctx, req: pb::ListInterviewsRequest) -> ApiResult<pb::ListInterviewsResponse> {
    let id = requisition_id("candidate_id", &req.candidate_id)?;
    let view = View::of(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    load(&mut tx, &view, id, false).await?;
    let rows = store::interviews(&mut tx, ctx.tenant_id, &[id]).await?;
    tx.commit().await?;
    Ok(pb::ListInterviewsResponse {
        interviews: rows.iter().map(cv::interview_to_proto).collect(),
    })
}

pub async fn offer(api: &HiringApi, ctx: &Ctx, req: pb::RecordOfferRequest) -> ApiResult<pb::RecordOfferResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    let outcome = from_wire::<OfferOutcome>(req.outcome);
    if outcome.is_none() {
        v.add("outcome", "is required: PENDING, ACCEPTED or DECLINED");
    }
    let made = req
        .make_time
        .as_ref()
        .map(|t| time_or_now(&mut v, "make_time", Some(t)));
    let answered = time_or_now(&mut v, "outcome_time", req.outcome_time.as_ref());
    let (Some(id), Some(outcome)) = v.into_result((id, outcome))? else {
        return Err(ApiError::invalid("candidate_id", "is required"));
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let (cand, _) = load(&mut tx, &view, id, true).await?;
    let mut v = Violations::new();
    if store::interviews(&mut tx, tenant, &[id]).await?.is_empty() {
        v.add(
            "candidate_id",
            "the candidate has no interview yet; an offer comes after at least one interview",
        );
    }
    let made = match (made, cand.offer_make_time) {
        (Some(m), _) => Some(m),
        (None, Some(m)) if cand.offer_outcome == Some(OfferOutcome::Pending) => Some(m),
        _ => {
            v.add("make_time", "is required: no pending offer was made before");
            None
        }
    };
    if let Some(m) = made {
        if m < cand.apply_time {
            v.add("make_time", "must not be before the candidate's apply time");
        }
        if outcome != OfferOutcome::Pending && answered < m {
            v.add("outcome_time", "must not be before the offer was made");
        }
    }
    let made = v
        .into_result(made)?
        .ok_or_else(|| ApiError::invalid("make_time", "is required"))?;
    require_active(&cand)?;
    if cand.offer_outcome == Some(OfferOutcome::Accepted) {
        return Err(ApiError::FailedPrecondition(
            "the candidate accepted an offer already; hire them with HireCandidate".into(),
        ));
    }
    let answered = (outcome != OfferOutcome::Pending).then_some(answered);
    store::set_offer(&mut tx, tenant, id, made, outcome.as_str(), answered).await?;
    let candidate = reply(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::RecordOfferResponse {
        candidate: Some(candidate),
    })
}

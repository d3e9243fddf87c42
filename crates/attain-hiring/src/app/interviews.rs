//! Interviews with their interviewer scorecards, and offers.

use std::collections::HashSet;

use attain_domain::{
    Violations,
    hiring::{OfferOutcome, Recommendation},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    candidates::{CandidateView, load, reply, require_active},
};
use crate::store::{
    candidates::{self as store, InterviewRecord, StoredRating},
    requisitions as req_store,
};

/// An interview to record. Its ids and time are checked on decoding; what depends on the
/// candidate (the stage, the competencies, the time after they applied) and the scorecard's own
/// rules are checked by the use case, after the candidate is found: a candidate the caller may
/// not see is NOT_FOUND whatever else is wrong.
pub struct NewInterview {
    pub request_id: Option<Uuid>,
    pub candidate_id: Uuid,
    pub interviewer_id: Uuid,
    pub interview_time: DateTime<Utc>,
    pub stage: String,
    pub scorecard: Option<ScorecardInput>,
}

/// An interviewer's scorecard as sent.
pub struct ScorecardInput {
    /// `None` when the request named no valid recommendation.
    pub recommendation: Option<Recommendation>,
    /// Competency and rating, in the order given.
    pub ratings: Vec<(String, i32)>,
    pub notes: String,
}

/// An offer made, or its outcome.
pub struct OfferInput {
    pub candidate_id: Uuid,
    pub outcome: OfferOutcome,
    /// When it was made; `None` keeps the pending offer's.
    pub make_time: Option<DateTime<Utc>>,
    /// When it was answered (now if unset); ignored while PENDING.
    pub outcome_time: DateTime<Utc>,
}

impl HiringApi {
    pub async fn record_interview(&self, ctx: &Ctx, input: Decoded<NewInterview>) -> ApiResult<InterviewRecord> {
        let view = View::of(self, ctx).await?;
        let i = input.get()?;
        let id = i.candidate_id;
        let tenant = ctx.tenant_id;
        // The candidate first: one the caller may not see is NOT_FOUND whatever else is wrong.
        let (cand, requisition) = {
            let mut tx = begin_tenant(&self.pool, tenant).await?;
            let found = load(&mut tx, &view, id, false).await?;
            tx.commit().await?;
            found
        };
        let mut v = Violations::new();
        if self.peers.org.person(ctx, i.interviewer_id).await?.is_none() {
            v.add("interview.interviewer_id", "no person with this id that you may see");
        }
        let scorecard = i.scorecard.as_ref();
        if scorecard.is_some_and(|s| s.recommendation.is_none()) {
            v.add(
                "interview.scorecard.recommendation",
                "is required: STRONG_NO, NO, YES or STRONG_YES",
            );
        }
        if scorecard.is_some_and(|s| s.notes.chars().count() > 10_000) {
            v.add("interview.scorecard.notes", "at most 10,000 characters");
        }
        let mut tx = begin_tenant(&self.pool, tenant).await?;
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
        if i.interview_time < cand.apply_time {
            v.add(
                "interview.interview_time",
                "must not be before the candidate's apply time",
            );
        }
        let mut ratings = Vec::new();
        let mut seen = HashSet::new();
        for (n, (competency, rating)) in scorecard
            .map(|s| s.ratings.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let field = format!("interview.scorecard.ratings[{n}]");
            if let Some(s) = stage
                && !s.competencies.contains(competency)
            {
                v.add(
                    format!("{field}.competency"),
                    format!(
                        "is not rated at this stage; its competencies are {}",
                        s.competencies.join(", ")
                    ),
                );
            } else if !seen.insert(competency.clone()) {
                v.add(format!("{field}.competency"), "is rated twice");
            }
            if !(1..=5).contains(rating) {
                v.add(format!("{field}.rating"), "must be 1 to 5");
            }
            ratings.push(StoredRating {
                competency: competency.clone(),
                rating: *rating,
            });
        }
        v.into_result(())?;
        let record = InterviewRecord {
            interview_id: Uuid::now_v7(),
            candidate_id: id,
            stage: i.stage.clone(),
            interviewer_id: i.interviewer_id,
            interview_time: i.interview_time,
            recommendation: scorecard.and_then(|s| s.recommendation),
            ratings: scorecard.map(|_| Json(ratings)),
            notes: scorecard.map(|s| s.notes.clone()).unwrap_or_default(),
            submit_time: scorecard.map(|_| Utc::now()),
        };
        let stored = store::insert_interview(&mut tx, tenant, &record, i.request_id).await?;
        let stored = store::get_interview(&mut tx, tenant, stored)
            .await?
            .filter(|x| x.candidate_id == id)
            .ok_or_else(|| ApiError::AlreadyExists("request_id was used for another interview".into()))?;
        tx.commit().await?;
        Ok(stored)
    }

    pub async fn list_interviews(&self, ctx: &Ctx, candidate: Uuid) -> ApiResult<Vec<InterviewRecord>> {
        let view = View::of(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        load(&mut tx, &view, candidate, false).await?;
        let rows = store::interviews(&mut tx, ctx.tenant_id, &[candidate]).await?;
        tx.commit().await?;
        Ok(rows)
    }

    pub async fn record_offer(&self, ctx: &Ctx, input: Decoded<OfferInput>) -> ApiResult<CandidateView> {
        let view = View::of(self, ctx).await?;
        let OfferInput {
            candidate_id: id,
            outcome,
            make_time: made,
            outcome_time: answered,
        } = input.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
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
        Ok(candidate)
    }
}

//! Candidates: adding them to a requisition, moving them through the process's stages, and
//! rejecting them or recording that they withdrew.

use attain_domain::{
    Violations,
    hiring::{CandidateSource, CandidateStatus, RequisitionStatus},
};
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{HiringApi, access::View};
use crate::store::{
    Conn,
    candidates::{self as store, CandidateRecord, MoveRecord},
    requisitions::{self as req_store, RequisitionRecord},
};

/// A candidate with their stage moves, as every candidate RPC answers.
pub struct CandidateView {
    pub candidate: CandidateRecord,
    pub moves: Vec<MoveRecord>,
}

/// A candidate to add, their fields checked; the requisition and person they name are checked
/// by the use case.
pub struct NewCandidate {
    pub request_id: Option<Uuid>,
    pub requisition_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub source: CandidateSource,
    pub person_id: Option<Uuid>,
    pub apply_time: DateTime<Utc>,
}

/// A page of one requisition's candidates, in apply-time order.
pub struct CandidateQuery {
    pub requisition_id: Uuid,
    pub page: Page,
    /// The last candidate of the previous page: their apply time and id.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

/// A candidate's move to a stage of their requisition's process.
pub struct StageMove {
    pub candidate_id: Uuid,
    pub stage: String,
    pub enter_time: DateTime<Utc>,
}

/// A candidate leaving the process: REJECTED or WITHDRAWN, with why and when.
pub struct Closing {
    pub candidate_id: Uuid,
    pub status: CandidateStatus,
    pub reason: String,
    pub close_time: DateTime<Utc>,
}

/// The position a page of candidates ends at, as its token carries it: the apply time (RFC
/// 3339) and id of the last candidate.
pub fn position(c: &CandidateRecord) -> String {
    format!("{}|{}", c.apply_time.to_rfc3339(), c.candidate_id)
}

/// The position [`position`] wrote, or `None`.
pub fn parse_position(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (t, id) = text.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
        Uuid::try_parse(id).ok()?,
    ))
}

/// A candidate and their requisition, if the caller sees the requisition; NOT_FOUND otherwise.
pub async fn load(c: &mut Conn, view: &View, id: Uuid, lock: bool) -> ApiResult<(CandidateRecord, RequisitionRecord)> {
    let tenant = view.caller.tenant_id;
    let not_found = || ApiError::not_found(format!("candidate {id}"));
    let cand = store::get(c, tenant, id, lock).await?.ok_or_else(not_found)?;
    let req = req_store::get_requisition(c, tenant, cand.requisition_id, false)
        .await?
        .filter(|r| view.sees(r))
        .ok_or_else(not_found)?;
    Ok((cand, req))
}

/// A candidate as the API returns it, with their stage history.
pub async fn reply(c: &mut Conn, tenant: Uuid, id: Uuid) -> ApiResult<CandidateView> {
    let candidate = store::get(c, tenant, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("candidate {id}")))?;
    let moves = store::moves(c, tenant, &[id]).await?;
    Ok(CandidateView { candidate, moves })
}

pub fn require_active(c: &CandidateRecord) -> ApiResult<()> {
    if c.status == CandidateStatus::Active {
        Ok(())
    } else {
        Err(ApiError::FailedPrecondition(format!(
            "candidate {} is {}, no longer in the process",
            c.candidate_id, c.status
        )))
    }
}

impl HiringApi {
    pub async fn create_candidate(&self, ctx: &Ctx, input: Decoded<NewCandidate>) -> ApiResult<CandidateView> {
        let view = View::of(self, ctx).await?;
        let c = input.get()?;
        let mut v = Violations::new();
        if let Some(p) = c.person_id
            && self.peers.org.person(ctx, p).await?.is_none()
        {
            v.add("candidate.person_id", "no person with this id that you may see");
        }
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let requisition = req_store::get_requisition(&mut tx, tenant, c.requisition_id, false)
            .await?
            .filter(|x| view.sees(x));
        if requisition.is_none() {
            v.add(
                "candidate.requisition_id",
                "no requisition with this id that you may see",
            );
        }
        v.into_result(())?;
        if requisition.is_some_and(|r| r.status != RequisitionStatus::Open) {
            return Err(ApiError::FailedPrecondition(format!(
                "requisition {} is not open; candidates join open requisitions",
                c.requisition_id
            )));
        }
        let record = CandidateRecord {
            candidate_id: Uuid::now_v7(),
            requisition_id: c.requisition_id,
            display_name: c.display_name.trim().to_string(),
            email: c.email,
            source: c.source,
            person_id: c.person_id,
            status: CandidateStatus::Active,
            stage: None,
            apply_time: c.apply_time,
            close_reason: String::new(),
            close_time: None,
            offer_make_time: None,
            offer_outcome: None,
            offer_outcome_time: None,
            hired_person_id: None,
            created_at: Utc::now(),
        };
        let id = store::insert(&mut tx, tenant, &record, c.request_id).await?;
        // A retried create returns the first candidate, which must be one the caller may see.
        load(&mut tx, &view, id, false).await?;
        let candidate = reply(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(candidate)
    }

    pub async fn get_candidate(&self, ctx: &Ctx, id: Uuid) -> ApiResult<CandidateView> {
        let view = View::of(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        load(&mut tx, &view, id, false).await?;
        let candidate = reply(&mut tx, ctx.tenant_id, id).await?;
        tx.commit().await?;
        Ok(candidate)
    }

    /// A page of a requisition's candidates with their moves.
    pub async fn list_candidates(
        &self,
        ctx: &Ctx,
        query: Decoded<CandidateQuery>,
    ) -> ApiResult<(Listed<CandidateRecord>, Vec<MoveRecord>)> {
        let view = View::of(self, ctx).await?;
        let q = query.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        view.see(
            req_store::get_requisition(&mut tx, tenant, q.requisition_id, false).await?,
            q.requisition_id,
        )?;
        let rows = store::list(&mut tx, tenant, &[q.requisition_id], q.after, q.page.fetch_limit()).await?;
        let listed = q.page.list(rows, position);
        let ids: Vec<Uuid> = listed.items.iter().map(|c| c.candidate_id).collect();
        let moves = store::moves(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        Ok((listed, moves))
    }

    pub async fn move_candidate(&self, ctx: &Ctx, input: Decoded<StageMove>) -> ApiResult<CandidateView> {
        let view = View::of(self, ctx).await?;
        let StageMove {
            candidate_id: id,
            stage,
            enter_time: at,
        } = input.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let (cand, requisition) = load(&mut tx, &view, id, true).await?;
        let template = req_store::get_template(&mut tx, tenant, requisition.template_id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("template {} missing", requisition.template_id)))?;
        let keys: Vec<&str> = template.stages.0.iter().map(|s| s.key.as_str()).collect();
        let mut v = Violations::new();
        if !keys.contains(&stage.as_str()) {
            v.add(
                "stage",
                format!(
                    "is not a stage of the requisition's process; its stages are {}",
                    keys.join(", ")
                ),
            );
        }
        let moves = store::moves(&mut tx, tenant, &[id]).await?;
        let last = moves
            .last()
            .map_or(cand.apply_time, |m| m.enter_time.max(cand.apply_time));
        if at < last {
            v.add(
                "enter_time",
                "must not be before the candidate's apply time or previous move",
            );
        }
        v.into_result(())?;
        require_active(&cand)?;
        store::set_stage(&mut tx, tenant, id, &stage, at).await?;
        let candidate = reply(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(candidate)
    }

    pub async fn close_candidate(&self, ctx: &Ctx, input: Decoded<Closing>) -> ApiResult<CandidateView> {
        let view = View::of(self, ctx).await?;
        let Closing {
            candidate_id: id,
            status,
            reason,
            close_time: at,
        } = input.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let (cand, _) = load(&mut tx, &view, id, true).await?;
        if at < cand.apply_time {
            return Err(ApiError::invalid(
                "close_time",
                "must not be before the candidate's apply time",
            ));
        }
        require_active(&cand)?;
        store::close(&mut tx, tenant, id, status.as_str(), reason.trim(), at).await?;
        let candidate = reply(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(candidate)
    }
}

//! Candidates: adding them to a requisition, moving them through the process's stages, and
//! rejecting them or recording that they withdrew.

use attain_domain::{
    Violations,
    hiring::{CandidateSource, CandidateStatus},
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    convert::{self as cv, from_wire},
    requisitions::{check_name, requisition_id},
};
use crate::store::{
    Conn,
    candidates::{self as store, CandidateRecord},
    requisitions::{self as req_store, RequisitionRecord},
};

/// How far ahead of the server's clock a client's timestamp may be.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// An optional timestamp: unset means now; a time in the future is refused.
pub fn time_or_now(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> DateTime<Utc> {
    let now = Utc::now();
    match t {
        None => now,
        Some(t) => match attain_runtime::convert::from_timestamp_opt(t) {
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
pub async fn reply(c: &mut Conn, tenant: Uuid, id: Uuid) -> ApiResult<pb::Candidate> {
    let cand = store::get(c, tenant, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("candidate {id}")))?;
    let moves = store::moves(c, tenant, &[id]).await?;
    Ok(cv::candidate_to_proto(&cand, &moves))
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

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateCandidateRequest,
) -> ApiResult<pb::CreateCandidateResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let c = req.candidate.unwrap_or_default();
    let requisition = convert::required_id(&mut v, "candidate.requisition_id", &c.requisition_id);
    check_name(&mut v, "candidate.display_name", &c.display_name);
    if !c.email.is_empty() && (c.email.len() > 320 || !c.email.contains('@')) {
        v.add(
            "candidate.email",
            "must be an email address of at most 320 characters, or empty",
        );
    }
    let source = from_wire::<CandidateSource>(c.source);
    if source.is_none() {
        v.add("candidate.source", "is required: REFERRAL, INBOUND, AGENCY or INTERNAL");
    }
    let person = convert::optional_id(&mut v, "candidate.person_id", &c.person_id);
    if let Some(p) = person
        && api.peers.org.person(ctx, p).await?.is_none()
    {
        v.add("candidate.person_id", "no person with this id that you may see");
    }
    if person.is_some() && source != Some(CandidateSource::Internal) {
        v.add(
            "candidate.person_id",
            "only INTERNAL candidates are people of the org directory",
        );
    }
    let apply_time = time_or_now(&mut v, "candidate.apply_time", c.apply_time.as_ref());
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut open = true;
    if let Some(r) = requisition {
        match req_store::get_requisition(&mut tx, tenant, r, false)
            .await?
            .filter(|x| view.sees(x))
        {
            None => v.add(
                "candidate.requisition_id",
                "no requisition with this id that you may see",
            ),
            Some(x) => open = x.status == attain_domain::hiring::RequisitionStatus::Open,
        }
    }
    let (Some(requisition), Some(source)) = v.into_result((requisition, source))? else {
        return Err(ApiError::invalid("candidate", "is incomplete"));
    };
    if !open {
        return Err(ApiError::FailedPrecondition(format!(
            "requisition {requisition} is not open; candidates join open requisitions"
        )));
    }
    let record = CandidateRecord {
        candidate_id: Uuid::now_v7(),
        requisition_id: requisition,
        display_name: c.display_name.trim().to_string(),
        email: c.email.clone(),
        source,
        person_id: person,
        status: CandidateStatus::Active,
        stage: None,
        apply_time,
        close_reason: String::new(),
        close_time: None,
        offer_make_time: None,
        offer_outcome: None,
        offer_outcome_time: None,
        hired_person_id: None,
        created_at: Utc::now(),
    };
    let id = store::insert(&mut tx, tenant, &record, request_id).await?;
    // A retried create returns the first candidate, which must be one the caller may see.
    load(&mut tx, &view, id, false).await?;
    let candidate = reply(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::CreateCandidateResponse {
        candidate: Some(candidate),
    })
}

pub async fn get(api: &HiringApi, ctx: &Ctx, req: pb::GetCandidateRequest) -> ApiResult<pb::GetCandidateResponse> {
    let id = requisition_id("candidate_id", &req.candidate_id)?;
    let view = View::of(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    load(&mut tx, &view, id, false).await?;
    let candidate = reply(&mut tx, ctx.tenant_id, id).await?;
    tx.commit().await?;
    Ok(pb::GetCandidateResponse {
        candidate: Some(candidate),
    })
}

pub async fn list(api: &HiringApi, ctx: &Ctx, req: pb::ListCandidatesRequest) -> ApiResult<pb::ListCandidatesResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let requisition = convert::required_id(&mut v, "requisition_id", &req.requisition_id);
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    // The token carries the last candidate's apply time (RFC 3339) and id.
    let after = page.after.as_deref().and_then(|a| {
        let parsed = a.split_once('|').and_then(|(t, id)| {
            Some((
                DateTime::parse_from_rfc3339(t).ok()?.with_timezone(&Utc),
                Uuid::try_parse(id).ok()?,
            ))
        });
        if parsed.is_none() {
            v.add("page_token", "is not a token from a previous page of this list");
        }
        parsed
    });
    let requisition = v
        .into_result(requisition)?
        .ok_or_else(|| ApiError::invalid("requisition_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    view.see(
        req_store::get_requisition(&mut tx, tenant, requisition, false).await?,
        requisition,
    )?;
    let mut rows = store::list(&mut tx, tenant, &[requisition], after, page.fetch_limit()).await?;
    let next_page_token = page.finish(&mut rows, |c| {
        format!("{}|{}", c.apply_time.to_rfc3339(), c.candidate_id)
    });
    let ids: Vec<Uuid> = rows.iter().map(|c| c.candidate_id).collect();
    let moves = store::moves(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    Ok(pb::ListCandidatesResponse {
        candidates: rows.iter().map(|c| cv::candidate_to_proto(c, &moves)).collect(),
        next_page_token,
    })
}

pub async fn move_to(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::MoveCandidateRequest,
) -> ApiResult<pb::MoveCandidateResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "candidate_id", &req.candidate_id);
    if req.stage.is_empty() {
        v.add("stage", "is required: a stage key of the requisition's process");
    }
    let at = time_or_now(&mut v, "enter_time", req.enter_time.as_ref());
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("candidate_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let (cand, requisition) = load(&mut tx, &view, id, true).await?;
    let template = req_store::get_template(&mut tx, tenant, requisition.template_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("template {} missing", requisition.template_id)))?;
    let keys: Vec<&str> = template.stages.0.iter().map(|s| s.key.as_str()).collect();
    let mut v = Violations::new();
    if !keys.contains(&req.stage.as_str()) {
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
    store::set_stage(&mut tx, tenant, id, &req.stage, at).await?;
    let candidate = reply(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::MoveCandidateResponse {
        candidate: Some(candidate),
    })
}

pub async fn close(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CloseCandidateRequest,
) -> ApiResult<pb::CloseCandidateResponse> {
    let view = View::of(api, ctx).await?;
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
    let at = time_or_now(&mut v, "close_time", req.close_time.as_ref());
    let (Some(id), Some(status)) = v.into_result((id, status))? else {
        return Err(ApiError::invalid("candidate_id", "is required"));
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let (cand, _) = load(&mut tx, &view, id, true).await?;
    if at < cand.apply_time {
        return Err(ApiError::invalid(
            "close_time",
            "must not be before the candidate's apply time",
        ));
    }
    require_active(&cand)?;
    store::close(&mut tx, tenant, id, status.as_str(), req.reason.trim(), at).await?;
    let candidate = reply(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::CloseCandidateResponse {
        candidate: Some(candidate),
    })
}

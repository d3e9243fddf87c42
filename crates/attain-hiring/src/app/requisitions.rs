//! Process templates, requisitions and the pipeline view.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    hiring::{
        CandidateStatus, RequisitionReason, RequisitionStatus,
        process::{self, Stage},
    },
    org::{AccessRole, MAX_NAME_LEN, Motion, SalesRole},
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    convert::{self as cv, from_wire},
};
use crate::store::{
    candidates as cand_store,
    requisitions::{self as store, ReqFilter, RequisitionRecord, StoredStage},
};

/// Checks a one-line name: 1 to 200 characters, not blank.
pub fn check_name(v: &mut Violations, field: &str, text: &str) {
    if text.trim().is_empty() || text.chars().count() > MAX_NAME_LEN {
        v.add(field, format!("must be 1 to {MAX_NAME_LEN} characters"));
    }
}

pub fn stages(stored: &[StoredStage]) -> Vec<Stage> {
    stored
        .iter()
        .map(|s| Stage {
            key: s.key.clone(),
            display_name: s.display_name.clone(),
            required: s.required,
            competencies: s.competencies.clone(),
        })
        .collect()
}

pub async fn create_template(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateProcessTemplateRequest,
) -> ApiResult<pb::CreateProcessTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "create interview process templates")?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let t = req.template.unwrap_or_default();
    check_name(&mut v, "template.display_name", &t.display_name);
    let stored: Vec<StoredStage> = t
        .stages
        .iter()
        .map(|s| StoredStage {
            key: s.key.clone(),
            display_name: s.display_name.clone(),
            required: s.required,
            competencies: s.competencies.clone(),
        })
        .collect();
    process::check_stages(&mut v, "template.stages", &stages(&stored));
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let id = store::insert_template(&mut tx, ctx.tenant_id, t.display_name.trim(), &stored, request_id).await?;
    let record = store::get_template(&mut tx, ctx.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("template {id} vanished after insert")))?;
    tx.commit().await?;
    Ok(pb::CreateProcessTemplateResponse {
        template: Some(cv::template_to_proto(&record)),
    })
}

pub async fn list_templates(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListProcessTemplatesRequest,
) -> ApiResult<pb::ListProcessTemplatesResponse> {
    View::of(api, ctx).await?;
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let after = page.after_id(&mut v);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut rows = store::list_templates(&mut tx, ctx.tenant_id, after, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |t| t.template_id.to_string());
    Ok(pb::ListProcessTemplatesResponse {
        templates: rows.iter().map(cv::template_to_proto).collect(),
        next_page_token,
    })
}

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateRequisitionRequest,
) -> ApiResult<pb::CreateRequisitionResponse> {
    let r = req.requisition.unwrap_or_default();
    let view = View::naming(api, ctx, &[&r.hiring_manager_id]).await?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    check_name(&mut v, "requisition.title", &r.title);
    let team = convert::required_id(&mut v, "requisition.team_id", &r.team_id);
    let role = from_wire::<SalesRole>(r.sales_role);
    if role.is_none() {
        v.add("requisition.sales_role", "is required: one of the SALES_ROLE_ values");
    }
    let motion = from_wire::<Motion>(r.motion);
    if motion.is_none() {
        v.add("requisition.motion", "is required: one of the MOTION_ values");
    }
    let manager = convert::required_id(&mut v, "requisition.hiring_manager_id", &r.hiring_manager_id);
    let reason = from_wire::<RequisitionReason>(r.reason);
    if reason.is_none() {
        v.add("requisition.reason", "is required: BACKFILL or GROWTH");
    }
    let opened = convert::required_date(&mut v, "requisition.opened_date", r.opened_date.as_ref());
    let target = convert::optional_date(&mut v, "requisition.target_start_date", r.target_start_date.as_ref());
    if let (Some(o), Some(t)) = (opened, target)
        && t < o
    {
        v.add("requisition.target_start_date", "must not be before opened_date");
    }
    let status = match r.status {
        0 => Some(RequisitionStatus::Open),
        s => from_wire::<RequisitionStatus>(s).filter(|s| s.is_opening()),
    };
    if status.is_none() {
        v.add("requisition.status", "a new requisition is OPEN or ON_HOLD");
    }
    let template = convert::required_id(&mut v, "requisition.process_template_id", &r.process_template_id);
    // References to other services' records: checked only once the ids themselves are valid.
    if let Some(m) = manager
        && (!view.sees_person(m) || api.peers.org.person(ctx, m).await?.is_none())
    {
        v.add(
            "requisition.hiring_manager_id",
            "no person with this id that you may see",
        );
    }
    if let Some(t) = team
        && api.peers.org.team(ctx, t).await?.is_none()
    {
        v.add("requisition.team_id", "no team with this id that you may see");
    }
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    if let Some(t) = template
        && store::get_template(&mut tx, tenant, t).await?.is_none()
    {
        v.add("requisition.process_template_id", "no process template with this id");
    }
    let (Some(team), Some(role), Some(motion), Some(manager), Some(reason), Some(opened), Some(status), Some(template)) =
        v.into_result((team, role, motion, manager, reason, opened, status, template))?
    else {
        return Err(ApiError::invalid("requisition", "is incomplete"));
    };
    let record = RequisitionRecord {
        requisition_id: Uuid::now_v7(),
        title: r.title.trim().to_string(),
        team_id: team,
        sales_role: role,
        motion,
        hiring_manager_id: manager,
        reason,
        opened_date: opened,
        target_start_date: target,
        status,
        template_id: template,
        filled_date: None,
        hired_person_id: None,
        revision: 1,
        created_at: chrono::Utc::now(),
    };
    let id = store::insert_requisition(&mut tx, tenant, &record, request_id).await?;
    let stored = store::get_requisition(&mut tx, tenant, id, false).await?;
    let stored = view.see(stored, id)?;
    tx.commit().await?;
    Ok(pb::CreateRequisitionResponse {
        requisition: Some(cv::requisition_to_proto(&stored)),
    })
}

/// A requisition id from a request, checked.
pub fn requisition_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

pub async fn get(api: &HiringApi, ctx: &Ctx, req: pb::GetRequisitionRequest) -> ApiResult<pb::GetRequisitionResponse> {
    let id = requisition_id("requisition_id", &req.requisition_id)?;
    let view = View::of(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let r = view.see(store::get_requisition(&mut tx, ctx.tenant_id, id, false).await?, id)?;
    tx.commit().await?;
    Ok(pb::GetRequisitionResponse {
        requisition: Some(cv::requisition_to_proto(&r)),
    })
}

pub async fn list(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListRequisitionsRequest,
) -> ApiResult<pb::ListRequisitionsResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let after = page.after_id(&mut v);
    let manager = convert::optional_id(&mut v, "hiring_manager_id", &req.hiring_manager_id);
    let team = convert::optional_id(&mut v, "team_id", &req.team_id);
    let status = match req.status {
        0 => None,
        s => {
            let parsed = from_wire::<RequisitionStatus>(s);
            if parsed.is_none() {
                v.add("status", "must be one of the REQUISITION_STATUS_ values");
            }
            parsed
        }
    };
    v.into_result(())?;
    let statuses = status.map(|s| vec![s.as_str().to_string()]);
    let teams = team.map(|t| vec![t]);
    let filter = ReqFilter {
        statuses: statuses.as_deref(),
        hiring_manager: manager,
        teams: teams.as_deref(),
        managers: view.managers(),
        visible_teams: view.teams(),
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut rows = store::list_requisitions(&mut tx, ctx.tenant_id, &filter, after, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |r| r.requisition_id.to_string());
    Ok(pb::ListRequisitionsResponse {
        requisitions: rows.iter().map(cv::requisition_to_proto).collect(),
        next_page_token,
    })
}

pub async fn set_status(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::SetRequisitionStatusRequest,
) -> ApiResult<pb::SetRequisitionStatusResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "requisition_id", &req.requisition_id);
    let status = from_wire::<RequisitionStatus>(req.status).filter(|s| *s != RequisitionStatus::Filled);
    if status.is_none() {
        v.add(
            "status",
            "must be OPEN, ON_HOLD or CANCELLED; a requisition is filled by HireCandidate",
        );
    }
    let etag = if req.etag.is_empty() {
        None
    } else {
        convert::parse_etag(&mut v, "etag", &req.etag)
    };
    let (Some(id), Some(status)) = v.into_result((id, status))? else {
        return Err(ApiError::invalid("requisition_id", "is required"));
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let r = view.see(store::get_requisition(&mut tx, tenant, id, true).await?, id)?;
    convert::check_revision(etag, r.revision, "requisition")?;
    let current = Some(r.status)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("requisition {id} has status {}", r.status)))?;
    if current != status {
        if !current.may_become(status) {
            return Err(ApiError::FailedPrecondition(format!(
                "a {current} requisition stays {current}; open a new requisition instead"
            )));
        }
        store::set_status(&mut tx, tenant, id, status.as_str()).await?;
    }
    let r = view.see(store::get_requisition(&mut tx, tenant, id, false).await?, id)?;
    tx.commit().await?;
    Ok(pb::SetRequisitionStatusResponse {
        requisition: Some(cv::requisition_to_proto(&r)),
    })
}

pub async fn pipeline(api: &HiringApi, ctx: &Ctx, req: pb::GetPipelineRequest) -> ApiResult<pb::GetPipelineResponse> {
    let view = View::of(api, ctx).await?;
    let mut v = Violations::new();
    let manager = convert::optional_id(&mut v, "hiring_manager_id", &req.hiring_manager_id);
    let team = convert::optional_id(&mut v, "team_id", &req.team_id);
    v.into_result(())?;
    let statuses = vec![
        RequisitionStatus::Open.as_str().to_string(),
        RequisitionStatus::OnHold.as_str().to_string(),
    ];
    let teams = team.map(|t| vec![t]);
    let filter = ReqFilter {
        statuses: Some(&statuses),
        hiring_manager: manager,
        teams: teams.as_deref(),
        managers: view.managers(),
        visible_teams: view.teams(),
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let reqs = store::list_requisitions(&mut tx, tenant, &filter, None, 10_000).await?;
    let ids: Vec<Uuid> = reqs.iter().map(|r| r.requisition_id).collect();
    let candidates: Vec<_> = cand_store::list(&mut tx, tenant, &ids, None, 100_000)
        .await?
        .into_iter()
        .filter(|c| c.status == CandidateStatus::Active)
        .collect();
    let cand_ids: Vec<Uuid> = candidates.iter().map(|c| c.candidate_id).collect();
    let moves = cand_store::moves(&mut tx, tenant, &cand_ids).await?;
    let mut templates = HashMap::new();
    for r in &reqs {
        if !templates.contains_key(&r.template_id)
            && let Some(t) = store::get_template(&mut tx, tenant, r.template_id).await?
        {
            templates.insert(r.template_id, t);
        }
    }
    tx.commit().await?;
    let mut out = Vec::new();
    for r in &reqs {
        let mine: Vec<_> = candidates
            .iter()
            .filter(|c| c.requisition_id == r.requisition_id)
            .collect();
        let stages = templates
            .get(&r.template_id)
            .map(|t| {
                t.stages
                    .0
                    .iter()
                    .map(|s| pb::StageCount {
                        stage: s.key.clone(),
                        display_name: s.display_name.clone(),
                        candidates: mine.iter().filter(|c| c.stage.as_deref() == Some(&s.key)).count() as i32,
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(pb::RequisitionPipeline {
            requisition: Some(cv::requisition_to_proto(r)),
            stages,
            unstaged: mine.iter().filter(|c| c.stage.is_none()).count() as i32,
            candidates: mine.iter().map(|c| cv::candidate_to_proto(c, &moves)).collect(),
        });
    }
    Ok(pb::GetPipelineResponse { requisitions: out })
}

//! Process templates, requisitions and the pipeline on the wire.

use attain_domain::{
    Violations,
    hiring::{
        RequisitionReason, RequisitionStatus,
        process::{self, Stage},
    },
    org::{MAX_NAME_LEN, Motion, SalesRole},
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire, paging::Page};
use uuid::Uuid;

use super::encode;
use crate::app::{
    HiringApi,
    requisitions::{IdPage, NewRequisition, NewTemplate, PipelineFilter, RequisitionQuery, StatusChange},
};

/// Checks a one-line name: 1 to 200 characters, not blank.
pub fn check_name(v: &mut Violations, field: &str, text: &str) {
    if text.trim().is_empty() || text.chars().count() > MAX_NAME_LEN {
        v.add(field, format!("must be 1 to {MAX_NAME_LEN} characters"));
    }
}

/// A required id of a request.
pub fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

fn id_page<R: attain_runtime::paging::PagedRequest>(ctx: &Ctx, req: &R) -> ApiResult<IdPage> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let after = page.after_id(&mut v);
    Ok(v.into_result(IdPage { page, after })?)
}

fn new_template(req: pb::CreateProcessTemplateRequest) -> ApiResult<NewTemplate> {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let t = req.template.unwrap_or_default();
    check_name(&mut v, "template.display_name", &t.display_name);
    let stages: Vec<Stage> = t
        .stages
        .into_iter()
        .map(|s| Stage {
            key: s.key,
            display_name: s.display_name,
            required: s.required,
            competencies: s.competencies,
        })
        .collect();
    process::check_stages(&mut v, "template.stages", &stages);
    Ok(v.into_result(NewTemplate {
        request_id,
        display_name: t.display_name,
        stages,
    })?)
}

pub async fn create_template(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateProcessTemplateRequest,
) -> ApiResult<pb::CreateProcessTemplateResponse> {
    let t = api.create_template(ctx, new_template(req).into()).await?;
    Ok(pb::CreateProcessTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn list_templates(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListProcessTemplatesRequest,
) -> ApiResult<pb::ListProcessTemplatesResponse> {
    let listed = api.list_templates(ctx, id_page(ctx, &req).into()).await?;
    Ok(pb::ListProcessTemplatesResponse {
        templates: listed.items.iter().map(encode::template).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn new_requisition(req: pb::CreateRequisitionRequest) -> ApiResult<NewRequisition> {
    let r = req.requisition.unwrap_or_default();
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
    let (Some(team), Some(role), Some(motion), Some(manager), Some(reason), Some(opened), Some(status), Some(template)) =
        v.into_result((team, role, motion, manager, reason, opened, status, template))?
    else {
        return Err(ApiError::invalid("requisition", "is incomplete"));
    };
    Ok(NewRequisition {
        request_id,
        title: r.title,
        team_id: team,
        sales_role: role,
        motion,
        hiring_manager_id: manager,
        reason,
        opened_date: opened,
        target_start_date: target,
        status,
        template_id: template,
    })
}

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateRequisitionRequest,
) -> ApiResult<pb::CreateRequisitionResponse> {
    let r = api.create_requisition(ctx, new_requisition(req).into()).await?;
    Ok(pb::CreateRequisitionResponse {
        requisition: Some(encode::requisition(&r)),
    })
}

pub async fn get(api: &HiringApi, ctx: &Ctx, req: pb::GetRequisitionRequest) -> ApiResult<pb::GetRequisitionResponse> {
    let id = required_id("requisition_id", &req.requisition_id)?;
    let r = api.get_requisition(ctx, id).await?;
    Ok(pb::GetRequisitionResponse {
        requisition: Some(encode::requisition(&r)),
    })
}

fn requisition_query(ctx: &Ctx, req: &pb::ListRequisitionsRequest) -> ApiResult<RequisitionQuery> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
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
    Ok(v.into_result(RequisitionQuery {
        list: IdPage { page, after },
        hiring_manager_id: manager,
        team_id: team,
        status,
    })?)
}

pub async fn list(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListRequisitionsRequest,
) -> ApiResult<pb::ListRequisitionsResponse> {
    let listed = api.list_requisitions(ctx, requisition_query(ctx, &req).into()).await?;
    Ok(pb::ListRequisitionsResponse {
        requisitions: listed.items.iter().map(encode::requisition).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn status_change(req: &pb::SetRequisitionStatusRequest) -> ApiResult<StatusChange> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "requisition_id", &req.requisition_id);
    let status = from_wire::<RequisitionStatus>(req.status).filter(|s| *s != RequisitionStatus::Filled);
    if status.is_none() {
        v.add(
            "status",
            "must be OPEN, ON_HOLD or CANCELLED; a requisition is filled by HireCandidate",
        );
    }
    let revision = if req.etag.is_empty() {
        None
    } else {
        convert::parse_etag(&mut v, "etag", &req.etag)
    };
    let (Some(requisition_id), Some(status)) = v.into_result((id, status))? else {
        return Err(ApiError::invalid("requisition_id", "is required"));
    };
    Ok(StatusChange {
        requisition_id,
        status,
        revision,
    })
}

pub async fn set_status(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::SetRequisitionStatusRequest,
) -> ApiResult<pb::SetRequisitionStatusResponse> {
    let r = api.set_requisition_status(ctx, status_change(&req).into()).await?;
    Ok(pb::SetRequisitionStatusResponse {
        requisition: Some(encode::requisition(&r)),
    })
}

fn pipeline_filter(req: &pb::GetPipelineRequest) -> ApiResult<PipelineFilter> {
    let mut v = Violations::new();
    let hiring_manager_id = convert::optional_id(&mut v, "hiring_manager_id", &req.hiring_manager_id);
    let team_id = convert::optional_id(&mut v, "team_id", &req.team_id);
    Ok(v.into_result(PipelineFilter {
        hiring_manager_id,
        team_id,
    })?)
}

pub async fn pipeline(api: &HiringApi, ctx: &Ctx, req: pb::GetPipelineRequest) -> ApiResult<pb::GetPipelineResponse> {
    let pipeline = api.pipeline(ctx, pipeline_filter(&req).into()).await?;
    Ok(pb::GetPipelineResponse {
        requisitions: pipeline
            .iter()
            .map(|p| pb::RequisitionPipeline {
                requisition: Some(encode::requisition(&p.requisition)),
                stages: p
                    .stages
                    .iter()
                    .map(|(s, at)| pb::StageCount {
                        stage: s.key.clone(),
                        display_name: s.display_name.clone(),
                        candidates: *at as i32,
                    })
                    .collect(),
                unstaged: p.unstaged as i32,
                candidates: p.candidates.iter().map(|c| encode::candidate(c, &p.moves)).collect(),
            })
            .collect(),
    })
}

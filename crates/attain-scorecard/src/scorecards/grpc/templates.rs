//! Templates on the wire.

use attain_domain::{
    Violations,
    scorecard::{
        Thresholds,
        template::{DEFAULT_THRESHOLDS, Section, TemplateLine},
    },
};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire};

use super::{
    decode::{self, page, required_id},
    encode,
};
use crate::scorecards::{
    app::{
        ScorecardApi,
        template::{TemplateAssignment, TemplateDraft, TemplateUpdate},
    },
    store::Subject,
};

const UPDATABLE: &[&str] = &["display_name", "description", "lines"];

/// Lines of a request; a missing section or target is reported here, the rest by the domain
/// (checked by the use case against the catalog).
fn lines(v: &mut Violations, lines: &[pb::TemplateLine]) -> Vec<TemplateLine> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let section = from_wire::<Section>(l.section);
        if section.is_none() {
            v.add(
                format!("template.lines[{i}].section"),
                "must be one of the SECTION_ values other than UNSPECIFIED",
            );
        }
        let target = l.target.as_ref().map(decode::target);
        if target.is_none() {
            v.add(format!("template.lines[{i}].target"), "is required");
        }
        out.push(TemplateLine {
            metric_key: l.metric_key.clone(),
            section: section.unwrap_or(Section::Activities),
            target: target.unwrap_or_default(),
            weight: l.weight.unwrap_or(1.0),
            thresholds: l.thresholds.map_or(DEFAULT_THRESHOLDS, |t| Thresholds {
                red_below: t.red_below,
                green_from: t.green_from,
            }),
        });
    }
    out
}

fn draft(req: pb::CreateTemplateRequest) -> TemplateDraft {
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let t = req.template.unwrap_or_default();
    let lines = lines(&mut v, &t.lines);
    TemplateDraft {
        request_id,
        key: t.key,
        display_name: t.display_name,
        description: t.description,
        lines,
        violations: v,
    }
}

pub async fn create_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateTemplateRequest,
) -> ApiResult<pb::CreateTemplateResponse> {
    let t = api.create_template(ctx, draft(req)).await?;
    Ok(pb::CreateTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn get_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetTemplateRequest,
) -> ApiResult<pb::GetTemplateResponse> {
    let id = required_id("id", &req.id)?;
    let t = api.get_template(ctx, id).await?;
    Ok(pb::GetTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn list_templates(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListTemplatesRequest,
) -> ApiResult<pb::ListTemplatesResponse> {
    let listed = api.list_templates(ctx, page(ctx, &req)?).await?;
    Ok(pb::ListTemplatesResponse {
        templates: listed.items.iter().map(encode::template).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn template_update(req: pb::UpdateTemplateRequest) -> ApiResult<TemplateUpdate> {
    let mut v = Violations::new();
    let input = req.template.unwrap_or_default();
    let id = convert::required_id(&mut v, "template.id", &input.id);
    let revision = convert::parse_etag(&mut v, "template.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let new_lines = paths.contains(&"lines").then(|| lines(&mut v, &input.lines));
    let template_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("template.id", "is required"))?;
    Ok(TemplateUpdate {
        template_id,
        revision,
        display_name: paths.contains(&"display_name").then_some(input.display_name),
        description: paths.contains(&"description").then_some(input.description),
        lines: new_lines,
    })
}

pub async fn update_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateTemplateRequest,
) -> ApiResult<pb::UpdateTemplateResponse> {
    let t = api.update_template(ctx, template_update(req).into()).await?;
    Ok(pb::UpdateTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

pub async fn delete_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteTemplateRequest,
) -> ApiResult<pb::DeleteTemplateResponse> {
    api.delete_template(ctx, required_id("id", &req.id).into()).await?;
    Ok(pb::DeleteTemplateResponse {})
}

fn assignment(req: &pb::AssignTemplateRequest) -> ApiResult<TemplateAssignment> {
    use pb::assign_template_request::Subject as S;
    let mut v = Violations::new();
    let subject = match req.subject.as_ref() {
        Some(S::PersonId(id)) => convert::required_id(&mut v, "person_id", id).map(Subject::Person),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(Subject::Team),
        None => {
            v.add("subject", "give person_id or team_id");
            None
        }
    };
    let template_id = convert::optional_id(&mut v, "template_id", &req.template_id);
    let subject = v
        .into_result(subject)?
        .ok_or_else(|| ApiError::invalid("subject", "is required"))?;
    Ok(TemplateAssignment { subject, template_id })
}

pub async fn assign_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AssignTemplateRequest,
) -> ApiResult<pb::AssignTemplateResponse> {
    api.assign_template(ctx, assignment(&req).into()).await?;
    Ok(pb::AssignTemplateResponse {})
}

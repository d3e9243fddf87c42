//! Templates: create, read, list, update, delete and assign. Only ADMIN changes them; every
//! credential of the tenant reads them.

use attain_domain::{
    Violations,
    org::AccessRole,
    scorecard::{
        TargetSpec, Thresholds,
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, TemplateLine, check_template, warnings},
    },
};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use uuid::Uuid;

use super::ScorecardApi;
use crate::scorecards::store::{self, LineRecord, NewTemplate, Subject, TemplateRecord};

const UPDATABLE: &[&str] = &["display_name", "description", "lines"];

pub fn target_from_proto(t: &pb::Target) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            daily: t.daily,
            weekly: t.weekly,
            monthly: t.monthly,
            quarterly: t.quarterly,
        },
        level: t.level,
    }
}

pub fn target_to_proto(t: &LineTarget) -> pb::Target {
    pb::Target {
        daily: t.spec.daily,
        weekly: t.spec.weekly,
        monthly: t.spec.monthly,
        quarterly: t.spec.quarterly,
        level: t.level,
    }
}

/// Lines of a request; a missing section or target is reported here, the rest by the domain.
fn lines_from_proto(v: &mut Violations, lines: &[pb::TemplateLine]) -> Vec<TemplateLine> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let section = from_wire::<Section>(l.section);
        if section.is_none() {
            v.add(
                format!("template.lines[{i}].section"),
                "must be one of the SECTION_ values other than UNSPECIFIED",
            );
        }
        let target = l.target.as_ref().map(target_from_proto);
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

pub fn line_from_record(r: &LineRecord) -> TemplateLine {
    TemplateLine {
        metric_key: r.metric_key.clone(),
        section: r.section,
        target: LineTarget {
            spec: TargetSpec {
                daily: r.daily,
                weekly: r.weekly,
                monthly: r.monthly,
                quarterly: r.quarterly,
            },
            level: r.level,
        },
        weight: r.weight,
        thresholds: Thresholds {
            red_below: r.red_below,
            green_from: r.green_from,
        },
    }
}

fn to_proto(t: &TemplateRecord, lines: &[TemplateLine]) -> pb::Template {
    pb::Template {
        id: t.template_id.to_string(),
        key: t.key.clone(),
        display_name: t.display_name.clone(),
        description: t.description.clone(),
        lines: lines
            .iter()
            .map(|l| pb::TemplateLine {
                metric_key: l.metric_key.clone(),
                section: to_wire(l.section),
                target: Some(target_to_proto(&l.target)),
                weight: Some(l.weight),
                thresholds: Some(pb::Thresholds {
                    red_below: l.thresholds.red_below,
                    green_from: l.thresholds.green_from,
                }),
            })
            .collect(),
        warnings: warnings(lines),
        create_time: Some(convert::timestamp(t.created_at)),
        update_time: Some(convert::timestamp(t.updated_at)),
        etag: convert::etag(t.revision),
    }
}

/// Checks lines and names against the tenant's catalog, fetched fresh.
async fn check(
    api: &ScorecardApi,
    ctx: &Ctx,
    mut v: Violations,
    t: &pb::Template,
    lines: &[TemplateLine],
) -> ApiResult<()> {
    let catalog = api.metrics.catalog(ctx, true).await?;
    let (found, _) = check_template(&t.key, &t.display_name, &t.description, lines, |key| {
        catalog.get(key).map(|m| m.shape)
    });
    v.extend_prefixed("template", found);
    Ok(v.into_result(())?)
}

pub(super) async fn with_lines(c: &mut sqlx::PgConnection, tenant: Uuid, t: TemplateRecord) -> ApiResult<pb::Template> {
    let lines: Vec<TemplateLine> = store::lines(c, tenant, &[t.template_id])
        .await?
        .iter()
        .map(line_from_record)
        .collect();
    Ok(to_proto(&t, &lines))
}

pub async fn create(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateTemplateRequest,
) -> ApiResult<pb::CreateTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "create templates")?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let t = req.template.unwrap_or_default();
    let lines = lines_from_proto(&mut v, &t.lines);
    check(api, ctx, v, &t, &lines).await?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let existing = match request_id {
        Some(id) => store::template_by_request(&mut tx, tenant, id).await?,
        None => None,
    };
    let record = match existing {
        Some(record) => record,
        None => {
            let new = NewTemplate {
                key: &t.key,
                display_name: &t.display_name,
                description: &t.description,
                lines: &lines,
            };
            store::insert_template(&mut tx, tenant, &new, request_id)
                .await
                .map_err(|e| match ApiError::from(e) {
                    ApiError::AlreadyExists(_) => {
                        ApiError::AlreadyExists(format!("a template with key \"{}\" already exists", t.key))
                    }
                    other => other,
                })?
        }
    };
    let template = with_lines(&mut tx, tenant, record).await?;
    tx.commit().await?;
    Ok(pb::CreateTemplateResponse {
        template: Some(template),
    })
}

fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

pub async fn get(api: &ScorecardApi, ctx: &Ctx, req: pb::GetTemplateRequest) -> ApiResult<pb::GetTemplateResponse> {
    let id = required_id("id", &req.id)?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let record = store::get_template(&mut tx, ctx.tenant_id, id, false)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("template {id}")))?;
    let template = with_lines(&mut tx, ctx.tenant_id, record).await?;
    tx.commit().await?;
    Ok(pb::GetTemplateResponse {
        template: Some(template),
    })
}

pub async fn list(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListTemplatesRequest,
) -> ApiResult<pb::ListTemplatesResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    v.into_result(())?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut records = store::list_templates(&mut tx, tenant, page.after.as_deref(), page.fetch_limit()).await?;
    let next_page_token = page.finish(&mut records, |t| t.key.clone());
    let ids: Vec<Uuid> = records.iter().map(|t| t.template_id).collect();
    let all_lines = store::lines(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    let templates = records
        .iter()
        .map(|t| {
            let lines: Vec<TemplateLine> = all_lines
                .iter()
                .filter(|l| l.template_id == t.template_id)
                .map(line_from_record)
                .collect();
            to_proto(t, &lines)
        })
        .collect();
    Ok(pb::ListTemplatesResponse {
        templates,
        next_page_token,
    })
}

pub async fn update(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateTemplateRequest,
) -> ApiResult<pb::UpdateTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "change templates")?;
    let mut v = Violations::new();
    let input = req.template.unwrap_or_default();
    let id = convert::required_id(&mut v, "template.id", &input.id);
    let expected = convert::parse_etag(&mut v, "template.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let new_lines = paths.contains(&"lines").then(|| lines_from_proto(&mut v, &input.lines));
    let id = v
        .clone()
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("template.id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut record = store::get_template(&mut tx, tenant, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("template {id}")))?;
    convert::check_revision(expected, record.revision, "template")?;
    let current: Vec<TemplateLine> = store::lines(&mut tx, tenant, &[id])
        .await?
        .iter()
        .map(line_from_record)
        .collect();
    if paths.contains(&"display_name") {
        record.display_name = input.display_name.clone();
    }
    if paths.contains(&"description") {
        record.description = input.description.clone();
    }
    // The merged template is checked as a whole, so an update cannot leave it invalid.
    let merged = pb::Template {
        key: record.key.clone(),
        display_name: record.display_name.clone(),
        description: record.description.clone(),
        ..pb::Template::default()
    };
    check(api, ctx, v, &merged, new_lines.as_deref().unwrap_or(&current)).await?;
    let saved = store::save_template(&mut tx, tenant, &record, new_lines.as_deref()).await?;
    let template = with_lines(&mut tx, tenant, saved).await?;
    tx.commit().await?;
    Ok(pb::UpdateTemplateResponse {
        template: Some(template),
    })
}

pub async fn delete(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteTemplateRequest,
) -> ApiResult<pb::DeleteTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "delete templates")?;
    let id = required_id("id", &req.id)?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    if !store::delete_template(&mut tx, ctx.tenant_id, id).await? {
        return Err(ApiError::not_found(format!("template {id}")));
    }
    tx.commit().await?;
    Ok(pb::DeleteTemplateResponse {})
}

pub async fn assign(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AssignTemplateRequest,
) -> ApiResult<pb::AssignTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "assign templates")?;
    let mut v = Violations::new();
    let subject = subject(&mut v, req.subject.as_ref());
    let template = convert::optional_id(&mut v, "template_id", &req.template_id);
    let subject = v
        .into_result(subject)?
        .ok_or_else(|| ApiError::invalid("subject", "is required"))?;
    let tenant = ctx.tenant_id;
    // ADMIN only, so everything in the tenant is visible.
    let view = api.view(ctx).await?;
    let exists = match subject {
        Subject::Person(id) => view.directory.person(id).is_some(),
        Subject::Team(id) => view.team_exists(id),
    };
    if !exists {
        return Err(ApiError::not_found(match subject {
            Subject::Person(id) => format!("person {id}"),
            Subject::Team(id) => format!("team {id}"),
        }));
    }
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    if let Some(t) = template
        && store::get_template(&mut tx, tenant, t, false).await?.is_none()
    {
        return Err(ApiError::not_found(format!("template {t}")));
    }
    store::assign(&mut tx, tenant, subject, template).await?;
    tx.commit().await?;
    Ok(pb::AssignTemplateResponse {})
}

fn subject(v: &mut Violations, s: Option<&pb::assign_template_request::Subject>) -> Option<Subject> {
    use pb::assign_template_request::Subject as S;
    match s {
        Some(S::PersonId(id)) => convert::required_id(v, "person_id", id).map(Subject::Person),
        Some(S::TeamId(id)) => convert::required_id(v, "team_id", id).map(Subject::Team),
        None => {
            v.add("subject", "give person_id or team_id");
            None
        }
    }
}

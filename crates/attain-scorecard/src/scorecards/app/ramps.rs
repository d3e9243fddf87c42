//! Ramps: how much of full quota a new hire carries, month by month since their start date.
//! Every tenant has a default ramp (a built-in one to begin with); a person follows it unless
//! assigned another.

use attain_domain::{
    Violations,
    org::AccessRole,
    scorecard::{Ramp, check_ramp, ramp_factor, ramp_month},
};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use chrono::Utc;

use super::{ScorecardApi, access};
use crate::scorecards::{
    audit_rows,
    plan_store::{self as plans, RampRecord},
};

const UPDATABLE: &[&str] = &["display_name", "steps", "is_default"];

fn ramp_to_proto(r: &RampRecord) -> pb::Ramp {
    pb::Ramp {
        id: r.ramp_id.to_string(),
        display_name: r.display_name.clone(),
        steps: r.steps.clone(),
        is_default: r.is_default,
    }
}

pub async fn create_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateRampRequest,
) -> ApiResult<pb::CreateRampResponse> {
    ctx.require(&[AccessRole::Admin], "create ramps")?;
    let ramp = req.ramp.unwrap_or_default();
    let mut v = Violations::new();
    attain_domain::org::check_name(&mut v, "ramp.display_name", &ramp.display_name);
    v.extend_prefixed("ramp", check_ramp(&ramp.steps));
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let record = plans::insert_ramp(&mut tx, ctx.tenant_id, &ramp.display_name, &ramp.steps, ramp.is_default)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::AlreadyExists(_) => {
                ApiError::AlreadyExists(format!("a ramp named \"{}\" already exists", ramp.display_name))
            }
            other => other,
        })?;
    tx.commit().await?;
    Ok(pb::CreateRampResponse {
        ramp: Some(ramp_to_proto(&record)),
    })
}

pub async fn list_ramps(api: &ScorecardApi, ctx: &Ctx, req: pb::ListRampsRequest) -> ApiResult<pb::ListRampsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut ramps = plans::list_ramps(&mut tx, ctx.tenant_id, page.after.as_deref(), page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut ramps, |r| r.display_name.clone());
    Ok(pb::ListRampsResponse {
        ramps: ramps.iter().map(ramp_to_proto).collect(),
        next_page_token,
    })
}

pub async fn assign_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AssignRampRequest,
) -> ApiResult<pb::AssignRampResponse> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let ramp = convert::optional_id(&mut v, "ramp_id", &req.ramp_id);
    let person = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    access::manage_person(ctx, &view, person)?;
    if let Some(r) = ramp
        && !plans::ramp_exists(&mut tx, tenant, r).await?
    {
        return Err(ApiError::not_found(format!("ramp {r}")));
    }
    let before = audit_rows::ramp(&mut tx, tenant, person).await?;
    plans::assign_ramp(&mut tx, tenant, person, ramp).await?;
    let after = audit_rows::ramp(&mut tx, tenant, person).await?;
    audit_rows::record(&mut tx, "person_ramp", person, before, after).await?;
    tx.commit().await?;
    Ok(pb::AssignRampResponse {})
}

pub async fn update_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateRampRequest,
) -> ApiResult<pb::UpdateRampResponse> {
    ctx.require(&[AccessRole::Admin], "change ramps")?;
    let input = req.ramp.unwrap_or_default();
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "ramp.id", &input.id);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    if paths.contains(&"display_name") {
        attain_domain::org::check_name(&mut v, "ramp.display_name", &input.display_name);
    }
    if paths.contains(&"steps") {
        v.extend_prefixed("ramp", check_ramp(&input.steps));
    }
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("ramp.id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut ramp = plans::get_ramp(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("ramp {id}")))?;
    let before = audit_rows::ramp_schedule(&mut tx, tenant, id).await?;
    if paths.contains(&"display_name") {
        ramp.display_name = input.display_name.clone();
    }
    if paths.contains(&"steps") {
        ramp.steps = input.steps.clone();
    }
    if paths.contains(&"is_default") {
        if ramp.is_default && !input.is_default {
            return Err(ApiError::invalid(
                "ramp.is_default",
                "a tenant always has a default ramp: make another ramp the default instead",
            ));
        }
        ramp.is_default = input.is_default;
    }
    let saved = plans::update_ramp(&mut tx, tenant, &ramp)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::AlreadyExists(_) => {
                ApiError::AlreadyExists(format!("a ramp named \"{}\" already exists", ramp.display_name))
            }
            other => other,
        })?;
    let after = audit_rows::ramp_schedule(&mut tx, tenant, id).await?;
    audit_rows::record(&mut tx, "ramp", id, before, after).await?;
    tx.commit().await?;
    Ok(pb::UpdateRampResponse {
        ramp: Some(ramp_to_proto(&saved)),
    })
}

pub async fn get_person_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetPersonRampRequest,
) -> ApiResult<pb::GetPersonRampResponse> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let person = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    let view = api.view(ctx).await?;
    let dir = view
        .visible_person(person)
        .ok_or_else(|| ApiError::not_found(format!("person {person}")))?;
    let start = dir.start_date;
    let on = as_of.unwrap_or_else(|| view.directory.calendar.local_date(Utc::now()));
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let found = plans::person_ramp(&mut tx, tenant, person).await?;
    tx.commit().await?;
    let (ramp, assigned) = found.ok_or_else(|| ApiError::not_found(format!("a ramp for person {person}")))?;
    let (factor, month) = match start {
        Some(s) => (
            ramp_factor(
                &Ramp {
                    steps: ramp.steps.clone(),
                },
                s,
                on,
            ),
            ramp_month(s, on),
        ),
        None => (1.0, 0),
    };
    Ok(pb::GetPersonRampResponse {
        ramp: Some(ramp_to_proto(&ramp)),
        assigned,
        start_date: start.map(convert::date_to_proto),
        factor,
        month: month as i32,
    })
}

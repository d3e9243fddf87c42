//! Ramps on the wire.

use attain_domain::{Violations, scorecard::check_ramp};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, paging::Page};

use super::decode::page;
use crate::scorecards::{
    app::{
        ScorecardApi,
        ramps::{NewRamp, RampAssignment, RampUpdate},
    },
    plan_store::RampRecord,
};

const UPDATABLE: &[&str] = &["display_name", "steps", "is_default"];

fn ramp(r: &RampRecord) -> pb::Ramp {
    pb::Ramp {
        id: r.ramp_id.to_string(),
        display_name: r.display_name.clone(),
        steps: r.steps.clone(),
        is_default: r.is_default,
    }
}

fn new_ramp(req: pb::CreateRampRequest) -> ApiResult<NewRamp> {
    let ramp = req.ramp.unwrap_or_default();
    let mut v = Violations::new();
    attain_domain::org::check_name(&mut v, "ramp.display_name", &ramp.display_name);
    v.extend_prefixed("ramp", check_ramp(&ramp.steps));
    Ok(v.into_result(NewRamp {
        display_name: ramp.display_name,
        steps: ramp.steps,
        is_default: ramp.is_default,
    })?)
}

pub async fn create_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateRampRequest,
) -> ApiResult<pb::CreateRampResponse> {
    let record = api.create_ramp(ctx, new_ramp(req).into()).await?;
    Ok(pb::CreateRampResponse {
        ramp: Some(ramp(&record)),
    })
}

pub async fn list_ramps(api: &ScorecardApi, ctx: &Ctx, req: pb::ListRampsRequest) -> ApiResult<pb::ListRampsResponse> {
    let page: Page = page(ctx, &req)?;
    let listed = api.list_ramps(ctx, page).await?;
    Ok(pb::ListRampsResponse {
        ramps: listed.items.iter().map(ramp).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn assignment(req: &pb::AssignRampRequest) -> ApiResult<RampAssignment> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let ramp_id = convert::optional_id(&mut v, "ramp_id", &req.ramp_id);
    let person_id = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    Ok(RampAssignment { person_id, ramp_id })
}

pub async fn assign_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AssignRampRequest,
) -> ApiResult<pb::AssignRampResponse> {
    api.assign_ramp(ctx, assignment(&req)?).await?;
    Ok(pb::AssignRampResponse {})
}

fn ramp_update(req: pb::UpdateRampRequest) -> ApiResult<RampUpdate> {
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
    let ramp_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("ramp.id", "is required"))?;
    Ok(RampUpdate {
        ramp_id,
        display_name: paths.contains(&"display_name").then_some(input.display_name),
        steps: paths.contains(&"steps").then_some(input.steps),
        is_default: paths.contains(&"is_default").then_some(input.is_default),
    })
}

pub async fn update_ramp(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateRampRequest,
) -> ApiResult<pb::UpdateRampResponse> {
    let saved = api.update_ramp(ctx, ramp_update(req).into()).await?;
    Ok(pb::UpdateRampResponse {
        ramp: Some(ramp(&saved)),
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
    let r = api.person_ramp(ctx, person, as_of).await?;
    Ok(pb::GetPersonRampResponse {
        ramp: Some(ramp(&r.ramp)),
        assigned: r.assigned,
        start_date: r.start_date.map(convert::date_to_proto),
        factor: r.factor,
        month: r.month as i32,
    })
}

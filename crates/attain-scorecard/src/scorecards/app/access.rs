//! Who may read and change whose scorecard data, on top of what the org directory lets the
//! caller see (`View`, fetched over gRPC before any transaction begins).

use attain_domain::{org::AccessRole, org_view::View};
use attain_runtime::{ApiError, ApiResult, Ctx};
use uuid::Uuid;

/// Ok when `person` exists and the caller may see them; NOT_FOUND otherwise, so that other
/// tenants' and hidden people look alike.
pub fn see_person(view: &View, person: Uuid) -> ApiResult<()> {
    match view.visible_person(person) {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!("person {person}"))),
    }
}

/// Ok when the caller may set `person`'s quotas, overrides, ramp and time off: ADMIN and
/// INTEGRATION for anyone, a MANAGER for the people they see other than themself.
pub fn manage_person(ctx: &Ctx, view: &View, person: Uuid) -> ApiResult<()> {
    ctx.require(
        &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
        "change quotas, targets or time off",
    )?;
    see_person(view, person)?;
    if ctx.role == AccessRole::Manager && ctx.person_id == Some(person) {
        return Err(ApiError::PermissionDenied(
            "a manager may not change their own quotas, targets or time off".into(),
        ));
    }
    Ok(())
}

/// Ok when the caller may see the members of `team`: NOT_FOUND for a team they cannot see at
/// all, PERMISSION_DENIED for their own team as a rep.
pub fn see_team_members(view: &View, team: Uuid) -> ApiResult<()> {
    if view.sees_members_of(team) {
        Ok(())
    } else if view.sees_team(team) {
        Err(ApiError::PermissionDenied(
            "a rep sees their own scorecard, not their team's".into(),
        ))
    } else {
        Err(ApiError::not_found(format!("team {team}")))
    }
}

/// Ok when the caller may change `team`'s quotas: ADMIN, INTEGRATION, or a MANAGER whose
/// subtree holds it.
pub fn manage_team(ctx: &Ctx, view: &View, team: Uuid) -> ApiResult<()> {
    ctx.require(
        &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
        "change team quotas",
    )?;
    see_team_members(view, team)
}

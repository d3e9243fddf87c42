//! Who may read and change whose scorecard data, on top of the org directory's scopes.

use attain_domain::org::AccessRole;
use attain_runtime::{ApiError, ApiResult, Caller};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::org::{model::Scope, scope_of, store as org};

/// What the caller may see of the org.
pub async fn scope(c: &mut PgConnection, caller: &Caller) -> ApiResult<Scope> {
    scope_of(c, caller).await
}

/// Ok when `person` exists and the caller may see them; NOT_FOUND otherwise, so that other
/// tenants' and hidden people look alike.
pub async fn see_person(c: &mut PgConnection, caller: &Caller, scope: &Scope, person: Uuid) -> ApiResult<()> {
    let visible = org::visible_person_ids(c, caller.tenant_id, scope, Some(&[person])).await?;
    if visible.is_empty() {
        return Err(ApiError::not_found(format!("person {person}")));
    }
    Ok(())
}

/// Ok when the caller may set `person`'s quotas, overrides, ramp and time off: ADMIN and
/// INTEGRATION for anyone, a MANAGER for the people they see other than themself.
pub async fn manage_person(c: &mut PgConnection, caller: &Caller, scope: &Scope, person: Uuid) -> ApiResult<()> {
    caller.require(
        &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
        "change quotas, targets or time off",
    )?;
    see_person(c, caller, scope, person).await?;
    if caller.role == AccessRole::Manager && caller.person_id == Some(person) {
        return Err(ApiError::PermissionDenied(
            "a manager may not change their own quotas, targets or time off".into(),
        ));
    }
    Ok(())
}

/// Ok when the caller may see the members of `team`: NOT_FOUND for a team they cannot see at
/// all, PERMISSION_DENIED for their own team as a rep.
pub async fn see_team_members(c: &mut PgConnection, caller: &Caller, scope: &Scope, team: Uuid) -> ApiResult<()> {
    if !org::team_exists(c, caller.tenant_id, team).await? {
        return Err(ApiError::not_found(format!("team {team}")));
    }
    if scope.all || scope.member_teams.contains(&team) {
        Ok(())
    } else if scope.teams.contains(&team) {
        Err(ApiError::PermissionDenied(
            "a rep sees their own scorecard, not their team's".into(),
        ))
    } else {
        Err(ApiError::not_found(format!("team {team}")))
    }
}

/// Ok when the caller may change `team`'s quotas: ADMIN, INTEGRATION, or a MANAGER whose
/// subtree holds it.
pub async fn manage_team(c: &mut PgConnection, caller: &Caller, scope: &Scope, team: Uuid) -> ApiResult<()> {
    caller.require(
        &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
        "change team quotas",
    )?;
    see_team_members(c, caller, scope, team).await
}

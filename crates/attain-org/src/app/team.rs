//! Teams: create, read, list, update and list a subtree. Only ADMIN changes teams; a manager
//! reads the subtrees of the teams they manage, a rep their own team.

use attain_domain::{Violations, org::AccessRole};
use attain_runtime::{
    ApiError, ApiResult, Caller, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OrgApi, Patch, scope_of};
use crate::{model::TeamRecord, store};

/// A team as a request gives it, its fields checked.
pub struct TeamInput {
    pub display_name: String,
    pub parent_team_id: Option<Uuid>,
    pub motion: attain_domain::org::Motion,
    pub manager_person_id: Option<Uuid>,
}

/// A CreateTeam request, checked.
pub struct NewTeamInput {
    pub request_id: Option<Uuid>,
    pub team: TeamInput,
}

/// An UpdateTeam request: which team, and the change.
pub struct TeamUpdate {
    pub team_id: Uuid,
    pub patch: Patch<TeamRecord>,
}

/// A page of teams, optionally the children of one team.
pub struct TeamQuery {
    pub page: Page,
    pub after: Option<Uuid>,
    pub parent_team_id: Option<Uuid>,
}

/// A page of a team's subtree, in depth order.
pub struct SubtreeQuery {
    pub root: Uuid,
    pub page: Page,
    /// The last team of the previous page: its depth and id.
    pub after: Option<(i32, Uuid)>,
}

/// Checks that the team's parent and manager exist in the tenant, and that moving `team` under
/// its new parent makes no cycle.
async fn check_references(
    c: &mut PgConnection,
    tenant: Uuid,
    team: Option<Uuid>,
    parent_team_id: Option<Uuid>,
    manager_person_id: Option<Uuid>,
) -> ApiResult<()> {
    let mut v = Violations::new();
    if let Some(parent) = parent_team_id {
        if !store::team_exists(c, tenant, parent).await? {
            v.add("team.parent_team_id", "no team with this id");
        } else if let Some(team) = team
            && store::is_ancestor_or_self(c, tenant, team, parent).await?
        {
            v.add("team.parent_team_id", "would make the team its own ancestor");
        }
    }
    if let Some(manager) = manager_person_id
        && !store::person_exists(c, tenant, manager).await?
    {
        v.add("team.manager_id", "no person with this id");
    }
    Ok(v.into_result(())?)
}

impl OrgApi {
    pub async fn create_team(&self, caller: &Caller, input: Decoded<NewTeamInput>) -> ApiResult<TeamRecord> {
        caller.require(&[AccessRole::Admin], "create teams")?;
        let NewTeamInput {
            request_id,
            team: input,
        } = input.get()?;
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        check_references(&mut tx, tenant, None, input.parent_team_id, input.manager_person_id).await?;
        let new = store::NewTeam {
            display_name: &input.display_name,
            parent_team_id: input.parent_team_id,
            motion: input.motion,
            manager_person_id: input.manager_person_id,
        };
        let team = store::insert_team(&mut tx, tenant, &new, request_id).await?;
        tx.commit().await?;
        Ok(team)
    }

    pub async fn get_team(&self, caller: &Caller, id: Uuid) -> ApiResult<TeamRecord> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let team = store::get_team(&mut tx, caller.tenant_id, id, false)
            .await?
            .filter(|t| scope.all || scope.teams.contains(&t.team_id))
            .ok_or_else(|| ApiError::not_found("team"))?;
        tx.commit().await?;
        Ok(team)
    }

    pub async fn list_teams(&self, caller: &Caller, q: TeamQuery) -> ApiResult<Listed<TeamRecord>> {
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let scope = scope_of(&mut tx, caller).await?;
        let teams = store::list_teams(
            &mut tx,
            caller.tenant_id,
            &scope,
            q.parent_team_id,
            q.after,
            q.page.fetch_limit(),
        )
        .await?;
        tx.commit().await?;
        Ok(q.page.list(teams, |t| t.team_id.to_string()))
    }

    pub async fn update_team(&self, caller: &Caller, update: Decoded<TeamUpdate>) -> ApiResult<TeamRecord> {
        caller.require(&[AccessRole::Admin], "change teams")?;
        let TeamUpdate { team_id: id, patch } = update.get()?;
        let tenant = caller.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let current = store::get_team(&mut tx, tenant, id, true)
            .await?
            .ok_or_else(|| ApiError::not_found("team"))?;
        convert::check_revision(patch.revision, current.revision, "team")?;
        let record = (patch.apply)(current)?;
        check_references(
            &mut tx,
            tenant,
            Some(id),
            record.parent_team_id,
            record.manager_person_id,
        )
        .await?;
        let saved = store::save_team(&mut tx, tenant, &record).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// A page of the subtree under a team the caller sees, each team with its depth below it.
    pub async fn team_subtree(&self, caller: &Caller, q: SubtreeQuery) -> ApiResult<Listed<(TeamRecord, i32)>> {
        let tenant = caller.tenant_id;
        let root = q.root;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let scope = scope_of(&mut tx, caller).await?;
        if !(scope.all || scope.teams.contains(&root)) || !store::team_exists(&mut tx, tenant, root).await? {
            return Err(ApiError::not_found("team"));
        }
        let rows = store::list_subtree(&mut tx, tenant, &scope, root, q.after, q.page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(q.page.list(rows, |(t, depth)| format!("{depth}/{}", t.team_id)))
    }
}

//! Who may see and change what. Hiring has no org tables: the directory says whom the caller may
//! see and which teams they manage, and a requisition is visible to a manager when its hiring
//! manager is them or someone they see, or its team is in the subtree they manage (a leader sees
//! the seats of the managers below, who need not be members of any team).
//! Candidates, interviews and hires are visible through their requisition.

use std::sync::Arc;

use attain_domain::org::{AccessRole, TeamLink, managed_subtree};
use attain_runtime::{ApiError, ApiResult, Caller, Ctx};
use uuid::Uuid;

use super::HiringApi;
use crate::store::requisitions::RequisitionRecord;

/// The teams `manager` manages and every team below them: of the teams the caller may read
/// (which for a manager include their whole managed subtree), those reached from a team they
/// manage through parent links.
async fn managed_teams(api: &HiringApi, ctx: &Ctx, manager: Uuid) -> ApiResult<Vec<Uuid>> {
    let teams: Vec<TeamLink> = api
        .peers
        .org
        .teams(ctx)
        .await?
        .iter()
        .filter_map(|t| {
            Some(TeamLink {
                id: Uuid::try_parse(&t.id).ok()?,
                parent: Uuid::try_parse(&t.parent_team_id).ok(),
                manager: Uuid::try_parse(&t.manager_id).ok(),
            })
        })
        .collect();
    Ok(managed_subtree(&teams, manager))
}

/// The caller with the hiring managers whose requisitions they may see.
pub struct View {
    pub caller: Caller,
    /// `None` for whole-tenant callers.
    managers: Option<Arc<Vec<Uuid>>>,
    /// The teams a manager manages, with their subtrees; empty for whole-tenant callers.
    teams: Vec<Uuid>,
}

impl View {
    /// The caller's view; PERMISSION_DENIED for a REP, who sees nothing of hiring.
    pub async fn of(api: &HiringApi, ctx: &Ctx) -> ApiResult<View> {
        Self::naming(api, ctx, &[]).await
    }

    /// The view for a call that names people: the directory is asked afresh if its cached
    /// answer lacks any of them.
    pub async fn naming(api: &HiringApi, ctx: &Ctx, named: &[Uuid]) -> ApiResult<View> {
        ctx.require(
            &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
            "see hiring",
        )?;
        if ctx.role.sees_whole_tenant() {
            return Ok(View {
                caller: ctx.caller().clone(),
                managers: None,
                teams: Vec::new(),
            });
        }
        let mut managers = api.peers.directory.visible_people_naming(ctx, named).await?.to_vec();
        managers.extend(ctx.person_id);
        let teams = match ctx.person_id {
            Some(me) => managed_teams(api, ctx, me).await?,
            None => Vec::new(),
        };
        Ok(View {
            caller: ctx.caller().clone(),
            managers: Some(Arc::new(managers)),
            teams,
        })
    }

    /// The hiring managers whose requisitions the caller sees; `None`: all.
    pub fn managers(&self) -> Option<&[Uuid]> {
        self.managers.as_deref().map(Vec::as_slice)
    }

    /// The teams whose requisitions the caller sees besides those of `managers()`.
    pub fn teams(&self) -> &[Uuid] {
        &self.teams
    }

    /// Whether the caller sees `person` (as a possible hiring manager or interviewer).
    pub fn sees_person(&self, person: Uuid) -> bool {
        self.managers.as_ref().is_none_or(|m| m.contains(&person))
    }

    pub fn sees(&self, r: &RequisitionRecord) -> bool {
        self.sees_person(r.hiring_manager_id) || self.teams.contains(&r.team_id)
    }

    /// The requisition if the caller sees it; NOT_FOUND otherwise, as for another tenant's.
    pub fn see(&self, r: Option<RequisitionRecord>, id: Uuid) -> ApiResult<RequisitionRecord> {
        r.filter(|r| self.sees(r))
            .ok_or_else(|| ApiError::not_found(format!("requisition {id}")))
    }
}

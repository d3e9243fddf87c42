//! Who may see and change what. Hiring has no org tables: the directory says whom the caller may
//! see and which teams they manage, and a requisition is visible to a manager when its hiring
//! manager is them or someone they see, or its team is in the subtree they manage (a leader sees
//! the seats of the managers below, who need not be members of any team).
//! Candidates, interviews and hires are visible through their requisition.

use std::sync::Arc;

use attain_domain::org::AccessRole;
use attain_runtime::{ApiError, ApiResult, Caller};
use uuid::Uuid;

use super::HiringApi;
use crate::store::requisitions::RequisitionRecord;

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
    pub async fn of(api: &HiringApi, caller: &Caller, credential: &str) -> ApiResult<View> {
        Self::naming(api, caller, credential, &[]).await
    }

    /// The view for a call that names people (ids as given; bad ones are left to the field
    /// checks): the directory is asked afresh if its cached answer lacks any of them.
    pub async fn naming(api: &HiringApi, caller: &Caller, credential: &str, named: &[&str]) -> ApiResult<View> {
        caller.require(
            &[AccessRole::Admin, AccessRole::Integration, AccessRole::Manager],
            "see hiring",
        )?;
        if caller.role.sees_whole_tenant() {
            return Ok(View {
                caller: caller.clone(),
                managers: None,
                teams: Vec::new(),
            });
        }
        let named: Vec<Uuid> = named.iter().filter_map(|s| Uuid::try_parse(s).ok()).collect();
        let mut managers = api.peers.visible(caller, credential, &named).await?.to_vec();
        managers.extend(caller.person_id);
        let teams = match caller.person_id {
            Some(me) => api.peers.managed_teams(credential, me).await?,
            None => Vec::new(),
        };
        Ok(View {
            caller: caller.clone(),
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

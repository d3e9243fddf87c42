//! Who may see and change what. Coaching has no org tables: the directory says whom the caller
//! may see (a manager their subtree, a rep themself), and that decides everything else.

use std::sync::Arc;

use attain_domain::org::AccessRole;
use attain_runtime::{ApiError, ApiResult, Ctx};
use uuid::Uuid;

use super::CoachingApi;
use crate::store::sessions::SessionRecord;
use attain_runtime::clients::Peers;

/// The caller with the people they may see.
pub struct View {
    /// The caller, and how to ask the directory again on their behalf.
    pub ctx: Ctx,
    pub visible: Arc<Vec<Uuid>>,
    peers: Arc<Peers>,
    /// The directory's answer asked afresh, once, when a person the call names is not in the
    /// cached one: someone created a moment ago must be usable at once.
    fresh: tokio::sync::OnceCell<Arc<Vec<Uuid>>>,
}

impl View {
    pub async fn of(api: &CoachingApi, ctx: &Ctx) -> ApiResult<View> {
        Self::of_peers(&api.peers, ctx).await
    }

    /// The view for a call that names people: asked afresh if the cached one lacks any of them,
    /// so that someone created a moment ago can be coached at once.
    pub async fn naming(peers: &Arc<Peers>, ctx: &Ctx, named: &[Uuid]) -> ApiResult<View> {
        let mut view = Self::of_peers(peers, ctx).await?;
        if !named.iter().all(|id| view.sees(*id)) {
            view.visible = peers.directory.visible_people_naming(ctx, named).await?;
        }
        Ok(view)
    }

    pub async fn of_peers(peers: &Arc<Peers>, ctx: &Ctx) -> ApiResult<View> {
        Ok(View {
            ctx: ctx.clone(),
            visible: peers.directory.visible_people(ctx).await?,
            peers: peers.clone(),
            fresh: tokio::sync::OnceCell::new(),
        })
    }

    pub fn me(&self) -> Option<Uuid> {
        self.ctx.person_id
    }

    /// Whether the caller sees `person`, by the directory's cached answer (for filtering lists).
    pub fn sees(&self, person: Uuid) -> bool {
        self.me() == Some(person) || self.visible.contains(&person)
    }

    /// NOT_FOUND unless the caller may see `person` (other tenants' people look the same).
    pub async fn see(&self, person: Uuid) -> ApiResult<()> {
        if self.sees(person) {
            return Ok(());
        }
        let fresh = self
            .fresh
            .get_or_try_init(|| self.peers.directory.fresh_visible_people(&self.ctx))
            .await?;
        if fresh.contains(&person) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!("person {person}")))
        }
    }

    /// Ok when the caller may plan and record coaching for `person`: ADMIN for anyone, a MANAGER
    /// for the people they see other than themself.
    pub async fn manage(&self, person: Uuid, action: &str) -> ApiResult<()> {
        self.ctx.require(&[AccessRole::Admin, AccessRole::Manager], action)?;
        self.see(person).await?;
        if self.ctx.role == AccessRole::Manager && self.me() == Some(person) {
            return Err(ApiError::PermissionDenied(format!(
                "a manager may not {action} for themself"
            )));
        }
        Ok(())
    }

    pub fn sees_session(&self, s: &SessionRecord) -> bool {
        self.ctx.role.sees_whole_tenant() || self.sees(s.coach_id) || s.coachee_ids.iter().any(|p| self.sees(*p))
    }

    /// Ok when the caller may change `s`: an ADMIN, the coach, or a MANAGER who sees a coachee.
    pub fn change_session(&self, s: &SessionRecord) -> ApiResult<()> {
        if !self.sees_session(s) {
            return Err(ApiError::not_found(format!("session {}", s.session_id)));
        }
        let manager_of_coachee =
            self.ctx.role == AccessRole::Manager && s.coachee_ids.iter().any(|p| self.visible.contains(p));
        if self.ctx.role == AccessRole::Admin || self.me() == Some(s.coach_id) || manager_of_coachee {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(
                "only the coach, a manager of a coachee or an admin may change a session".into(),
            ))
        }
    }

    /// The people whose sessions and plans a list covers: everyone (`None`) for whole-tenant
    /// callers, else those the caller sees.
    pub fn involving(&self) -> Option<Vec<Uuid>> {
        if self.ctx.role.sees_whole_tenant() {
            return None;
        }
        let mut people = self.visible.to_vec();
        people.extend(self.me());
        Some(people)
    }
}

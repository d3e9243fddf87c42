//! Sessions and action items: schedule, read, list, change, complete; action items from next
//! steps.

use attain_domain::{
    Violations,
    coaching::{SessionKind, SessionStatus},
    org::AccessRole,
    period::PeriodSpec,
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{CoachingApi, access::View};
use crate::store::sessions::{self as store, ActionItemRecord, Filter, NewSession, SessionRecord, StoredLink};

/// A session to schedule, its fields checked; whether the caller may see the coach and coach
/// the coachees is the use case's to check.
pub struct NewSessionInput {
    pub request_id: Option<Uuid>,
    pub kind: SessionKind,
    pub coach_id: Uuid,
    /// As given (1 to 50, possibly repeated); the experts are among them.
    pub coachee_ids: Vec<Uuid>,
    pub expert_ids: Vec<Uuid>,
    pub start_time: DateTime<Utc>,
    pub duration_minutes: i32,
    pub agenda: String,
    pub focus_metric_keys: Vec<String>,
    pub links: Vec<StoredLink>,
}

/// A session with its action items.
pub struct SessionDetail {
    pub session: SessionRecord,
    pub items: Vec<ActionItemRecord>,
}

/// Which sessions to list, checked.
pub struct SessionQuery {
    pub page: Page,
    /// The position of the page token: the start time and id of the last session listed.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub coach_id: Option<Uuid>,
    pub coachee_id: Option<Uuid>,
    pub status: Option<SessionStatus>,
    /// Sessions starting in this period of the tenant's calendar; all when unset.
    pub period: Option<PeriodSpec>,
}

/// One page of sessions with their action items.
pub struct SessionPage {
    pub sessions: Listed<SessionRecord>,
    pub items: Vec<ActionItemRecord>,
}

/// A change to a scheduled session: which one, at which revision, and what changes. The
/// changes are checked only once the session is known to be the caller's to change, so their
/// refusal comes after NOT_FOUND, PERMISSION_DENIED and a stale etag, as it always has.
pub struct SessionUpdate {
    pub session_id: Uuid,
    /// The revision the caller read; `None` changes whatever is stored.
    pub revision: Option<i64>,
    pub changes: Decoded<SessionChanges>,
}

/// The fields an update mask names, each checked (`None`: not in the mask).
#[derive(Default)]
pub struct SessionChanges {
    pub start_time: Option<DateTime<Utc>>,
    pub duration_minutes: Option<i32>,
    pub agenda: Option<String>,
    pub notes: Option<String>,
    pub focus_metric_keys: Option<Vec<String>>,
    pub links: Option<Vec<StoredLink>>,
    /// Not COMPLETED (a session is completed by CompleteSession).
    pub status: Option<SessionStatus>,
    /// As given, 1 to 50.
    pub coachee_ids: Option<Vec<Uuid>>,
    pub expert_ids: Option<Vec<Uuid>>,
}

/// A session's completion: notes, what went well and not, next steps, a follow-up.
pub struct Completion {
    pub session_id: Uuid,
    pub notes: String,
    pub went_well: Vec<String>,
    pub to_improve: Vec<String>,
    pub next_steps: Vec<NextStep>,
    pub follow_up_time: Option<DateTime<Utc>>,
}

/// A next step: an action item for the coach or a coachee.
pub struct NextStep {
    pub description: String,
    pub owner_id: Uuid,
    pub due_date: NaiveDate,
}

/// A completed session and the follow-up scheduled with it.
pub struct Completed {
    pub session: SessionDetail,
    pub follow_up: Option<SessionDetail>,
}

/// Whose action items to list: one owner's, or one session's.
pub enum ItemScope {
    Owner(Uuid),
    Session(Uuid),
}

/// Where a list of sessions stopped: the page token's position after the last session listed.
pub fn session_position(s: &SessionRecord) -> String {
    format!("{}|{}", s.start_time.to_rfc3339(), s.session_id)
}

/// The start time and id a page token's position names (see [`session_position`]).
pub fn parse_session_position(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (time, id) = text.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc),
        Uuid::parse_str(id).ok()?,
    ))
}

/// Whether a session still scheduled should have ended by `now`.
pub fn is_overdue(s: &SessionRecord, now: DateTime<Utc>) -> bool {
    let end = s.start_time + chrono::Duration::minutes(i64::from(s.duration_minutes));
    s.status == SessionStatus::Scheduled && end < now
}

/// Experts must be coachees too.
pub fn check_experts(v: &mut Violations, coachees: &[Uuid], experts: &[Uuid]) {
    for (i, p) in experts.iter().enumerate() {
        if !coachees.contains(p) {
            v.add(format!("session.expert_ids[{i}]"), "must also be a coachee");
        }
    }
}

/// Reports coachees the caller may not coach (by their place in `coachees`).
fn check_coachees(v: &mut Violations, view: &View, coachees: &[Uuid]) {
    for (i, p) in coachees.iter().enumerate() {
        if !view.sees(*p) {
            v.add(
                format!("session.coachee_ids[{i}]"),
                "no person with this id that you may coach",
            );
        }
    }
}

/// The coachees as stored: sorted, each once.
fn distinct(mut coachees: Vec<Uuid>) -> Vec<Uuid> {
    coachees.sort_unstable();
    coachees.dedup();
    coachees
}

impl CoachingApi {
    /// A stored session with its action items; NOT_FOUND when there is none.
    async fn session_detail(&self, tenant: Uuid, id: Uuid) -> ApiResult<SessionDetail> {
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let session = store::get(&mut tx, tenant, id, false).await?;
        let items = store::items_of_sessions(&mut tx, tenant, &[id]).await?;
        tx.commit().await?;
        let session = session.ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
        Ok(SessionDetail { session, items })
    }

    pub async fn create_session(&self, ctx: &Ctx, input: Decoded<NewSessionInput>) -> ApiResult<SessionDetail> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "schedule coaching sessions")?;
        let named: Vec<Uuid> = input
            .peek()
            .map(|s| {
                std::iter::once(s.coach_id)
                    .chain(s.coachee_ids.iter().copied())
                    .chain(s.expert_ids.iter().copied())
                    .collect()
            })
            .unwrap_or_default();
        let view = View::naming(&self.peers, ctx, &named).await?;
        let s = input.get()?;
        // Whom the caller may see and coach, now that the ids themselves are valid.
        let mut v = Violations::new();
        if !view.sees(s.coach_id) {
            v.add("session.coach_id", "no person with this id that you may see");
        }
        check_coachees(&mut v, &view, &s.coachee_ids);
        v.into_result(())?;
        let coachees = distinct(s.coachee_ids);
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let existing = match s.request_id {
            Some(r) => store::by_request(&mut tx, tenant, r).await?,
            None => None,
        };
        let id = match existing {
            Some(id) => id,
            None => {
                let new = NewSession {
                    kind: s.kind,
                    coach_id: s.coach_id,
                    coachee_ids: &coachees,
                    expert_ids: &s.expert_ids,
                    start_time: s.start_time,
                    duration_minutes: s.duration_minutes,
                    agenda: &s.agenda,
                    focus_metric_keys: &s.focus_metric_keys,
                    links: &s.links,
                    cadence: None,
                };
                store::insert(&mut tx, tenant, &new, s.request_id)
                    .await?
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("session insert returned nothing")))?
            }
        };
        tx.commit().await?;
        self.session_detail(tenant, id).await
    }

    pub async fn get_session(&self, ctx: &Ctx, id: Uuid) -> ApiResult<SessionDetail> {
        let view = View::of(self, ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let session = store::get(&mut tx, ctx.tenant_id, id, false)
            .await?
            .filter(|s| view.sees_session(s))
            .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
        let items = store::items_of_sessions(&mut tx, ctx.tenant_id, &[id]).await?;
        tx.commit().await?;
        Ok(SessionDetail { session, items })
    }

    pub async fn list_sessions(&self, ctx: &Ctx, q: SessionQuery) -> ApiResult<SessionPage> {
        let calendar = self.peers.directory.calendar(ctx).await?;
        let range = q
            .period
            .map(|spec| spec.resolve(&calendar, calendar.local_date(Utc::now())));
        let view = View::of(self, ctx).await?;
        let (from, to) = match range {
            Some(r) => (
                Some(calendar.day_start(r.start)),
                Some(calendar.day_start(r.end.succ_opt().unwrap_or(r.end))),
            ),
            None => (None, None),
        };
        let filter = Filter {
            coach: q.coach_id,
            coachee: q.coachee_id,
            involving: view.involving(),
            from,
            to,
            status: q.status,
            after: q.after,
        };
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let rows = store::list(&mut tx, tenant, &filter, q.page.fetch_limit()).await?;
        let sessions = q.page.list(rows, session_position);
        let ids: Vec<Uuid> = sessions.items.iter().map(|s| s.session_id).collect();
        let items = store::items_of_sessions(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        Ok(SessionPage { sessions, items })
    }

    pub async fn update_session(&self, ctx: &Ctx, input: Decoded<SessionUpdate>) -> ApiResult<SessionDetail> {
        let view = View::of(self, ctx).await?;
        let SessionUpdate {
            session_id: id,
            revision,
            changes,
        } = input.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let mut s: SessionRecord = store::get(&mut tx, tenant, id, true)
            .await?
            .filter(|s| view.sees_session(s))
            .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
        view.change_session(&s)?;
        convert::check_revision(revision, s.revision, "session")?;
        if s.status != SessionStatus::Scheduled {
            return Err(ApiError::FailedPrecondition(format!(
                "the session is {}; only scheduled sessions change",
                s.status
            )));
        }
        let ch = changes.get()?;
        let mut v = Violations::new();
        if let Some(t) = ch.start_time {
            s.start_time = t;
        }
        if let Some(m) = ch.duration_minutes {
            s.duration_minutes = m;
        }
        if let Some(agenda) = ch.agenda {
            s.agenda = agenda;
        }
        if let Some(notes) = ch.notes {
            s.notes = notes;
        }
        if let Some(keys) = ch.focus_metric_keys {
            s.focus_metric_keys = keys;
        }
        if let Some(links) = ch.links {
            s.links = sqlx::types::Json(links);
        }
        if let Some(next) = ch.status {
            if !s.status.can_become(next) {
                v.add(
                    "session.status",
                    format!("a {} session cannot become {}", s.status, next),
                );
            }
            s.status = next;
        }
        // New coachees or experts: the ones not given stay as stored.
        let people = if ch.coachee_ids.is_some() || ch.expert_ids.is_some() {
            let coachees = ch.coachee_ids.unwrap_or_else(|| s.coachee_ids.clone());
            let experts = ch.expert_ids.unwrap_or_else(|| s.expert_ids.clone());
            check_coachees(&mut v, &view, &coachees);
            check_experts(&mut v, &coachees, &experts);
            Some((distinct(coachees), experts))
        } else {
            None
        };
        v.into_result(())?;
        store::save(&mut tx, tenant, &s).await?;
        if let Some((coachees, experts)) = &people {
            store::set_people(&mut tx, tenant, id, coachees, experts).await?;
        }
        tx.commit().await?;
        self.session_detail(tenant, id).await
    }

    pub async fn complete_session(&self, ctx: &Ctx, input: Decoded<Completion>) -> ApiResult<Completed> {
        let view = View::of(self, ctx).await?;
        let c = input.get()?;
        let id = c.session_id;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let mut s = store::get(&mut tx, tenant, id, true)
            .await?
            .filter(|s| view.sees_session(s))
            .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
        view.change_session(&s)?;
        let mut v = Violations::new();
        for (i, step) in c.next_steps.iter().enumerate() {
            if step.owner_id != s.coach_id && !s.coachee_ids.contains(&step.owner_id) {
                v.add(
                    format!("next_steps[{i}].owner_id"),
                    "must be the coach or a coachee of the session",
                );
            }
        }
        if let Some(t) = c.follow_up_time
            && t <= s.start_time
        {
            v.add("follow_up_time", "must be after the session's start");
        }
        v.into_result(())?;
        if s.status != SessionStatus::Scheduled {
            return Err(ApiError::FailedPrecondition(format!(
                "the session is {}; only a scheduled session can be completed",
                s.status
            )));
        }
        for step in &c.next_steps {
            store::insert_item(&mut tx, tenant, id, &step.description, step.owner_id, step.due_date).await?;
        }
        if let Some(t) = c.follow_up_time {
            let new = NewSession {
                kind: s.kind,
                coach_id: s.coach_id,
                coachee_ids: &s.coachee_ids,
                expert_ids: &s.expert_ids,
                start_time: t,
                duration_minutes: s.duration_minutes,
                agenda: "Follow-up",
                focus_metric_keys: &s.focus_metric_keys,
                links: &[],
                cadence: None,
            };
            s.follow_up_session_id = store::insert(&mut tx, tenant, &new, None).await?;
        }
        s.status = SessionStatus::Completed;
        s.notes = c.notes;
        s.went_well = c.went_well;
        s.to_improve = c.to_improve;
        store::save(&mut tx, tenant, &s).await?;
        tx.commit().await?;
        let follow_up = match s.follow_up_session_id {
            Some(f) => Some(self.session_detail(tenant, f).await?),
            None => None,
        };
        Ok(Completed {
            session: self.session_detail(tenant, id).await?,
            follow_up,
        })
    }

    /// An owner's action items or a session's; done ones only when `include_done`.
    pub async fn list_action_items(
        &self,
        ctx: &Ctx,
        scope: ItemScope,
        include_done: bool,
    ) -> ApiResult<Vec<ActionItemRecord>> {
        let view = View::of(self, ctx).await?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let items = match scope {
            ItemScope::Owner(id) => {
                if !ctx.role.sees_whole_tenant() {
                    view.see(id).await?;
                }
                store::items_of_owner(&mut tx, tenant, id, include_done).await?
            }
            ItemScope::Session(id) => {
                let s = store::get(&mut tx, tenant, id, false)
                    .await?
                    .filter(|s| view.sees_session(s))
                    .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
                store::items_of_sessions(&mut tx, tenant, &[s.session_id])
                    .await?
                    .into_iter()
                    .filter(|i| include_done || i.done_at.is_none())
                    .collect()
            }
        };
        tx.commit().await?;
        Ok(items)
    }

    pub async fn update_action_item(&self, ctx: &Ctx, id: Uuid, done: bool) -> ApiResult<ActionItemRecord> {
        let view = View::of(self, ctx).await?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let item = store::get_item(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("action item {id}")))?;
        let session = store::get(&mut tx, tenant, item.session_id, false).await?;
        let allowed =
            view.me() == Some(item.owner_id) || session.as_ref().is_some_and(|s| view.change_session(s).is_ok());
        if !allowed {
            let visible = session.as_ref().is_some_and(|s| view.sees_session(s));
            return Err(if visible {
                ApiError::PermissionDenied(
                    "only the owner, the coach or their manager may change an action item".into(),
                )
            } else {
                ApiError::not_found(format!("action item {id}"))
            });
        }
        let item = store::set_item_done(&mut tx, tenant, id, done).await?;
        tx.commit().await?;
        Ok(item)
    }
}

//! Sessions and action items: schedule, read, list, change, complete; action items from next
//! steps.

use attain_domain::{
    Violations,
    coaching::{SessionKind, SessionStatus},
    org::AccessRole,
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::enums::from_wire;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    CoachingApi,
    access::View,
    convert::{self as cv, duration},
};
use crate::store::sessions::{self as store, Filter, NewSession, SessionRecord, StoredLink};

const MAX_COACHEES: usize = 50;
const MAX_NEXT_STEPS: usize = 50;
const UPDATABLE: &[&str] = &[
    "start_time",
    "duration_minutes",
    "agenda",
    "notes",
    "focus_metric_keys",
    "links",
    "coachee_ids",
    "expert_ids",
    "status",
];

pub fn check_text(v: &mut Violations, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
    if text.contains('\0') {
        v.add(field, "must not contain NUL characters");
    }
}

fn check_lines(v: &mut Violations, field: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            v.add(format!("{field}[{i}]"), "must not be empty");
        }
        check_text(v, &format!("{field}[{i}]"), line, 2000);
    }
}

fn ids(v: &mut Violations, field: &str, texts: &[String]) -> Vec<Uuid> {
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, t)| convert::required_id(v, &format!("{field}[{i}]"), t))
        .collect()
}

fn links(v: &mut Violations, links: &[pb::Link]) -> Vec<StoredLink> {
    links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if l.target.trim().is_empty() {
                v.add(format!("session.links[{i}].target"), "is required");
            }
            check_text(v, &format!("session.links[{i}].target"), &l.target, 2000);
            check_text(v, &format!("session.links[{i}].label"), &l.label, 200);
            StoredLink {
                kind: cv::link_kind(l.kind).into(),
                target: l.target.clone(),
                label: l.label.clone(),
            }
        })
        .collect()
}

/// Coachees and experts: 1 to 50 coachees, experts among them, each visible to the caller.
fn people(v: &mut Violations, view: &View, coachees: &[String], experts: &[String]) -> (Vec<Uuid>, Vec<Uuid>) {
    if coachees.is_empty() || coachees.len() > MAX_COACHEES {
        v.add("session.coachee_ids", format!("give 1 to {MAX_COACHEES} coachees"));
    }
    let mut coachee_ids = ids(v, "session.coachee_ids", coachees);
    for (i, p) in coachee_ids.iter().enumerate() {
        if !view.sees(*p) {
            v.add(
                format!("session.coachee_ids[{i}]"),
                "no person with this id that you may coach",
            );
        }
    }
    let expert_ids = ids(v, "session.expert_ids", experts);
    for (i, p) in expert_ids.iter().enumerate() {
        if !coachee_ids.contains(p) {
            v.add(format!("session.expert_ids[{i}]"), "must also be a coachee");
        }
    }
    coachee_ids.sort_unstable();
    coachee_ids.dedup();
    (coachee_ids, expert_ids)
}

async fn load(api: &CoachingApi, tenant: Uuid, ids: &[Uuid]) -> ApiResult<Vec<pb::Session>> {
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut sessions = Vec::new();
    for id in ids {
        if let Some(s) = store::get(&mut tx, tenant, *id, false).await? {
            sessions.push(s);
        }
    }
    let items = store::items_of_sessions(&mut tx, tenant, ids).await?;
    tx.commit().await?;
    let now = Utc::now();
    Ok(sessions.iter().map(|s| cv::session_to_proto(s, &items, now)).collect())
}

async fn one(api: &CoachingApi, tenant: Uuid, id: Uuid) -> ApiResult<pb::Session> {
    load(api, tenant, &[id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("session {id}")))
}

pub async fn create(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateSessionRequest,
) -> ApiResult<pb::CreateSessionResponse> {
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "schedule coaching sessions")?;
    let s = req.session.unwrap_or_default();
    let named = [&s.coach_id].into_iter().chain(&s.coachee_ids).chain(&s.expert_ids);
    let view = View::naming(&api.peers, ctx, named).await?;
    let mut v = Violations::new();
    let request_id = convert::request_id(&mut v, &req.request_id);
    let kind = from_wire::<SessionKind>(s.kind);
    if kind.is_none() {
        v.add(
            "session.kind",
            "must be one of the SESSION_KIND_ values other than UNSPECIFIED",
        );
    }
    let coach = convert::required_id(&mut v, "session.coach_id", &s.coach_id);
    if let Some(c) = coach
        && !view.sees(c)
    {
        v.add("session.coach_id", "no person with this id that you may see");
    }
    let (coachees, experts) = people(&mut v, &view, &s.coachee_ids, &s.expert_ids);
    if kind != Some(SessionKind::TeamCoaching) && !experts.is_empty() {
        v.add("session.expert_ids", "only team coaching tags subject-matter experts");
    }
    let start = match s.start_time.as_ref() {
        None => {
            v.add("session.start_time", "is required");
            None
        }
        Some(t) => {
            let parsed = attain_runtime::convert::from_timestamp_opt(t);
            if parsed.is_none() {
                v.add("session.start_time", "is not a valid time");
            }
            parsed
        }
    };
    let minutes = duration(&mut v, "session.duration_minutes", s.duration_minutes);
    check_text(&mut v, "session.agenda", &s.agenda, 10_000);
    check_lines(&mut v, "session.focus_metric_keys", &s.focus_metric_keys);
    let links = links(&mut v, &s.links);
    let (kind, coach, start) = match v.into_result((kind, coach, start))? {
        (Some(k), Some(c), Some(t)) => (k, c, t),
        _ => return Err(ApiError::invalid("session", "is required")),
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let existing = match request_id {
        Some(r) => store::by_request(&mut tx, tenant, r).await?,
        None => None,
    };
    let id = match existing {
        Some(id) => id,
        None => {
            let new = NewSession {
                kind,
                coach_id: coach,
                coachee_ids: &coachees,
                expert_ids: &experts,
                start_time: start,
                duration_minutes: minutes,
                agenda: &s.agenda,
                focus_metric_keys: &s.focus_metric_keys,
                links: &links,
                cadence: None,
            };
            store::insert(&mut tx, tenant, &new, request_id)
                .await?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("session insert returned nothing")))?
        }
    };
    tx.commit().await?;
    Ok(pb::CreateSessionResponse {
        session: Some(one(api, tenant, id).await?),
    })
}

fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

pub async fn get(api: &CoachingApi, ctx: &Ctx, req: pb::GetSessionRequest) -> ApiResult<pb::GetSessionResponse> {
    let id = required_id("id", &req.id)?;
    let view = View::of(api, ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let s = store::get(&mut tx, ctx.tenant_id, id, false)
        .await?
        .filter(|s| view.sees_session(s))
        .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
    let items = store::items_of_sessions(&mut tx, ctx.tenant_id, &[id]).await?;
    tx.commit().await?;
    Ok(pb::GetSessionResponse {
        session: Some(cv::session_to_proto(&s, &items, Utc::now())),
    })
}

fn page_position(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (time, id) = text.split_once('|')?;
    Some((
        DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc),
        Uuid::parse_str(id).ok()?,
    ))
}

pub async fn list(api: &CoachingApi, ctx: &Ctx, req: pb::ListSessionsRequest) -> ApiResult<pb::ListSessionsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let after = page.after.as_deref().and_then(|p| {
        let position = page_position(p);
        if position.is_none() {
            v.add("page_token", "is not a token from a previous page of this list");
        }
        position
    });
    let coach = convert::optional_id(&mut v, "coach_id", &req.coach_id);
    let coachee = convert::optional_id(&mut v, "coachee_id", &req.coachee_id);
    let status = match req.status {
        0 => None,
        s => match from_wire::<SessionStatus>(s) {
            Some(s) => Some(s),
            None => {
                v.add("status", "is not a SESSION_STATUS_ value");
                None
            }
        },
    };
    let calendar = api.peers.directory.calendar(ctx).await?;
    let range = match req.period.as_ref() {
        Some(p) => convert::resolve_period(&mut v, "period", Some(p), &calendar),
        None => None,
    };
    v.into_result(())?;
    let view = View::of(api, ctx).await?;
    let (from, to) = match range {
        Some(r) => (
            Some(calendar.day_start(r.start)),
            Some(calendar.day_start(r.end.succ_opt().unwrap_or(r.end))),
        ),
        None => (None, None),
    };
    let filter = Filter {
        coach,
        coachee,
        involving: view.involving(),
        from,
        to,
        status,
        after,
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut sessions = store::list(&mut tx, tenant, &filter, page.fetch_limit()).await?;
    let next_page_token = page.finish(&mut sessions, |s| {
        format!("{}|{}", s.start_time.to_rfc3339(), s.session_id)
    });
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.session_id).collect();
    let items = store::items_of_sessions(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    let now = Utc::now();
    Ok(pb::ListSessionsResponse {
        sessions: sessions.iter().map(|s| cv::session_to_proto(s, &items, now)).collect(),
        next_page_token,
    })
}

pub async fn update(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateSessionRequest,
) -> ApiResult<pb::UpdateSessionResponse> {
    let input = req.session.unwrap_or_default();
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "session.id", &input.id);
    let expected = convert::parse_etag(&mut v, "session.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let view = View::of(api, ctx).await?;
    let id = v
        .clone()
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("session.id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut s: SessionRecord = store::get(&mut tx, tenant, id, true)
        .await?
        .filter(|s| view.sees_session(s))
        .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
    view.change_session(&s)?;
    convert::check_revision(expected, s.revision, "session")?;
    if s.status != SessionStatus::Scheduled {
        return Err(ApiError::FailedPrecondition(format!(
            "the session is {}; only scheduled sessions change",
            s.status
        )));
    }
    let mut people_changed = false;
    for path in &paths {
        match *path {
            "start_time" => match input
                .start_time
                .as_ref()
                .and_then(attain_runtime::convert::from_timestamp_opt)
            {
                Some(t) => s.start_time = t,
                None => v.add("session.start_time", "is required and must be a valid time"),
            },
            "duration_minutes" => {
                s.duration_minutes = duration(&mut v, "session.duration_minutes", input.duration_minutes)
            }
            "agenda" => {
                check_text(&mut v, "session.agenda", &input.agenda, 10_000);
                s.agenda = input.agenda.clone();
            }
            "notes" => {
                check_text(&mut v, "session.notes", &input.notes, 20_000);
                s.notes = input.notes.clone();
            }
            "focus_metric_keys" => {
                check_lines(&mut v, "session.focus_metric_keys", &input.focus_metric_keys);
                s.focus_metric_keys = input.focus_metric_keys.clone();
            }
            "links" => s.links = sqlx::types::Json(links(&mut v, &input.links)),
            "coachee_ids" | "expert_ids" => people_changed = true,
            "status" => match from_wire::<SessionStatus>(input.status) {
                Some(SessionStatus::Completed) => v.add("session.status", "complete a session with CompleteSession"),
                Some(next) => {
                    let current = s.status;
                    if !current.can_become(next) {
                        v.add(
                            "session.status",
                            format!("a {} session cannot become {}", s.status, next),
                        );
                    }
                    s.status = next;
                }
                None => v.add(
                    "session.status",
                    "must be one of the SESSION_STATUS_ values other than UNSPECIFIED",
                ),
            },
            _ => {}
        }
    }
    let (coachees, experts) = if people_changed {
        let coachees = if paths.contains(&"coachee_ids") {
            input.coachee_ids.clone()
        } else {
            s.coachee_ids.iter().map(Uuid::to_string).collect()
        };
        let experts = if paths.contains(&"expert_ids") {
            input.expert_ids.clone()
        } else {
            s.expert_ids.iter().map(Uuid::to_string).collect()
        };
        people(&mut v, &view, &coachees, &experts)
    } else {
        (Vec::new(), Vec::new())
    };
    v.into_result(())?;
    store::save(&mut tx, tenant, &s).await?;
    if people_changed {
        store::set_people(&mut tx, tenant, id, &coachees, &experts).await?;
    }
    tx.commit().await?;
    Ok(pb::UpdateSessionResponse {
        session: Some(one(api, tenant, id).await?),
    })
}

pub async fn complete(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CompleteSessionRequest,
) -> ApiResult<pb::CompleteSessionResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "id", &req.id);
    check_text(&mut v, "notes", &req.notes, 20_000);
    check_lines(&mut v, "went_well", &req.went_well);
    check_lines(&mut v, "to_improve", &req.to_improve);
    if req.next_steps.len() > MAX_NEXT_STEPS {
        v.add("next_steps", format!("at most {MAX_NEXT_STEPS}"));
    }
    let mut steps = Vec::new();
    for (i, step) in req.next_steps.iter().enumerate() {
        let field = format!("next_steps[{i}]");
        if step.description.trim().is_empty() {
            v.add(format!("{field}.description"), "is required");
        }
        check_text(&mut v, &format!("{field}.description"), &step.description, 2000);
        let owner = convert::required_id(&mut v, &format!("{field}.owner_id"), &step.owner_id);
        let due = convert::required_date(&mut v, &format!("{field}.due_date"), step.due_date.as_ref());
        steps.push((step.description.clone(), owner, due));
    }
    let follow_up = match req.follow_up_time.as_ref() {
        Some(t) => {
            let parsed = attain_runtime::convert::from_timestamp_opt(t);
            if parsed.is_none() {
                v.add("follow_up_time", "is not a valid time");
            }
            parsed
        }
        None => None,
    };
    let view = View::of(api, ctx).await?;
    let id = v
        .clone()
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let mut s = store::get(&mut tx, tenant, id, true)
        .await?
        .filter(|s| view.sees_session(s))
        .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
    view.change_session(&s)?;
    for (i, (_, owner, _)) in steps.iter().enumerate() {
        if let Some(o) = owner
            && *o != s.coach_id
            && !s.coachee_ids.contains(o)
        {
            v.add(
                format!("next_steps[{i}].owner_id"),
                "must be the coach or a coachee of the session",
            );
        }
    }
    if let Some(t) = follow_up
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
    for (description, owner, due) in &steps {
        if let (Some(owner), Some(due)) = (owner, due) {
            store::insert_item(&mut tx, tenant, id, description, *owner, *due).await?;
        }
    }
    if let Some(t) = follow_up {
        let kind = s.kind;
        let new = NewSession {
            kind,
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
    s.notes = req.notes.clone();
    s.went_well = req.went_well.clone();
    s.to_improve = req.to_improve.clone();
    store::save(&mut tx, tenant, &s).await?;
    tx.commit().await?;
    let follow = match s.follow_up_session_id {
        Some(f) => Some(one(api, tenant, f).await?),
        None => None,
    };
    Ok(pb::CompleteSessionResponse {
        session: Some(one(api, tenant, id).await?),
        follow_up: follow,
    })
}

pub async fn list_items(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListActionItemsRequest,
) -> ApiResult<pb::ListActionItemsResponse> {
    use pb::list_action_items_request::Scope;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(Scope::OwnerId(id)) => convert::required_id(&mut v, "owner_id", id).map(|id| (true, id)),
        Some(Scope::SessionId(id)) => convert::required_id(&mut v, "session_id", id).map(|id| (false, id)),
        None => {
            v.add("scope", "give owner_id or session_id");
            None
        }
    };
    let (by_owner, id) = v
        .into_result(scope)?
        .ok_or_else(|| ApiError::invalid("scope", "is required"))?;
    let view = View::of(api, ctx).await?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let items = if by_owner {
        if !ctx.role.sees_whole_tenant() {
            view.see(id).await?;
        }
        store::items_of_owner(&mut tx, tenant, id, req.include_done).await?
    } else {
        let s = store::get(&mut tx, tenant, id, false)
            .await?
            .filter(|s| view.sees_session(s))
            .ok_or_else(|| ApiError::not_found(format!("session {id}")))?;
        store::items_of_sessions(&mut tx, tenant, &[s.session_id])
            .await?
            .into_iter()
            .filter(|i| req.include_done || i.done_at.is_none())
            .collect()
    };
    tx.commit().await?;
    Ok(pb::ListActionItemsResponse {
        action_items: items.iter().map(cv::item_to_proto).collect(),
    })
}

pub async fn update_item(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateActionItemRequest,
) -> ApiResult<pb::UpdateActionItemResponse> {
    let id = required_id("id", &req.id)?;
    let view = View::of(api, ctx).await?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let item = store::get_item(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("action item {id}")))?;
    let session = store::get(&mut tx, tenant, item.session_id, false).await?;
    let allowed = view.me() == Some(item.owner_id) || session.as_ref().is_some_and(|s| view.change_session(s).is_ok());
    if !allowed {
        let visible = session.as_ref().is_some_and(|s| view.sees_session(s));
        return Err(if visible {
            ApiError::PermissionDenied("only the owner, the coach or their manager may change an action item".into())
        } else {
            ApiError::not_found(format!("action item {id}"))
        });
    }
    let item = store::set_item_done(&mut tx, tenant, id, req.done).await?;
    tx.commit().await?;
    Ok(pb::UpdateActionItemResponse {
        action_item: Some(cv::item_to_proto(&item)),
    })
}

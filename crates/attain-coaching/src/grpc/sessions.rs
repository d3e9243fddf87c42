//! Sessions and action items on the wire.

use attain_domain::{
    Violations,
    coaching::{SessionKind, SessionStatus},
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire, paging::Page};
use chrono::Utc;

use super::{
    encode,
    fields::{check_lines, check_text, duration, ids, optional_time, required_id},
};
use crate::{
    app::{
        CoachingApi,
        sessions::{
            Completion, ItemScope, NewSessionInput, NextStep, SessionChanges, SessionQuery, SessionUpdate,
            check_experts, parse_session_position,
        },
    },
    store::sessions::StoredLink,
};

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
                kind: encode::link_kind(l.kind).into(),
                target: l.target.clone(),
                label: l.label.clone(),
            }
        })
        .collect()
}

/// Coachees of a session: 1 to 50 ids.
fn coachees(v: &mut Violations, texts: &[String]) -> Vec<uuid::Uuid> {
    if texts.is_empty() || texts.len() > MAX_COACHEES {
        v.add("session.coachee_ids", format!("give 1 to {MAX_COACHEES} coachees"));
    }
    ids(v, "session.coachee_ids", texts)
}

fn new_session(req: pb::CreateSessionRequest) -> ApiResult<NewSessionInput> {
    let s = req.session.unwrap_or_default();
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
    let coachee_ids = coachees(&mut v, &s.coachee_ids);
    let expert_ids = ids(&mut v, "session.expert_ids", &s.expert_ids);
    check_experts(&mut v, &coachee_ids, &expert_ids);
    if kind != Some(SessionKind::TeamCoaching) && !expert_ids.is_empty() {
        v.add("session.expert_ids", "only team coaching tags subject-matter experts");
    }
    let start = match s.start_time.as_ref() {
        None => {
            v.add("session.start_time", "is required");
            None
        }
        Some(t) => optional_time(&mut v, "session.start_time", Some(t)),
    };
    let minutes = duration(&mut v, "session.duration_minutes", s.duration_minutes);
    check_text(&mut v, "session.agenda", &s.agenda, 10_000);
    check_lines(&mut v, "session.focus_metric_keys", &s.focus_metric_keys);
    let links = links(&mut v, &s.links);
    let (Some(kind), Some(coach_id), Some(start_time)) = v.into_result((kind, coach, start))? else {
        return Err(ApiError::invalid("session", "is required"));
    };
    Ok(NewSessionInput {
        request_id,
        kind,
        coach_id,
        coachee_ids,
        expert_ids,
        start_time,
        duration_minutes: minutes,
        agenda: s.agenda,
        focus_metric_keys: s.focus_metric_keys,
        links,
    })
}

pub async fn create(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateSessionRequest,
) -> ApiResult<pb::CreateSessionResponse> {
    let s = api.create_session(ctx, new_session(req).into()).await?;
    Ok(pb::CreateSessionResponse {
        session: Some(encode::session(&s.session, &s.items, Utc::now())),
    })
}

pub async fn get(api: &CoachingApi, ctx: &Ctx, req: pb::GetSessionRequest) -> ApiResult<pb::GetSessionResponse> {
    let id = required_id("id", &req.id)?;
    let s = api.get_session(ctx, id).await?;
    Ok(pb::GetSessionResponse {
        session: Some(encode::session(&s.session, &s.items, Utc::now())),
    })
}

fn session_query(ctx: &Ctx, req: &pb::ListSessionsRequest) -> ApiResult<SessionQuery> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let after = page.after.as_deref().and_then(|p| {
        let position = parse_session_position(p);
        if position.is_none() {
            v.add("page_token", "is not a token from a previous page of this list");
        }
        position
    });
    let coach_id = convert::optional_id(&mut v, "coach_id", &req.coach_id);
    let coachee_id = convert::optional_id(&mut v, "coachee_id", &req.coachee_id);
    let status = match req.status {
        0 => None,
        s => {
            let parsed = from_wire::<SessionStatus>(s);
            if parsed.is_none() {
                v.add("status", "is not a SESSION_STATUS_ value");
            }
            parsed
        }
    };
    let period = match req.period.as_ref() {
        Some(p) => convert::period_spec(&mut v, "period", Some(p)),
        None => None,
    };
    Ok(v.into_result(SessionQuery {
        page,
        after,
        coach_id,
        coachee_id,
        status,
        period,
    })?)
}

pub async fn list(api: &CoachingApi, ctx: &Ctx, req: pb::ListSessionsRequest) -> ApiResult<pb::ListSessionsResponse> {
    let query = session_query(ctx, &req)?;
    let page = api.list_sessions(ctx, query).await?;
    let now = Utc::now();
    Ok(pb::ListSessionsResponse {
        sessions: page
            .sessions
            .items
            .iter()
            .map(|s| encode::session(s, &page.items, now))
            .collect(),
        next_page_token: page.sessions.next_page_token,
    })
}

/// The fields of `input` that `paths` name, checked.
fn session_changes(input: &pb::Session, paths: &[&str]) -> ApiResult<SessionChanges> {
    let mut v = Violations::new();
    let mut ch = SessionChanges::default();
    for path in paths {
        match *path {
            "start_time" => match input.start_time.as_ref().and_then(convert::from_timestamp_opt) {
                Some(t) => ch.start_time = Some(t),
                None => v.add("session.start_time", "is required and must be a valid time"),
            },
            "duration_minutes" => {
                ch.duration_minutes = Some(duration(&mut v, "session.duration_minutes", input.duration_minutes))
            }
            "agenda" => {
                check_text(&mut v, "session.agenda", &input.agenda, 10_000);
                ch.agenda = Some(input.agenda.clone());
            }
            "notes" => {
                check_text(&mut v, "session.notes", &input.notes, 20_000);
                ch.notes = Some(input.notes.clone());
            }
            "focus_metric_keys" => {
                check_lines(&mut v, "session.focus_metric_keys", &input.focus_metric_keys);
                ch.focus_metric_keys = Some(input.focus_metric_keys.clone());
            }
            "links" => ch.links = Some(links(&mut v, &input.links)),
            "coachee_ids" => ch.coachee_ids = Some(coachees(&mut v, &input.coachee_ids)),
            "expert_ids" => ch.expert_ids = Some(ids(&mut v, "session.expert_ids", &input.expert_ids)),
            "status" => match from_wire::<SessionStatus>(input.status) {
                Some(SessionStatus::Completed) => v.add("session.status", "complete a session with CompleteSession"),
                Some(next) => ch.status = Some(next),
                None => v.add(
                    "session.status",
                    "must be one of the SESSION_STATUS_ values other than UNSPECIFIED",
                ),
            },
            _ => {}
        }
    }
    Ok(v.into_result(ch)?)
}

fn session_update(req: pb::UpdateSessionRequest) -> ApiResult<SessionUpdate> {
    let input = req.session.unwrap_or_default();
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "session.id", &input.id);
    let revision = convert::parse_etag(&mut v, "session.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let session_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("session.id", "is required"))?;
    Ok(SessionUpdate {
        session_id,
        revision,
        changes: session_changes(&input, &paths).into(),
    })
}

pub async fn update(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateSessionRequest,
) -> ApiResult<pb::UpdateSessionResponse> {
    let s = api.update_session(ctx, session_update(req).into()).await?;
    Ok(pb::UpdateSessionResponse {
        session: Some(encode::session(&s.session, &s.items, Utc::now())),
    })
}

fn completion(req: pb::CompleteSessionRequest) -> ApiResult<Completion> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "id", &req.id);
    check_text(&mut v, "notes", &req.notes, 20_000);
    check_lines(&mut v, "went_well", &req.went_well);
    check_lines(&mut v, "to_improve", &req.to_improve);
    if req.next_steps.len() > MAX_NEXT_STEPS {
        v.add("next_steps", format!("at most {MAX_NEXT_STEPS}"));
    }
    let mut steps = Vec::new();
    for (i, step) in req.next_steps.into_iter().enumerate() {
        let field = format!("next_steps[{i}]");
        if step.description.trim().is_empty() {
            v.add(format!("{field}.description"), "is required");
        }
        check_text(&mut v, &format!("{field}.description"), &step.description, 2000);
        let owner = convert::required_id(&mut v, &format!("{field}.owner_id"), &step.owner_id);
        let due = convert::required_date(&mut v, &format!("{field}.due_date"), step.due_date.as_ref());
        steps.push((step.description, owner, due));
    }
    let follow_up_time = optional_time(&mut v, "follow_up_time", req.follow_up_time.as_ref());
    let session_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("id", "is required"))?;
    // Every step has its owner and due date here: a missing one was refused above.
    let next_steps = steps
        .into_iter()
        .filter_map(|(description, owner, due)| {
            Some(NextStep {
                description,
                owner_id: owner?,
                due_date: due?,
            })
        })
        .collect();
    Ok(Completion {
        session_id,
        notes: req.notes,
        went_well: req.went_well,
        to_improve: req.to_improve,
        next_steps,
        follow_up_time,
    })
}

pub async fn complete(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CompleteSessionRequest,
) -> ApiResult<pb::CompleteSessionResponse> {
    let done = api.complete_session(ctx, completion(req).into()).await?;
    let now = Utc::now();
    Ok(pb::CompleteSessionResponse {
        session: Some(encode::session(&done.session.session, &done.session.items, now)),
        follow_up: done.follow_up.map(|f| encode::session(&f.session, &f.items, now)),
    })
}

fn item_scope(req: &pb::ListActionItemsRequest) -> ApiResult<ItemScope> {
    use pb::list_action_items_request::Scope;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(Scope::OwnerId(id)) => convert::required_id(&mut v, "owner_id", id).map(ItemScope::Owner),
        Some(Scope::SessionId(id)) => convert::required_id(&mut v, "session_id", id).map(ItemScope::Session),
        None => {
            v.add("scope", "give owner_id or session_id");
            None
        }
    };
    v.into_result(scope)?
        .ok_or_else(|| ApiError::invalid("scope", "is required"))
}

pub async fn list_items(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListActionItemsRequest,
) -> ApiResult<pb::ListActionItemsResponse> {
    let scope = item_scope(&req)?;
    let items = api.list_action_items(ctx, scope, req.include_done).await?;
    Ok(pb::ListActionItemsResponse {
        action_items: items.iter().map(encode::item).collect(),
    })
}

pub async fn update_item(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateActionItemRequest,
) -> ApiResult<pb::UpdateActionItemResponse> {
    let id = required_id("id", &req.id)?;
    let item = api.update_action_item(ctx, id, req.done).await?;
    Ok(pb::UpdateActionItemResponse {
        action_item: Some(encode::item(&item)),
    })
}

//! Development plans, action plans (with baselines and before/after from the scorecard
//! service), check-ins and skill ratings.

use attain_domain::{
    Violations,
    coaching::{
        PlanStatus,
        plans::{MetricGoal, check_action_plan_dates, check_metric_goal, check_rating, progress},
    },
    org::AccessRole,
    period::DateRange,
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{Days, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    CoachingApi,
    access::View,
    plan_outcome::{current, settle, today, values, warnings_for},
    sessions::check_text,
};
use crate::store::plans::{self as store, ActionPlanRecord, CheckInRecord, RatingRecord, StoredGoal, StoredStep};

const MAX_GOALS: usize = 20;
const MAX_METRIC_GOALS: usize = 10;
const MAX_STEPS: usize = 50;
const DEFAULT_BASELINE_DAYS: i32 = 28;
const UPDATABLE: &[&str] = &["title", "status", "steps", "end_date"];
const STATUS_RULE: &str = "must be PLAN_STATUS_ACTIVE, _COMPLETED or _ABANDONED (Attain sets _ENDED)";

/// A status a caller may give a plan: ENDED is Attain's, set when an active plan's end passes.
fn settable_status(value: i32) -> Option<PlanStatus> {
    from_wire::<PlanStatus>(value).filter(|s| *s != PlanStatus::Ended)
}

fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

fn steps_from_proto(v: &mut Violations, view: &View, steps: &[pb::PlanStep]) -> Vec<StoredStep> {
    if steps.len() > MAX_STEPS {
        v.add("action_plan.steps", format!("at most {MAX_STEPS}"));
    }
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = format!("action_plan.steps[{i}]");
            if s.description.trim().is_empty() {
                v.add(format!("{field}.description"), "is required");
            }
            check_text(v, &format!("{field}.description"), &s.description, 2000);
            let owner = convert::optional_id(v, &format!("{field}.owner_id"), &s.owner_id);
            if let Some(o) = owner
                && !view.sees(o)
            {
                v.add(format!("{field}.owner_id"), "no person with this id that you may see");
            }
            StoredStep {
                // A step keeps its id across updates; a new one gets one.
                id: Uuid::parse_str(&s.id).unwrap_or_else(|_| Uuid::now_v7()).to_string(),
                description: s.description.clone(),
                owner_id: owner.map(|o| o.to_string()),
                due_date: convert::optional_date(v, &format!("{field}.due_date"), s.due_date.as_ref())
                    .map(|d| d.to_string()),
                done: s.done,
            }
        })
        .collect()
}

/// An action plan with its check-ins and, when `current` is given, its before/after.
fn plan_to_proto(
    p: &ActionPlanRecord,
    check_ins: &[CheckInRecord],
    current: &[(String, Option<f64>)],
) -> pb::ActionPlan {
    // Plans saved before warnings were kept are checked again for their length.
    let warnings = match &p.warnings {
        Some(Json(w)) => w.clone(),
        None => check_action_plan_dates(p.start_date, p.end_date).1,
    };
    pb::ActionPlan {
        id: p.action_plan_id.to_string(),
        person_id: p.person_id.to_string(),
        title: p.title.clone(),
        start_date: Some(convert::date_to_proto(p.start_date)),
        end_date: Some(convert::date_to_proto(p.end_date)),
        metric_goals: p
            .metric_goals
            .0
            .iter()
            .map(|g| {
                let now = current.iter().find(|(k, _)| *k == g.metric_key).and_then(|(_, v)| *v);
                let goal = MetricGoal {
                    metric_key: g.metric_key.clone(),
                    from: g.from,
                    to: g.to,
                };
                let p = progress(&goal, g.baseline, now);
                pb::MetricGoal {
                    metric_key: g.metric_key.clone(),
                    from: g.from,
                    to: g.to,
                    baseline: p.baseline,
                    current: p.current,
                    change: p.change,
                    progress: p.progress,
                }
            })
            .collect(),
        steps: p
            .steps
            .0
            .iter()
            .map(|s| pb::PlanStep {
                id: s.id.clone(),
                description: s.description.clone(),
                owner_id: s.owner_id.clone().unwrap_or_default(),
                due_date: s
                    .due_date
                    .as_deref()
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                    .map(convert::date_to_proto),
                done: s.done,
            })
            .collect(),
        status: to_wire(p.status),
        check_ins: check_ins
            .iter()
            .filter(|c| c.action_plan_id == p.action_plan_id)
            .map(|c| pb::CheckIn {
                time: Some(convert::timestamp(c.created_at)),
                author_id: c.author_id.map(|a| a.to_string()).unwrap_or_default(),
                note: c.note.clone(),
            })
            .collect(),
        warnings,
        etag: convert::etag(p.revision),
    }
}

pub async fn set_development(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::SetDevelopmentPlanRequest,
) -> ApiResult<pb::SetDevelopmentPlanResponse> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    if req.goals.is_empty() || req.goals.len() > MAX_GOALS {
        v.add("goals", format!("give 1 to {MAX_GOALS} goals"));
    }
    for (i, g) in req.goals.iter().enumerate() {
        if g.trim().is_empty() {
            v.add(format!("goals[{i}]"), "must not be empty");
        }
        check_text(&mut v, &format!("goals[{i}]"), g, 2000);
    }
    let person = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("person_id", "is required"))?;
    let view = View::of(api, ctx).await?;
    view.manage(person, "set development plans").await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    store::set_development(&mut tx, ctx.tenant_id, person, &req.goals).await?;
    tx.commit().await?;
    Ok(pb::SetDevelopmentPlanResponse {
        development_plan: Some(development(api, ctx, person).await?),
    })
}

/// A person's development plan with every action plan and its before/after.
async fn development(api: &CoachingApi, ctx: &Ctx, person: Uuid) -> ApiResult<pb::DevelopmentPlan> {
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let dev = store::get_development(&mut tx, tenant, person)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("development plan of person {person}")))?;
    let plans = store::action_plans_of(&mut tx, tenant, &[person], None).await?;
    let ids: Vec<Uuid> = plans.iter().map(|p| p.action_plan_id).collect();
    let check_ins = store::check_ins(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    let today = today(api, ctx).await?;
    let plans = settle(api, ctx, plans, today).await?;
    let mut action_plans = Vec::new();
    for p in &plans {
        let now = current(api, ctx, p, today).await?;
        action_plans.push(plan_to_proto(p, &check_ins, &now));
    }
    Ok(pb::DevelopmentPlan {
        id: dev.plan_id.to_string(),
        person_id: dev.person_id.to_string(),
        goals: dev.goals,
        action_plans,
        update_time: Some(convert::timestamp(dev.updated_at)),
    })
}

pub async fn get_development(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetDevelopmentPlanRequest,
) -> ApiResult<pb::GetDevelopmentPlanResponse> {
    let person = required_id("person_id", &req.person_id)?;
    View::of(api, ctx).await?.see(person).await?;
    Ok(pb::GetDevelopmentPlanResponse {
        development_plan: Some(development(api, ctx, person).await?),
    })
}

pub async fn create_action_plan(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateActionPlanRequest,
) -> ApiResult<pb::CreateActionPlanResponse> {
    let p = req.action_plan.unwrap_or_default();
    let named = [&req.person_id].into_iter().chain(p.steps.iter().map(|s| &s.owner_id));
    let view = View::naming(&api.peers, ctx, named).await?;
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    if p.title.trim().is_empty() {
        v.add("action_plan.title", "is required");
    }
    check_text(&mut v, "action_plan.title", &p.title, 200);
    let start = convert::required_date(&mut v, "action_plan.start_date", p.start_date.as_ref());
    let end = convert::required_date(&mut v, "action_plan.end_date", p.end_date.as_ref());
    if let (Some(s), Some(e)) = (start, end) {
        v.extend_prefixed("action_plan", check_action_plan_dates(s, e).0);
    }
    if p.metric_goals.len() > MAX_METRIC_GOALS {
        v.add("action_plan.metric_goals", format!("at most {MAX_METRIC_GOALS}"));
    }
    let goals: Vec<MetricGoal> = p
        .metric_goals
        .iter()
        .map(|g| MetricGoal {
            metric_key: g.metric_key.clone(),
            from: g.from,
            to: g.to,
        })
        .collect();
    for (i, g) in goals.iter().enumerate() {
        check_metric_goal(&mut v, &format!("action_plan.metric_goals[{i}]"), g);
    }
    let steps = steps_from_proto(&mut v, &view, &p.steps);
    let baseline_days = match req.baseline_days {
        0 => DEFAULT_BASELINE_DAYS,
        n @ 1..=365 => n,
        _ => {
            v.add("baseline_days", "must be from 0 to 365");
            DEFAULT_BASELINE_DAYS
        }
    };
    let status = match p.status {
        0 => Some(PlanStatus::Active),
        s => settable_status(s),
    };
    if status.is_none() {
        v.add("action_plan.status", STATUS_RULE);
    }
    let (person, start, end) = match v.into_result((person, start, end))? {
        (Some(p), Some(s), Some(e)) => (p, s, e),
        _ => return Err(ApiError::invalid("action_plan", "is required")),
    };
    view.manage(person, "create action plans").await?;
    let tenant = ctx.tenant_id;
    {
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let exists = store::get_development(&mut tx, tenant, person).await?.is_some();
        tx.commit().await?;
        if !exists {
            return Err(ApiError::FailedPrecondition(format!(
                "person {person} has no development plan: set one with SetDevelopmentPlan first"
            )));
        }
    }
    // The baseline: the weeks just before the plan starts.
    let keys: Vec<String> = goals.iter().map(|g| g.metric_key.clone()).collect();
    let before = DateRange {
        start: start.checked_sub_days(Days::new(baseline_days as u64)).unwrap_or(start),
        end: start.checked_sub_days(Days::new(1)).unwrap_or(start),
    };
    let baseline = if keys.is_empty() {
        Vec::new()
    } else {
        values(api, ctx, person, &keys, before).await.map_err(|e| match e {
            ApiError::InvalidArgument(found) => {
                let mut v = Violations::new();
                for f in found.iter() {
                    let field = f.field.strip_prefix("metric_keys").map_or(f.field.clone(), |rest| {
                        format!("action_plan.metric_goals{rest}.metric_key")
                    });
                    v.add(field, f.description.clone());
                }
                ApiError::InvalidArgument(v)
            }
            other => other,
        })?
    };
    let mut record = ActionPlanRecord {
        action_plan_id: Uuid::now_v7(),
        person_id: person,
        title: p.title.clone(),
        start_date: start,
        end_date: end,
        status: status.unwrap_or(PlanStatus::Active),
        metric_goals: Json(
            goals
                .iter()
                .map(|g| StoredGoal {
                    metric_key: g.metric_key.clone(),
                    from: g.from,
                    to: g.to,
                    baseline: baseline.iter().find(|(k, _)| *k == g.metric_key).and_then(|(_, v)| *v),
                    outcome: None,
                })
                .collect(),
        ),
        steps: Json(steps),
        warnings: None,
        revision: 1,
    };
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let others = store::action_plans_of(&mut tx, tenant, &[person], Some((start, end))).await?;
    record.warnings = Some(Json(warnings_for(&record, &others)));
    let saved = store::insert_action_plan(&mut tx, tenant, &record).await?;
    tx.commit().await?;
    let now = current(api, ctx, &saved, today(api, ctx).await?).await?;
    Ok(pb::CreateActionPlanResponse {
        action_plan: Some(plan_to_proto(&saved, &[], &now)),
    })
}

/// The plan if the caller may see its person.
async fn visible_plan(
    api: &CoachingApi,
    view: &View,
    tenant: Uuid,
    id: Uuid,
    lock: bool,
) -> ApiResult<ActionPlanRecord> {
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let plan = store::get_action_plan(&mut tx, tenant, id, lock)
        .await?
        .filter(|p| view.ctx.role.sees_whole_tenant() || view.sees(p.person_id))
        .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
    tx.commit().await?;
    Ok(plan)
}

async fn full(
    api: &CoachingApi,
    ctx: &Ctx,
    p: &ActionPlanRecord,
    as_of: Option<NaiveDate>,
) -> ApiResult<pb::ActionPlan> {
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let check_ins = store::check_ins(&mut tx, ctx.tenant_id, &[p.action_plan_id]).await?;
    tx.commit().await?;
    let as_of = match as_of {
        Some(d) => d,
        None => today(api, ctx).await?,
    };
    let now = current(api, ctx, p, as_of).await?;
    Ok(plan_to_proto(p, &check_ins, &now))
}

pub async fn get_action_plan(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetActionPlanRequest,
) -> ApiResult<pb::GetActionPlanResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "id", &req.id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("id", "is required"))?;
    let view = View::of(api, ctx).await?;
    let plan = visible_plan(api, &view, ctx.tenant_id, id, false).await?;
    let today = today(api, ctx).await?;
    let plan = settle(api, ctx, vec![plan], today)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
    Ok(pb::GetActionPlanResponse {
        action_plan: Some(full(api, ctx, &plan, as_of).await?),
    })
}

pub async fn update_action_plan(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateActionPlanRequest,
) -> ApiResult<pb::UpdateActionPlanResponse> {
    let input = req.action_plan.unwrap_or_default();
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "action_plan.id", &input.id);
    let expected = convert::parse_etag(&mut v, "action_plan.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let view = View::naming(&api.peers, ctx, input.steps.iter().map(|s| &s.owner_id)).await?;
    let id = v
        .clone()
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("action_plan.id", "is required"))?;
    let tenant = ctx.tenant_id;
    let mut plan = visible_plan(api, &view, tenant, id, false).await?;
    view.manage(plan.person_id, "change action plans").await?;
    if paths.contains(&"title") {
        if input.title.trim().is_empty() {
            v.add("action_plan.title", "is required");
        }
        check_text(&mut v, "action_plan.title", &input.title, 200);
        plan.title = input.title.clone();
    }
    if paths.contains(&"status") {
        match settable_status(input.status) {
            Some(s) => plan.status = s,
            None => v.add("action_plan.status", STATUS_RULE),
        }
    }
    if paths.contains(&"steps") {
        plan.steps = Json(steps_from_proto(&mut v, &view, &input.steps));
    }
    if paths.contains(&"end_date")
        && let Some(e) = convert::required_date(&mut v, "action_plan.end_date", input.end_date.as_ref())
    {
        v.extend_prefixed("action_plan", check_action_plan_dates(plan.start_date, e).0);
        // A closed-by-Attain plan given a new end runs again to it (and closes again below if
        // that end has passed too), its outcome measured anew.
        if e != plan.end_date && plan.status == PlanStatus::Ended && !paths.contains(&"status") {
            plan.status = PlanStatus::Active;
        }
        plan.end_date = e;
    }
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let locked = store::get_action_plan(&mut tx, tenant, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
    convert::check_revision(expected, locked.revision, "action plan")?;
    let others = store::action_plans_of(
        &mut tx,
        tenant,
        &[plan.person_id],
        Some((plan.start_date, plan.end_date)),
    )
    .await?;
    plan.warnings = Some(Json(warnings_for(&plan, &others)));
    let saved = store::save_action_plan(&mut tx, tenant, &plan).await?;
    tx.commit().await?;
    let today = today(api, ctx).await?;
    let saved = settle(api, ctx, vec![saved], today)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
    Ok(pb::UpdateActionPlanResponse {
        action_plan: Some(full(api, ctx, &saved, None).await?),
    })
}

pub async fn add_check_in(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::AddCheckInRequest,
) -> ApiResult<pb::AddCheckInResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "action_plan_id", &req.action_plan_id);
    if req.note.trim().is_empty() {
        v.add("note", "is required");
    }
    check_text(&mut v, "note", &req.note, 5000);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("action_plan_id", "is required"))?;
    let view = View::of(api, ctx).await?;
    let plan = visible_plan(api, &view, ctx.tenant_id, id, false).await?;
    // The rep checks in on their own plan; their managers and admins on anyone's they see.
    if view.me() != Some(plan.person_id) {
        ctx.require(
            &[AccessRole::Admin, AccessRole::Manager],
            "check in on others' action plans",
        )?;
    }
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    store::add_check_in(&mut tx, ctx.tenant_id, id, ctx.person_id, &req.note).await?;
    tx.commit().await?;
    Ok(pb::AddCheckInResponse {
        action_plan: Some(full(api, ctx, &plan, None).await?),
    })
}

fn rating_to_proto(r: &RatingRecord) -> pb::SkillRating {
    pb::SkillRating {
        person_id: r.person_id.to_string(),
        competency: r.competency.clone(),
        rating: i32::from(r.rating),
        note: r.note.clone(),
        rated_by: r.rated_by.map(|p| p.to_string()).unwrap_or_default(),
        rate_time: Some(convert::timestamp(r.rated_at)),
    }
}

pub async fn rate_skill(api: &CoachingApi, ctx: &Ctx, req: pb::RateSkillRequest) -> ApiResult<pb::RateSkillResponse> {
    let r = req.rating.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "rating.person_id", &r.person_id);
    let competency = r.competency.trim().to_lowercase();
    if competency.is_empty() || competency.chars().count() > 100 {
        v.add("rating.competency", "must be 1 to 100 characters, e.g. \"discovery\"");
    }
    check_rating(&mut v, "rating.rating", r.rating);
    check_text(&mut v, "rating.note", &r.note, 2000);
    let person = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("rating.person_id", "is required"))?;
    let view = View::of(api, ctx).await?;
    view.manage(person, "rate skills").await?;
    let record = RatingRecord {
        person_id: person,
        competency,
        rating: r.rating as i16,
        note: r.note.clone(),
        rated_by: ctx.person_id,
        rated_at: Utc::now(),
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let saved = store::insert_rating(&mut tx, ctx.tenant_id, &record).await?;
    tx.commit().await?;
    Ok(pb::RateSkillResponse {
        rating: Some(rating_to_proto(&saved)),
    })
}

pub async fn list_ratings(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListSkillRatingsRequest,
) -> ApiResult<pb::ListSkillRatingsResponse> {
    let person = required_id("person_id", &req.person_id)?;
    View::of(api, ctx).await?.see(person).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let ratings = store::ratings(&mut tx, ctx.tenant_id, person, req.history).await?;
    tx.commit().await?;
    Ok(pb::ListSkillRatingsResponse {
        ratings: ratings.iter().map(rating_to_proto).collect(),
    })
}

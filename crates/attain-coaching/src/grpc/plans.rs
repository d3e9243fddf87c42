//! Development plans, action plans, check-ins and skill ratings on the wire.

use attain_domain::{
    Violations,
    coaching::{
        PlanStatus,
        plans::{MetricGoal, check_action_plan_dates, check_metric_goal, check_rating},
    },
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    enums::{from_wire, to_wire},
};
use chrono::NaiveDate;
use uuid::Uuid;

use super::fields::{check_text, required_id};
use crate::{
    app::{
        CoachingApi,
        plans::{DevelopmentPlan, NewActionPlan, PlanChanges, PlanDetail, PlanUpdate, StepInput},
        skills::NewRating,
    },
    store::plans::RatingRecord,
};

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

fn steps(v: &mut Violations, steps: &[pb::PlanStep]) -> Vec<StepInput> {
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
            StepInput {
                id: Uuid::parse_str(&s.id).ok(),
                description: s.description.clone(),
                owner_id: convert::optional_id(v, &format!("{field}.owner_id"), &s.owner_id),
                due_date: convert::optional_date(v, &format!("{field}.due_date"), s.due_date.as_ref()),
                done: s.done,
            }
        })
        .collect()
}

fn check_title(v: &mut Violations, title: &str) {
    if title.trim().is_empty() {
        v.add("action_plan.title", "is required");
    }
    check_text(v, "action_plan.title", title, 200);
}

fn action_plan(d: PlanDetail) -> pb::ActionPlan {
    let p = d.plan;
    pb::ActionPlan {
        id: p.action_plan_id.to_string(),
        person_id: p.person_id.to_string(),
        title: p.title,
        start_date: Some(convert::date_to_proto(p.start_date)),
        end_date: Some(convert::date_to_proto(p.end_date)),
        metric_goals: d
            .goals
            .into_iter()
            .map(|g| pb::MetricGoal {
                metric_key: g.goal.metric_key,
                from: g.goal.from,
                to: g.goal.to,
                baseline: g.progress.baseline,
                current: g.progress.current,
                change: g.progress.change,
                progress: g.progress.progress,
            })
            .collect(),
        steps: p
            .steps
            .0
            .into_iter()
            .map(|s| pb::PlanStep {
                id: s.id,
                description: s.description,
                owner_id: s.owner_id.unwrap_or_default(),
                due_date: s
                    .due_date
                    .as_deref()
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                    .map(convert::date_to_proto),
                done: s.done,
            })
            .collect(),
        status: to_wire(p.status),
        check_ins: d
            .check_ins
            .into_iter()
            .map(|c| pb::CheckIn {
                time: Some(convert::timestamp(c.created_at)),
                author_id: c.author_id.map(|a| a.to_string()).unwrap_or_default(),
                note: c.note,
            })
            .collect(),
        warnings: d.warnings,
        etag: convert::etag(p.revision),
    }
}

fn development_plan(d: DevelopmentPlan) -> pb::DevelopmentPlan {
    pb::DevelopmentPlan {
        id: d.plan.plan_id.to_string(),
        person_id: d.plan.person_id.to_string(),
        goals: d.plan.goals,
        action_plans: d.action_plans.into_iter().map(action_plan).collect(),
        update_time: Some(convert::timestamp(d.plan.updated_at)),
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
    let plan = api.set_development_plan(ctx, person, req.goals).await?;
    Ok(pb::SetDevelopmentPlanResponse {
        development_plan: Some(development_plan(plan)),
    })
}

pub async fn get_development(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetDevelopmentPlanRequest,
) -> ApiResult<pb::GetDevelopmentPlanResponse> {
    let person = required_id("person_id", &req.person_id)?;
    let plan = api.get_development_plan(ctx, person).await?;
    Ok(pb::GetDevelopmentPlanResponse {
        development_plan: Some(development_plan(plan)),
    })
}

fn new_action_plan(req: pb::CreateActionPlanRequest) -> ApiResult<NewActionPlan> {
    let p = req.action_plan.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    check_title(&mut v, &p.title);
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
    let steps = steps(&mut v, &p.steps);
    let baseline_days = convert::zero_is_default(
        &mut v,
        "baseline_days",
        req.baseline_days,
        DEFAULT_BASELINE_DAYS,
        1..=365,
        "must be from 0 to 365",
    );
    let status = match p.status {
        0 => Some(PlanStatus::Active),
        s => settable_status(s),
    };
    if status.is_none() {
        v.add("action_plan.status", STATUS_RULE);
    }
    let (Some(person_id), Some(start_date), Some(end_date), Some(status)) =
        v.into_result((person, start, end, status))?
    else {
        return Err(ApiError::invalid("action_plan", "is required"));
    };
    Ok(NewActionPlan {
        person_id,
        title: p.title,
        start_date,
        end_date,
        metric_goals: goals,
        steps,
        baseline_days,
        status,
    })
}

pub async fn create_action_plan(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateActionPlanRequest,
) -> ApiResult<pb::CreateActionPlanResponse> {
    let plan = api.create_action_plan(ctx, new_action_plan(req).into()).await?;
    Ok(pb::CreateActionPlanResponse {
        action_plan: Some(action_plan(plan)),
    })
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
    let plan = api.get_action_plan(ctx, id, as_of).await?;
    Ok(pb::GetActionPlanResponse {
        action_plan: Some(action_plan(plan)),
    })
}

/// The fields of `input` that `paths` name, checked.
fn plan_changes(input: &pb::ActionPlan, paths: &[&str]) -> ApiResult<PlanChanges> {
    let mut v = Violations::new();
    let mut ch = PlanChanges::default();
    if paths.contains(&"title") {
        check_title(&mut v, &input.title);
        ch.title = Some(input.title.clone());
    }
    if paths.contains(&"status") {
        match settable_status(input.status) {
            Some(s) => ch.status = Some(s),
            None => v.add("action_plan.status", STATUS_RULE),
        }
    }
    if paths.contains(&"steps") {
        ch.steps = Some(steps(&mut v, &input.steps));
    }
    if paths.contains(&"end_date") {
        ch.end_date = convert::required_date(&mut v, "action_plan.end_date", input.end_date.as_ref());
    }
    Ok(v.into_result(ch)?)
}

fn plan_update(req: pb::UpdateActionPlanRequest) -> ApiResult<PlanUpdate> {
    let input = req.action_plan.unwrap_or_default();
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "action_plan.id", &input.id);
    let revision = convert::parse_etag(&mut v, "action_plan.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let action_plan_id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("action_plan.id", "is required"))?;
    Ok(PlanUpdate {
        action_plan_id,
        revision,
        named: input
            .steps
            .iter()
            .filter_map(|s| Uuid::try_parse(&s.owner_id).ok())
            .collect(),
        changes: plan_changes(&input, &paths).into(),
    })
}

pub async fn update_action_plan(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::UpdateActionPlanRequest,
) -> ApiResult<pb::UpdateActionPlanResponse> {
    let plan = api.update_action_plan(ctx, plan_update(req).into()).await?;
    Ok(pb::UpdateActionPlanResponse {
        action_plan: Some(action_plan(plan)),
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
    let plan = api.add_check_in(ctx, id, req.note).await?;
    Ok(pb::AddCheckInResponse {
        action_plan: Some(action_plan(plan)),
    })
}

fn rating(r: &RatingRecord) -> pb::SkillRating {
    pb::SkillRating {
        person_id: r.person_id.to_string(),
        competency: r.competency.clone(),
        rating: i32::from(r.rating),
        note: r.note.clone(),
        rated_by: r.rated_by.map(|p| p.to_string()).unwrap_or_default(),
        rate_time: Some(convert::timestamp(r.rated_at)),
    }
}

fn new_rating(req: pb::RateSkillRequest) -> ApiResult<NewRating> {
    let r = req.rating.unwrap_or_default();
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "rating.person_id", &r.person_id);
    let competency = r.competency.trim().to_lowercase();
    if competency.is_empty() || competency.chars().count() > 100 {
        v.add("rating.competency", "must be 1 to 100 characters, e.g. \"discovery\"");
    }
    check_rating(&mut v, "rating.rating", r.rating);
    check_text(&mut v, "rating.note", &r.note, 2000);
    let person_id = v
        .into_result(person)?
        .ok_or_else(|| ApiError::invalid("rating.person_id", "is required"))?;
    Ok(NewRating {
        person_id,
        competency,
        // 1 to 5, checked above.
        rating: r.rating as i16,
        note: r.note,
    })
}

pub async fn rate_skill(api: &CoachingApi, ctx: &Ctx, req: pb::RateSkillRequest) -> ApiResult<pb::RateSkillResponse> {
    let input = new_rating(req)?;
    let saved = api.rate_skill(ctx, input).await?;
    Ok(pb::RateSkillResponse {
        rating: Some(rating(&saved)),
    })
}

pub async fn list_ratings(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListSkillRatingsRequest,
) -> ApiResult<pb::ListSkillRatingsResponse> {
    let person = required_id("person_id", &req.person_id)?;
    let ratings = api.list_skill_ratings(ctx, person, req.history).await?;
    Ok(pb::ListSkillRatingsResponse {
        ratings: ratings.iter().map(rating).collect(),
    })
}

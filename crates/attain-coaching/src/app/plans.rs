//! Development plans, action plans (with baselines and before/after from the scorecard
//! service) and check-ins.

use attain_domain::{
    Violations,
    coaching::{
        PlanStatus,
        plans::{MetricGoal, Progress, check_action_plan_dates, progress},
    },
    org::AccessRole,
    period::DateRange,
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, dispatch::Decoded};
use chrono::{Days, NaiveDate};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    CoachingApi,
    access::View,
    plan_outcome::{current, settle, today, values, warnings_for},
};
use crate::store::plans::{self as store, ActionPlanRecord, CheckInRecord, DevelopmentRecord, StoredGoal, StoredStep};

/// A plan step as a request gives it, its fields checked; whether the caller sees its owner is
/// the use case's to check.
pub struct StepInput {
    /// The step's id when it keeps one; a new step (or one with an id that is none) gets one.
    pub id: Option<Uuid>,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    pub done: bool,
}

/// An action plan to create, its fields checked.
pub struct NewActionPlan {
    pub person_id: Uuid,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub metric_goals: Vec<MetricGoal>,
    pub steps: Vec<StepInput>,
    /// How many days before the start the baseline covers.
    pub baseline_days: i32,
    pub status: PlanStatus,
}

/// A change to an action plan: which one, at which revision, and what changes. The changes are
/// checked only once the plan is known to be the caller's to change, so their refusal comes
/// after NOT_FOUND and PERMISSION_DENIED, as it always has.
pub struct PlanUpdate {
    pub action_plan_id: Uuid,
    /// The revision the caller read; `None` changes whatever is stored.
    pub revision: Option<i64>,
    /// The people the request names (its steps' owners), whether the mask names the steps or not.
    pub named: Vec<Uuid>,
    pub changes: Decoded<PlanChanges>,
}

/// The fields an update mask names, each checked (`None`: not in the mask).
#[derive(Default)]
pub struct PlanChanges {
    pub title: Option<String>,
    /// Not ENDED (Attain's, set when an active plan's end passes).
    pub status: Option<PlanStatus>,
    pub steps: Option<Vec<StepInput>>,
    /// Checked against the plan's start by the use case.
    pub end_date: Option<NaiveDate>,
}

/// A metric goal with where it stands.
pub struct GoalStanding {
    pub goal: MetricGoal,
    pub progress: Progress,
}

/// An action plan as a caller reads it: its goals' before/after, its check-ins and warnings.
pub struct PlanDetail {
    pub plan: ActionPlanRecord,
    pub goals: Vec<GoalStanding>,
    pub check_ins: Vec<CheckInRecord>,
    pub warnings: Vec<String>,
}

/// A person's development plan with every action plan and its before/after.
pub struct DevelopmentPlan {
    pub plan: DevelopmentRecord,
    pub action_plans: Vec<PlanDetail>,
}

/// The plan with its check-ins (any plans' may be passed; only its own are kept) and its goals
/// against `current`, the values of its metrics (none: no before/after yet).
fn detail(p: ActionPlanRecord, check_ins: &[CheckInRecord], current: &[(String, Option<f64>)]) -> PlanDetail {
    // Plans saved before warnings were kept are checked again for their length.
    let warnings = match &p.warnings {
        Some(Json(w)) => w.clone(),
        None => check_action_plan_dates(p.start_date, p.end_date).1,
    };
    let goals = p
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
            let progress = progress(&goal, g.baseline, now);
            GoalStanding { goal, progress }
        })
        .collect();
    PlanDetail {
        check_ins: check_ins
            .iter()
            .filter(|c| c.action_plan_id == p.action_plan_id)
            .cloned()
            .collect(),
        plan: p,
        goals,
        warnings,
    }
}

/// Steps as stored: ids and dates as text; a step keeps its id across updates, a new one gets
/// one.
fn stored_steps(steps: Vec<StepInput>) -> Vec<StoredStep> {
    steps
        .into_iter()
        .map(|s| StoredStep {
            id: s.id.unwrap_or_else(Uuid::now_v7).to_string(),
            description: s.description,
            owner_id: s.owner_id.map(|o| o.to_string()),
            due_date: s.due_date.map(|d| d.to_string()),
            done: s.done,
        })
        .collect()
}

/// Reports step owners the caller may not see.
fn check_owners(v: &mut Violations, view: &View, steps: &[StepInput]) {
    for (i, s) in steps.iter().enumerate() {
        if let Some(o) = s.owner_id
            && !view.sees(o)
        {
            v.add(
                format!("action_plan.steps[{i}].owner_id"),
                "no person with this id that you may see",
            );
        }
    }
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

/// The plan with its check-ins and its before/after as of `as_of` (today if unset).
async fn full(api: &CoachingApi, ctx: &Ctx, p: ActionPlanRecord, as_of: Option<NaiveDate>) -> ApiResult<PlanDetail> {
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let check_ins = store::check_ins(&mut tx, ctx.tenant_id, &[p.action_plan_id]).await?;
    tx.commit().await?;
    let as_of = match as_of {
        Some(d) => d,
        None => today(api, ctx).await?,
    };
    let now = current(api, ctx, &p, as_of).await?;
    Ok(detail(p, &check_ins, &now))
}

/// A person's development plan with every action plan and its before/after.
async fn development(api: &CoachingApi, ctx: &Ctx, person: Uuid) -> ApiResult<DevelopmentPlan> {
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
    for p in plans {
        let now = current(api, ctx, &p, today).await?;
        action_plans.push(detail(p, &check_ins, &now));
    }
    Ok(DevelopmentPlan {
        plan: dev,
        action_plans,
    })
}

impl CoachingApi {
    /// Sets a person's development goals (1 to 20, checked).
    pub async fn set_development_plan(
        &self,
        ctx: &Ctx,
        person: Uuid,
        goals: Vec<String>,
    ) -> ApiResult<DevelopmentPlan> {
        let view = View::of(self, ctx).await?;
        view.manage(person, "set development plans").await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        store::set_development(&mut tx, ctx.tenant_id, person, &goals).await?;
        tx.commit().await?;
        development(self, ctx, person).await
    }

    pub async fn get_development_plan(&self, ctx: &Ctx, person: Uuid) -> ApiResult<DevelopmentPlan> {
        View::of(self, ctx).await?.see(person).await?;
        development(self, ctx, person).await
    }

    pub async fn create_action_plan(&self, ctx: &Ctx, input: Decoded<NewActionPlan>) -> ApiResult<PlanDetail> {
        let named: Vec<Uuid> = input
            .peek()
            .map(|p| {
                std::iter::once(p.person_id)
                    .chain(p.steps.iter().filter_map(|s| s.owner_id))
                    .collect()
            })
            .unwrap_or_default();
        let view = View::naming(&self.peers, ctx, &named).await?;
        let p = input.get()?;
        let mut v = Violations::new();
        check_owners(&mut v, &view, &p.steps);
        v.into_result(())?;
        let (person, start, end) = (p.person_id, p.start_date, p.end_date);
        view.manage(person, "create action plans").await?;
        let tenant = ctx.tenant_id;
        {
            let mut tx = begin_tenant(&self.pool, tenant).await?;
            let exists = store::get_development(&mut tx, tenant, person).await?.is_some();
            tx.commit().await?;
            if !exists {
                return Err(ApiError::FailedPrecondition(format!(
                    "person {person} has no development plan: set one with SetDevelopmentPlan first"
                )));
            }
        }
        // The baseline: the weeks just before the plan starts.
        let keys: Vec<String> = p.metric_goals.iter().map(|g| g.metric_key.clone()).collect();
        let before = DateRange {
            start: start
                .checked_sub_days(Days::new(p.baseline_days as u64))
                .unwrap_or(start),
            end: start.checked_sub_days(Days::new(1)).unwrap_or(start),
        };
        let baseline = if keys.is_empty() {
            Vec::new()
        } else {
            // The scorecard service names unknown metrics by their place in the keys asked.
            values(self, ctx, person, &keys, before).await.map_err(|e| match e {
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
            title: p.title,
            start_date: start,
            end_date: end,
            status: p.status,
            metric_goals: Json(
                p.metric_goals
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
            steps: Json(stored_steps(p.steps)),
            warnings: None,
            revision: 1,
        };
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let others = store::action_plans_of(&mut tx, tenant, &[person], Some((start, end))).await?;
        record.warnings = Some(Json(warnings_for(&record, &others)));
        let saved = store::insert_action_plan(&mut tx, tenant, &record).await?;
        tx.commit().await?;
        let now = current(self, ctx, &saved, today(self, ctx).await?).await?;
        Ok(detail(saved, &[], &now))
    }

    /// An action plan with its before/after as of `as_of` (today if unset).
    pub async fn get_action_plan(&self, ctx: &Ctx, id: Uuid, as_of: Option<NaiveDate>) -> ApiResult<PlanDetail> {
        let view = View::of(self, ctx).await?;
        let plan = visible_plan(self, &view, ctx.tenant_id, id, false).await?;
        let today = today(self, ctx).await?;
        let plan = settle(self, ctx, vec![plan], today)
            .await?
            .pop()
            .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
        full(self, ctx, plan, as_of).await
    }

    pub async fn update_action_plan(&self, ctx: &Ctx, input: Decoded<PlanUpdate>) -> ApiResult<PlanDetail> {
        let named = input.peek().map(|u| u.named.clone()).unwrap_or_default();
        let view = View::naming(&self.peers, ctx, &named).await?;
        let PlanUpdate {
            action_plan_id: id,
            revision,
            changes,
            ..
        } = input.get()?;
        let tenant = ctx.tenant_id;
        let mut plan = visible_plan(self, &view, tenant, id, false).await?;
        view.manage(plan.person_id, "change action plans").await?;
        let ch = changes.get()?;
        let mut v = Violations::new();
        if let Some(title) = ch.title {
            plan.title = title;
        }
        if let Some(s) = ch.status {
            plan.status = s;
        }
        if let Some(steps) = ch.steps {
            check_owners(&mut v, &view, &steps);
            plan.steps = Json(stored_steps(steps));
        }
        if let Some(e) = ch.end_date {
            v.extend_prefixed("action_plan", check_action_plan_dates(plan.start_date, e).0);
            // A closed-by-Attain plan given a new end runs again to it (and closes again below if
            // that end has passed too), its outcome measured anew.
            if e != plan.end_date && plan.status == PlanStatus::Ended && ch.status.is_none() {
                plan.status = PlanStatus::Active;
            }
            plan.end_date = e;
        }
        v.into_result(())?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let locked = store::get_action_plan(&mut tx, tenant, id, true)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
        convert::check_revision(revision, locked.revision, "action plan")?;
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
        let today = today(self, ctx).await?;
        let saved = settle(self, ctx, vec![saved], today)
            .await?
            .pop()
            .ok_or_else(|| ApiError::not_found(format!("action plan {id}")))?;
        full(self, ctx, saved, None).await
    }

    /// Adds a check-in note (checked: 1 to 5,000 characters) to an action plan.
    pub async fn add_check_in(&self, ctx: &Ctx, id: Uuid, note: String) -> ApiResult<PlanDetail> {
        let view = View::of(self, ctx).await?;
        let plan = visible_plan(self, &view, ctx.tenant_id, id, false).await?;
        // The rep checks in on their own plan; their managers and admins on anyone's they see.
        if view.me() != Some(plan.person_id) {
            ctx.require(
                &[AccessRole::Admin, AccessRole::Manager],
                "check in on others' action plans",
            )?;
        }
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        store::add_check_in(&mut tx, ctx.tenant_id, id, ctx.person_id, &note).await?;
        tx.commit().await?;
        full(self, ctx, plan, None).await
    }
}

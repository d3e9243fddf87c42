//! Where an action plan stands against its goals: the metrics from its start (asked of the
//! scorecard service), the warnings it is saved with, and the closing of a plan that ran past
//! its end date, which fixes its before/after.

use attain_domain::{
    coaching::{
        PlanStatus,
        plans::{OtherPlan, check_action_plan_dates, has_ended, overlap_warnings},
    },
    period::DateRange,
};
use attain_runtime::convert::metric_number as number;
use attain_runtime::{ApiResult, Ctx, db::begin_tenant};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::CoachingApi;
use crate::store::plans::{self as store, ActionPlanRecord, StoredGoal};

/// The values of `keys` for one person over `range`, by key.
pub async fn values(
    api: &CoachingApi,
    ctx: &Ctx,
    person: Uuid,
    keys: &[String],
    range: DateRange,
) -> ApiResult<Vec<(String, Option<f64>)>> {
    let rows = api
        .peers
        .scorecards
        .metric_values(ctx, &[person], keys, range, false)
        .await?
        .rows;
    let row = rows.into_iter().next().map(|r| r.values).unwrap_or_default();
    Ok(keys
        .iter()
        .map(|k| (k.clone(), number(row.iter().find(|v| &v.metric_key == k))))
        .collect())
}

/// The plan's metrics from its start to `as_of`, clipped to its end. An ended plan asked as of
/// its end or later answers with the outcomes fixed when it closed.
pub async fn current(
    api: &CoachingApi,
    ctx: &Ctx,
    p: &ActionPlanRecord,
    as_of: NaiveDate,
) -> ApiResult<Vec<(String, Option<f64>)>> {
    if p.status == PlanStatus::Ended && as_of >= p.end_date {
        return Ok(p
            .metric_goals
            .0
            .iter()
            .map(|g| (g.metric_key.clone(), g.outcome))
            .collect());
    }
    let keys: Vec<String> = p.metric_goals.0.iter().map(|g| g.metric_key.clone()).collect();
    let end = as_of.min(p.end_date);
    if keys.is_empty() || end < p.start_date {
        return Ok(Vec::new());
    }
    values(
        api,
        ctx,
        p.person_id,
        &keys,
        DateRange {
            start: p.start_date,
            end,
        },
    )
    .await
}

/// Today in the tenant's time zone.
pub async fn today(api: &CoachingApi, ctx: &Ctx) -> ApiResult<NaiveDate> {
    Ok(api.peers.directory.calendar(ctx).await?.local_date(Utc::now()))
}

/// The warnings a plan is saved with: its length, and each other active plan of the rep that it
/// overlaps while it is active itself.
pub fn warnings_for(p: &ActionPlanRecord, others: &[ActionPlanRecord]) -> Vec<String> {
    let mut warnings = check_action_plan_dates(p.start_date, p.end_date).1;
    if p.status == PlanStatus::Active {
        let active: Vec<OtherPlan> = others
            .iter()
            .filter(|o| o.action_plan_id != p.action_plan_id && o.status == PlanStatus::Active)
            .map(|o| OtherPlan {
                title: &o.title,
                start: o.start_date,
                end: o.end_date,
            })
            .collect();
        warnings.extend(overlap_warnings(p.start_date, p.end_date, &active));
    }
    warnings
}

/// The plans as they stand on `today`: each active plan past its end date is closed first, its
/// goals' outcomes taken over its whole span. A plan changed meanwhile by someone else is left
/// as they saved it.
pub async fn settle(
    api: &CoachingApi,
    ctx: &Ctx,
    plans: Vec<ActionPlanRecord>,
    today: NaiveDate,
) -> ApiResult<Vec<ActionPlanRecord>> {
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        if !has_ended(p.status == PlanStatus::Active, p.end_date, today) {
            out.push(p);
            continue;
        }
        let outcome = current(api, ctx, &p, p.end_date).await?;
        let goals: Vec<StoredGoal> = p
            .metric_goals
            .0
            .iter()
            .map(|g| StoredGoal {
                outcome: outcome.iter().find(|(k, _)| *k == g.metric_key).and_then(|(_, v)| *v),
                ..g.clone()
            })
            .collect();
        let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
        let closed = store::close_action_plan(&mut tx, ctx.tenant_id, &p, &goals).await?;
        let now = match closed {
            Some(closed) => closed,
            None => store::get_action_plan(&mut tx, ctx.tenant_id, p.action_plan_id, false)
                .await?
                .unwrap_or(p),
        };
        tx.commit().await?;
        out.push(now);
    }
    Ok(out)
}

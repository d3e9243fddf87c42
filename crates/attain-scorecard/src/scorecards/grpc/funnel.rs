//! PlanFunnel on the wire: the request checked field by field (every bad field named in one
//! answer, after the caller's view is loaded) and the plan encoded.

use attain_domain::{
    Violations,
    funnel::{Rate, RateSource, STEP_METRICS, check_conversion},
    period::Granularity,
};
use attain_proto::scorecard::v1::{
    self as pb,
    plan_funnel_request::{ApplyTo, History},
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert};

use super::scorecard::span_spec;
use crate::scorecards::{
    app::{
        ScorecardApi,
        funnel::{FunnelPlan, FunnelRequest, missing},
    },
    store::Subject,
};

const DEFAULT_LOOKBACK_DAYS: i32 = 90;
const MAX_LOOKBACK_DAYS: i32 = 730;
const TARGET_METRICS: &[&str] = &["revenue_won", "gross_profit_won"];

/// Rates the caller gave, by position in `RATE_METRICS`.
fn given(v: &mut Violations, r: &pb::FunnelRates) -> [Option<Rate>; 6] {
    let size = r.average_deal_size.and_then(|x| {
        if x <= 0 {
            v.add("rates.average_deal_size", "must be above 0 (minor units)");
        }
        u64::try_from(x).ok().filter(|x| *x > 0).map(|x| Rate {
            numerator: x,
            denominator: 1,
        })
    });
    let mut fraction = |field: &str, value: Option<f64>| {
        let x = value?;
        check_conversion(v, &format!("rates.{field}"), x);
        Rate::from_f64(x).filter(|_| x > 0.0 && x <= 1.0)
    };
    [
        size,
        fraction("win_rate", r.win_rate),
        fraction("held_to_qualified", r.held_to_qualified),
        fraction("set_to_held", r.set_to_held),
        fraction("conversation_to_meeting", r.conversation_to_meeting),
        fraction("dial_to_conversation", r.dial_to_conversation),
    ]
}

/// The request checked field by field; every bad field is named in one answer.
fn decode(req: pb::PlanFunnelRequest) -> ApiResult<FunnelRequest> {
    let mut v = Violations::new();
    if req.target_amount <= 0 {
        v.add("target_amount", "must be above 0 (minor units)");
    }
    let target_metric = match req.target_metric_key.as_str() {
        "" => Some(TARGET_METRICS[0]),
        key => TARGET_METRICS.iter().copied().find(|m| *m == key),
    };
    if target_metric.is_none() {
        v.add("target_metric_key", "must be \"revenue_won\" or \"gross_profit_won\"");
    }
    let lookback_days = convert::zero_is_default(
        &mut v,
        "lookback_days",
        req.lookback_days,
        DEFAULT_LOOKBACK_DAYS,
        1..=MAX_LOOKBACK_DAYS,
        format!("must be from 0 to {MAX_LOOKBACK_DAYS}"),
    );
    let rates = given(&mut v, &req.rates.unwrap_or_default());
    let history = match &req.history {
        Some(History::HistoryPersonId(id)) => {
            convert::required_id(&mut v, "history_person_id", id).map(Subject::Person)
        }
        Some(History::HistoryTeamId(id)) => convert::required_id(&mut v, "history_team_id", id).map(Subject::Team),
        None => None,
    };
    let missing = missing(&rates);
    if !missing.is_empty() && req.history.is_none() {
        v.add(
            "history",
            format!(
                "give history_person_id or history_team_id to fill in {}",
                missing.join(", ")
            ),
        );
    }
    let apply_to = match &req.apply_to {
        Some(ApplyTo::ApplyToPersonId(id)) => {
            convert::required_id(&mut v, "apply_to_person_id", id).map(Subject::Person)
        }
        Some(ApplyTo::ApplyToTeamId(id)) => convert::required_id(&mut v, "apply_to_team_id", id).map(Subject::Team),
        None => None,
    };
    let span = span_spec(&mut v, req.period.as_ref(), req.as_of.as_ref());
    // An explicit range is planned day by day, like a span's granularity.
    let quota_granularity = span.and_then(|s| match s.period.granularity() {
        Some(g @ (Granularity::Month | Granularity::Quarter | Granularity::Year)) => Some(g),
        _ => None,
    });
    if apply_to.is_some() && span.is_some() && quota_granularity.is_none() {
        v.add("period", "applying a plan needs a calendar month, quarter or year");
    }
    let (target_metric, span) = match v.into_result((target_metric, span))? {
        (Some(t), Some(s)) => (t, s),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
    Ok(FunnelRequest {
        target_amount: req.target_amount,
        target_metric,
        span,
        quota_granularity,
        lookback_days: lookback_days.unsigned_abs(),
        rates,
        history,
        apply_to,
    })
}

/// The plan as the API answers it.
fn encode(plan: &FunnelPlan) -> pb::PlanFunnelResponse {
    let steps = plan
        .funnel
        .steps()
        .iter()
        .zip(plan.per_day.steps())
        .zip(STEP_METRICS)
        .zip(&plan.display_names)
        .map(|((((step, total), (_, day)), metric), name)| pb::PlanStep {
            name: step.to_string(),
            metric_key: metric.to_string(),
            total: i64::try_from(*total).unwrap_or(i64::MAX),
            per_day: i64::try_from(day).unwrap_or(i64::MAX),
            per_day_exact: if plan.working_days == 0 {
                0.0
            } else {
                *total as f64 / f64::from(plan.working_days)
            },
            display_name: name.clone(),
        })
        .collect();
    let rates = plan
        .rates
        .iter()
        .map(|r| {
            let (source, numerator, denominator) = match r.source {
                RateSource::Caller => (pb::RateSource::Caller, 0, 0),
                RateSource::History { numerator, denominator } => (pb::RateSource::History, numerator, denominator),
            };
            pb::PlanRate {
                name: r.name.to_string(),
                value: r.rate.value(),
                source: source as i32,
                numerator,
                denominator,
            }
        })
        .collect();
    pb::PlanFunnelResponse {
        plan: Some(pb::FunnelPlan {
            target_amount: plan.target_amount,
            target_metric_key: plan.target_metric.to_string(),
            range: Some(convert::range_to_proto(plan.range)),
            working_days: i32::try_from(plan.working_days).unwrap_or(i32::MAX),
            steps,
            rates,
            history_range: plan.history_range.map(convert::range_to_proto),
            applied_on: plan.applied_on.map(convert::date_to_proto),
        }),
    }
}

pub async fn plan_funnel(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::PlanFunnelRequest,
) -> ApiResult<pb::PlanFunnelResponse> {
    let plan = api.plan_funnel(ctx, decode(req).into()).await?;
    Ok(encode(&plan))
}

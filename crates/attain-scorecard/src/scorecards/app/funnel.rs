//! PlanFunnel: walk back from a revenue or gross-profit target to the activity it takes, with
//! rates from the caller or from a person's or team's own history, and optionally write the
//! plan as quotas. [`plan`] decodes the request, [`plan_funnel`] holds the rule (the domain's
//! `attain_domain::funnel` does the math) and [`encode`] writes the answer.

use attain_domain::{
    Violations,
    calendar::Calendar,
    funnel::{
        Funnel, FunnelRates, PlanRate, RATE_METRICS, Rate, RateGap, RateSource, STEP_METRICS, check_conversion,
        fill_rates, plan_quotas, reverse_funnel,
    },
    org_view::View,
    period::{DateRange, Granularity},
};
use attain_proto::{
    metrics::v1::Grouping,
    scorecard::v1::{
        self as pb,
        plan_funnel_request::{ApplyTo, History},
    },
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{Days, NaiveDate};

use super::{
    ScorecardApi, access,
    compute::{Span, by_key, range_to_proto, span},
};
use crate::scorecards::{
    plan_store::{self as plans, NewQuota},
    store::Subject,
};

const DEFAULT_LOOKBACK_DAYS: i32 = 90;
const MAX_LOOKBACK_DAYS: i32 = 730;
const TARGET_METRICS: &[&str] = &["revenue_won", "gross_profit_won"];

/// A plan request, checked.
pub struct FunnelRequest {
    /// The target in minor units, above 0.
    pub target_amount: i64,
    /// `revenue_won` or `gross_profit_won`.
    pub target_metric: &'static str,
    /// The period, resolved in the tenant's calendar.
    pub when: Span,
    /// The calendar period quotas are written for when the plan is applied.
    pub quota_granularity: Option<Granularity>,
    /// Days of history before `as_of` that missing rates are observed over.
    pub lookback_days: u32,
    /// The caller's rates, by position in `RATE_METRICS`.
    pub rates: [Option<Rate>; 6],
    /// Whose history fills in the missing rates.
    pub history: Option<Subject>,
    /// Whom to write the plan to as quotas.
    pub apply_to: Option<Subject>,
}

/// A plan: the funnel over the period and per working day, its rates, and whether it was written
/// as quotas.
pub struct FunnelPlan {
    pub range: DateRange,
    pub working_days: u32,
    pub funnel: Funnel,
    pub per_day: Funnel,
    pub rates: [PlanRate; 6],
    /// The window the history was read over, when any rate came from it.
    pub history_range: Option<DateRange>,
    /// The day the quotas were written as of, when the plan was applied.
    pub applied_on: Option<NaiveDate>,
}

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

/// The request checked field by field, the period in the tenant's `calendar`; every bad field is
/// named in one answer.
fn decode(req: pb::PlanFunnelRequest, calendar: &Calendar) -> ApiResult<FunnelRequest> {
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
    let lookback_days = match req.lookback_days {
        0 => DEFAULT_LOOKBACK_DAYS,
        n @ 1..=MAX_LOOKBACK_DAYS => n,
        _ => {
            v.add("lookback_days", format!("must be from 0 to {MAX_LOOKBACK_DAYS}"));
            DEFAULT_LOOKBACK_DAYS
        }
    };
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
    let when = span(&mut v, req.period.as_ref(), req.as_of.as_ref(), calendar);
    let quota_granularity = when.and_then(|w| match w.granularity {
        g @ (Granularity::Month | Granularity::Quarter | Granularity::Year) => Some(g),
        _ => None,
    });
    if apply_to.is_some() && when.is_some() && quota_granularity.is_none() {
        v.add("period", "applying a plan needs a calendar month, quarter or year");
    }
    let (target_metric, when) = match v.into_result((target_metric, when))? {
        (Some(t), Some(w)) => (t, w),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
    Ok(FunnelRequest {
        target_amount: req.target_amount,
        target_metric,
        when,
        quota_granularity,
        lookback_days: lookback_days.unsigned_abs(),
        rates,
        history,
        apply_to,
    })
}

/// The names of the rates the caller left out.
fn missing(rates: &[Option<Rate>; 6]) -> Vec<&'static str> {
    RATE_METRICS
        .iter()
        .zip(rates)
        .filter(|(_, r)| r.is_none())
        .map(|((name, _, _), _)| *name)
        .collect()
}

pub async fn plan(api: &ScorecardApi, ctx: &Ctx, req: pb::PlanFunnelRequest) -> ApiResult<pb::PlanFunnelResponse> {
    let view = api.view(ctx).await?;
    let input = decode(req, &view.directory.calendar)?;
    let plan = plan_funnel(api, ctx, &view, &input).await?;
    let catalog = api.metrics.catalog(ctx, false).await?;
    let name = |key: &str| {
        catalog
            .get(key)
            .map_or_else(|| key.to_string(), |m| m.display_name.clone())
    };
    Ok(encode(&input, &plan, name))
}

/// Plans the funnel of `input` for the caller who sees `view`: reads the history for the rates
/// the caller left out, walks back from the target, and writes the plan as quotas when asked to.
pub async fn plan_funnel(api: &ScorecardApi, ctx: &Ctx, view: &View, input: &FunnelRequest) -> ApiResult<FunnelPlan> {
    let tenant = ctx.tenant_id;
    let cal = &view.directory.calendar;
    let when = input.when;
    let missing = missing(&input.rates);
    // History: the people whose totals fill in the missing rates.
    let history_people = match input.history.filter(|_| !missing.is_empty()) {
        Some(Subject::Person(p)) => {
            access::see_person(view, p)?;
            vec![p]
        }
        Some(Subject::Team(t)) => {
            access::see_team_members(view, t)?;
            let directory = &view.directory;
            plans::sellers_in(directory, &directory.subtree(&[t]))
                .iter()
                .map(|m| m.person_id)
                .collect()
        }
        None => Vec::new(),
    };
    match input.apply_to {
        Some(Subject::Person(p)) => access::manage_person(ctx, view, p)?,
        Some(Subject::Team(t)) => access::manage_team(ctx, view, t)?,
        None => {}
    }
    let history_range = DateRange {
        start: when
            .as_of
            .checked_sub_days(Days::new(u64::from(input.lookback_days)))
            .unwrap_or(when.as_of),
        end: when.as_of.checked_sub_days(Days::new(1)).unwrap_or(when.as_of),
    };
    let mut totals = Vec::new();
    if !missing.is_empty() {
        if history_people.is_empty() {
            return Err(ApiError::FailedPrecondition(format!(
                "no people to take history from for {}; give the rates instead",
                missing.join(", ")
            )));
        }
        let mut keys: Vec<String> = vec![input.target_metric.to_string()];
        keys.extend(
            RATE_METRICS
                .iter()
                .flat_map(|(_, n, d)| [*n, *d])
                .filter(|k| !k.is_empty())
                .map(String::from),
        );
        keys.sort();
        keys.dedup();
        let answer = api
            .metrics
            .totals(ctx, &history_people, &keys, history_range, Grouping::Combined)
            .await?;
        totals = answer.rows.into_iter().next().map(|r| r.values).unwrap_or_default();
    }
    let by = by_key(&totals);
    let total = |k: &str| {
        by.get(k).map_or(0, |v| match v.value {
            Some(attain_proto::metrics::v1::metric_value::Value::Total(t)) => t,
            _ => 0,
        })
    };
    let rates = fill_rates(input.rates, input.target_metric, total).map_err(|gap| rate_gap(gap, history_range))?;
    let target = input.target_amount.unsigned_abs();
    let funnel = reverse_funnel(target, &FunnelRates::of(&rates));
    let working_days = cal.working_days_between(when.range.start, when.range.end);
    let per_day = funnel.per_day(working_days).unwrap_or(Funnel {
        deals: 0,
        opportunities: 0,
        meetings_held: 0,
        meetings_set: 0,
        conversations: 0,
        dials: 0,
    });
    let mut applied_on = None;
    if let (Some(subject), Some(g)) = (input.apply_to, input.quota_granularity) {
        let granularity = match g {
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            _ => "year",
        };
        let steps = funnel.steps().map(|(_, total)| total);
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        for (kind, metric, amount) in plan_quotas(input.target_metric, input.target_amount, &steps) {
            let q = NewQuota {
                subject,
                kind,
                metric_key: &metric,
                granularity,
                start: when.range.start,
                end: when.range.end,
                amount,
            };
            plans::upsert_quota(&mut tx, tenant, &q).await?;
        }
        tx.commit().await?;
        applied_on = Some(when.as_of);
    }
    Ok(FunnelPlan {
        range: when.range,
        working_days,
        funnel,
        per_day,
        rates,
        history_range: (!missing.is_empty()).then_some(history_range),
        applied_on,
    })
}

/// A rate the history cannot give, as the caller reads it.
fn rate_gap(gap: RateGap, window: DateRange) -> ApiError {
    ApiError::FailedPrecondition(match gap {
        RateGap::NoHistory {
            name,
            numerator_metric,
            denominator_metric,
        } => format!(
            "no history for {name} ({numerator_metric} of {denominator_metric} over {} to {}); give rates.{name}",
            window.start, window.end
        ),
        RateGap::AboveOne {
            name,
            numerator: n,
            denominator: d,
            numerator_metric: num,
            denominator_metric: den,
        } => format!(
            "history gives {name} = {n} {num} of {d} {den} (above 100 %) over {} to {}; \
             the people counted record {num} that their own {den} do not cover; give rates.{name} \
             or take history from a team that runs the whole funnel",
            window.start, window.end
        ),
    })
}

/// The plan as the API answers it; `name` gives a metric's display name.
fn encode(input: &FunnelRequest, plan: &FunnelPlan, name: impl Fn(&str) -> String) -> pb::PlanFunnelResponse {
    let steps = plan
        .funnel
        .steps()
        .iter()
        .zip(plan.per_day.steps())
        .zip(STEP_METRICS)
        .map(|(((step, total), (_, day)), metric)| pb::PlanStep {
            name: step.to_string(),
            metric_key: metric.to_string(),
            total: i64::try_from(*total).unwrap_or(i64::MAX),
            per_day: i64::try_from(day).unwrap_or(i64::MAX),
            per_day_exact: if plan.working_days == 0 {
                0.0
            } else {
                *total as f64 / f64::from(plan.working_days)
            },
            display_name: name(metric),
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
            target_amount: input.target_amount,
            target_metric_key: input.target_metric.to_string(),
            range: Some(range_to_proto(plan.range)),
            working_days: i32::try_from(plan.working_days).unwrap_or(i32::MAX),
            steps,
            rates,
            history_range: plan.history_range.map(range_to_proto),
            applied_on: plan.applied_on.map(convert::date_to_proto),
        }),
    }
}

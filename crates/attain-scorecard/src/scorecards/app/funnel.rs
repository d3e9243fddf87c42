//! PlanFunnel: walk back from a revenue or gross-profit target to the activity it takes, with
//! rates from the caller or from a person's or team's own history, and optionally write the
//! plan as quotas. The wire side decodes the request and encodes the plan; the use case
//! [`ScorecardApi::plan_funnel`] holds the rule (the domain's `attain_domain::funnel` does the
//! math).

use attain_domain::{
    funnel::{
        Funnel, FunnelRates, PlanRate, RATE_METRICS, Rate, RateGap, STEP_METRICS, fill_rates, plan_quotas,
        reverse_funnel,
    },
    org_view::View,
    period::{DateRange, Granularity},
};
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{Days, NaiveDate};

use super::{
    ScorecardApi, access,
    compute::{Span, SpanSpec, by_key},
};
use crate::scorecards::{
    plan_store::{self as plans, NewQuota},
    store::Subject,
};

/// A plan request, checked.
pub struct FunnelRequest {
    /// The target in minor units, above 0.
    pub target_amount: i64,
    /// `revenue_won` or `gross_profit_won`.
    pub target_metric: &'static str,
    /// The period and as-of day, resolved by the use case in the tenant's calendar.
    pub span: SpanSpec,
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
    pub target_amount: i64,
    pub target_metric: &'static str,
    /// The display names of the steps' metrics (`STEP_METRICS`), from the catalog.
    pub display_names: [String; 6],
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

/// The names of the rates the caller left out.
pub fn missing(rates: &[Option<Rate>; 6]) -> Vec<&'static str> {
    RATE_METRICS
        .iter()
        .zip(rates)
        .filter(|(_, r)| r.is_none())
        .map(|((name, _, _), _)| *name)
        .collect()
}

impl ScorecardApi {
    /// The caller's view is loaded before their fields are answered.
    pub async fn plan_funnel(&self, ctx: &Ctx, input: Decoded<FunnelRequest>) -> ApiResult<FunnelPlan> {
        let view = self.view(ctx).await?;
        let input = input.get()?;
        let when = input.span.resolve(&view.directory.calendar)?;
        let mut plan = plan_funnel(self, ctx, &view, &input, when).await?;
        let catalog = self.metrics.catalog(ctx, false).await?;
        plan.display_names = STEP_METRICS.map(|key| {
            catalog
                .get(key)
                .map_or_else(|| key.to_string(), |m| m.display_name.clone())
        });
        Ok(plan)
    }
}

/// Plans the funnel of `input` for the caller who sees `view`: reads the history for the rates
/// the caller left out, walks back from the target, and writes the plan as quotas when asked to.
async fn plan_funnel(
    api: &ScorecardApi,
    ctx: &Ctx,
    view: &View,
    input: &FunnelRequest,
    when: Span,
) -> ApiResult<FunnelPlan> {
    let tenant = ctx.tenant_id;
    let cal = &view.directory.calendar;
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
        target_amount: input.target_amount,
        target_metric: input.target_metric,
        display_names: STEP_METRICS.map(String::from),
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

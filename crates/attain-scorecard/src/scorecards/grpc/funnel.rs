//! PlanFunnel: walk back from a revenue or gross-profit target to the activity it takes, with
//! rates from the caller or from a person's or team's own history, and optionally write the
//! plan as quotas.

use attain_domain::{
    Violations,
    funnel::{Funnel, FunnelRates, Rate, check_conversion, reverse_funnel},
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
use chrono::Days;

use super::{
    ScorecardApi, access,
    compute::{by_key, range_to_proto, span},
};
use crate::scorecards::{
    plan_store::{self as plans, NewQuota},
    store::Subject,
};

const DEFAULT_LOOKBACK_DAYS: i32 = 90;
const MAX_LOOKBACK_DAYS: i32 = 730;
const TARGET_METRICS: &[&str] = &["revenue_won", "gross_profit_won"];

/// The funnel's rates: name, numerator metric, denominator metric (the average deal size's
/// numerator is the target metric itself).
const RATES: [(&str, &str, &str); 6] = [
    ("average_deal_size", "", "deals_won"),
    ("win_rate", "deals_won", "opportunities_created"),
    ("held_to_qualified", "meetings_qualified", "meetings_held"),
    ("set_to_held", "meetings_held", "meetings_set"),
    ("conversation_to_meeting", "meetings_set", "conversations"),
    ("dial_to_conversation", "conversations", "calls"),
];

/// The metric each step is measured by, in `Funnel::steps` order.
const STEP_METRICS: [&str; 6] = [
    "deals_won",
    "opportunities_created",
    "meetings_held",
    "meetings_set",
    "conversations",
    "calls",
];

/// Rates the caller gave, by position in `RATES`.
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

pub async fn plan(api: &ScorecardApi, ctx: &Ctx, req: pb::PlanFunnelRequest) -> ApiResult<pb::PlanFunnelResponse> {
    let mut v = Violations::new();
    if req.target_amount <= 0 {
        v.add("target_amount", "must be above 0 (minor units)");
    }
    let target_metric = if req.target_metric_key.is_empty() {
        "revenue_won"
    } else {
        req.target_metric_key.as_str()
    };
    if !TARGET_METRICS.contains(&target_metric) {
        v.add("target_metric_key", "must be \"revenue_won\" or \"gross_profit_won\"");
    }
    let lookback = match req.lookback_days {
        0 => DEFAULT_LOOKBACK_DAYS,
        n @ 1..=MAX_LOOKBACK_DAYS => n,
        _ => {
            v.add("lookback_days", format!("must be from 0 to {MAX_LOOKBACK_DAYS}"));
            DEFAULT_LOOKBACK_DAYS
        }
    };
    let caller_rates = given(&mut v, &req.rates.unwrap_or_default());
    let history = match &req.history {
        Some(History::HistoryPersonId(id)) => {
            convert::required_id(&mut v, "history_person_id", id).map(Subject::Person)
        }
        Some(History::HistoryTeamId(id)) => convert::required_id(&mut v, "history_team_id", id).map(Subject::Team),
        None => None,
    };
    let missing: Vec<&str> = RATES
        .iter()
        .zip(&caller_rates)
        .filter(|(_, r)| r.is_none())
        .map(|((name, _, _), _)| *name)
        .collect();
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
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let cal = view.directory.calendar.clone();
    let when = span(&mut v, req.period.as_ref(), req.as_of.as_ref(), &cal);
    let quota_granularity = when.and_then(|w| match w.granularity {
        g @ (Granularity::Month | Granularity::Quarter | Granularity::Year) => Some(g),
        _ => None,
    });
    if apply_to.is_some() && when.is_some() && quota_granularity.is_none() {
        v.add("period", "applying a plan needs a calendar month, quarter or year");
    }
    let when = v
        .into_result(when)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    // History: the people whose totals fill in the missing rates.
    let history_people = match history.filter(|_| !missing.is_empty()) {
        Some(Subject::Person(p)) => {
            access::see_person(&view, p)?;
            vec![p]
        }
        Some(Subject::Team(t)) => {
            access::see_team_members(&view, t)?;
            let directory = &view.directory;
            plans::sellers_in(directory, &directory.subtree(&[t]))
                .iter()
                .map(|m| m.person_id)
                .collect()
        }
        None => Vec::new(),
    };
    match apply_to {
        Some(Subject::Person(p)) => access::manage_person(ctx, &view, p)?,
        Some(Subject::Team(t)) => access::manage_team(ctx, &view, t)?,
        None => {}
    }

    let history_range = DateRange {
        start: when
            .as_of
            .checked_sub_days(Days::new(lookback as u64))
            .unwrap_or(when.as_of),
        end: when.as_of.checked_sub_days(Days::new(1)).unwrap_or(when.as_of),
    };
    let mut rates_out = Vec::new();
    let mut rates = [None; 6];
    let mut observed = [None; 6];
    if !missing.is_empty() {
        if history_people.is_empty() {
            return Err(ApiError::FailedPrecondition(format!(
                "no people to take history from for {}; give the rates instead",
                missing.join(", ")
            )));
        }
        let mut keys: Vec<String> = vec![target_metric.to_string()];
        keys.extend(
            RATES
                .iter()
                .flat_map(|(_, n, d)| [*n, *d])
                .filter(|k| !k.is_empty())
                .map(String::from),
        );
        keys.sort();
        keys.dedup();
        let totals = api
            .metrics
            .totals(ctx, &history_people, &keys, history_range, Grouping::Combined)
            .await?;
        let values = totals.rows.into_iter().next().map(|r| r.values).unwrap_or_default();
        let by = by_key(&values);
        let total = |k: &str| {
            by.get(k).map_or(0, |v| match v.value {
                Some(attain_proto::metrics::v1::metric_value::Value::Total(t)) => t,
                _ => 0,
            })
        };
        for (i, (name, num, den)) in RATES.iter().enumerate() {
            let n = total(if num.is_empty() { target_metric } else { num });
            let d = total(den);
            observed[i] = Some((n, d));
            if caller_rates[i].is_none() {
                let rate = Rate::observed(n.max(0) as u64, d.max(0) as u64).ok_or_else(|| {
                    ApiError::FailedPrecondition(format!(
                        "no history for {name} ({} of {den} over {} to {}); give rates.{name}",
                        if num.is_empty() { target_metric } else { num },
                        history_range.start,
                        history_range.end
                    ))
                })?;
                // A conversion above 100 % means the history counts the later step for work
                // the earlier one did not cover (meetings held that others set): no basis for a plan.
                if i > 0 && n > d {
                    return Err(ApiError::FailedPrecondition(format!(
                        "history gives {name} = {n} {num} of {d} {den} (above 100 %) over {} to {}; \
                         the people counted record {num} that their own {den} do not cover; give rates.{name} \
                         or take history from a team that runs the whole funnel",
                        history_range.start, history_range.end
                    )));
                }
                rates[i] = Some(rate);
            }
        }
    }
    for (i, (name, _, _)) in RATES.iter().enumerate() {
        let (rate, source) = match caller_rates[i] {
            Some(r) => (r, pb::RateSource::Caller),
            None => (
                rates[i].ok_or_else(|| ApiError::internal(anyhow::anyhow!("rate {name} unset")))?,
                pb::RateSource::History,
            ),
        };
        rates[i] = Some(rate);
        let (numerator, denominator) = match source {
            pb::RateSource::History => observed[i].unwrap_or((0, 0)),
            _ => (0, 0),
        };
        rates_out.push(pb::PlanRate {
            name: name.to_string(),
            value: rate.value(),
            source: source as i32,
            numerator,
            denominator,
        });
    }
    let [Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)] = rates else {
        return Err(ApiError::internal(anyhow::anyhow!("funnel rates incomplete")));
    };
    let funnel_rates = FunnelRates {
        average_deal_size: a,
        win_rate: b,
        held_to_qualified: c,
        set_to_held: d,
        conversation_to_meeting: e,
        dial_to_conversation: f,
    };
    let target = req.target_amount as u64;
    let funnel = reverse_funnel(target, &funnel_rates);
    let working_days = cal.working_days_between(when.range.start, when.range.end);
    let per_day = funnel.per_day(working_days).unwrap_or(Funnel {
        deals: 0,
        opportunities: 0,
        meetings_held: 0,
        meetings_set: 0,
        conversations: 0,
        dials: 0,
    });
    let catalog = api.metrics.catalog(ctx, false).await?;
    let catalog_name = |key: &str| {
        catalog
            .get(key)
            .map_or_else(|| key.to_string(), |m| m.display_name.clone())
    };
    let steps: Vec<pb::PlanStep> = funnel
        .steps()
        .iter()
        .zip(per_day.steps())
        .zip(STEP_METRICS)
        .map(|(((name, total), (_, day)), metric)| pb::PlanStep {
            name: name.to_string(),
            metric_key: metric.to_string(),
            total: i64::try_from(*total).unwrap_or(i64::MAX),
            per_day: i64::try_from(day).unwrap_or(i64::MAX),
            per_day_exact: if working_days == 0 {
                0.0
            } else {
                *total as f64 / f64::from(working_days)
            },
            display_name: catalog_name(metric),
        })
        .collect();
    let mut applied_on = None;
    if let (Some(subject), Some(g)) = (apply_to, quota_granularity) {
        let granularity = match g {
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            _ => "year",
        };
        let target_kind = if target_metric == "gross_profit_won" {
            "profit"
        } else {
            "volume"
        };
        let mut quotas: Vec<(&str, &str, i64)> = vec![(target_kind, target_metric, req.target_amount)];
        quotas.extend(steps.iter().map(|s| {
            let kind = if s.metric_key == "deals_won" {
                "volume"
            } else {
                "activity"
            };
            (kind, s.metric_key.as_str(), s.total)
        }));
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        for (kind, metric, amount) in quotas {
            let q = NewQuota {
                subject,
                kind,
                metric_key: metric,
                granularity,
                start: when.range.start,
                end: when.range.end,
                amount,
            };
            plans::upsert_quota(&mut tx, tenant, &q).await?;
        }
        tx.commit().await?;
        applied_on = Some(convert::date_to_proto(when.as_of));
    }
    Ok(pb::PlanFunnelResponse {
        plan: Some(pb::FunnelPlan {
            target_amount: req.target_amount,
            target_metric_key: target_metric.to_string(),
            range: Some(range_to_proto(when.range)),
            working_days: working_days as i32,
            steps,
            rates: rates_out,
            history_range: (!missing.is_empty()).then(|| range_to_proto(history_range)),
            applied_on,
        }),
    })
}

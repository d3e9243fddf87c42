//! Incentive plans and earnings on the wire.

use attain_domain::{
    Violations,
    incentive::{self, Plan, Tier},
    milestone::Kind,
    org::SalesRole,
};
use attain_proto::{common::v1 as common, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums};

use super::{decode::id_page, scorecard::span_spec};
use crate::scorecards::{
    app::{
        ScorecardApi,
        compute::SpanSpec,
        incentives::{
            EarningsQuery, EarningsReport, METRICS, NewIncentivePlan, PlanSubject, Scenario, TeamEarnings,
            TeamEarningsQuery,
        },
    },
    incentive_store::PlanRecord,
};

const METRIC_FAULT: &str = "must be \"revenue_won\" or \"gross_profit_won\"";

fn plan(r: &PlanRecord) -> pb::IncentivePlan {
    use pb::incentive_plan::Subject as S;
    let subject = match (r.person_id, r.team_id, r.sales_role) {
        (Some(p), _, _) => Some(S::PersonId(p.to_string())),
        (_, Some(t), _) => Some(S::TeamId(t.to_string())),
        (_, _, Some(role)) => Some(S::SalesRole(enums::to_wire(role))),
        (None, None, None) => None,
    };
    let d = &r.definition.0;
    pb::IncentivePlan {
        id: r.plan_id.to_string(),
        subject,
        metric_key: r.metric_key.clone(),
        effective_date: Some(convert::date_to_proto(r.effective_date)),
        tiers: d
            .tiers
            .iter()
            .map(|&(from_bp, rate_bp)| pb::CommissionTier {
                from_bp: from_bp as i32,
                rate_bp: rate_bp as i32,
            })
            .collect(),
        quota_bonuses: d
            .quota_bonuses
            .iter()
            .map(|&(at_bp, amount)| pb::QuotaBonus {
                at_bp: at_bp as i32,
                amount,
            })
            .collect(),
        milestone_bonuses: d
            .milestone_bonuses
            .iter()
            .map(|(kind, amount)| pb::MilestoneBonus {
                kind: kind.clone(),
                amount: *amount,
            })
            .collect(),
        cap: d.cap,
        version: r.version,
        create_time: Some(convert::timestamp(r.created_at)),
    }
}

fn scenario(s: Scenario) -> pb::EarningsScenario {
    pb::EarningsScenario {
        result: s.result,
        attainment_bp: s.attainment_bp,
        lines: s
            .lines
            .into_iter()
            .map(|l| pb::EarningsLine {
                description: l.description,
                basis: l.basis,
                rate_bp: l.rate_bp as i32,
                amount: l.amount,
                tier_index: l.tier_index.map_or(-1, |i| i as i32),
                component: l.component.into(),
                count: l.count as i32,
            })
            .collect(),
        total: s.total,
    }
}

fn earnings(e: EarningsReport) -> pb::GetEarningsResponse {
    pb::GetEarningsResponse {
        person_id: e.person_id.to_string(),
        range: Some(convert::range_to_proto(e.range)),
        plan: Some(plan(&e.plan)),
        currency_code: e.currency_code,
        quota: e.quota,
        earned: Some(scenario(e.earned)),
        projected: Some(scenario(e.projected)),
        what_if: e.what_if.map(scenario),
    }
}

fn team_earnings(t: TeamEarnings) -> pb::GetTeamEarningsResponse {
    pb::GetTeamEarningsResponse {
        range: Some(convert::range_to_proto(t.range)),
        currency_code: t.currency_code,
        rows: t
            .rows
            .into_iter()
            .map(|r| pb::TeamEarningsRow {
                person_id: r.person_id.to_string(),
                display_name: r.display_name,
                has_plan: r.has_plan,
                earned: r.earned,
                projected: r.projected,
            })
            .collect(),
        earned_total: t.earned_total,
        projected_total: t.projected_total,
    }
}

fn new_plan(req: pb::SetIncentivePlanRequest) -> ApiResult<NewIncentivePlan> {
    use pb::incentive_plan::Subject as S;
    let p = req.plan.unwrap_or_default();
    let mut v = Violations::new();
    let subject = match &p.subject {
        Some(S::PersonId(id)) => convert::required_id(&mut v, "plan.person_id", id).map(PlanSubject::Person),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "plan.team_id", id).map(PlanSubject::Team),
        Some(S::SalesRole(r)) => {
            let role = enums::from_wire::<SalesRole>(*r);
            if role.is_none() {
                v.add("plan.sales_role", "is not a SALES_ROLE_ value");
            }
            role.map(PlanSubject::Role)
        }
        None => {
            v.add("plan.subject", "give person_id, team_id or sales_role");
            None
        }
    };
    if !METRICS.contains(&p.metric_key.as_str()) {
        v.add("plan.metric_key", METRIC_FAULT);
    }
    let effective = convert::required_date(&mut v, "plan.effective_date", p.effective_date.as_ref());
    let plan = Plan {
        tiers: p
            .tiers
            .iter()
            .map(|t| Tier {
                from_bp: i64::from(t.from_bp),
                rate_bp: i64::from(t.rate_bp),
            })
            .collect(),
        quota_bonuses: p
            .quota_bonuses
            .iter()
            .map(|b| incentive::QuotaBonus {
                at_bp: i64::from(b.at_bp),
                amount: b.amount,
            })
            .collect(),
        milestone_bonuses: p
            .milestone_bonuses
            .iter()
            .map(|b| incentive::MilestoneBonus {
                kind: b.kind.clone(),
                amount: b.amount,
            })
            .collect(),
        cap: p.cap,
    };
    v.extend_prefixed("plan", incentive::check_plan(&plan, |k| Kind::parse(k).is_some()));
    match v.into_result((subject, effective))? {
        (Some(subject), Some(effective_date)) => Ok(NewIncentivePlan {
            subject,
            metric_key: p.metric_key,
            effective_date,
            plan,
        }),
        _ => Err(ApiError::invalid("plan.effective_date", "is required")),
    }
}

pub async fn set_incentive_plan(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::SetIncentivePlanRequest,
) -> ApiResult<pb::SetIncentivePlanResponse> {
    let saved = api.set_incentive_plan(ctx, new_plan(req).into()).await?;
    Ok(pb::SetIncentivePlanResponse {
        plan: Some(plan(&saved)),
    })
}

pub async fn list_incentive_plans(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListIncentivePlansRequest,
) -> ApiResult<pb::ListIncentivePlansResponse> {
    let listed = api.list_incentive_plans(ctx, id_page(ctx, &req).into()).await?;
    Ok(pb::ListIncentivePlansResponse {
        plans: listed.items.iter().map(plan).collect(),
        next_page_token: listed.next_page_token,
    })
}

/// The metric of an earnings request: revenue won when unset.
fn metric(v: &mut Violations, key: &str) -> String {
    let metric = if key.is_empty() { "revenue_won" } else { key };
    if !METRICS.contains(&metric) {
        v.add("metric_key", METRIC_FAULT);
    }
    metric.to_string()
}

/// The period of an earnings request, checked after its as-of day: the calendar month
/// containing the as-of day (today when unset) when it names none.
fn earnings_span(
    v: &mut Violations,
    period: Option<&common::Period>,
    as_of: Option<&common::Date>,
) -> Option<SpanSpec> {
    let month = common::Period {
        kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
            granularity: common::Granularity::Month as i32,
            date: as_of.copied(),
        })),
    };
    span_spec(v, Some(period.unwrap_or(&month)), as_of)
}

fn earnings_query(req: &pb::GetEarningsRequest) -> ApiResult<EarningsQuery> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let metric_key = metric(&mut v, &req.metric_key);
    if !(0..=incentive::MAX_AMOUNT).contains(&req.what_if_more) {
        v.add("what_if_more", format!("must be from 0 to {}", incentive::MAX_AMOUNT));
    }
    let span = earnings_span(&mut v, req.period.as_ref(), req.as_of.as_ref());
    match v.into_result((person, span))? {
        (Some(person_id), Some(span)) => Ok(EarningsQuery {
            person_id,
            metric_key,
            what_if_more: req.what_if_more,
            span,
        }),
        _ => Err(ApiError::invalid("person_id", "is required")),
    }
}

pub async fn get_earnings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetEarningsRequest,
) -> ApiResult<pb::GetEarningsResponse> {
    let report = api.earnings(ctx, earnings_query(&req).into()).await?;
    Ok(earnings(report))
}

fn team_earnings_query(req: &pb::GetTeamEarningsRequest) -> ApiResult<TeamEarningsQuery> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let metric_key = metric(&mut v, &req.metric_key);
    let span = earnings_span(&mut v, req.period.as_ref(), req.as_of.as_ref());
    match v.into_result((team, span))? {
        (Some(team_id), Some(span)) => Ok(TeamEarningsQuery {
            team_id,
            metric_key,
            span,
        }),
        _ => Err(ApiError::invalid("team_id", "is required")),
    }
}

pub async fn get_team_earnings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetTeamEarningsRequest,
) -> ApiResult<pb::GetTeamEarningsResponse> {
    let team = api.team_earnings(ctx, team_earnings_query(&req).into()).await?;
    Ok(team_earnings(team))
}

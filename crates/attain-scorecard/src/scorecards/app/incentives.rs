//! Incentive plans (versions per person, team or role and result metric) and a person's earnings
//! for a period: earned to date, projected at pace, and what-if, line by line. The math is
//! `attain_domain::incentive`; this decodes, finds the plan, quota and results, and encodes.

use attain_domain::{
    Violations,
    incentive::{self, Component, Earnings, Plan, Tier},
    milestone::Kind,
    money::minor_digits,
    org::AccessRole,
    period::DateRange,
    scorecard::{
        self as math,
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, Shape, TemplateLine},
    },
};
use attain_proto::{metrics::v1::Grouping, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use uuid::Uuid;

use super::{
    ScorecardApi,
    compute::{number, range_to_proto, span},
    context::Context,
};
use crate::scorecards::{
    audit_rows,
    incentive_store::{self as store, Definition, PlanRecord, Subject},
};

/// The results a commission is paid on.
const METRICS: &[&str] = &["revenue_won", "gross_profit_won"];

fn plan_of(d: &Definition) -> Plan {
    Plan {
        tiers: d
            .tiers
            .iter()
            .map(|&(from_bp, rate_bp)| Tier { from_bp, rate_bp })
            .collect(),
        quota_bonuses: d
            .quota_bonuses
            .iter()
            .map(|&(at_bp, amount)| incentive::QuotaBonus { at_bp, amount })
            .collect(),
        milestone_bonuses: d
            .milestone_bonuses
            .iter()
            .map(|(kind, amount)| incentive::MilestoneBonus {
                kind: kind.clone(),
                amount: *amount,
            })
            .collect(),
        cap: d.cap,
    }
}

fn to_proto(r: &PlanRecord) -> pb::IncentivePlan {
    use pb::incentive_plan::Subject as S;
    let subject = match (r.person_id, r.team_id, r.sales_role) {
        (Some(p), _, _) => Some(S::PersonId(p.to_string())),
        (_, Some(t), _) => Some(S::TeamId(t.to_string())),
        (_, _, Some(role)) => Some(S::SalesRole(attain_runtime::enums::to_wire(role))),
        _ => None,
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

pub async fn set(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::SetIncentivePlanRequest,
) -> ApiResult<pb::SetIncentivePlanResponse> {
    use pb::incentive_plan::Subject as S;
    ctx.require(&[AccessRole::Admin], "set incentive plans")?;
    let p = req.plan.unwrap_or_default();
    let mut v = Violations::new();
    let (person, team, role) = match &p.subject {
        Some(S::PersonId(id)) => (convert::required_id(&mut v, "plan.person_id", id), None, None),
        Some(S::TeamId(id)) => (None, convert::required_id(&mut v, "plan.team_id", id), None),
        Some(S::SalesRole(r)) => {
            let role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(*r);
            if role.is_none() {
                v.add("plan.sales_role", "is not a SALES_ROLE_ value");
            }
            (None, None, role)
        }
        None => {
            v.add("plan.subject", "give person_id, team_id or sales_role");
            (None, None, None)
        }
    };
    if !METRICS.contains(&p.metric_key.as_str()) {
        v.add("plan.metric_key", "must be \"revenue_won\" or \"gross_profit_won\"");
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
    let effective = v
        .into_result(effective)?
        .ok_or_else(|| ApiError::invalid("plan.effective_date", "is required"))?;
    let view = api.view(ctx).await?;
    if let Some(id) = person
        && view.visible_person(id).is_none()
    {
        return Err(ApiError::not_found(format!("person {id}")));
    }
    if let Some(id) = team
        && view.directory.team(id).is_none()
    {
        return Err(ApiError::not_found(format!("team {id}")));
    }
    let definition = Definition {
        tiers: plan.tiers.iter().map(|t| (t.from_bp, t.rate_bp)).collect(),
        quota_bonuses: plan.quota_bonuses.iter().map(|b| (b.at_bp, b.amount)).collect(),
        milestone_bonuses: plan
            .milestone_bonuses
            .iter()
            .map(|b| (b.kind.clone(), b.amount))
            .collect(),
        cap: plan.cap,
    };
    let who = Subject { person, team, role };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let saved = store::insert(&mut tx, tenant, &who, &p.metric_key, effective, &definition)
        .await
        .map_err(|e| match ApiError::from(e) {
            // Two saves of one subject's plan at once: the later one retries.
            ApiError::AlreadyExists(_) => ApiError::Aborted("another version was saved at the same time; retry".into()),
            other => other,
        })?;
    let after = serde_json::to_value(to_proto_json(&saved)).ok();
    audit_rows::record(&mut tx, "incentive_plan", saved.plan_id, None, after).await?;
    tx.commit().await?;
    Ok(pb::SetIncentivePlanResponse {
        plan: Some(to_proto(&saved)),
    })
}

/// A version as the audit trail keeps it.
fn to_proto_json(r: &PlanRecord) -> serde_json::Value {
    serde_json::json!({
        "person_id": r.person_id.map(|p| p.to_string()), "team_id": r.team_id.map(|t| t.to_string()),
        "sales_role": r.sales_role.map(|r| r.as_str()),
        "metric_key": r.metric_key, "effective_date": r.effective_date.to_string(),
        "version": r.version, "definition": r.definition.0,
    })
}

pub async fn list(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListIncentivePlansRequest,
) -> ApiResult<pb::ListIncentivePlansResponse> {
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "list incentive plans")?;
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let before = page.after_id(&mut v);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut rows = store::list(&mut tx, ctx.tenant_id, before, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |r| r.plan_id.to_string());
    Ok(pb::ListIncentivePlansResponse {
        plans: rows.iter().map(to_proto).collect(),
        next_page_token,
    })
}

/// The calendar month containing `as_of` (today when unset): the period when a request gives none.
fn month_of(as_of: Option<attain_proto::common::v1::Date>) -> attain_proto::common::v1::Period {
    use attain_proto::common::v1 as common;
    common::Period {
        kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
            granularity: common::Granularity::Month as i32,
            date: as_of,
        })),
    }
}

/// `minor` as an amount of `currency` with its decimals: `USD 50,000.00`.
fn exact(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency).max(0) as u32;
    let scale = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let whole = attain_domain::money::thousands(minor.unsigned_abs() as i64 / scale);
    if digits == 0 {
        format!("{sign}{currency} {whole}")
    } else {
        let cents = minor.unsigned_abs() as i64 % scale;
        format!("{sign}{currency} {whole}.{cents:0width$}", width = digits as usize)
    }
}

fn percent_bp(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{} %", bp / 100)
    } else {
        format!("{}.{:02} %", bp / 100, bp % 100)
    }
}

fn scenario(e: &Earnings, result: i64, metric: &str, currency: &str) -> pb::EarningsScenario {
    let name = metric.replace('_', " ");
    pb::EarningsScenario {
        result,
        attainment_bp: e.attainment_bp,
        lines: e
            .lines
            .iter()
            .map(|l| {
                let (description, component, tier_index) = match &l.component {
                    Component::Tier { index, from_bp, to_bp } => (
                        format!(
                            "Commission {} on {} of {name} {}",
                            percent_bp(l.rate_bp),
                            exact(l.basis, currency),
                            match to_bp {
                                Some(to) =>
                                    format!("between {} and {} of quota", percent_bp(*from_bp), percent_bp(*to)),
                                None if e.attainment_bp.is_none() => "(no quota: the first tier's rate)".to_string(),
                                None => format!("from {} of quota", percent_bp(*from_bp)),
                            }
                        ),
                        "commission",
                        *index as i32,
                    ),
                    Component::QuotaBonus { at_bp } => {
                        (format!("Bonus at {} of quota", percent_bp(*at_bp)), "quota_bonus", -1)
                    }
                    Component::MilestoneBonus { kind } => (
                        format!("Bonus for {} × {}", l.count, kind.replace('_', " ")),
                        "milestone_bonus",
                        -1,
                    ),
                    Component::Cap => ("Cap of the plan".to_string(), "cap", -1),
                };
                pb::EarningsLine {
                    description,
                    basis: l.basis,
                    rate_bp: l.rate_bp as i32,
                    amount: l.amount,
                    tier_index,
                    component: component.into(),
                    count: l.count as i32,
                }
            })
            .collect(),
        total: e.total,
    }
}

pub async fn earnings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetEarningsRequest,
) -> ApiResult<pb::GetEarningsResponse> {
    let mut v = Violations::new();
    let person = convert::required_id(&mut v, "person_id", &req.person_id);
    let metric = if req.metric_key.is_empty() {
        "revenue_won"
    } else {
        req.metric_key.as_str()
    };
    if !METRICS.contains(&metric) {
        v.add("metric_key", "must be \"revenue_won\" or \"gross_profit_won\"");
    }
    if !(0..=incentive::MAX_AMOUNT).contains(&req.what_if_more) {
        v.add("what_if_more", format!("must be from 0 to {}", incentive::MAX_AMOUNT));
    }
    let view = api.view(ctx).await?;
    let calendar = view.directory.calendar.clone();
    // Unset: the month containing the as-of day (today by default).
    let month = month_of(req.as_of);
    let span = span(
        &mut v,
        Some(req.period.as_ref().unwrap_or(&month)),
        req.as_of.as_ref(),
        &calendar,
    );
    let (person, span) = match v.into_result((person, span))? {
        (Some(p), Some(s)) => (p, s),
        _ => return Err(ApiError::invalid("person_id", "is required")),
    };
    one(
        api,
        ctx.tenant_id,
        ctx,
        &view,
        person,
        &span,
        metric,
        req.what_if_more,
        Reach::Visible,
    )
    .await
}

/// Whose earnings a read may compute.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Reach {
    /// Only people the caller may see (a rep themself, a manager their subtree); anyone else's
    /// are NOT_FOUND, like their scorecard.
    Visible,
    /// Anyone of the tenant: a leaderboard of earnings the tenant turned on.
    Tenant,
}

/// One person's earnings for the span, by the plan in force on its first day.
#[allow(clippy::too_many_arguments)]
pub(super) async fn one(
    api: &ScorecardApi,
    tenant: Uuid,
    ctx: &Ctx,
    view: &attain_domain::org_view::View,
    person: Uuid,
    span: &super::compute::Span,
    metric: &str,
    what_if_more: i64,
    reach: Reach,
) -> ApiResult<pb::GetEarningsResponse> {
    let calendar = &view.directory.calendar;
    let dir = match reach {
        Reach::Visible => view.visible_person(person),
        Reach::Tenant => view.directory.person(person),
    }
    .cloned()
    .ok_or_else(|| ApiError::not_found(format!("person {person}")))?;
    let teams: Vec<Uuid> = dir
        .team_id
        .map(|t| view.directory.ancestors(t).into_iter().map(|(id, _)| id).collect())
        .unwrap_or_default();
    let role = dir.sales_role;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let versions = store::in_force(&mut tx, tenant, metric, span.range.start, person, &teams, role).await?;
    // The person's own plan, else the nearest team's, else the role's.
    let chosen = versions
        .iter()
        .find(|r| r.person_id == Some(person))
        .or_else(|| {
            teams
                .iter()
                .find_map(|t| versions.iter().find(|r| r.team_id == Some(*t)))
        })
        .or_else(|| versions.iter().find(|r| r.sales_role.is_some()))
        .cloned()
        .ok_or_else(|| {
            ApiError::FailedPrecondition(format!(
                "no incentive plan pays {metric} for person {person} in the period starting {}",
                span.range.start
            ))
        })?;
    let to_date = DateRange {
        start: span.range.start,
        end: span.as_of.clamp(span.range.start, span.range.end),
    };
    let kinds = if span.as_of < span.range.start {
        Vec::new()
    } else {
        store::milestone_kinds(&mut tx, tenant, person, to_date.start, to_date.end).await?
    };
    let mut context = Context::templates(&mut tx, &view.directory, vec![dir], &[]).await?;
    context.load_plans(&mut tx, &view.directory, span.range).await?;
    tx.commit().await?;
    let member = context.people.first().ok_or_else(|| ApiError::not_found("person"))?;
    let default_line = TemplateLine {
        metric_key: metric.to_string(),
        section: Section::Results,
        target: LineTarget::default(),
        weight: 0.0,
        thresholds: DEFAULT_THRESHOLDS,
    };
    let line = context
        .template_of(person)
        .and_then(|t| t.lines.iter().find(|l| l.metric_key == metric))
        .unwrap_or(&default_line);
    let quota = context
        .target(member, line, Shape::Additive, calendar, span.range, span.granularity)
        .map_or(0.0, |(q, _)| q);
    let actual = if span.as_of < span.range.start {
        0.0
    } else {
        let totals = api
            .metrics
            .totals(ctx, &[person], &[metric.to_string()], to_date, Grouping::PerPerson)
            .await?;
        totals
            .rows
            .first()
            .and_then(|r| number(r.values.iter().find(|v| v.metric_key == metric)))
            .unwrap_or(0.0)
    };
    let projected = if span.in_progress() && quota > 0.0 {
        math::pace(actual, quota, calendar, span.range, span.as_of, span.day_done).projection
    } else {
        actual
    };
    let plan = plan_of(&chosen.definition.0);
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    // Quotas and results are whole minor units; a pro-rated quota is rounded to the cent.
    let (quota, actual, projected) = (quota.round() as i64, actual.round() as i64, projected.round() as i64);
    let currency = view.directory.currency_code.clone();
    let run = |result: i64| {
        scenario(
            &incentive::earnings(&plan, quota, result, &kinds),
            result,
            metric,
            &currency,
        )
    };
    Ok(pb::GetEarningsResponse {
        person_id: person.to_string(),
        range: Some(range_to_proto(span.range)),
        plan: Some(to_proto(&chosen)),
        currency_code: currency.clone(),
        quota,
        earned: Some(run(actual)),
        projected: Some(run(projected)),
        what_if: (what_if_more > 0).then(|| run(actual.saturating_add(what_if_more))),
    })
}

/// Earnings of every seller of a team's subtree, with the team's totals, for their manager.
pub async fn team(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetTeamEarningsRequest,
) -> ApiResult<pb::GetTeamEarningsResponse> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let metric = if req.metric_key.is_empty() {
        "revenue_won"
    } else {
        req.metric_key.as_str()
    };
    if !METRICS.contains(&metric) {
        v.add("metric_key", "must be \"revenue_won\" or \"gross_profit_won\"");
    }
    let view = api.view(ctx).await?;
    let month = month_of(req.as_of);
    let span = span(
        &mut v,
        Some(req.period.as_ref().unwrap_or(&month)),
        req.as_of.as_ref(),
        &view.directory.calendar,
    );
    let (team, span) = match v.into_result((team, span))? {
        (Some(t), Some(s)) => (t, s),
        _ => return Err(ApiError::invalid("team_id", "is required")),
    };
    super::access::see_team_members(&view, team)?;
    let sellers = crate::scorecards::plan_store::sellers_in(&view.directory, &view.directory.subtree(&[team]));
    let mut out = pb::GetTeamEarningsResponse {
        range: Some(range_to_proto(span.range)),
        currency_code: view.directory.currency_code.clone(),
        ..Default::default()
    };
    // One person at a time: a team is a handful to a few dozen reps, each one totals call.
    for m in &sellers {
        let row = match one(
            api,
            ctx.tenant_id,
            ctx,
            &view,
            m.person_id,
            &span,
            metric,
            0,
            Reach::Visible,
        )
        .await
        {
            Ok(e) => pb::TeamEarningsRow {
                person_id: m.person_id.to_string(),
                display_name: m.display_name.clone(),
                has_plan: true,
                earned: e.earned.map_or(0, |s| s.total),
                projected: e.projected.map_or(0, |s| s.total),
            },
            Err(ApiError::FailedPrecondition(_)) => pb::TeamEarningsRow {
                person_id: m.person_id.to_string(),
                display_name: m.display_name.clone(),
                has_plan: false,
                ..Default::default()
            },
            Err(e) => return Err(e),
        };
        out.earned_total = out.earned_total.saturating_add(row.earned);
        out.projected_total = out.projected_total.saturating_add(row.projected);
        out.rows.push(row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_show_the_currencys_decimals() {
        assert_eq!(exact(5_000_000, "USD"), "USD 50,000.00");
        assert_eq!(exact(-35, "EUR"), "-EUR 0.35");
        assert_eq!(exact(1500, "JPY"), "JPY 1,500");
        assert_eq!(percent_bp(1_000), "10 %");
        assert_eq!(percent_bp(333), "3.33 %");
    }
}

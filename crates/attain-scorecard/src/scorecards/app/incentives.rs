//! Incentive plans (versions per person, team or role and result metric) and a person's earnings
//! for a period: earned to date, projected at pace, and what-if, line by line. The math is
//! `attain_domain::incentive`; this decodes, finds the plan, quota and results, and encodes.

use attain_domain::{
    incentive::{self, Component, Earnings, Plan, Tier},
    money::minor_digits,
    org::{AccessRole, SalesRole},
    org_view::View,
    period::DateRange,
    scorecard::{
        self as math,
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, Shape, TemplateLine},
    },
};
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    ScorecardApi,
    compute::{Span, SpanSpec, number},
    context::Context,
};
use crate::scorecards::{
    audit_rows,
    incentive_store::{self as store, Definition, PlanRecord, Subject},
};

/// The results a commission is paid on.
pub const METRICS: &[&str] = &["revenue_won", "gross_profit_won"];

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

/// Whose plan a version is.
#[derive(Debug, Clone, Copy)]
pub enum PlanSubject {
    Person(Uuid),
    Team(Uuid),
    Role(SalesRole),
}

/// A new version of a plan, its fields checked (`plan` by `incentive::check_plan`).
pub struct NewIncentivePlan {
    pub subject: PlanSubject,
    /// One of [`METRICS`].
    pub metric_key: String,
    pub effective_date: NaiveDate,
    pub plan: Plan,
}

/// A person's earnings for a span.
pub struct EarningsQuery {
    pub person_id: Uuid,
    /// One of [`METRICS`].
    pub metric_key: String,
    /// The extra result of the what-if scenario; 0 for none.
    pub what_if_more: i64,
    pub span: SpanSpec,
}

/// The earnings of a team subtree's sellers for a span.
pub struct TeamEarningsQuery {
    pub team_id: Uuid,
    /// One of [`METRICS`].
    pub metric_key: String,
    pub span: SpanSpec,
}

/// One line of an earnings statement, with what it pays in words.
#[derive(Debug, Clone)]
pub struct StatementLine {
    pub description: String,
    pub basis: i64,
    pub rate_bp: i64,
    pub amount: i64,
    /// The tier of a commission line.
    pub tier_index: Option<usize>,
    /// "commission", "quota_bonus", "milestone_bonus" or "cap".
    pub component: &'static str,
    pub count: i64,
}

/// What a plan pays on one result.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub result: i64,
    pub attainment_bp: Option<i64>,
    pub lines: Vec<StatementLine>,
    pub total: i64,
}

/// A person's earnings for a span: earned to date, projected at pace, and what-if.
#[derive(Debug, Clone)]
pub struct EarningsReport {
    pub person_id: Uuid,
    pub range: DateRange,
    /// The version in force on the span's first day.
    pub plan: PlanRecord,
    pub currency_code: String,
    pub quota: i64,
    pub earned: Scenario,
    pub projected: Scenario,
    pub what_if: Option<Scenario>,
}

/// One seller's row of a team's earnings.
#[derive(Debug, Clone)]
pub struct TeamEarningsRow {
    pub person_id: Uuid,
    pub display_name: String,
    /// Whether a plan pays them; without one, earned and projected are 0.
    pub has_plan: bool,
    pub earned: i64,
    pub projected: i64,
}

/// A team subtree's earnings, seller by seller, with their totals.
#[derive(Debug, Clone)]
pub struct TeamEarnings {
    pub range: DateRange,
    pub currency_code: String,
    pub rows: Vec<TeamEarningsRow>,
    pub earned_total: i64,
    pub projected_total: i64,
}

impl ScorecardApi {
    /// ADMIN, checked before the fields; a person or team the caller cannot see is NOT_FOUND.
    pub async fn set_incentive_plan(&self, ctx: &Ctx, input: Decoded<NewIncentivePlan>) -> ApiResult<PlanRecord> {
        ctx.require(&[AccessRole::Admin], "set incentive plans")?;
        let p = input.get()?;
        let view = self.view(ctx).await?;
        if let PlanSubject::Person(id) = p.subject
            && view.visible_person(id).is_none()
        {
            return Err(ApiError::not_found(format!("person {id}")));
        }
        if let PlanSubject::Team(id) = p.subject
            && view.directory.team(id).is_none()
        {
            return Err(ApiError::not_found(format!("team {id}")));
        }
        let plan = &p.plan;
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
        let who = match p.subject {
            PlanSubject::Person(id) => Subject {
                person: Some(id),
                team: None,
                role: None,
            },
            PlanSubject::Team(id) => Subject {
                person: None,
                team: Some(id),
                role: None,
            },
            PlanSubject::Role(role) => Subject {
                person: None,
                team: None,
                role: Some(role),
            },
        };
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let saved = store::insert(&mut tx, tenant, &who, &p.metric_key, p.effective_date, &definition)
            .await
            .map_err(|e| match ApiError::from(e) {
                // Two saves of one subject's plan at once: the later one retries.
                ApiError::AlreadyExists(_) => {
                    ApiError::Aborted("another version was saved at the same time; retry".into())
                }
                other => other,
            })?;
        let after = serde_json::to_value(audit_json(&saved)).ok();
        audit_rows::record(&mut tx, "incentive_plan", saved.plan_id, None, after).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// ADMIN or MANAGER, checked before the page: versions newest first.
    pub async fn list_incentive_plans(
        &self,
        ctx: &Ctx,
        page: Decoded<(Page, Option<Uuid>)>,
    ) -> ApiResult<Listed<PlanRecord>> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "list incentive plans")?;
        let (page, before) = page.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = store::list(&mut tx, ctx.tenant_id, before, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(rows, |r| r.plan_id.to_string()))
    }

    /// A person's earnings; the directory is read before the fields are answered. Someone the
    /// caller cannot see is NOT_FOUND; without a plan, FAILED_PRECONDITION.
    pub async fn earnings(&self, ctx: &Ctx, query: Decoded<EarningsQuery>) -> ApiResult<EarningsReport> {
        let view = self.view(ctx).await?;
        let q = query.get()?;
        let span = q.span.resolve(&view.directory.calendar)?;
        one(
            self,
            ctx.tenant_id,
            ctx,
            &view,
            q.person_id,
            &span,
            &q.metric_key,
            q.what_if_more,
            Reach::Visible,
        )
        .await
    }

    /// Earnings of every seller of a team's subtree, with the team's totals, for their manager;
    /// the directory is read before the fields are answered.
    pub async fn team_earnings(&self, ctx: &Ctx, query: Decoded<TeamEarningsQuery>) -> ApiResult<TeamEarnings> {
        let view = self.view(ctx).await?;
        let q = query.get()?;
        let span = q.span.resolve(&view.directory.calendar)?;
        super::access::see_team_members(&view, q.team_id)?;
        let sellers = crate::scorecards::plan_store::sellers_in(&view.directory, &view.directory.subtree(&[q.team_id]));
        let mut out = TeamEarnings {
            range: span.range,
            currency_code: view.directory.currency_code.clone(),
            rows: Vec::with_capacity(sellers.len()),
            earned_total: 0,
            projected_total: 0,
        };
        // One person at a time: a team is a handful to a few dozen reps, each one totals call.
        for m in &sellers {
            let row = match one(
                self,
                ctx.tenant_id,
                ctx,
                &view,
                m.person_id,
                &span,
                &q.metric_key,
                0,
                Reach::Visible,
            )
            .await
            {
                Ok(e) => TeamEarningsRow {
                    person_id: m.person_id,
                    display_name: m.display_name.clone(),
                    has_plan: true,
                    earned: e.earned.total,
                    projected: e.projected.total,
                },
                Err(ApiError::FailedPrecondition(_)) => TeamEarningsRow {
                    person_id: m.person_id,
                    display_name: m.display_name.clone(),
                    has_plan: false,
                    earned: 0,
                    projected: 0,
                },
                Err(e) => return Err(e),
            };
            out.earned_total = out.earned_total.saturating_add(row.earned);
            out.projected_total = out.projected_total.saturating_add(row.projected);
            out.rows.push(row);
        }
        Ok(out)
    }
}

/// A version as the audit trail keeps it.
fn audit_json(r: &PlanRecord) -> serde_json::Value {
    serde_json::json!({
        "person_id": r.person_id.map(|p| p.to_string()), "team_id": r.team_id.map(|t| t.to_string()),
        "sales_role": r.sales_role.map(|r| r.as_str()),
        "metric_key": r.metric_key, "effective_date": r.effective_date.to_string(),
        "version": r.version, "definition": r.definition.0,
    })
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

fn scenario(e: &Earnings, result: i64, metric: &str, currency: &str) -> Scenario {
    let name = metric.replace('_', " ");
    Scenario {
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
                        Some(*index),
                    ),
                    Component::QuotaBonus { at_bp } => {
                        (format!("Bonus at {} of quota", percent_bp(*at_bp)), "quota_bonus", None)
                    }
                    Component::MilestoneBonus { kind } => (
                        format!("Bonus for {} × {}", l.count, kind.replace('_', " ")),
                        "milestone_bonus",
                        None,
                    ),
                    Component::Cap => ("Cap of the plan".to_string(), "cap", None),
                };
                StatementLine {
                    description,
                    basis: l.basis,
                    rate_bp: l.rate_bp,
                    amount: l.amount,
                    tier_index,
                    component,
                    count: l.count,
                }
            })
            .collect(),
        total: e.total,
    }
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
    view: &View,
    person: Uuid,
    span: &Span,
    metric: &str,
    what_if_more: i64,
    reach: Reach,
) -> ApiResult<EarningsReport> {
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
    Ok(EarningsReport {
        person_id: person,
        range: span.range,
        currency_code: currency.clone(),
        quota,
        earned: run(actual),
        projected: run(projected),
        what_if: (what_if_more > 0).then(|| run(actual.saturating_add(what_if_more))),
        plan: chosen,
    })
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

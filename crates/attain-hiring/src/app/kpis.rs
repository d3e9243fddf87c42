//! Hiring and onboarding KPIs for a hiring manager, a team subtree or everyone the caller sees.
//!
//! Period attribution: a hire belongs to the period containing its requisition's filled date
//! (the local day the offer was accepted); an interview to the day it took place; an offer to the
//! day it was answered; a stage spell to the day it ended; a candidate to the day they applied.

use attain_runtime::clients::org::{has_left, sells};
use attain_runtime::clients::scorecard::KpiQuery;
use std::collections::{HashMap, HashSet};

use attain_domain::{
    calendar::Calendar,
    hiring::{CandidateSource, CandidateStatus, OfferOutcome, kpi, process},
    org::SalesRole,
    period::{DateRange, PeriodSpec},
};
use attain_proto::org::v1::Person;
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded, enums::from_wire};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{HiringApi, access::View, bench::date, requisitions::stages};
use crate::store::{
    candidates::{self as cand_store, CandidateRecord},
    requisitions::{self as store, HireRecord, ReqFilter, RequisitionRecord},
};

/// Whose hiring the KPIs cover.
pub enum Scope {
    /// One hiring manager's requisitions and the people they hired.
    Manager(Uuid),
    /// A team's subtree.
    Team(Uuid),
    /// Everything the caller sees.
    Everyone,
}

/// A GetHiringKpis request, checked.
pub struct HiringKpiQuery {
    pub scope: Scope,
    pub period: PeriodSpec,
    /// The metric whose quota attainment says an onboarding rep is to plan.
    pub quota_metric_key: String,
}

/// Hiring time in one stage of the processes.
pub struct StageTime {
    pub stage: String,
    pub display_name: String,
    pub spells: u32,
    pub mean_days: Option<f64>,
}

/// Candidates and hires of one source.
pub struct SourceEffectiveness {
    pub source: CandidateSource,
    pub candidates: u32,
    pub hires: u32,
    pub hire_rate: Option<f64>,
    pub mean_time_to_fill_days: Option<f64>,
}

/// How long the reps a hiring manager hired stayed.
pub struct ManagerTenure {
    pub hiring_manager_id: Uuid,
    pub hires: u32,
    pub still_here: u32,
    pub mean_tenure_months: Option<f64>,
}

/// The hiring and onboarding KPIs of a period.
#[derive(Default)]
pub struct HiringKpis {
    pub range: Option<DateRange>,
    pub quota_metric_key: String,
    pub hires: u32,
    pub adherent_hires: u32,
    pub time_to_fill_median_days: Option<f64>,
    pub time_to_fill_mean_days: Option<f64>,
    pub process_adherence: Option<f64>,
    pub time_in_stage: Vec<StageTime>,
    pub interviews: u32,
    pub scorecards_submitted: u32,
    pub scorecard_submission_rate: Option<f64>,
    pub offers_accepted: u32,
    pub offers_declined: u32,
    pub offer_acceptance_rate: Option<f64>,
    pub sources: Vec<SourceEffectiveness>,
    pub onboarding_reps: u32,
    pub onboarding_reps_to_plan: u32,
    pub onboarding_to_plan: Option<f64>,
    pub tenured_reps: u32,
    pub tenured_reps_retained: u32,
    pub tenured_retention: Option<f64>,
    pub promotions: u32,
    pub tenure_by_hiring_manager: Vec<ManagerTenure>,
}

fn in_range(cal: &Calendar, range: DateRange, at: DateTime<Utc>) -> bool {
    range.contains(cal.local_date(at))
}

impl HiringApi {
    pub async fn hiring_kpis(&self, ctx: &Ctx, query: Decoded<HiringKpiQuery>) -> ApiResult<HiringKpis> {
        let api = self;
        let view = View::of(api, ctx).await?;
        let HiringKpiQuery {
            scope,
            period,
            quota_metric_key: quota_metric,
        } = query.get()?;
        let cal = api.peers.directory.calendar(ctx).await?;
        let range = period.resolve(&cal, cal.local_date(Utc::now()));
        let (manager, teams) = match scope {
            Scope::Manager(m) => (Some(m), None),
            Scope::Team(t) => {
                api.peers.org.visible_team(ctx, t).await?;
                (None, Some(api.peers.org.subtree(ctx, t).await?))
            }
            Scope::Everyone => (None, None),
        };

        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let filter = ReqFilter {
            hiring_manager: manager,
            teams: teams.as_deref(),
            managers: view.managers(),
            visible_teams: view.teams(),
            ..Default::default()
        };
        let reqs = store::list_requisitions(&mut tx, tenant, &filter, None, 100_000).await?;
        // A hiring manager the caller may neither see nor see a requisition of is nobody to them.
        if let Some(m) = manager
            && reqs.is_empty()
            && !view.sees_person(m)
        {
            return Err(ApiError::not_found(format!("person {m}")));
        }
        let req_ids: Vec<Uuid> = reqs.iter().map(|r| r.requisition_id).collect();
        let candidates = cand_store::list(&mut tx, tenant, &req_ids, None, 1_000_000).await?;
        let cand_ids: Vec<Uuid> = candidates.iter().map(|c| c.candidate_id).collect();
        let moves = cand_store::moves(&mut tx, tenant, &cand_ids).await?;
        let interviews = cand_store::interviews(&mut tx, tenant, &cand_ids).await?;
        let mut templates = HashMap::new();
        for r in &reqs {
            if !templates.contains_key(&r.template_id)
                && let Some(t) = store::get_template(&mut tx, tenant, r.template_id).await?
            {
                templates.insert(r.template_id, t);
            }
        }
        let req_set: HashSet<Uuid> = req_ids.iter().copied().collect();
        let hires: Vec<HireRecord> = store::hires(&mut tx, tenant)
            .await?
            .into_iter()
            .filter(|h| req_set.contains(&h.requisition_id))
            .collect();
        tx.commit().await?;

        let history = |c: &CandidateRecord| -> Vec<(String, DateTime<Utc>)> {
            moves
                .iter()
                .filter(|m| m.candidate_id == c.candidate_id)
                .map(|m| (m.stage.clone(), m.enter_time))
                .collect()
        };
        let hired_candidate = |r: &RequisitionRecord| {
            candidates
                .iter()
                .find(|c| c.requisition_id == r.requisition_id && c.status == CandidateStatus::Hired)
        };

        // Hires of the period: time to fill and process adherence.
        let mut out = HiringKpis {
            range: Some(range),
            quota_metric_key: quota_metric.clone(),
            ..Default::default()
        };
        let mut fill_days = Vec::new();
        let mut source_fill: HashMap<&str, Vec<f64>> = HashMap::new();
        for r in reqs.iter().filter(|r| r.filled_date.is_some_and(|d| range.contains(d))) {
            let Some(filled) = r.filled_date else { continue };
            let days = kpi::time_to_fill_days(r.opened_date, filled) as f64;
            fill_days.push(days);
            out.hires += 1;
            if let Some(c) = hired_candidate(r) {
                source_fill.entry(c.source.as_str()).or_default().push(days);
                let h = history(c);
                let keys: Vec<&str> = h.iter().map(|(s, _)| s.as_str()).collect();
                if templates
                    .get(&r.template_id)
                    .is_some_and(|t| process::adherent(&stages(&t.stages.0), &keys))
                {
                    out.adherent_hires += 1;
                }
            }
        }
        out.time_to_fill_median_days = kpi::median(&fill_days);
        out.time_to_fill_mean_days = kpi::mean(&fill_days);
        out.process_adherence = kpi::share(out.adherent_hires, out.hires);

        // Time in stage, in the order stages first appear in the processes, named as the first
        // process that has the stage names it.
        let mut order: Vec<String> = Vec::new();
        let mut names: HashMap<String, String> = HashMap::new();
        for t in templates.values() {
            for s in &t.stages.0 {
                if !order.contains(&s.key) {
                    order.push(s.key.clone());
                    names.insert(s.key.clone(), s.display_name.clone());
                }
            }
        }
        let mut by_stage: HashMap<String, Vec<f64>> = HashMap::new();
        for c in &candidates {
            let days = |a: DateTime<Utc>, b: DateTime<Utc>| (b - a).num_seconds() as f64 / 86_400.0;
            for s in kpi::spells(&history(c), c.close_time, days) {
                if in_range(&cal, range, s.exit) {
                    by_stage.entry(s.stage).or_default().push(s.days);
                }
            }
        }
        for key in order.iter().chain(by_stage.keys().filter(|k| !order.contains(k))) {
            if let Some(days) = by_stage.get(key) {
                out.time_in_stage.push(StageTime {
                    stage: key.clone(),
                    spells: days.len() as u32,
                    mean_days: kpi::mean(days),
                    display_name: names.get(key).cloned().unwrap_or_else(|| key.clone()),
                });
            }
        }

        // Interviews and offers.
        for i in interviews.iter().filter(|i| in_range(&cal, range, i.interview_time)) {
            out.interviews += 1;
            if i.submit_time.is_some() {
                out.scorecards_submitted += 1;
            }
        }
        out.scorecard_submission_rate = kpi::share(out.scorecards_submitted, out.interviews);
        for c in &candidates {
            if c.offer_outcome_time.is_some_and(|t| in_range(&cal, range, t)) {
                match c.offer_outcome {
                    Some(OfferOutcome::Accepted) => out.offers_accepted += 1,
                    Some(OfferOutcome::Declined) => out.offers_declined += 1,
                    _ => {}
                }
            }
        }
        out.offer_acceptance_rate = kpi::share(out.offers_accepted, out.offers_accepted + out.offers_declined);

        // Sources.
        for source in CandidateSource::ALL {
            let applied = candidates
                .iter()
                .filter(|c| c.source == *source && in_range(&cal, range, c.apply_time))
                .count() as u32;
            let fills = source_fill.get(source.as_str()).cloned().unwrap_or_default();
            out.sources.push(SourceEffectiveness {
                source: *source,
                candidates: applied,
                hires: fills.len() as u32,
                hire_rate: kpi::share(fills.len() as u32, applied),
                mean_time_to_fill_days: kpi::mean(&fills),
            });
        }

        // What the org directory and the scorecard service know of the people.
        let people = api.peers.org.people(ctx, None).await?;
        let by_id: HashMap<String, &Person> = people.iter().map(|p| (p.id.clone(), p)).collect();
        let hired_people: Vec<(&HireRecord, &Person)> = hires
            .iter()
            .filter_map(|h| Some((h, *by_id.get(&h.person_id?.to_string())?)))
            .collect();
        onboarding(api, ctx, range, &quota_metric, &hired_people, &mut out).await?;

        let hired_ids: HashSet<&str> = hired_people.iter().map(|(_, p)| p.id.as_str()).collect();
        let population: Vec<&Person> = people
            .iter()
            .filter(|p| sells(p) || has_sold(p))
            .filter(|p| match (&manager, &teams) {
                (Some(m), _) => p.manager_id == m.to_string() || hired_ids.contains(p.id.as_str()),
                (None, Some(t)) => Uuid::try_parse(&p.team_id).is_ok_and(|id| t.contains(&id)),
                (None, None) => true,
            })
            .collect();
        let dates: Vec<_> = population
            .iter()
            .filter_map(|p| Some((date(p.start_date.as_ref())?, end_of(p))))
            .collect();
        let (tenured, retained) = kpi::tenured_retention(&dates, range);
        out.tenured_reps = tenured;
        out.tenured_reps_retained = retained;
        out.tenured_retention = kpi::share(retained, tenured);
        for p in &population {
            let Ok(id) = Uuid::try_parse(&p.id) else { continue };
            let history: Vec<(SalesRole, chrono::NaiveDate)> = api
                .peers
                .org
                .role_history(ctx, id)
                .await?
                .iter()
                .filter_map(|r| Some((from_wire::<SalesRole>(r.sales_role)?, date(r.effective_date.as_ref())?)))
                .collect();
            out.promotions += kpi::promotions(&history, range);
        }

        // Tenure of the reps each hiring manager hired.
        let mut tenure: HashMap<Uuid, (u32, u32, Vec<f64>)> = HashMap::new();
        for (h, p) in &hired_people {
            let Some(start) = date(p.start_date.as_ref()) else {
                continue;
            };
            if let Some(months) = kpi::tenure_months(start, end_of(p), range.end) {
                let e = tenure.entry(h.hiring_manager_id).or_default();
                e.0 += 1;
                if end_of(p).is_none_or(|d| d > range.end) {
                    e.1 += 1;
                }
                e.2.push(months);
            }
        }
        let mut managers: Vec<_> = tenure.into_iter().collect();
        managers.sort_by_key(|(m, _)| *m);
        out.tenure_by_hiring_manager = managers
            .into_iter()
            .map(|(m, (hires, still, months))| ManagerTenure {
                hiring_manager_id: m,
                hires,
                still_here: still,
                mean_tenure_months: kpi::mean(&months),
            })
            .collect();
        Ok(out)
    }
}

/// Promoted sellers (now managers) still count for retention and promotions.
fn has_sold(p: &Person) -> bool {
    matches!(
        from_wire::<SalesRole>(p.sales_role),
        Some(SalesRole::SalesManager | SalesRole::SalesLeader)
    )
}

fn end_of(p: &Person) -> Option<chrono::NaiveDate> {
    date(p.end_date.as_ref()).or_else(|| has_left(p).then_some(chrono::NaiveDate::MIN))
}

/// Percent of onboarding reps to plan: each rep hired through Attain whom the directory still
/// lists as onboarding, with a quota in the period, is to plan when their quota attainment (the
/// scorecard service scales their quota by their ramp) is 1.0 or more.
async fn onboarding(
    api: &HiringApi,
    ctx: &Ctx,
    range: DateRange,
    quota_metric: &str,
    hired: &[(&HireRecord, &Person)],
    out: &mut HiringKpis,
) -> ApiResult<()> {
    let onboarding: Vec<&Person> = hired
        .iter()
        .map(|(_, p)| *p)
        .filter(|p| p.status == attain_proto::org::v1::PersonStatus::Onboarding as i32)
        .collect();
    let mut teams: Vec<&str> = onboarding
        .iter()
        .map(|p| p.team_id.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    teams.sort_unstable();
    teams.dedup();
    let (mut counted, mut to_plan) = (0u32, 0u32);
    for team in teams {
        let Ok(team_id) = Uuid::try_parse(team) else { continue };
        let query = KpiQuery {
            team: team_id,
            range,
            as_of: Some(range.end),
            quota_metric_key: quota_metric,
        };
        let kpis = api.peers.scorecards.manager_kpis(ctx, query).await?;
        for p in onboarding.iter().filter(|p| p.team_id == team) {
            let Some(row) = kpis.reps.iter().find(|r| r.person_id == p.id) else {
                continue;
            };
            if row.quota.is_some_and(|q| q > 0.0) {
                counted += 1;
                if row.quota_attainment.is_some_and(|a| a >= 1.0) {
                    to_plan += 1;
                }
            }
        }
    }
    out.onboarding_reps = counted;
    out.onboarding_reps_to_plan = to_plan;
    out.onboarding_to_plan = kpi::share(to_plan, counted);
    Ok(())
}

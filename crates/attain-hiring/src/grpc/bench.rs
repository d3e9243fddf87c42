//! The bench, bench strength and the hiring KPIs on the wire.

use attain_domain::{
    Violations,
    hiring::{BenchKind, Readiness},
    org::SalesRole,
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    enums::{from_wire, to_wire},
};

use super::{encode, requisitions::required_id};
use crate::app::{
    HiringApi,
    bench::NewBenchEntry,
    kpis::{HiringKpiQuery, HiringKpis, Scope},
};

fn new_entry(req: pb::CreateBenchEntryRequest) -> ApiResult<NewBenchEntry> {
    let mut v = Violations::new();
    let e = req.entry.unwrap_or_default();
    let kind = from_wire::<BenchKind>(e.kind);
    if kind.is_none() {
        v.add("entry.kind", "is required: EXTERNAL or INTERNAL");
    }
    let team = convert::required_id(&mut v, "entry.team_id", &e.team_id);
    let person = convert::optional_id(&mut v, "entry.person_id", &e.person_id);
    let readiness = from_wire::<Readiness>(e.readiness);
    if readiness.is_none() {
        v.add(
            "entry.readiness",
            "is required: READY_NOW, READY_6_MONTHS or READY_12_MONTHS",
        );
    }
    if e.target_roles.is_empty() {
        v.add("entry.target_roles", "give at least one role");
    }
    let mut roles = Vec::new();
    for (i, r) in e.target_roles.iter().enumerate() {
        match from_wire::<SalesRole>(*r) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => v.add(format!("entry.target_roles[{i}]"), "appears twice"),
            None => v.add(
                format!("entry.target_roles[{i}]"),
                "must be one of the SALES_ROLE_ values",
            ),
        }
    }
    if e.notes.chars().count() > 2000 {
        v.add("entry.notes", "at most 2,000 characters");
    }
    if e.display_name.chars().count() > 200 {
        v.add("entry.display_name", "at most 200 characters");
    }
    let name = e.display_name.trim().to_string();
    match (kind, person) {
        (Some(BenchKind::Internal), None) => v.add("entry.person_id", "is required for an INTERNAL entry"),
        (Some(BenchKind::External), Some(_)) => v.add(
            "entry.person_id",
            "must be empty for an EXTERNAL entry; use INTERNAL for people here",
        ),
        _ => {}
    }
    if name.is_empty() && kind == Some(BenchKind::External) {
        v.add("entry.display_name", "is required for an EXTERNAL entry");
    }
    let (Some(kind), Some(team_id), Some(readiness)) = v.into_result((kind, team, readiness))? else {
        return Err(ApiError::invalid("entry", "is incomplete"));
    };
    Ok(NewBenchEntry {
        kind,
        team_id,
        person_id: person,
        display_name: name,
        readiness,
        target_roles: roles,
        notes: e.notes,
    })
}

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateBenchEntryRequest,
) -> ApiResult<pb::CreateBenchEntryResponse> {
    let entry = api.create_bench_entry(ctx, new_entry(req).into()).await?;
    Ok(pb::CreateBenchEntryResponse {
        entry: Some(encode::bench(&entry)),
    })
}

pub async fn list(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListBenchEntriesRequest,
) -> ApiResult<pb::ListBenchEntriesResponse> {
    let team = required_id("team_id", &req.team_id)?;
    let role = match req.target_role {
        0 => None,
        r => Some(
            from_wire::<SalesRole>(r)
                .ok_or_else(|| ApiError::invalid("target_role", "must be one of the SALES_ROLE_ values"))?,
        ),
    };
    let rows = api.list_bench_entries(ctx, team, role).await?;
    Ok(pb::ListBenchEntriesResponse {
        entries: rows.iter().map(encode::bench).collect(),
    })
}

pub async fn strength(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::GetBenchStrengthRequest,
) -> ApiResult<pb::GetBenchStrengthResponse> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let team = v
        .into_result(team)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let b = api.bench_strength(ctx, team, as_of).await?;
    let s = &b.strength;
    Ok(pb::GetBenchStrengthResponse {
        strength: Some(pb::BenchStrength {
            team_id: b.team_id.to_string(),
            ready_now: s.ready_now as i32,
            ready_6_months: s.ready_6_months as i32,
            ready_12_months: s.ready_12_months as i32,
            open_requisitions: s.open_requisitions as i32,
            attrition_last_12_months: s.attrition_last_12_months as i32,
            expected_openings: s.expected_openings as i32,
            coverage: s.coverage,
            as_of: Some(convert::date_to_proto(b.as_of)),
        }),
    })
}

fn kpi_query(req: pb::GetHiringKpisRequest) -> ApiResult<HiringKpiQuery> {
    use pb::get_hiring_kpis_request::Scope as PbScope;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(PbScope::HiringManagerId(id)) => convert::required_id(&mut v, "hiring_manager_id", id).map(Scope::Manager),
        Some(PbScope::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(Scope::Team),
        None => Some(Scope::Everyone),
    };
    let quota_metric_key = if req.quota_metric_key.is_empty() {
        "revenue_won".to_string()
    } else {
        req.quota_metric_key
    };
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    let (Some(scope), Some(period)) = v.into_result((scope, period))? else {
        return Err(ApiError::invalid("period", "is required"));
    };
    Ok(HiringKpiQuery {
        scope,
        period,
        quota_metric_key,
    })
}

fn kpis(k: HiringKpis) -> pb::HiringKpis {
    let n = |x: u32| x as i32;
    pb::HiringKpis {
        range: k.range.map(convert::range_to_proto),
        quota_metric_key: k.quota_metric_key,
        hires: n(k.hires),
        adherent_hires: n(k.adherent_hires),
        time_to_fill_median_days: k.time_to_fill_median_days,
        time_to_fill_mean_days: k.time_to_fill_mean_days,
        process_adherence: k.process_adherence,
        time_in_stage: k
            .time_in_stage
            .into_iter()
            .map(|s| pb::StageTime {
                stage: s.stage,
                spells: n(s.spells),
                mean_days: s.mean_days,
                display_name: s.display_name,
            })
            .collect(),
        interviews: n(k.interviews),
        scorecards_submitted: n(k.scorecards_submitted),
        scorecard_submission_rate: k.scorecard_submission_rate,
        offers_accepted: n(k.offers_accepted),
        offers_declined: n(k.offers_declined),
        offer_acceptance_rate: k.offer_acceptance_rate,
        sources: k
            .sources
            .into_iter()
            .map(|s| pb::SourceEffectiveness {
                source: to_wire(s.source),
                candidates: n(s.candidates),
                hires: n(s.hires),
                hire_rate: s.hire_rate,
                mean_time_to_fill_days: s.mean_time_to_fill_days,
            })
            .collect(),
        onboarding_reps: n(k.onboarding_reps),
        onboarding_reps_to_plan: n(k.onboarding_reps_to_plan),
        onboarding_to_plan: k.onboarding_to_plan,
        tenured_reps: n(k.tenured_reps),
        tenured_reps_retained: n(k.tenured_reps_retained),
        tenured_retention: k.tenured_retention,
        promotions: n(k.promotions),
        tenure_by_hiring_manager: k
            .tenure_by_hiring_manager
            .into_iter()
            .map(|m| pb::ManagerTenure {
                hiring_manager_id: m.hiring_manager_id.to_string(),
                hires: n(m.hires),
                still_here: n(m.still_here),
                mean_tenure_months: m.mean_tenure_months,
            })
            .collect(),
    }
}

pub async fn hiring_kpis(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::GetHiringKpisRequest,
) -> ApiResult<pb::GetHiringKpisResponse> {
    let k = api.hiring_kpis(ctx, kpi_query(req).into()).await?;
    Ok(pb::GetHiringKpisResponse { kpis: Some(kpis(k)) })
}

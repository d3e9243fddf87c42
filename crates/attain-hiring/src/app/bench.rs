//! The bench: pre-qualified external candidates and internal promotion candidates per team, and
//! bench strength against the openings a team should expect.

use attain_domain::{
    Violations,
    hiring::{BenchKind, Readiness, RequisitionStatus, kpi},
    org::SalesRole,
};
use attain_proto::hiring::v1 as pb;
use attain_runtime::clients::org::{has_left, sells};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    convert::{self as cv, from_wire},
    requisitions::requisition_id,
};
use crate::store::requisitions::{self as store, BenchRecord, ReqFilter};

pub fn date(d: Option<&attain_proto::common::v1::Date>) -> Option<NaiveDate> {
    let d = d?;
    NaiveDate::from_ymd_opt(d.year, u32::try_from(d.month).ok()?, u32::try_from(d.day).ok()?)
}

/// The team subtree's ids; NOT_FOUND for a team the caller cannot see.
async fn subtree(api: &HiringApi, ctx: &Ctx, team: Uuid) -> ApiResult<Vec<Uuid>> {
    api.peers.org.visible_team(ctx, team).await?;
    api.peers.org.subtree(ctx, team).await
}

pub async fn create(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::CreateBenchEntryRequest,
) -> ApiResult<pb::CreateBenchEntryResponse> {
    View::of(api, ctx).await?;
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
    let mut name = e.display_name.trim().to_string();
    match (kind, person) {
        (Some(BenchKind::Internal), None) => v.add("entry.person_id", "is required for an INTERNAL entry"),
        (Some(BenchKind::External), Some(_)) => v.add(
            "entry.person_id",
            "must be empty for an EXTERNAL entry; use INTERNAL for people here",
        ),
        (Some(BenchKind::Internal), Some(p)) => match api.peers.org.person(ctx, p).await? {
            None => v.add("entry.person_id", "no person with this id that you may see"),
            Some(found) if name.is_empty() => name = found.display_name,
            Some(_) => {}
        },
        _ => {}
    }
    if name.is_empty() && kind == Some(BenchKind::External) {
        v.add("entry.display_name", "is required for an EXTERNAL entry");
    }
    if let Some(t) = team
        && api.peers.org.team(ctx, t).await?.is_none()
    {
        v.add("entry.team_id", "no team with this id that you may see");
    }
    let (Some(kind), Some(team), Some(readiness)) = v.into_result((kind, team, readiness))? else {
        return Err(ApiError::invalid("entry", "is incomplete"));
    };
    let record = BenchRecord {
        entry_id: Uuid::now_v7(),
        kind,
        team_id: team,
        display_name: name,
        person_id: person,
        readiness,
        target_roles: roles,
        notes: e.notes.clone(),
        created_at: Utc::now(),
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    store::insert_bench(&mut tx, ctx.tenant_id, &record).await?;
    tx.commit().await?;
    Ok(pb::CreateBenchEntryResponse {
        entry: Some(cv::bench_to_proto(&record)),
    })
}

pub async fn list(
    api: &HiringApi,
    ctx: &Ctx,
    req: pb::ListBenchEntriesRequest,
) -> ApiResult<pb::ListBenchEntriesResponse> {
    let team = requisition_id("team_id", &req.team_id)?;
    let role = match req.target_role {
        0 => None,
        r => Some(
            from_wire::<SalesRole>(r)
                .ok_or_else(|| ApiError::invalid("target_role", "must be one of the SALES_ROLE_ values"))?,
        ),
    };
    View::of(api, ctx).await?;
    let teams = subtree(api, ctx, team).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let rows = store::list_bench(&mut tx, ctx.tenant_id, &teams, role).await?;
    tx.commit().await?;
    Ok(pb::ListBenchEntriesResponse {
        entries: rows.iter().map(cv::bench_to_proto).collect(),
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
    View::of(api, ctx).await?;
    let as_of = match as_of {
        Some(d) => d,
        None => api.peers.directory.calendar(ctx).await?.local_date(Utc::now()),
    };
    // `people` answers NOT_FOUND for a team the caller cannot see, so the subtree needs no check
    // of its own: one directory round trip fewer.
    let people = api.peers.org.people(ctx, Some(team)).await?;
    let teams = api.peers.org.subtree(ctx, team).await?;
    let attrition = people
        .iter()
        .filter(|p| sells(p) && has_left(p) && kpi::left_in_last_12_months(date(p.end_date.as_ref()), as_of))
        .count() as u32;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let bench = store::list_bench(&mut tx, tenant, &teams, None).await?;
    let statuses = vec![
        RequisitionStatus::Open.as_str().to_string(),
        RequisitionStatus::OnHold.as_str().to_string(),
    ];
    let filter = ReqFilter {
        statuses: Some(&statuses),
        teams: Some(&teams),
        ..Default::default()
    };
    let open = store::list_requisitions(&mut tx, tenant, &filter, None, 100_000)
        .await?
        .len() as u32;
    tx.commit().await?;
    let count = |r: Readiness| bench.iter().filter(|b| b.readiness == r).count() as u32;
    let s = kpi::bench_strength(
        [
            count(Readiness::ReadyNow),
            count(Readiness::Ready6Months),
            count(Readiness::Ready12Months),
        ],
        open,
        attrition,
    );
    Ok(pb::GetBenchStrengthResponse {
        strength: Some(pb::BenchStrength {
            team_id: team.to_string(),
            ready_now: s.ready_now as i32,
            ready_6_months: s.ready_6_months as i32,
            ready_12_months: s.ready_12_months as i32,
            open_requisitions: s.open_requisitions as i32,
            attrition_last_12_months: s.attrition_last_12_months as i32,
            expected_openings: s.expected_openings as i32,
            coverage: s.coverage,
            as_of: Some(convert::date_to_proto(as_of)),
        }),
    })
}

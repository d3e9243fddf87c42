//! The bench: pre-qualified external candidates and internal promotion candidates per team, and
//! bench strength against the openings a team should expect.

use attain_domain::{
    Violations,
    hiring::{BenchKind, Readiness, RequisitionStatus, kpi},
    org::SalesRole,
};
use attain_runtime::clients::org::{has_left, sells};
use attain_runtime::{ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{HiringApi, access::View};
use crate::store::requisitions::{self as store, BenchRecord, ReqFilter};

pub fn date(d: Option<&attain_proto::common::v1::Date>) -> Option<NaiveDate> {
    let d = d?;
    NaiveDate::from_ymd_opt(d.year, u32::try_from(d.month).ok()?, u32::try_from(d.day).ok()?)
}

/// A bench entry to add, its fields checked (an INTERNAL entry names a person, an EXTERNAL one
/// a name); the team and person are checked against the directory by the use case.
pub struct NewBenchEntry {
    pub kind: BenchKind,
    pub team_id: Uuid,
    pub person_id: Option<Uuid>,
    /// Trimmed; empty for an INTERNAL entry takes the person's name.
    pub display_name: String,
    pub readiness: Readiness,
    /// At least one, each once.
    pub target_roles: Vec<SalesRole>,
    pub notes: String,
}

/// A team's bench strength on a day.
pub struct Strength {
    pub team_id: Uuid,
    pub as_of: NaiveDate,
    pub strength: kpi::BenchStrength,
}

/// The team subtree's ids; NOT_FOUND for a team the caller cannot see.
async fn subtree(api: &HiringApi, ctx: &Ctx, team: Uuid) -> ApiResult<Vec<Uuid>> {
    api.peers.org.visible_team(ctx, team).await?;
    api.peers.org.subtree(ctx, team).await
}

impl HiringApi {
    pub async fn create_bench_entry(&self, ctx: &Ctx, input: Decoded<NewBenchEntry>) -> ApiResult<BenchRecord> {
        View::of(self, ctx).await?;
        let e = input.get()?;
        let mut v = Violations::new();
        let mut name = e.display_name;
        if let (BenchKind::Internal, Some(p)) = (e.kind, e.person_id) {
            match self.peers.org.person(ctx, p).await? {
                None => v.add("entry.person_id", "no person with this id that you may see"),
                Some(found) if name.is_empty() => name = found.display_name,
                Some(_) => {}
            }
        }
        if self.peers.org.team(ctx, e.team_id).await?.is_none() {
            v.add("entry.team_id", "no team with this id that you may see");
        }
        v.into_result(())?;
        let record = BenchRecord {
            entry_id: Uuid::now_v7(),
            kind: e.kind,
            team_id: e.team_id,
            display_name: name,
            person_id: e.person_id,
            readiness: e.readiness,
            target_roles: e.target_roles,
            notes: e.notes,
            created_at: Utc::now(),
        };
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        store::insert_bench(&mut tx, ctx.tenant_id, &record).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The bench of a team's subtree, optionally only entries targeting `role`.
    pub async fn list_bench_entries(
        &self,
        ctx: &Ctx,
        team: Uuid,
        role: Option<SalesRole>,
    ) -> ApiResult<Vec<BenchRecord>> {
        View::of(self, ctx).await?;
        let teams = subtree(self, ctx, team).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = store::list_bench(&mut tx, ctx.tenant_id, &teams, role).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// A team subtree's bench strength on `as_of` (today in the tenant's calendar if unset).
    pub async fn bench_strength(&self, ctx: &Ctx, team: Uuid, as_of: Option<NaiveDate>) -> ApiResult<Strength> {
        let api = self;
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
        Ok(Strength {
            team_id: team,
            as_of,
            strength: s,
        })
    }
}

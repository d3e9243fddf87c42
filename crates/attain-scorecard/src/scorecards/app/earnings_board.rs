//! A leaderboard of earnings (`metric_key: "earnings"` in a board spec), only when the tenant
//! turned it on (`ScorecardSettings.earnings_on_boards`): pay is private by default.

use attain_domain::{
    org::SalesRole,
    ranking::{competition_rank, top},
};
use attain_proto::{
    common::v1 as common,
    metrics::v1::{MetricValue, metric_value::Value},
    scorecard::v1 as pb,
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use uuid::Uuid;

use super::{
    ScorecardApi,
    compute::{range_to_proto, span},
    incentives::{Reach, one},
};
use crate::scorecards::{plan_store as plans, settings_store};

/// The pseudo metric key of an earnings board.
pub const EARNINGS: &str = "earnings";

pub async fn standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    spec: &pb::Leaderboard,
    req: &pb::GetStandingsRequest,
) -> ApiResult<pb::GetStandingsResponse> {
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let on = settings_store::earnings_on_boards(&mut tx, tenant).await?;
    tx.commit().await?;
    if !on {
        return Err(ApiError::FailedPrecondition(
            "earnings are on leaderboards only when the tenant turns it on (UpdateScorecardSettings, \
             earnings_on_boards)"
                .into(),
        ));
    }
    let view = api.view(ctx).await?;
    let directory = &view.directory;
    let mut v = attain_domain::Violations::new();
    // The board's kind of period (month when unset), containing the as-of day.
    let granularity = if spec.granularity == 0 {
        common::Granularity::Month as i32
    } else {
        spec.granularity
    };
    let period = req.period.unwrap_or(common::Period {
        kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
            granularity,
            date: req.as_of,
        })),
    });
    let when = span(&mut v, Some(&period), req.as_of.as_ref(), &directory.calendar);
    let when = v
        .into_result(when)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    use pb::board_scope::Scope;
    let people: Vec<Uuid> = match spec.scope.as_ref().and_then(|s| s.scope.as_ref()) {
        Some(Scope::TeamId(team)) => {
            let team = Uuid::parse_str(team).map_err(|_| ApiError::invalid("spec.scope.team_id", "is not a UUID"))?;
            if !view.team_exists(team) {
                return Err(ApiError::not_found(format!("team {team}")));
            }
            plans::covered(directory, Some(team), None)
        }
        Some(Scope::SalesRole(role)) => {
            let role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(*role)
                .ok_or_else(|| ApiError::invalid("spec.scope.sales_role", "is not a SALES_ROLE_ value"))?;
            plans::covered(directory, None, Some(role))
        }
        // No scope: every seller of the tenant.
        None => directory
            .people()
            .iter()
            .filter(|p| p.sales_role.is_some_and(SalesRole::sells) && !p.has_left())
            .map(|p| p.person_id)
            .collect(),
    };
    let mut scored = Vec::new();
    for person in people {
        match one(api, tenant, ctx, &view, person, &when, "revenue_won", 0, Reach::Tenant).await {
            Ok(e) => {
                let total = e.earned.map_or(0, |s| s.total);
                scored.push((total as f64, (person, total)));
            }
            // No plan pays them: not on the board.
            Err(ApiError::FailedPrecondition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let ranked_count = scored.len() as i32;
    let ranked = competition_rank(scored, false, |(p, _)| *p);
    let standing = |r: &attain_domain::ranking::Ranked<(Uuid, i64)>| pb::Standing {
        rank: r.rank as i32,
        person_id: r.item.0.to_string(),
        display_name: directory
            .person(r.item.0)
            .map(|p| p.display_name.clone())
            .unwrap_or_default(),
        value: Some(MetricValue {
            metric_key: EARNINGS.into(),
            value: Some(Value::Total(r.item.1)),
            ..Default::default()
        }),
    };
    let limit = if req.limit > 0 { req.limit as usize } else { 10 };
    let rows: Vec<pb::Standing> = top(ranked, limit).iter().map(standing).collect();
    Ok(pb::GetStandingsResponse {
        standings: Some(pb::Standings {
            leaderboard_id: String::new(),
            metric_key: EARNINGS.into(),
            range: Some(range_to_proto(when.range)),
            rows,
            caller: None,
            ranked_count,
            as_of: Some(convert::date_to_proto(when.as_of)),
        }),
    })
}

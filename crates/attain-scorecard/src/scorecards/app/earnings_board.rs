//! A leaderboard of earnings (`metric_key: "earnings"` in a board spec), only when the tenant
//! turned it on (`ScorecardSettings.earnings_on_boards`): pay is private by default.

use attain_domain::{
    org::SalesRole,
    ranking::{Ranked, competition_rank, top},
};
use attain_proto::metrics::v1::{MetricValue, metric_value::Value};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use uuid::Uuid;

use super::{
    ScorecardApi,
    compute::SpanSpec,
    incentives::{Reach, one},
    standings::{Standing, Standings},
};
use crate::scorecards::{plan_store as plans, settings_store};

/// The pseudo metric key of an earnings board.
pub const EARNINGS: &str = "earnings";

/// Whose earnings a board ranks.
#[derive(Debug, Clone, Copy)]
pub enum EarningsScope {
    /// A team subtree's sellers.
    Team(Uuid),
    /// A role's sellers.
    Role(SalesRole),
    /// Every seller of the tenant.
    Sellers,
}

/// A board of earnings. Its span and scope are answered only once the tenant is known to show
/// earnings on boards, the span first.
pub struct EarningsBoardQuery {
    /// The period (the board's kind of period, month when unset, containing the as-of day when
    /// the request names none) and the as-of day.
    pub span: Decoded<SpanSpec>,
    pub scope: Decoded<EarningsScope>,
    /// Rows to show.
    pub limit: usize,
}

pub(super) async fn earnings_standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    query: EarningsBoardQuery,
) -> ApiResult<Standings> {
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
    let when = query.span.get()?.resolve(&directory.calendar)?;
    let people: Vec<Uuid> = match query.scope.get()? {
        EarningsScope::Team(team) => {
            if !view.team_exists(team) {
                return Err(ApiError::not_found(format!("team {team}")));
            }
            plans::covered(directory, Some(team), None)
        }
        EarningsScope::Role(role) => plans::covered(directory, None, Some(role)),
        EarningsScope::Sellers => directory
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
                let total = e.earned.total;
                scored.push((total as f64, (person, total)));
            }
            // No plan pays them: not on the board.
            Err(ApiError::FailedPrecondition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let ranked_count = scored.len() as i32;
    let ranked = competition_rank(scored, false, |(p, _)| *p);
    let standing = |r: &Ranked<(Uuid, i64)>| Standing {
        rank: r.rank as i32,
        person_id: r.item.0,
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
    Ok(Standings {
        leaderboard_id: None,
        metric_key: EARNINGS.into(),
        range: when.range,
        rows: top(ranked, query.limit).iter().map(standing).collect(),
        caller: None,
        ranked_count,
        as_of: when.as_of,
    })
}

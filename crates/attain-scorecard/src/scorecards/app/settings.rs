//! The tenant's scorecard settings: when a line behind pace may turn red, and whether
//! leaderboards show earnings.

use attain_domain::{org::AccessRole, scorecard::RedAfter};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, dispatch::Decoded};

use super::ScorecardApi;
use crate::scorecards::settings_store as store;

/// The tenant's settings as stored, with their revision (0 while the defaults apply).
pub struct ScorecardSettings {
    pub red_after: RedAfter,
    pub earnings_on_boards: bool,
    pub revision: i64,
}

/// A change of the settings: each field named in the update mask, checked; the others `None`.
pub struct SettingsUpdate {
    /// The revision the caller read; `None` changes whatever is stored.
    pub revision: Option<i64>,
    /// Working days (0 to 60) before a line behind pace may turn red.
    pub red_after_working_days: Option<f64>,
    /// Share of the period (0 to 1) before a line behind pace may turn red.
    pub red_after_share: Option<f64>,
    pub earnings_on_boards: Option<bool>,
}

impl ScorecardApi {
    /// The settings; every credential of the tenant reads them.
    pub async fn scorecard_settings(&self, ctx: &Ctx) -> ApiResult<ScorecardSettings> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let (red_after, revision) = store::red_after(&mut tx, ctx.tenant_id, false).await?;
        let earnings_on_boards = store::earnings_on_boards(&mut tx, ctx.tenant_id).await?;
        tx.commit().await?;
        Ok(ScorecardSettings {
            red_after,
            earnings_on_boards,
            revision,
        })
    }

    /// ADMIN only: the caller is checked before their fields.
    pub async fn update_scorecard_settings(
        &self,
        ctx: &Ctx,
        input: Decoded<SettingsUpdate>,
    ) -> ApiResult<ScorecardSettings> {
        ctx.require(&[AccessRole::Admin], "change scorecard settings")?;
        let update = input.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let (mut rule, revision) = store::red_after(&mut tx, tenant, true).await?;
        convert::check_revision(update.revision, revision, "scorecard settings")?;
        if let Some(days) = update.red_after_working_days {
            rule.min_days = days;
        }
        if let Some(share) = update.red_after_share {
            rule.min_share = share;
        }
        let mut revision = store::save(&mut tx, tenant, &rule).await.map_err(ApiError::from)?;
        if let Some(on) = update.earnings_on_boards {
            revision = store::set_earnings_on_boards(&mut tx, tenant, on).await?;
        }
        let earnings_on_boards = store::earnings_on_boards(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(ScorecardSettings {
            red_after: rule,
            earnings_on_boards,
            revision,
        })
    }
}

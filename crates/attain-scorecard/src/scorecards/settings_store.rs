//! SQL of a tenant's scorecard settings (when a line behind pace may turn red).

use attain_domain::scorecard::{DEFAULT_RED_AFTER, RedAfter};
use uuid::Uuid;

use super::store::{Conn, Result};

/// The tenant's rule and its revision (0 while the defaults apply).
pub async fn red_after(c: &mut Conn, tenant: Uuid, lock: bool) -> Result<(RedAfter, i64)> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<(i32, f64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT red_after_days, red_after_share, revision FROM scorecard.scorecard_settings WHERE tenant_id = $1{lock}"
    )))
    .bind(tenant)
    .fetch_optional(c)
    .await?;
    Ok(row.map_or((DEFAULT_RED_AFTER, 0), |(days, share, revision)| {
        (
            RedAfter {
                min_days: f64::from(days),
                min_share: share,
            },
            revision,
        )
    }))
}

/// Saves the rule; returns the new revision.
pub async fn save(c: &mut Conn, tenant: Uuid, r: &RedAfter) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO scorecard.scorecard_settings (tenant_id, red_after_days, red_after_share) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET red_after_days = $2, red_after_share = $3,
             revision = scorecard_settings.revision + 1, updated_at = now()
         RETURNING revision",
    )
    .bind(tenant)
    .bind(r.min_days as i32)
    .bind(r.min_share)
    .fetch_one(c)
    .await
}

/// Whether the tenant shows earnings on leaderboards; off without a settings row.
pub async fn earnings_on_boards(c: &mut Conn, tenant: Uuid) -> Result<bool> {
    let on: Option<bool> =
        sqlx::query_scalar("SELECT earnings_on_boards FROM scorecard.scorecard_settings WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(c)
            .await?;
    Ok(on.unwrap_or(false))
}

/// Turns earnings on leaderboards on or off; returns the new revision. A tenant without a
/// settings row gets one with the default red-after rule.
pub async fn set_earnings_on_boards(c: &mut Conn, tenant: Uuid, on: bool) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO scorecard.scorecard_settings (tenant_id, red_after_days, red_after_share, earnings_on_boards)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE SET earnings_on_boards = $4,
             revision = scorecard_settings.revision + 1, updated_at = now()
         RETURNING revision",
    )
    .bind(tenant)
    .bind(DEFAULT_RED_AFTER.min_days as i32)
    .bind(DEFAULT_RED_AFTER.min_share)
    .bind(on)
    .fetch_one(c)
    .await
}

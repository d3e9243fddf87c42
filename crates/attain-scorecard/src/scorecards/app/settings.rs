//! The tenant's scorecard settings: when a line behind pace may turn red.

use attain_domain::{Violations, org::AccessRole, scorecard::RedAfter};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};

use super::ScorecardApi;
use crate::scorecards::settings_store as store;

const UPDATABLE: &[&str] = &["red_after_working_days", "red_after_share", "earnings_on_boards"];

fn to_proto(r: &RedAfter, earnings_on_boards: bool, revision: i64) -> pb::ScorecardSettings {
    pb::ScorecardSettings {
        red_after_working_days: r.min_days as i32,
        red_after_share: r.min_share,
        etag: convert::etag(revision),
        earnings_on_boards,
    }
}

pub async fn get(
    api: &ScorecardApi,
    ctx: &Ctx,
    _: pb::GetScorecardSettingsRequest,
) -> ApiResult<pb::GetScorecardSettingsResponse> {
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let (rule, revision) = store::red_after(&mut tx, ctx.tenant_id, false).await?;
    let earnings = store::earnings_on_boards(&mut tx, ctx.tenant_id).await?;
    tx.commit().await?;
    Ok(pb::GetScorecardSettingsResponse {
        settings: Some(to_proto(&rule, earnings, revision)),
    })
}

pub async fn update(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateScorecardSettingsRequest,
) -> ApiResult<pb::UpdateScorecardSettingsResponse> {
    ctx.require(&[AccessRole::Admin], "change scorecard settings")?;
    let input = req.settings.unwrap_or_default();
    let mut v = Violations::new();
    let expected = convert::parse_etag(&mut v, "settings.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    if paths.contains(&"red_after_working_days") && !(0..=60).contains(&input.red_after_working_days) {
        v.add("settings.red_after_working_days", "must be from 0 to 60");
    }
    if paths.contains(&"red_after_share") && !(0.0..=1.0).contains(&input.red_after_share) {
        v.add("settings.red_after_share", "must be from 0 to 1");
    }
    v.into_result(())?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let (mut rule, revision) = store::red_after(&mut tx, tenant, true).await?;
    convert::check_revision(expected, revision, "scorecard settings")?;
    if paths.contains(&"red_after_working_days") {
        rule.min_days = f64::from(input.red_after_working_days);
    }
    if paths.contains(&"red_after_share") {
        rule.min_share = input.red_after_share;
    }
    let mut revision = store::save(&mut tx, tenant, &rule).await.map_err(ApiError::from)?;
    if paths.contains(&"earnings_on_boards") {
        revision = store::set_earnings_on_boards(&mut tx, tenant, input.earnings_on_boards).await?;
    }
    let earnings = store::earnings_on_boards(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(pb::UpdateScorecardSettingsResponse {
        settings: Some(to_proto(&rule, earnings, revision)),
    })
}

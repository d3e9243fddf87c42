//! The tenant's scorecard settings on the wire.

use attain_domain::Violations;
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiResult, Ctx, convert};

use crate::scorecards::app::{
    ScorecardApi,
    settings::{ScorecardSettings, SettingsUpdate},
};

const UPDATABLE: &[&str] = &["red_after_working_days", "red_after_share", "earnings_on_boards"];

fn settings(s: &ScorecardSettings) -> pb::ScorecardSettings {
    pb::ScorecardSettings {
        red_after_working_days: s.red_after.min_days as i32,
        red_after_share: s.red_after.min_share,
        etag: convert::etag(s.revision),
        earnings_on_boards: s.earnings_on_boards,
    }
}

pub async fn get_settings(
    api: &ScorecardApi,
    ctx: &Ctx,
    _: pb::GetScorecardSettingsRequest,
) -> ApiResult<pb::GetScorecardSettingsResponse> {
    let s = api.scorecard_settings(ctx).await?;
    Ok(pb::GetScorecardSettingsResponse {
        settings: Some(settings(&s)),
    })
}

fn settings_update(req: pb::UpdateScorecardSettingsRequest) -> ApiResult<SettingsUpdate> {
    let input = req.settings.unwrap_or_default();
    let mut v = Violations::new();
    let revision = convert::parse_etag(&mut v, "settings.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    if paths.contains(&"red_after_working_days") && !(0..=60).contains(&input.red_after_working_days) {
        v.add("settings.red_after_working_days", "must be from 0 to 60");
    }
    if paths.contains(&"red_after_share") && !(0.0..=1.0).contains(&input.red_after_share) {
        v.add("settings.red_after_share", "must be from 0 to 1");
    }
    Ok(v.into_result(SettingsUpdate {
        revision,
        red_after_working_days: paths
            .contains(&"red_after_working_days")
            .then(|| f64::from(input.red_after_working_days)),
        red_after_share: paths.contains(&"red_after_share").then_some(input.red_after_share),
        earnings_on_boards: paths
            .contains(&"earnings_on_boards")
            .then_some(input.earnings_on_boards),
    })?)
}

pub async fn update_settings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::UpdateScorecardSettingsRequest,
) -> ApiResult<pb::UpdateScorecardSettingsResponse> {
    let s = api.update_scorecard_settings(ctx, settings_update(req).into()).await?;
    Ok(pb::UpdateScorecardSettingsResponse {
        settings: Some(settings(&s)),
    })
}

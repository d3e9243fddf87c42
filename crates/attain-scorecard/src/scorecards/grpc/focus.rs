//! Focus plans, templates generated from them, and the leading-indicator analysis on the wire.

use attain_domain::{Violations, focus::KeyResult};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert};

use super::encode;
use crate::scorecards::{
    app::{
        Partial, ScorecardApi,
        focus::{AnalysisFields, AnalysisInput, FocusDraft, GenerateInput, plan_results},
    },
    board_store::FocusRecord,
};

const DEFAULT_LOOKBACK_WEEKS: i32 = 12;
const MAX_BEHAVIOURS: usize = 30;

fn team_id(v: &mut Violations, text: &str) -> Option<uuid::Uuid> {
    convert::required_id(v, "team_id", text)
}

fn focus_plan(r: &FocusRecord) -> pb::FocusPlan {
    let (results, warnings) = plan_results(r);
    pb::FocusPlan {
        team_id: r.team_id.to_string(),
        key_results: results
            .into_iter()
            .map(|k| pb::KeyResult {
                metric_key: k.metric_key,
                behaviour_metric_keys: k.behaviours,
            })
            .collect(),
        warnings,
        update_time: Some(convert::timestamp(r.updated_at)),
    }
}

fn focus_draft(req: pb::SetFocusPlanRequest) -> FocusDraft {
    let plan = req.focus_plan.unwrap_or_default();
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "focus_plan.team_id", &plan.team_id);
    FocusDraft {
        key_results: plan
            .key_results
            .into_iter()
            .map(|k| KeyResult {
                metric_key: k.metric_key,
                behaviours: k.behaviour_metric_keys,
            })
            .collect(),
        team: Partial::new(v, team, "focus_plan.team_id", "is required"),
    }
}

pub async fn set_focus_plan(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::SetFocusPlanRequest,
) -> ApiResult<pb::SetFocusPlanResponse> {
    let record = api.set_focus_plan(ctx, focus_draft(req)).await?;
    Ok(pb::SetFocusPlanResponse {
        focus_plan: Some(focus_plan(&record)),
    })
}

fn required_team(text: &str) -> ApiResult<uuid::Uuid> {
    let mut v = Violations::new();
    let team = team_id(&mut v, text);
    v.into_result(team)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))
}

pub async fn get_focus_plan(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetFocusPlanRequest,
) -> ApiResult<pb::GetFocusPlanResponse> {
    let team = required_team(&req.team_id)?;
    let record = api.get_focus_plan(ctx, team).await?;
    Ok(pb::GetFocusPlanResponse {
        focus_plan: Some(focus_plan(&record)),
    })
}

fn generate_input(req: pb::GenerateTemplateRequest) -> ApiResult<GenerateInput> {
    Ok(GenerateInput {
        team_id: required_team(&req.team_id)?,
        key: req.key,
        display_name: req.display_name,
        assign: req.assign,
    })
}

pub async fn generate_template(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GenerateTemplateRequest,
) -> ApiResult<pb::GenerateTemplateResponse> {
    let t = api.generate_template(ctx, generate_input(req).into()).await?;
    Ok(pb::GenerateTemplateResponse {
        template: Some(encode::template(&t)),
    })
}

fn analysis_input(req: pb::AnalyzeLeadingIndicatorsRequest) -> AnalysisInput {
    let mut v = Violations::new();
    let team = team_id(&mut v, &req.team_id);
    let weeks = convert::zero_is_default(
        &mut v,
        "lookback_weeks",
        req.lookback_weeks,
        DEFAULT_LOOKBACK_WEEKS,
        6..=104,
        "must be 0 (12 weeks) or from 6 to 104",
    );
    if req.behaviour_metric_keys.len() > MAX_BEHAVIOURS {
        v.add("behaviour_metric_keys", format!("at most {MAX_BEHAVIOURS}"));
    }
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let fields = team.map(|team_id| AnalysisFields {
        team_id,
        weeks: weeks.unsigned_abs(),
        as_of,
    });
    AnalysisInput {
        result_metric_key: req.result_metric_key,
        behaviour_metric_keys: req.behaviour_metric_keys,
        fields: Partial::new(v, fields, "team_id", "is required"),
    }
}

pub async fn analyze_leading_indicators(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AnalyzeLeadingIndicatorsRequest,
) -> ApiResult<pb::AnalyzeLeadingIndicatorsResponse> {
    let a = api.analyze_leading_indicators(ctx, analysis_input(req)).await?;
    Ok(pb::AnalyzeLeadingIndicatorsResponse {
        correlations: a
            .correlations
            .into_iter()
            .map(|c| pb::IndicatorCorrelation {
                metric_key: c.metric,
                lag_weeks: c.lag as i32,
                r: c.r,
                sample_size: c.n as i32,
            })
            .collect(),
        range: Some(convert::range_to_proto(a.range)),
        rep_count: a.rep_count as i32,
    })
}

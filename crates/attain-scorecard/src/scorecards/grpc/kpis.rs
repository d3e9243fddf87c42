//! GetManagerKpis on the wire.

use attain_domain::{Violations, period::DateRange, scorecard::kpi::GoalShare};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiResult, Ctx, convert};

use super::scorecard::span_spec;
use crate::scorecards::app::{
    Partial, ScorecardApi,
    kpis::{KpiFields, KpiInput},
};

const DEFAULT_QUOTA_METRIC: &str = "revenue_won";
/// Coverage is what is still open now over the quota still to reach: the open-pipeline state,
/// not the pipeline created (a flow), which ran at 11×–45× on the demo data.
const DEFAULT_PIPELINE_METRIC: &str = "open_pipeline";

fn share(range: DateRange, s: GoalShare) -> pb::GoalShare {
    pb::GoalShare {
        range: Some(convert::range_to_proto(range)),
        met: s.met as i32,
        counted: s.counted as i32,
        share: s.share(),
    }
}

fn kpi_input(req: pb::GetManagerKpisRequest) -> KpiInput {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let or_default = |key: String, default: &str| if key.is_empty() { default.to_string() } else { key };
    let span = span_spec(&mut v, req.period.as_ref(), req.as_of.as_ref());
    let fields = match (team, span) {
        (Some(team_id), Some(span)) => Some(KpiFields { team_id, span }),
        _ => None,
    };
    KpiInput {
        quota_metric_key: or_default(req.quota_metric_key, DEFAULT_QUOTA_METRIC),
        pipeline_metric_key: or_default(req.pipeline_metric_key, DEFAULT_PIPELINE_METRIC),
        fields: Partial::new(v, fields, "period", "is required"),
    }
}

pub async fn get_manager_kpis(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetManagerKpisRequest,
) -> ApiResult<pb::GetManagerKpisResponse> {
    let k = api.manager_kpis(ctx, kpi_input(req)).await?;
    let shares = |list: Vec<(DateRange, GoalShare)>| list.into_iter().map(|(d, s)| share(d, s)).collect();
    Ok(pb::GetManagerKpisResponse {
        kpis: Some(pb::ManagerKpis {
            team_id: k.team_id.to_string(),
            range: Some(convert::range_to_proto(k.range)),
            as_of: Some(convert::date_to_proto(k.as_of)),
            rep_count: i32::try_from(k.rep_count).unwrap_or(i32::MAX),
            daily_activity_goal_average: k.daily_activity_goal_average,
            daily_activity_goal: shares(k.daily_activity_goal),
            weekly_objective_goal: shares(k.weekly_objective_goal),
            monthly_objective_goal: shares(k.monthly_objective_goal),
            reps_to_quota: Some(share(k.range, k.reps_to_quota)),
            team_attainment: k.team_attainment,
            behind_pace: k
                .behind_pace
                .into_iter()
                .map(|b| pb::BehindPace {
                    metric_key: b.metric_key,
                    display_name: b.display_name,
                    person_ids: b.person_ids.iter().map(ToString::to_string).collect(),
                })
                .collect(),
            reps: k
                .reps
                .into_iter()
                .map(|r| pb::RepKpis {
                    person_id: r.person_id.to_string(),
                    display_name: r.display_name,
                    quota: r.quota,
                    quota_actual: r.quota_actual,
                    quota_attainment: r.quota_attainment,
                    pipeline: r.pipeline.unwrap_or(0.0),
                    pipeline_known: r.pipeline.is_some(),
                    remaining_quota: r.remaining_quota,
                    coverage: r.coverage,
                    behind_pace: r.behind_pace,
                    daily_goal_days_met: i32::try_from(r.daily_goal_days_met).unwrap_or(i32::MAX),
                })
                .collect(),
            quota_metric_key: k.quota_metric_key,
            pipeline_metric_key: k.pipeline_metric_key,
        }),
    })
}

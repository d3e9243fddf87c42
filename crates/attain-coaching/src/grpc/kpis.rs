//! Coaching KPIs and coaching suggestions on the wire.

use attain_domain::{Violations, coaching::kpi};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::to_wire};

use crate::app::{
    CoachingApi,
    kpis::{CoachingKpis, KpiScope, SuggestQuery, Suggestions},
};

fn kpis(k: CoachingKpis) -> pb::CoachingKpis {
    let n = |x: u32| x as i32;
    pb::CoachingKpis {
        range: Some(convert::range_to_proto(k.range)),
        by_kind: k
            .by_kind
            .into_iter()
            .map(|c| pb::KindCount {
                kind: to_wire(c.kind),
                completed: n(c.completed),
                planned: n(c.planned),
            })
            .collect(),
        completed: n(k.completed),
        planned: n(k.planned),
        adherence: k.adherence,
        rep_count: n(k.rep_count),
        reps_coached: n(k.reps_coached),
        share_coached: k.share_coached,
        average_days_between_one_on_ones: k.average_days_between_one_on_ones,
        reps_to_quota: k.reps_to_quota,
        focus_improvement: k
            .focus_improvement
            .into_iter()
            .map(|f| pb::FocusImprovement {
                metric_key: f.metric_key,
                plans: n(f.plans),
                mean_change: f.mean_change,
            })
            .collect(),
        coaching_quality: k.coaching_quality,
        coaching_quality_responses: k.coaching_quality_responses,
    }
}

pub async fn kpis_of(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetCoachingKpisRequest,
) -> ApiResult<pb::GetCoachingKpisResponse> {
    use pb::get_coaching_kpis_request::Scope;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(Scope::CoachId(id)) => convert::required_id(&mut v, "coach_id", id).map(KpiScope::Coach),
        Some(Scope::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(KpiScope::Team),
        None => {
            v.add("scope", "give coach_id or team_id");
            None
        }
    };
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    let (Some(scope), Some(period)) = v.into_result((scope, period))? else {
        return Err(ApiError::invalid("period", "is required"));
    };
    let k = api.coaching_kpis(ctx, scope, period).await?;
    Ok(pb::GetCoachingKpisResponse { kpis: Some(kpis(k)) })
}

/// A request's minimum: 0 for the default (`None`), else 1 to `max`.
fn minimum(v: &mut Violations, field: &str, value: i32, max: u32) -> Option<u32> {
    match u32::try_from(value) {
        Ok(0) => None,
        Ok(n) if n <= max => Some(n),
        _ => {
            v.add(field, format!("must be 0 (the default) to {max}"));
            None
        }
    }
}

fn suggest_query(req: &pb::SuggestCoachingRequest) -> ApiResult<SuggestQuery> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let min_working_days =
        minimum(&mut v, "min_working_days", req.min_working_days, 366).unwrap_or(kpi::DEFAULT_MIN_WORKING_DAYS);
    let min_sample =
        minimum(&mut v, "min_sample", req.min_sample, 1_000_000).map_or(kpi::DEFAULT_MIN_SAMPLE, u64::from);
    let period = match req.period.as_ref() {
        Some(p) => convert::period_spec(&mut v, "period", Some(p)),
        None => None,
    };
    let Some(team_id) = v.into_result(team)? else {
        return Err(ApiError::invalid("team_id", "is required"));
    };
    Ok(SuggestQuery {
        team_id,
        as_of,
        period,
        min_working_days,
        min_sample,
    })
}

fn suggestions(s: Suggestions) -> pb::SuggestCoachingResponse {
    pb::SuggestCoachingResponse {
        suggestions: s
            .suggestions
            .into_iter()
            .map(|r| pb::Suggestion {
                person_id: r.person_id,
                display_name: r.display_name,
                kind: to_wire(r.suggestion.kind),
                focus_metric_keys: r.suggestion.focus_metric_keys,
                reasons: r.suggestion.reasons,
                rate_gaps: r
                    .suggestion
                    .lags
                    .into_iter()
                    .map(|l| pb::RateGap {
                        metric_key: l.key,
                        display_name: l.name,
                        value: l.value,
                        team_median: l.median,
                        gap: l.gap,
                        sample: i64::try_from(l.sample).unwrap_or(i64::MAX),
                        confidence: l.confidence,
                    })
                    .collect(),
                score: r.suggestion.score,
            })
            .collect(),
        working_days: s.working_days as i32,
        min_working_days: s.min_working_days as i32,
        min_sample: s.min_sample as i32,
    }
}

pub async fn suggest(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::SuggestCoachingRequest,
) -> ApiResult<pb::SuggestCoachingResponse> {
    let query = suggest_query(&req)?;
    let s = api.suggest_coaching(ctx, query).await?;
    Ok(suggestions(s))
}

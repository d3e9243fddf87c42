//! GetMetricValues: the metrics service's totals for people the caller may see, for the other
//! services, which ask the scorecard service rather than the metrics service directly.

use attain_domain::Violations;
use attain_proto::{metrics::v1::Grouping, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert};
use uuid::Uuid;

use super::{ScorecardApi, compute::range_to_proto, resolve_period};

const MAX_PEOPLE: usize = 10_000;
const MAX_METRICS: usize = 100;

pub async fn get(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetMetricValuesRequest,
) -> ApiResult<pb::GetMetricValuesResponse> {
    let mut v = Violations::new();
    if req.person_ids.is_empty() || req.person_ids.len() > MAX_PEOPLE {
        v.add("person_ids", format!("name 1 to {MAX_PEOPLE} people"));
    }
    if req.metric_keys.is_empty() || req.metric_keys.len() > MAX_METRICS {
        v.add("metric_keys", format!("name 1 to {MAX_METRICS} metrics"));
    }
    let people: Vec<Uuid> = req
        .person_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| convert::required_id(&mut v, &format!("person_ids[{i}]"), id))
        .collect();
    let view = api.view(ctx).await?;
    let cal = view.directory.calendar.clone();
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &cal);
    let range = v
        .into_result(range)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    if let Some(hidden) = people.iter().find(|p| view.visible_person(**p).is_none()) {
        return Err(ApiError::not_found(format!("person {hidden}")));
    }
    let grouping = if req.combined {
        Grouping::Combined
    } else {
        Grouping::PerPerson
    };
    let catalog = api.metrics.catalog(ctx, false).await?;
    let display_names = req
        .metric_keys
        .iter()
        .filter_map(|k| Some((k.clone(), catalog.get(k)?.display_name.clone())))
        .collect();
    let totals = api
        .metrics
        .totals(ctx, &people, &req.metric_keys, range, grouping)
        .await?;
    Ok(pb::GetMetricValuesResponse {
        range: Some(range_to_proto(range)),
        rows: totals
            .rows
            .into_iter()
            .map(|r| pb::PersonValues {
                person_id: r.person_id,
                values: r.values,
            })
            .collect(),
        display_names,
    })
}

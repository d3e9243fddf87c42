//! GetMetricValues on the wire.

use attain_domain::Violations;
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert};
use uuid::Uuid;

use crate::scorecards::app::{ScorecardApi, values::ValuesQuery};

const MAX_PEOPLE: usize = 10_000;
const MAX_METRICS: usize = 100;

fn values_query(req: pb::GetMetricValuesRequest) -> ApiResult<ValuesQuery> {
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
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    let period = v
        .into_result(period)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    Ok(ValuesQuery {
        people,
        metric_keys: req.metric_keys,
        period,
        combined: req.combined,
    })
}

pub async fn get_metric_values(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetMetricValuesRequest,
) -> ApiResult<pb::GetMetricValuesResponse> {
    let values = api.metric_values(ctx, values_query(req).into()).await?;
    Ok(pb::GetMetricValuesResponse {
        range: Some(convert::range_to_proto(values.range)),
        rows: values
            .rows
            .into_iter()
            .map(|r| pb::PersonValues {
                person_id: r.person_id,
                values: r.values,
            })
            .collect(),
        display_names: values.display_names,
    })
}

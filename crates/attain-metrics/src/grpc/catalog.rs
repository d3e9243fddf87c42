//! The metric catalog on the wire.

use attain_domain::{
    Violations,
    metric::{Aggregation, Direction, Layer, MetricDef, MetricKind, MetricState, Unit},
};
use attain_proto::metrics::v1::*;
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    enums::{from_wire, to_wire},
    paging::Page,
};

use crate::{
    app::{
        MetricsApi,
        catalog::{MetricChange, MetricQuery, MetricUpdate},
    },
    store::catalog::MetricRecord,
};

const UPDATABLE: &[&str] = &["display_name", "description", "direction", "state"];

pub fn metric(m: &MetricRecord) -> Metric {
    Metric {
        key: m.key.clone(),
        display_name: m.display_name.clone(),
        description: m.description.clone(),
        layer: to_wire(m.layer),
        aggregation: m.aggregation.map_or(0, to_wire),
        unit: to_wire(m.unit),
        direction: to_wire(m.direction),
        ratio: match (&m.numerator_key, &m.denominator_key) {
            (Some(n), Some(d)) => Some(RatioDefinition {
                numerator_key: n.clone(),
                denominator_key: d.clone(),
            }),
            _ => None,
        },
        state: to_wire(m.state),
        built_in: m.built_in,
        create_time: Some(convert::timestamp(m.created_at)),
        update_time: Some(convert::timestamp(m.updated_at)),
        etag: convert::etag(m.revision),
    }
}

/// The definition a CreateMetric request asks for, its enums and kind decoded; the key, names
/// and the ratio's parts are checked against the catalog by the use case.
fn definition(req: CreateMetricRequest) -> ApiResult<MetricDef> {
    let m = req.metric.unwrap_or_default();
    let mut v = Violations::new();
    let layer = from_wire::<Layer>(m.layer);
    let unit = from_wire::<Unit>(m.unit);
    let direction = from_wire::<Direction>(m.direction);
    for (field, missing) in [
        ("metric.layer", layer.is_none()),
        ("metric.unit", unit.is_none()),
        ("metric.direction", direction.is_none()),
    ] {
        if missing {
            v.add(field, "is required");
        }
    }
    let kind = match (m.ratio, from_wire::<Aggregation>(m.aggregation)) {
        (Some(r), None) => Some(MetricKind::Ratio {
            numerator: r.numerator_key,
            denominator: r.denominator_key,
        }),
        (None, Some(a)) => Some(MetricKind::Events(a)),
        (Some(_), Some(_)) => {
            v.add("metric.aggregation", "a ratio metric has no aggregation of its own");
            None
        }
        (None, None) => {
            v.add("metric.aggregation", "is required for an event metric (or set `ratio`)");
            None
        }
    };
    let (Some(layer), Some(unit), Some(direction), Some(kind)) = (layer, unit, direction, kind) else {
        return Err(ApiError::InvalidArgument(v));
    };
    Ok(MetricDef {
        key: m.key,
        display_name: m.display_name,
        description: m.description,
        layer,
        kind,
        unit,
        direction,
    })
}

pub async fn create(api: &MetricsApi, ctx: &Ctx, req: CreateMetricRequest) -> ApiResult<CreateMetricResponse> {
    let created = api.create_metric(ctx, definition(req).into()).await?;
    Ok(CreateMetricResponse {
        metric: Some(metric(&created)),
    })
}

pub async fn get(api: &MetricsApi, ctx: &Ctx, req: GetMetricRequest) -> ApiResult<GetMetricResponse> {
    if req.key.is_empty() {
        return Err(ApiError::invalid("key", "is required"));
    }
    let found = api.get_metric(ctx, &req.key).await?;
    Ok(GetMetricResponse {
        metric: Some(metric(&found)),
    })
}

pub async fn list(api: &MetricsApi, ctx: &Ctx, req: ListMetricsRequest) -> ApiResult<ListMetricsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    v.into_result(())?;
    let query = MetricQuery {
        page,
        include_retired: req.include_retired,
    };
    let listed = api.list_metrics(ctx, query).await?;
    Ok(ListMetricsResponse {
        metrics: listed.items.iter().map(metric).collect(),
        next_page_token: listed.next_page_token,
    })
}

fn update_of(req: UpdateMetricRequest) -> ApiResult<MetricUpdate> {
    let input = req.metric.unwrap_or_default();
    let mut v = Violations::new();
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let revision = convert::parse_etag(&mut v, "metric.etag", &input.etag);
    if input.key.is_empty() {
        v.add("metric.key", "is required");
    }
    v.into_result(())?;
    let changes = paths
        .into_iter()
        .filter_map(|path| match path {
            "display_name" => Some(MetricChange::DisplayName(input.display_name.clone())),
            "description" => Some(MetricChange::Description(input.description.clone())),
            "direction" => Some(MetricChange::Direction(from_wire::<Direction>(input.direction))),
            "state" => Some(MetricChange::State(from_wire::<MetricState>(input.state))),
            _ => None, // update_paths returns only the paths listed in UPDATABLE
        })
        .collect();
    Ok(MetricUpdate {
        key: input.key,
        revision,
        changes,
    })
}

pub async fn update(api: &MetricsApi, ctx: &Ctx, req: UpdateMetricRequest) -> ApiResult<UpdateMetricResponse> {
    let saved = api.update_metric(ctx, update_of(req).into()).await?;
    Ok(UpdateMetricResponse {
        metric: Some(metric(&saved)),
    })
}

//! The metric catalog: create, read, list, update. Only ADMIN changes it.

use attain_domain::{
    Violations,
    metric::{MetricDef, MetricKind, MetricState, check_def},
    org::AccessRole,
};
use attain_proto::metrics::v1::*;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};

use super::MetricsApi;
use crate::store::catalog::{self as store, MetricRecord};

const UPDATABLE: &[&str] = &["display_name", "description", "direction", "state"];

fn kind_of(catalog: &[MetricRecord], key: &str) -> Option<MetricKind> {
    catalog.iter().find(|m| m.key == key).map(record_kind)
}

pub fn record_kind(m: &MetricRecord) -> MetricKind {
    match (&m.aggregation, &m.numerator_key, &m.denominator_key) {
        (Some(a), _, _) => MetricKind::Events(*a),
        (None, Some(n), Some(d)) => MetricKind::Ratio {
            numerator: n.clone(),
            denominator: d.clone(),
        },
        _ => MetricKind::Events(attain_domain::metric::Aggregation::Count),
    }
}

pub async fn create(api: &MetricsApi, ctx: &Ctx, req: CreateMetricRequest) -> ApiResult<CreateMetricResponse> {
    ctx.require(&[AccessRole::Admin], "change the metric catalog")?;
    let m = req.metric.unwrap_or_default();
    let mut v = Violations::new();
    let layer = attain_runtime::enums::from_wire::<attain_domain::metric::Layer>(m.layer);
    let unit = attain_runtime::enums::from_wire::<attain_domain::metric::Unit>(m.unit);
    let direction = attain_runtime::enums::from_wire::<attain_domain::metric::Direction>(m.direction);
    for (field, missing) in [
        ("metric.layer", layer.is_none()),
        ("metric.unit", unit.is_none()),
        ("metric.direction", direction.is_none()),
    ] {
        if missing {
            v.add(field, "is required");
        }
    }
    let kind = match (
        &m.ratio,
        attain_runtime::enums::from_wire::<attain_domain::metric::Aggregation>(m.aggregation),
    ) {
        (Some(r), None) => Some(MetricKind::Ratio {
            numerator: r.numerator_key.clone(),
            denominator: r.denominator_key.clone(),
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
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let catalog = store::all(&mut tx, tenant).await?;
    let (Some(layer), Some(unit), Some(direction), Some(kind)) = (layer, unit, direction, kind) else {
        return Err(ApiError::InvalidArgument(v));
    };
    let def = MetricDef {
        key: m.key.clone(),
        display_name: m.display_name.clone(),
        description: m.description.clone(),
        layer,
        kind,
        unit,
        direction,
    };
    v.extend_prefixed("metric", check_def(&def, |k| kind_of(&catalog, k)));
    v.into_result(())?;
    let created = store::insert(&mut tx, tenant, &def, false)
        .await?
        .ok_or_else(|| ApiError::AlreadyExists(format!("metric \"{}\" already exists", def.key)))?;
    tx.commit().await?;
    api.catalog_changed(tenant);
    Ok(CreateMetricResponse {
        metric: Some(to_proto(&created)),
    })
}

pub async fn get(api: &MetricsApi, ctx: &Ctx, req: GetMetricRequest) -> ApiResult<GetMetricResponse> {
    if req.key.is_empty() {
        return Err(ApiError::invalid("key", "is required"));
    }
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let catalog = store::all(&mut tx, ctx.tenant_id).await?;
    tx.commit().await?;
    let metric = catalog
        .iter()
        .find(|m| m.key == req.key)
        .ok_or_else(|| ApiError::not_found("metric"))?;
    Ok(GetMetricResponse {
        metric: Some(to_proto(metric)),
    })
}

pub async fn list(api: &MetricsApi, ctx: &Ctx, req: ListMetricsRequest) -> ApiResult<ListMetricsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let catalog = store::all(&mut tx, ctx.tenant_id).await?;
    tx.commit().await?;
    let mut metrics: Vec<MetricRecord> = catalog
        .into_iter()
        .filter(|m| req.include_retired || m.state == MetricState::Active)
        .filter(|m| page.after.as_ref().is_none_or(|after| m.key.as_str() > after.as_str()))
        .take(page.fetch_limit() as usize)
        .collect();
    let next_page_token = page.finish(&mut metrics, |m| m.key.clone());
    Ok(ListMetricsResponse {
        metrics: metrics.iter().map(to_proto).collect(),
        next_page_token,
    })
}

pub async fn update(api: &MetricsApi, ctx: &Ctx, req: UpdateMetricRequest) -> ApiResult<UpdateMetricResponse> {
    ctx.require(&[AccessRole::Admin], "change the metric catalog")?;
    let input = req.metric.unwrap_or_default();
    let mut v = Violations::new();
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    let expected = convert::parse_etag(&mut v, "metric.etag", &input.etag);
    if input.key.is_empty() {
        v.add("metric.key", "is required");
    }
    v.into_result(())?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    store::all(&mut tx, tenant).await?;
    let mut record = store::lock(&mut tx, tenant, &input.key)
        .await?
        .ok_or_else(|| ApiError::not_found("metric"))?;
    convert::check_revision(expected, record.revision, "metric")?;
    let mut v = Violations::new();
    for path in paths {
        match path {
            "display_name" => {
                attain_domain::org::check_name(&mut v, "metric.display_name", &input.display_name);
                record.display_name = input.display_name.clone();
            }
            "description" => {
                attain_domain::org::check_optional_text_multiline(
                    &mut v,
                    "metric.description",
                    &input.description,
                    2000,
                );
                record.description = input.description.clone();
            }
            "direction" => {
                match attain_runtime::enums::from_wire::<attain_domain::metric::Direction>(input.direction) {
                    Some(d) => record.direction = d,
                    None => v.add("metric.direction", "must be HIGHER_IS_BETTER or LOWER_IS_BETTER"),
                }
            }
            "state" => match attain_runtime::enums::from_wire::<attain_domain::metric::MetricState>(input.state) {
                Some(s) => record.state = s,
                None => v.add("metric.state", "must be ACTIVE or RETIRED"),
            },
            _ => {} // update_paths returns only the paths listed in UPDATABLE
        }
    }
    v.into_result(())?;
    let saved = store::save(&mut tx, tenant, &record).await?;
    tx.commit().await?;
    api.catalog_changed(tenant);
    Ok(UpdateMetricResponse {
        metric: Some(to_proto(&saved)),
    })
}

pub fn to_proto(m: &MetricRecord) -> Metric {
    Metric {
        key: m.key.clone(),
        display_name: m.display_name.clone(),
        description: m.description.clone(),
        layer: attain_runtime::enums::to_wire(m.layer),
        aggregation: m.aggregation.map_or(0, attain_runtime::enums::to_wire),
        unit: attain_runtime::enums::to_wire(m.unit),
        direction: attain_runtime::enums::to_wire(m.direction),
        ratio: match (&m.numerator_key, &m.denominator_key) {
            (Some(n), Some(d)) => Some(RatioDefinition {
                numerator_key: n.clone(),
                denominator_key: d.clone(),
            }),
            _ => None,
        },
        state: attain_runtime::enums::to_wire(m.state),
        built_in: m.built_in,
        create_time: Some(convert::timestamp(m.created_at)),
        update_time: Some(convert::timestamp(m.updated_at)),
        etag: convert::etag(m.revision),
    }
}

//! The metric catalog: create, read, list, update. Only ADMIN changes it.

use attain_domain::{
    Violations,
    metric::{Direction, MetricDef, MetricKind, MetricState, check_def},
    org::AccessRole,
};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};

use super::MetricsApi;
use crate::store::catalog::{self as store, MetricRecord};

/// Which metrics to list.
pub struct MetricQuery {
    pub page: Page,
    pub include_retired: bool,
}

/// One change of an UpdateMetric request, in the order of its field mask; what it sets is
/// checked by the use case once the metric is found.
pub enum MetricChange {
    DisplayName(String),
    Description(String),
    /// `None`: the request named no direction the catalog knows.
    Direction(Option<Direction>),
    /// `None`: the request named no state the catalog knows.
    State(Option<MetricState>),
}

/// An UpdateMetric request: the metric, the revision the caller read (`None`: any) and the
/// changes.
pub struct MetricUpdate {
    pub key: String,
    pub revision: Option<i64>,
    pub changes: Vec<MetricChange>,
}

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

impl MetricsApi {
    pub async fn create_metric(&self, ctx: &Ctx, def: Decoded<MetricDef>) -> ApiResult<MetricRecord> {
        ctx.require(&[AccessRole::Admin], "change the metric catalog")?;
        let def = def.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let catalog = store::all(&mut tx, tenant).await?;
        let mut v = Violations::new();
        v.extend_prefixed("metric", check_def(&def, |k| kind_of(&catalog, k)));
        v.into_result(())?;
        let created = store::insert(&mut tx, tenant, &def, false)
            .await?
            .ok_or_else(|| ApiError::AlreadyExists(format!("metric \"{}\" already exists", def.key)))?;
        tx.commit().await?;
        self.catalog_changed(tenant);
        Ok(created)
    }

    pub async fn get_metric(&self, ctx: &Ctx, key: &str) -> ApiResult<MetricRecord> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let catalog = store::all(&mut tx, ctx.tenant_id).await?;
        tx.commit().await?;
        catalog
            .into_iter()
            .find(|m| m.key == key)
            .ok_or_else(|| ApiError::not_found("metric"))
    }

    /// The catalog in key order, a page at a time; retired metrics only when asked for.
    pub async fn list_metrics(&self, ctx: &Ctx, query: MetricQuery) -> ApiResult<Listed<MetricRecord>> {
        let MetricQuery { page, include_retired } = query;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let catalog = store::all(&mut tx, ctx.tenant_id).await?;
        tx.commit().await?;
        let metrics: Vec<MetricRecord> = catalog
            .into_iter()
            .filter(|m| include_retired || m.state == MetricState::Active)
            .filter(|m| page.after.as_ref().is_none_or(|after| m.key.as_str() > after.as_str()))
            .take(page.fetch_limit() as usize)
            .collect();
        Ok(page.list(metrics, |m| m.key.clone()))
    }

    pub async fn update_metric(&self, ctx: &Ctx, update: Decoded<MetricUpdate>) -> ApiResult<MetricRecord> {
        ctx.require(&[AccessRole::Admin], "change the metric catalog")?;
        let update = update.get()?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        store::all(&mut tx, tenant).await?;
        let mut record = store::lock(&mut tx, tenant, &update.key)
            .await?
            .ok_or_else(|| ApiError::not_found("metric"))?;
        convert::check_revision(update.revision, record.revision, "metric")?;
        let mut v = Violations::new();
        for change in update.changes {
            match change {
                MetricChange::DisplayName(name) => {
                    attain_domain::org::check_name(&mut v, "metric.display_name", &name);
                    record.display_name = name;
                }
                MetricChange::Description(text) => {
                    attain_domain::org::check_optional_text_multiline(&mut v, "metric.description", &text, 2000);
                    record.description = text;
                }
                MetricChange::Direction(Some(d)) => record.direction = d,
                MetricChange::Direction(None) => {
                    v.add("metric.direction", "must be HIGHER_IS_BETTER or LOWER_IS_BETTER")
                }
                MetricChange::State(Some(s)) => record.state = s,
                MetricChange::State(None) => v.add("metric.state", "must be ACTIVE or RETIRED"),
            }
        }
        v.into_result(())?;
        let saved = store::save(&mut tx, tenant, &record).await?;
        tx.commit().await?;
        self.catalog_changed(tenant);
        Ok(saved)
    }
}

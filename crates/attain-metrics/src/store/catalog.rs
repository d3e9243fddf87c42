//! The per-tenant metric catalog, seeded with the built-in catalog on first use.

use attain_domain::metric::{
    Aggregation, Direction, Layer, MetricDef, MetricKind, MetricState, Unit, built_in_catalog,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Conn, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MetricRecord {
    pub metric_id: i32,
    pub key: String,
    pub display_name: String,
    pub description: String,
    pub layer: Layer,
    pub aggregation: Option<Aggregation>,
    pub unit: Unit,
    pub direction: Direction,
    pub numerator_key: Option<String>,
    pub denominator_key: Option<String>,
    pub state: MetricState,
    pub built_in: bool,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "metric_id, key, display_name, description, layer, aggregation, unit, direction, numerator_key, \
         denominator_key, state, built_in, revision, created_at, updated_at"
    };
}

/// The whole catalog of a tenant, ordered by key; seeds the built-in metrics it lacks (all of
/// them the first time; later, those added to Attain since, such as `open_pipeline`). A key a
/// tenant already uses for a metric of its own stays theirs.
pub async fn all(c: &mut Conn, tenant: Uuid) -> Result<Vec<MetricRecord>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM metrics.catalog WHERE tenant_id = $1 ORDER BY key"
    );
    let metrics: Vec<MetricRecord> = sqlx::query_as(SQL).bind(tenant).fetch_all(&mut *c).await?;
    let missing: Vec<_> = built_in_catalog()
        .into_iter()
        .filter(|def| !metrics.iter().any(|m| m.key == def.key))
        .collect();
    if missing.is_empty() {
        return Ok(metrics);
    }
    for def in &missing {
        insert(c, tenant, def, true).await?;
    }
    sqlx::query_as(SQL).bind(tenant).fetch_all(c).await
}

/// Inserts a metric; `Ok(None)` when the key is taken.
pub async fn insert(c: &mut Conn, tenant: Uuid, def: &MetricDef, built_in: bool) -> Result<Option<MetricRecord>> {
    let (aggregation, numerator, denominator) = match &def.kind {
        MetricKind::Events(a) => (Some(a.as_str()), None, None),
        MetricKind::Ratio { numerator, denominator } => (None, Some(numerator.as_str()), Some(denominator.as_str())),
    };
    sqlx::query_as(concat!(
        "INSERT INTO metrics.catalog (tenant_id, key, display_name, description, layer, aggregation, unit, direction,
             numerator_key, denominator_key, built_in)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, key) DO NOTHING
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(&def.key)
    .bind(&def.display_name)
    .bind(&def.description)
    .bind(def.layer.as_str())
    .bind(aggregation)
    .bind(def.unit.as_str())
    .bind(def.direction.as_str())
    .bind(numerator)
    .bind(denominator)
    .bind(built_in)
    .fetch_optional(c)
    .await
}

pub async fn lock(c: &mut Conn, tenant: Uuid, key: &str) -> Result<Option<MetricRecord>> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM metrics.catalog WHERE tenant_id = $1 AND key = $2 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(key)
    .fetch_optional(c)
    .await
}

pub async fn save(c: &mut Conn, tenant: Uuid, m: &MetricRecord) -> Result<MetricRecord> {
    sqlx::query_as(concat!(
        "UPDATE metrics.catalog SET display_name = $3, description = $4, direction = $5, state = $6,
             revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 AND metric_id = $2 RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(m.metric_id)
    .bind(&m.display_name)
    .bind(&m.description)
    .bind(m.direction)
    .bind(m.state)
    .fetch_one(c)
    .await
}

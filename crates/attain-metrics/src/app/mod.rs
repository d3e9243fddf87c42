//! What each `attain.metrics.v1.MetricsService` RPC does: one use case each, a method of
//! [`MetricsApi`] taking the request context and typed input (decoded by `grpc/`) and returning
//! store records or domain values. The access rules, the checks against the catalog and the
//! directory, and the store calls live here; protobuf does not.

pub mod catalog;
pub mod check;
pub mod ingest;
pub mod query;
pub mod state;

use std::sync::Arc;

use attain_runtime::{directory::Directory, peer::Cache};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::store::{self, catalog::MetricRecord};

pub use ingest::MAX_BATCH;

#[derive(Clone)]
pub struct MetricsApi {
    pool: PgPool,
    directory: Arc<Directory>,
    /// Each tenant's catalog for queries (see `query_catalog`).
    catalogs: Arc<Cache<Uuid, Arc<Vec<MetricRecord>>>>,
    /// Longest wait for a stream's next message before the stream is ended.
    stream_idle: std::time::Duration,
}

impl MetricsApi {
    pub fn new(pool: PgPool, directory: Arc<Directory>) -> Self {
        Self {
            pool,
            directory,
            catalogs: Arc::new(Cache::new()),
            stream_idle: std::time::Duration::from_secs(60),
        }
    }

    /// Ends a client stream that sends nothing for `idle` (ATTAIN_STREAM_IDLE_TIMEOUT), so idle
    /// streams cannot hold a tenant's share of the server for ever.
    pub fn with_stream_idle(mut self, idle: std::time::Duration) -> Self {
        self.stream_idle = idle;
        self
    }

    /// The tenant's catalog for a query naming `keys`. Every scorecard asks for totals, so the
    /// catalog is kept for the cache's short TTL instead of read on every call; it is read
    /// afresh when it lacks one of the keys (a metric created a moment ago, perhaps through
    /// another replica) and dropped when this process changes it. Ingestion always reads it
    /// afresh: a retired metric must refuse events at once.
    async fn query_catalog(
        &self,
        c: &mut PgConnection,
        tenant: Uuid,
        keys: &[&str],
    ) -> Result<Arc<Vec<MetricRecord>>, sqlx::Error> {
        if let Some(catalog) = self.catalogs.get(&tenant)
            && keys.iter().all(|k| catalog.iter().any(|m| m.key == *k))
        {
            return Ok(catalog);
        }
        let catalog = Arc::new(store::catalog::all(c, tenant).await?);
        self.catalogs.put(tenant, catalog.clone());
        Ok(catalog)
    }

    /// Drops the cached catalog of `tenant` after a change to it.
    fn catalog_changed(&self, tenant: Uuid) {
        self.catalogs.remove(&tenant);
    }
}

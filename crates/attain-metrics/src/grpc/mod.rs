//! `attain.metrics.v1.MetricsService`: protobuf in, checks and access rules, store calls,
//! protobuf out.

mod catalog;
mod check;
mod ingest;
mod query;
mod state;

use std::sync::Arc;

use attain_proto::metrics::v1::{metrics_service_server::MetricsService, *};
use attain_runtime::{ApiResult, Ctx, directory::Directory, peer::Cache};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::store::{self, catalog::MetricRecord};
use tonic::{Request, Response, Status, Streaming};

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

    pub fn into_server(self, max_message_bytes: usize) -> metrics_service_server::MetricsServiceServer<MetricsApi> {
        metrics_service_server::MetricsServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The caller and the credential to call other services with on their behalf.
fn who<T>(req: &Request<T>) -> Result<Ctx, Status> {
    Ok(Ctx::of(req)?)
}

#[tonic::async_trait]
impl MetricsService for MetricsApi {
    async fn create_metric(&self, req: Request<CreateMetricRequest>) -> Result<Response<CreateMetricResponse>, Status> {
        let ctx = who(&req)?;
        respond(catalog::create(self, &ctx, req.into_inner()).await)
    }

    async fn get_metric(&self, req: Request<GetMetricRequest>) -> Result<Response<GetMetricResponse>, Status> {
        let ctx = who(&req)?;
        respond(catalog::get(self, &ctx, req.into_inner()).await)
    }

    async fn list_metrics(&self, req: Request<ListMetricsRequest>) -> Result<Response<ListMetricsResponse>, Status> {
        let ctx = who(&req)?;
        respond(catalog::list(self, &ctx, req.into_inner()).await)
    }

    async fn update_metric(&self, req: Request<UpdateMetricRequest>) -> Result<Response<UpdateMetricResponse>, Status> {
        let ctx = who(&req)?;
        respond(catalog::update(self, &ctx, req.into_inner()).await)
    }

    async fn ingest_events(&self, req: Request<IngestEventsRequest>) -> Result<Response<IngestEventsResponse>, Status> {
        let ctx = who(&req)?;
        respond(ingest::ingest(self, &ctx, req.into_inner()).await)
    }

    async fn stream_events(
        &self,
        req: Request<Streaming<StreamEventsRequest>>,
    ) -> Result<Response<StreamEventsResponse>, Status> {
        let ctx = who(&req)?;
        respond(ingest::stream(self, &ctx, req.into_inner()).await)
    }

    async fn retract_events(
        &self,
        req: Request<RetractEventsRequest>,
    ) -> Result<Response<RetractEventsResponse>, Status> {
        let ctx = who(&req)?;
        respond(ingest::retract(self, &ctx, req.into_inner()).await)
    }

    async fn rebuild_rollups(
        &self,
        req: Request<RebuildRollupsRequest>,
    ) -> Result<Response<RebuildRollupsResponse>, Status> {
        let ctx = who(&req)?;
        respond(ingest::rebuild(self, &ctx).await)
    }

    async fn get_totals(&self, req: Request<GetTotalsRequest>) -> Result<Response<GetTotalsResponse>, Status> {
        let ctx = who(&req)?;
        respond(query::totals(self, &ctx, req.into_inner()).await)
    }

    async fn get_series(&self, req: Request<GetSeriesRequest>) -> Result<Response<GetSeriesResponse>, Status> {
        let ctx = who(&req)?;
        respond(query::series(self, &ctx, req.into_inner()).await)
    }

    async fn get_top_people(
        &self,
        req: Request<GetTopPeopleRequest>,
    ) -> Result<Response<GetTopPeopleResponse>, Status> {
        let ctx = who(&req)?;
        respond(query::top_people(self, &ctx, req.into_inner()).await)
    }
}

//! `attain.metrics.v1.MetricsService` on the wire: each RPC's request decoded into the typed
//! input of one use case of [`MetricsApi`] (in `crate::app`), and its answer encoded. Only the
//! server assembly (`lib.rs`) names this module.

mod catalog;
mod ingest;
mod query;

use attain_proto::metrics::v1::{
    metrics_service_server::{self, MetricsService},
    *,
};
use tonic::Streaming;

use crate::app::MetricsApi;

impl MetricsApi {
    pub fn into_server(self, max_message_bytes: usize) -> metrics_service_server::MetricsServiceServer<MetricsApi> {
        metrics_service_server::MetricsServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

attain_runtime::rpcs! {
    MetricsService for MetricsApi {
        create_metric(CreateMetricRequest) -> CreateMetricResponse => catalog::create;
        get_metric(GetMetricRequest) -> GetMetricResponse => catalog::get;
        list_metrics(ListMetricsRequest) -> ListMetricsResponse => catalog::list;
        update_metric(UpdateMetricRequest) -> UpdateMetricResponse => catalog::update;
        ingest_events(IngestEventsRequest) -> IngestEventsResponse => ingest::ingest;
        stream_events(Streaming<StreamEventsRequest>) -> StreamEventsResponse => ingest::stream;
        retract_events(RetractEventsRequest) -> RetractEventsResponse => ingest::retract;
        rebuild_rollups(RebuildRollupsRequest) -> RebuildRollupsResponse => ingest::rebuild;
        get_totals(GetTotalsRequest) -> GetTotalsResponse => query::totals;
        get_series(GetSeriesRequest) -> GetSeriesResponse => query::series;
        get_top_people(GetTopPeopleRequest) -> GetTopPeopleResponse => query::top_people;
    }
}

//! `attain.metrics.v1.MetricsService` on the wire: which function of [`crate::app`] answers each
//! RPC, and the tonic server around it. Only the server assembly (`lib.rs`) names this module.

use attain_proto::metrics::v1::{
    metrics_service_server::{self, MetricsService},
    *,
};
use tonic::Streaming;

use crate::app::{self, MetricsApi};

impl MetricsApi {
    pub fn into_server(self, max_message_bytes: usize) -> metrics_service_server::MetricsServiceServer<MetricsApi> {
        metrics_service_server::MetricsServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

attain_runtime::rpcs! {
    MetricsService for MetricsApi {
        create_metric(CreateMetricRequest) -> CreateMetricResponse => app::catalog::create;
        get_metric(GetMetricRequest) -> GetMetricResponse => app::catalog::get;
        list_metrics(ListMetricsRequest) -> ListMetricsResponse => app::catalog::list;
        update_metric(UpdateMetricRequest) -> UpdateMetricResponse => app::catalog::update;
        ingest_events(IngestEventsRequest) -> IngestEventsResponse => app::ingest::ingest;
        stream_events(Streaming<StreamEventsRequest>) -> StreamEventsResponse => app::ingest::stream;
        retract_events(RetractEventsRequest) -> RetractEventsResponse => app::ingest::retract;
        rebuild_rollups(RebuildRollupsRequest) -> RebuildRollupsResponse => app::ingest::rebuild;
        get_totals(GetTotalsRequest) -> GetTotalsResponse => app::query::totals;
        get_series(GetSeriesRequest) -> GetSeriesResponse => app::query::series;
        get_top_people(GetTopPeopleRequest) -> GetTopPeopleResponse => app::query::top_people;
    }
}

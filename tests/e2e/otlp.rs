//! An OTLP/gRPC trace receiver for the telemetry tests, built from the OpenTelemetry collector's
//! own protobuf definitions: it takes what a collector configured like
//! `deploy/otel-collector.yaml` (an `otlp` receiver, gRPC protocol) would.

use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::{AnyValue, any_value},
    trace::v1::Span,
};
use tonic::{Request, Response, Status};

use crate::free_port;

/// A span as received, with the `service.name` of the process that sent it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) service: String,
    pub(crate) span: Span,
}

impl Received {
    pub(crate) fn attr(&self, key: &str) -> Option<String> {
        self.span
            .attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .map(text)
    }

    pub(crate) fn status(&self) -> i32 {
        self.span.status.as_ref().map_or(0, |s| s.code)
    }
}

fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

#[derive(Clone, Default)]
pub(crate) struct Receiver(pub(crate) Arc<Mutex<Vec<Received>>>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut spans = self.0.lock().expect("receiver lock");
        for resource in request.into_inner().resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref())
                .map(text)
                .unwrap_or_default();
            for scope in resource.scope_spans {
                for span in scope.spans {
                    spans.push(Received {
                        service: service.clone(),
                        span,
                    });
                }
            }
        }
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

/// An OTLP/gRPC trace receiver on a loopback port: its endpoint URL and what it has received.
pub(crate) async fn start_receiver() -> (String, Receiver) {
    let receiver = Receiver::default();
    let port = free_port();
    let incoming =
        tonic::transport::server::TcpIncoming::bind(([127, 0, 0, 1], port).into()).expect("bind the OTLP receiver");
    let service = TraceServiceServer::new(receiver.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming),
    );
    (format!("http://127.0.0.1:{port}"), receiver)
}

//! RED metrics of a gRPC server, in the names of the grpc-ecosystem Prometheus interceptors so
//! that existing dashboards and alerts work: calls started, calls handled by status code, time
//! to handle, calls in flight. Plus the database pool, read when scraped.
//!
//! A call's status is only known when its response ends: in the headers of a trailers-only
//! response (most errors), otherwise in the trailers after the last message. So the layer
//! wraps the response body and records when the trailers go by, or when the body is dropped
//! unfinished (the client went away: CANCELLED).

use std::{
    collections::HashSet,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Instant,
};

use bytes::Bytes;
use http::HeaderMap;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use prost::Message;
use tonic::body::Body;
use tower::{Layer, Service};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Method {
    grpc_service: String,
    grpc_method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Handled {
    grpc_service: String,
    grpc_method: String,
    grpc_code: &'static str,
}

/// The metrics of one service process, and the registry `/metrics` encodes.
#[derive(Debug)]
pub struct ServiceMetrics {
    registry: Registry,
    started: Family<Method, Counter>,
    handled: Family<Handled, Counter>,
    seconds: Family<Method, Histogram>,
    in_flight: Family<Method, Gauge>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    /// Every `/package.Service/Method` this binary serves. Other paths are counted as
    /// "unknown", so that calls to made-up methods cannot grow the label set without bound.
    known: HashSet<String>,
}

impl Default for ServiceMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let started = Family::<Method, Counter>::default();
        let handled = Family::<Handled, Counter>::default();
        // 1 ms to about 16 s: reads take milliseconds, bulk ingests and rebuilds seconds.
        let seconds =
            Family::<Method, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 15)));
        let in_flight = Family::<Method, Gauge>::default();
        let (pool_size, pool_idle, pool_max) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("grpc_server_started", "RPCs started on the server", started.clone());
        registry.register(
            "grpc_server_handled",
            "RPCs completed on the server, by gRPC status code",
            handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "Time from the request to the end of the response",
            seconds.clone(),
        );
        registry.register(
            "grpc_server_in_flight_requests",
            "RPCs being handled now",
            in_flight.clone(),
        );
        registry.register(
            "attain_db_pool_connections",
            "Open database connections, busy or idle",
            pool_size.clone(),
        );
        registry.register(
            "attain_db_pool_idle_connections",
            "Open database connections waiting for work",
            pool_idle.clone(),
        );
        registry.register(
            "attain_db_pool_max_connections",
            "Most database connections the pool may open (ATTAIN_DB_MAX_CONNECTIONS)",
            pool_max.clone(),
        );
        Self {
            registry,
            started,
            handled,
            seconds,
            in_flight,
            pool_size,
            pool_idle,
            pool_max,
            known: known_methods(),
        }
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric, with the pool's numbers
    /// as of now.
    pub fn encode(&self, pool: Option<&sqlx::PgPool>) -> Result<String, std::fmt::Error> {
        if let Some(pool) = pool {
            self.pool_size.set(i64::from(pool.size()));
            self.pool_idle.set(pool.num_idle() as i64);
            self.pool_max.set(i64::from(pool.options().get_max_connections()));
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    fn method(&self, path: &str) -> Method {
        let known = self.known.contains(path);
        let (service, method) = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .filter(|_| known)
            .unwrap_or(("unknown", "unknown"));
        Method {
            grpc_service: service.to_string(),
            grpc_method: method.to_string(),
        }
    }
}

/// The methods of the Attain APIs (from the embedded descriptor set), health and reflection.
fn known_methods() -> HashSet<String> {
    let mut known: HashSet<String> = [
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // The descriptor set is built into the binary by attain-proto's build script, so it decodes;
    // were it ever not to, calls would be counted as "unknown" rather than fail.
    if let Ok(set) = prost_types::FileDescriptorSet::decode(attain_proto::FILE_DESCRIPTOR_SET) {
        for file in &set.file {
            let package = file.package();
            for service in &file.service {
                for method in &service.method {
                    known.insert(format!("/{package}.{}/{}", service.name(), method.name()));
                }
            }
        }
    }
    known
}

/// Records every call of the service it wraps into [`ServiceMetrics`].
#[derive(Clone)]
pub struct RpcMetricsLayer {
    metrics: Arc<ServiceMetrics>,
}

impl RpcMetricsLayer {
    pub fn new(metrics: Arc<ServiceMetrics>) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetricsService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RpcMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RpcMetricsService<S> {
    inner: S,
    metrics: Arc<ServiceMetrics>,
}

impl<S, ReqBody> Service<http::Request<ReqBody>> for RpcMetricsService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<Body>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        let call = Call::start(self.metrics.clone(), req.uri().path());
        let response = self.inner.call(req);
        Box::pin(async move {
            match response.await {
                Ok(response) => {
                    // A trailers-only response carries its status in the headers.
                    if let Some(code) = grpc_code(response.headers()) {
                        call.finish(code);
                        return Ok(response);
                    }
                    Ok(response.map(|inner| {
                        Body::new(MeteredBody {
                            inner,
                            call: Some(call),
                        })
                    }))
                }
                Err(e) => {
                    // What tonic will answer for this error (load shedding, deadlines).
                    let e = e.into();
                    match tonic::Status::try_from_error(e) {
                        Ok(status) => {
                            call.finish(code_name(status.code() as i32));
                            Ok(status.into_http())
                        }
                        Err(e) => {
                            call.finish("UNKNOWN");
                            Err(e)
                        }
                    }
                }
            }
        })
    }
}

/// One call being measured; dropped unfinished, it counts as CANCELLED.
struct Call {
    metrics: Arc<ServiceMetrics>,
    method: Method,
    start: Instant,
    done: bool,
}

impl Call {
    fn start(metrics: Arc<ServiceMetrics>, path: &str) -> Self {
        let method = metrics.method(path);
        metrics.started.get_or_create(&method).inc();
        metrics.in_flight.get_or_create(&method).inc();
        Self {
            metrics,
            method,
            start: Instant::now(),
            done: false,
        }
    }

    fn finish(mut self, code: &'static str) {
        self.record(code);
    }

    fn record(&mut self, code: &'static str) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let m = &self.metrics;
        m.in_flight.get_or_create(&self.method).dec();
        m.seconds
            .get_or_create(&self.method)
            .observe(self.start.elapsed().as_secs_f64());
        m.handled
            .get_or_create(&Handled {
                grpc_service: self.method.grpc_service.clone(),
                grpc_method: self.method.grpc_method.clone(),
                grpc_code: code,
            })
            .inc();
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.record("CANCELLED");
    }
}

pin_project_lite::pin_project! {
    /// A response body that records its call when the trailers (with the status) pass.
    struct MeteredBody {
        #[pin]
        inner: Body,
        call: Option<Call>,
    }
}

impl http_body::Body for MeteredBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let code = match &frame {
            Some(Ok(frame)) => frame.trailers_ref().map(|t| grpc_code(t).unwrap_or("UNKNOWN")),
            Some(Err(_)) => Some("INTERNAL"),
            // Trailers are required; a body that ends without them failed.
            None => Some("UNKNOWN"),
        };
        if let Some(code) = code
            && let Some(call) = this.call.take()
        {
            call.finish(code);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

fn grpc_code(headers: &HeaderMap) -> Option<&'static str> {
    let code = headers.get("grpc-status")?.to_str().ok()?.parse::<i32>().ok()?;
    Some(code_name(code))
}

/// The canonical name of a gRPC status code, as Prometheus labels conventionally carry it.
fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_contracts_share_one_label() {
        let m = ServiceMetrics::new();
        assert_eq!(m.method("/attain.org.v1.OrgService/GetTenant").grpc_method, "GetTenant");
        assert_eq!(m.method("/attain.org.v1.OrgService/MadeUp").grpc_service, "unknown");
        assert_eq!(m.method("/x").grpc_service, "unknown");
    }

    #[test]
    fn status_codes_have_their_canonical_names() {
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(99), "UNKNOWN");
    }
}

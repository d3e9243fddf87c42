//! Watches every call a server handles: opens its span (continuing the caller's trace from
//! `traceparent`), records its RED metrics, and sets the span's status when the call ends.
//!
//! A call's status is only known when its response ends: in the headers of a trailers-only
//! response (most errors), otherwise in the trailers after the last message. So the response
//! body is wrapped and the call recorded when the trailers go by, or when the body is dropped
//! unfinished (the client went away: CANCELLED). Outgoing calls ([`crate::peer::PeerChannel`])
//! are watched the same way.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Instant,
};

use bytes::Bytes;
use tonic::body::Body;
use tower::{Layer, Service};
use tracing::{Instrument, Span};

use crate::{
    access_log::AccessLogger,
    config::ServerArgs,
    rpc_metrics::{Method, ServiceMetrics, code_name, grpc_code},
    trace_context,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What happens when a watched call ends, with its gRPC code name. Dropped before that, the call
/// ends as CANCELLED.
pub(crate) trait CallEnd: Send + 'static {
    fn end(&mut self, code: &'static str);
}

/// Records `call`'s end from the response: now if the status is in the headers, otherwise when
/// the body's trailers pass.
pub(crate) fn watch_response<C: CallEnd>(response: http::Response<Body>, mut call: C) -> http::Response<Body> {
    if let Some(code) = grpc_code(response.headers()) {
        call.end(code);
        return response;
    }
    response.map(|inner| {
        Body::new(WatchedBody {
            inner,
            call: Some(call),
        })
    })
}

/// Sets the status on a call's span: the gRPC code always; ERROR as the span status for the
/// codes that mean the server (not the caller) failed, as the OpenTelemetry conventions for
/// gRPC servers say. `client` spans mark every non-OK code as an error.
pub(crate) fn record_status(span: &Span, code: &'static str, client: bool) {
    if span.is_none() {
        return;
    }
    let number = crate::rpc_metrics::code_number(code);
    span.record("rpc.grpc.status_code", number);
    let server_fault = matches!(
        code,
        "UNKNOWN" | "DEADLINE_EXCEEDED" | "UNIMPLEMENTED" | "INTERNAL" | "UNAVAILABLE" | "DATA_LOSS"
    );
    if (client && code != "OK") || server_fault {
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", code);
    } else if code == "OK" {
        span.record("otel.status_code", "OK");
    }
}

/// Watches every call of the service it wraps. Metrics are optional (a process without an
/// admin port has nowhere to show them); the span and the access log line are not.
#[derive(Clone)]
pub struct ObserveLayer {
    watch: Watch,
}

/// What every call of one server is watched with.
#[derive(Clone)]
struct Watch {
    metrics: Option<Arc<ServiceMetrics>>,
    access: Arc<AccessLogger>,
    service: Option<&'static str>,
}

impl ObserveLayer {
    pub fn new(args: &ServerArgs) -> Self {
        Self {
            watch: Watch {
                metrics: args.metrics.clone(),
                access: Arc::new(AccessLogger::new(args.access_log, args.access_log_sample)),
                service: args.service,
            },
        }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = ObserveService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ObserveService {
            inner,
            watch: self.watch.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ObserveService<S> {
    inner: S,
    watch: Watch,
}

impl<S, ReqBody> Service<http::Request<ReqBody>> for ObserveService<S>
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
        let service = self.watch.service;
        let (span, otel_cx) = trace_context::server_span(&req, service);
        let call = ServerCall::start(&self.watch, req.uri().path(), span.clone());
        let response = {
            // Inner layers (authentication) may record on the span before their future runs.
            let _entered = span.enter();
            self.inner.call(req)
        };
        let handled = crate::serving::in_service(service, async move {
            match response.await {
                Ok(response) => Ok(watch_response(response, call)),
                Err(e) => {
                    // What tonic will answer for this error (load shedding, deadlines).
                    match tonic::Status::try_from_error(e.into()) {
                        Ok(status) => {
                            let mut call = call;
                            call.end(code_name(status.code() as i32));
                            Ok(status.into_http())
                        }
                        Err(e) => {
                            let mut call = call;
                            call.end("UNKNOWN");
                            Err(e)
                        }
                    }
                }
            }
        });
        match otel_cx {
            // Not exporting: the trace is carried as a bare OpenTelemetry context, so that calls
            // to other services pass it on and their logs share the trace id.
            Some(cx) => Box::pin(opentelemetry::context::FutureExt::with_context(handled, cx).instrument(span)),
            None => Box::pin(handled.instrument(span)),
        }
    }
}

/// One call being served.
struct ServerCall {
    metrics: Option<Arc<ServiceMetrics>>,
    access: Arc<AccessLogger>,
    /// Health checks and reflection: their successful calls are probes, not traffic, and get no
    /// access line.
    probe: bool,
    method: Option<Method>,
    span: Span,
    start: Instant,
    done: bool,
}

impl ServerCall {
    fn start(watch: &Watch, path: &str, span: Span) -> Self {
        let metrics = watch.metrics.clone();
        let method = metrics.as_ref().map(|m| {
            let method = m.method(path);
            m.started.get_or_create(&method).inc();
            m.in_flight.get_or_create(&method).inc();
            method
        });
        Self {
            metrics,
            access: watch.access.clone(),
            probe: path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection."),
            method,
            span,
            start: Instant::now(),
            done: false,
        }
    }
}

impl CallEnd for ServerCall {
    fn end(&mut self, code: &'static str) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        record_status(&self.span, code, false);
        let elapsed = self.start.elapsed();
        if !(self.probe && code == "OK") {
            self.access.log(&self.span, code, elapsed);
        }
        if let (Some(m), Some(method)) = (&self.metrics, &self.method) {
            m.in_flight.get_or_create(method).dec();
            m.seconds.get_or_create(method).observe(elapsed.as_secs_f64());
            m.handled.get_or_create(&method.handled(code)).inc();
        }
    }
}

impl Drop for ServerCall {
    fn drop(&mut self) {
        self.end("CANCELLED");
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its call when the trailers (with the status) pass.
    struct WatchedBody<C: CallEnd> {
        #[pin]
        inner: Body,
        call: Option<C>,
    }
}

impl<C: CallEnd> http_body::Body for WatchedBody<C> {
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
            && let Some(mut call) = this.call.take()
        {
            call.end(code);
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

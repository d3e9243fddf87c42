//! W3C trace context (`traceparent`, `tracestate`) in gRPC metadata: read from each incoming
//! call, written on each call to another service, so one request across services is one trace.
//!
//! When spans are exported the OpenTelemetry layer owns the context (a call's span becomes
//! current on entry). When they are not, a call still gets a trace id, the caller's or a fresh
//! one, carried as a bare context: its log lines and those of the services it calls share it.

use opentelemetry::{
    Context,
    propagation::{Extractor, Injector, TextMapPropagator},
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::{Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry;

/// The span of a call being served, and, when not exporting, the context to run it in.
/// `serving` names the service serving it where a process runs several (see
/// [`crate::serving::SERVICE_ATTRIBUTE`]).
pub(crate) fn server_span<B>(req: &http::Request<B>, serving: Option<&'static str>) -> (Span, Option<Context>) {
    let path = req.uri().path();
    let parent = TraceContextPropagator::new().extract(&Headers(req.headers()));
    if telemetry::exporting() {
        let (service, method) = split(path);
        let span = tracing::info_span!(
            "rpc",
            rpc = %path,
            tenant = Empty,
            trace_id = Empty,
            otel.name = path.trim_start_matches('/'),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = service,
            rpc.method = method,
            rpc.grpc.status_code = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
            attain.service = Empty,
        );
        if let Some(serving) = serving {
            span.record(crate::serving::SERVICE_ATTRIBUTE, serving);
        }
        // Fails only when the span is disabled by the filter, and then there is nothing to link.
        let _ = span.set_parent(parent);
        let trace_id = span.context().span().span_context().trace_id();
        span.record("trace_id", tracing::field::display(trace_id));
        (span, None)
    } else {
        let span = tracing::info_span!("rpc", rpc = %path, tenant = Empty, trace_id = Empty);
        let cx = if parent.span().span_context().is_valid() {
            parent
        } else {
            Context::new().with_remote_span_context(fresh_span_context())
        };
        span.record("trace_id", tracing::field::display(cx.span().span_context().trace_id()));
        (span, Some(cx))
    }
}

/// The span of a call to another service (only when exporting), which the callee's span will
/// name as its parent.
pub(crate) fn client_span(path: &str) -> Span {
    if !telemetry::exporting() {
        return Span::none();
    }
    let (service, method) = split(path);
    let span = tracing::info_span!(
        "rpc client",
        otel.name = path.trim_start_matches('/'),
        otel.kind = "client",
        rpc.system = "grpc",
        rpc.service = service,
        rpc.method = method,
        rpc.grpc.status_code = Empty,
        otel.status_code = Empty,
        otel.status_description = Empty,
        attain.service = Empty,
    );
    if let Some(caller) = crate::serving::current_service() {
        span.record(crate::serving::SERVICE_ATTRIBUTE, caller);
    }
    span
}

/// Writes the current trace context (the client span's when exporting) into `headers`.
pub(crate) fn inject(span: &Span, headers: &mut http::HeaderMap) {
    let cx = if span.is_none() {
        Context::current()
    } else {
        span.context()
    };
    TraceContextPropagator::new().inject_context(&cx, &mut HeadersMut(headers));
}

fn split(path: &str) -> (&str, &str) {
    path.trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("unknown", "unknown"))
}

/// A new trace, not sampled: nothing is exported, only logged.
fn fresh_span_context() -> SpanContext {
    let trace = u128::from_le_bytes(rand::random());
    let span = u64::from_le_bytes(rand::random());
    SpanContext::new(
        TraceId::from(trace.max(1)),
        SpanId::from(span.max(1)),
        TraceFlags::default(),
        false,
        TraceState::default(),
    )
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct HeadersMut<'a>(&'a mut http::HeaderMap);

impl Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_continues_the_callers_trace_and_passes_it_on() {
        let mut req = http::Request::new(());
        req.headers_mut().insert(
            "traceparent",
            http::HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let (_span, cx) = server_span(&req, None);
        let cx = cx.expect("not exporting in unit tests");
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        let _attached = cx.attach();
        let mut out = http::HeaderMap::new();
        inject(&Span::none(), &mut out);
        let sent = out.get("traceparent").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(sent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"), "{sent}");
    }

    #[test]
    fn a_call_without_a_trace_starts_one() {
        let (_a, a) = server_span(&http::Request::new(()), None);
        let (_b, b) = server_span(&http::Request::new(()), None);
        let id = |cx: Option<Context>| cx.map(|cx| cx.span().span_context().trace_id());
        let (a, b) = (id(a), id(b));
        assert!(a.is_some_and(|a| a != TraceId::INVALID));
        assert_ne!(a, b);
    }

    #[test]
    fn a_malformed_traceparent_is_ignored() {
        let mut req = http::Request::new(());
        req.headers_mut()
            .insert("traceparent", http::HeaderValue::from_static("00-zz-yy-01"));
        let (_span, cx) = server_span(&req, None);
        assert!(cx.is_some_and(|cx| cx.span().span_context().is_valid()));
    }
}

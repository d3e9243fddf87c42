//! Logs and traces for the binary.
//!
//! Logs: human lines by default, JSON with `--log-format json`; a line written while a call is
//! handled carries the call's span, so its `trace_id` too.
//!
//! Traces: exported over OTLP/gRPC only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. The other standard variables are honoured by
//! the OpenTelemetry SDK itself: `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`/`_TIMEOUT`. Without an
//! endpoint no OpenTelemetry layer is installed at all: spans cost what logging costs.
//!
//! A process that runs several services (`attain dev`) exports each one's spans under its own
//! `service.name` ([`by_service`]), as separate processes would.

mod by_service;

use std::{io::IsTerminal, sync::OnceLock, time::Duration};

use opentelemetry::{KeyValue, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::{EnvFilter, Layer, filter::Targets, fmt, prelude::*};

use crate::{
    config::{LogArgs, LogFormat},
    sql_spans::SqlSpans,
};

static EXPORTING: OnceLock<bool> = OnceLock::new();

/// Whether spans go to an OTLP endpoint. Decides whether outgoing calls get a span of their own
/// (only worth building when exported) or just pass the trace on.
pub fn exporting() -> bool {
    EXPORTING.get().copied().unwrap_or(false)
}

/// Keeps the trace exporter; [`Telemetry::shutdown`] sends what is still buffered.
#[must_use = "call shutdown() before exiting, or buffered spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes buffered spans and stops the exporter. Call after the servers have stopped, with
    /// the async runtime still alive (the exporter is a tonic client).
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(e) = provider.shutdown_with_timeout(Duration::from_secs(5))
        {
            eprintln!("warning: could not flush traces to the OTLP endpoint: {e}");
        }
    }
}

/// Installs the global subscriber, and the OTLP exporter when an endpoint is configured. Call
/// once, at start, inside the Tokio runtime. `service` is the default `service.name`, e.g.
/// `attain-scorecard`; `OTEL_SERVICE_NAME` wins over it. `parts` are the services a process
/// runs when it runs several (`attain dev`), each exported under its own name unless
/// `OTEL_SERVICE_NAME` names them all.
pub fn init(args: &LogArgs, service: &str, parts: &[&'static str]) -> anyhow::Result<Telemetry> {
    // PostgreSQL NOTICEs (e.g. "schema already exists, skipping") are not worth an info line.
    let filter = EnvFilter::try_new(format!("sqlx::postgres::notice=warn,{}", args.log))
        .map_err(|e| anyhow::anyhow!("ATTAIN_LOG \"{}\" is not a valid log filter: {e}", args.log))?;
    let logs = match args.log_format {
        LogFormat::Human => fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };

    let provider = otlp_provider(service, parts)?;
    let _ = EXPORTING.set(provider.is_some());
    let traces = provider.as_ref().map(|provider| {
        let tracer = provider.tracer("attain");
        // Spans at INFO and above whatever the log filter says: turning logs down must not
        // hollow out traces. SQL statements become spans through their DEBUG events.
        let spans = tracing_opentelemetry::layer()
            .with_tracer(tracer.clone())
            .with_tracked_inactivity(false)
            .with_threads(false)
            .with_filter(Targets::new().with_default(LevelFilter::INFO))
            .boxed();
        let sql = SqlSpans::new(tracer)
            .with_filter(Targets::new().with_target("sqlx::query", LevelFilter::DEBUG))
            .boxed();
        vec![spans, sql]
    });
    tracing_subscriber::registry().with(logs).with(traces).try_init()?;
    Ok(Telemetry { provider })
}

/// The tracer provider with a batching OTLP/gRPC exporter, or `None` when no endpoint is set.
fn otlp_provider(service: &str, parts: &[&'static str]) -> anyhow::Result<Option<SdkTracerProvider>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return Ok(None);
    }
    let exporter = || {
        opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| anyhow::anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT: cannot build the OTLP exporter: {e}"))
    };
    let resource = resource(service);
    let named = resource
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| name.as_str() != service);
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let builder = if parts.is_empty() || named {
        builder.with_batch_exporter(exporter()?)
    } else {
        let services = parts
            .iter()
            .map(|part| Ok((*part, exporter()?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        builder.with_batch_exporter(by_service::ByService::new(exporter()?, services))
    };
    let provider = builder.build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(Some(provider))
}

/// The SDK's resource from the environment, with `service` as the name unless one was given.
fn resource(service: &str) -> Resource {
    let from_env = Resource::builder().build();
    let named = from_env
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    if named {
        from_env
    } else {
        Resource::builder()
            .with_service_name(service.to_string())
            .with_attribute(KeyValue::new("service.namespace", "attain"))
            .build()
    }
}

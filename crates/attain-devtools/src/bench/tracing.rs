//! What tracing costs: the same workload against the scorecard and metrics services run as
//! processes of this binary, once with traces exported over OTLP (to a receiver in this
//! process that counts and drops them) and once without, alternating rounds so that a noisy
//! machine hurts both sides alike.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use anyhow::Context;
use attain_proto::{
    common::v1::Granularity,
    metrics::v1::{Event, StreamEventsRequest, metrics_service_client::MetricsServiceClient},
    scorecard::v1::{
        GetScorecardRequest, get_scorecard_request::Subject, scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_server::api;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
    trace_service_server::{TraceService, TraceServiceServer},
};
use uuid::Uuid;

use super::{percentiles, platform::BenchDatabase, processes::Processes};

#[derive(clap::Args)]
pub struct TracingBench {
    /// Rounds, each measuring tracing off then on with fresh processes.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Person scorecards timed per round and side (each crosses from scorecard to metrics).
    #[arg(long, default_value_t = 400)]
    samples: usize,
    /// Events streamed per round and side.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Use this PostgreSQL (superuser URL) instead of a private one.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// 2026-07-01T00:00:00Z: the events and the scorecards are of Q3 2026.
const QUARTER_START: i64 = 1_782_864_000;

/// Counts the spans it is sent and keeps none.
#[derive(Clone, Default)]
struct NullReceiver(Arc<AtomicU64>);

#[tonic::async_trait]
impl TraceService for NullReceiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans: usize = request
            .into_inner()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.0.fetch_add(spans as u64, Ordering::Relaxed);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// One side's figures for one round.
#[derive(Default)]
struct Side {
    p50: Vec<f64>,
    p99: Vec<f64>,
    events_per_s: Vec<f64>,
}

pub async fn run(args: TracingBench) -> anyhow::Result<()> {
    let database = BenchDatabase::start(args.database_url.clone()).await?;
    let result = bench(&args, &database).await;
    database.finish();
    result
}

async fn bench(args: &TracingBench, database: &BenchDatabase) -> anyhow::Result<()> {
    let (_, key) = database.tenant().await?;
    let receiver = NullReceiver::default();
    let otlp = bind_loopback()?;
    let otlp_addr = otlp.local_addr()?;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(receiver.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(otlp)),
    );

    let mut person = None;
    let (mut off, mut on) = (Side::default(), Side::default());
    for round in 1..=args.rounds {
        for exporting in [false, true] {
            let endpoint = exporting.then(|| format!("http://{otlp_addr}"));
            let env: Vec<(&str, String)> = endpoint
                .map(|e| ("OTEL_EXPORTER_OTLP_ENDPOINT", e))
                .into_iter()
                .collect();
            let services = Processes::start(database, &["scorecard", "metrics"], &env)?;
            let result = measure(args, &services, &key, &mut person).await;
            services.stop();
            let (p50, p99, rate) = result?;
            println!(
                "round {round}, traces {}: person scorecard p50 {p50:.2} ms, p99 {p99:.2} ms; ingest {rate:.0} events/s",
                if exporting { "exported" } else { "off" }
            );
            let side = if exporting { &mut on } else { &mut off };
            side.p50.push(p50);
            side.p99.push(p99);
            side.events_per_s.push(rate);
        }
    }
    let spans = receiver.0.load(Ordering::Relaxed);
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    println!();
    println!(
        "tracing overhead, median (upper, for an even count) of {} rounds ({} scorecards and {} events per side and round):",
        args.rounds, args.samples, args.events
    );
    println!("                          traces off   traces exported   ratio");
    for (name, a, b) in [
        ("person scorecard p50 ms", median(&off.p50), median(&on.p50)),
        ("person scorecard p99 ms", median(&off.p99), median(&on.p99)),
        ("ingest events/s", median(&off.events_per_s), median(&on.events_per_s)),
    ] {
        println!("  {name:<24}{a:>10.2}   {b:>15.2}   {:>5.2}×", b / a);
    }
    println!("  spans received by the OTLP receiver: {spans}");
    anyhow::ensure!(spans > 0, "tracing was on but no span reached the receiver");
    Ok(())
}

fn bind_loopback() -> anyhow::Result<tokio::net::TcpListener> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    Ok(tokio::net::TcpListener::from_std(listener)?)
}

/// Times person scorecards and a streamed ingest; returns p50 and p99 in ms and events/s.
async fn measure(
    args: &TracingBench,
    services: &Processes,
    key: &str,
    person: &mut Option<String>,
) -> anyhow::Result<(f64, f64, f64)> {
    let org_channel = services.wait("scorecard").await?;
    let metrics_channel = services.wait("metrics").await?;
    let person = match person {
        Some(p) => p.clone(),
        None => {
            let made = super::platform::create_rep(&org_channel, key, "Bench Rep").await?;
            *person = Some(made.clone());
            made
        }
    };

    let events: Vec<Event> = (0..args.events)
        .map(|i| Event {
            event_id: Uuid::now_v7().to_string(),
            person_id: person.clone(),
            metric_key: if i % 3 == 0 { "emails" } else { "calls" }.into(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: QUARTER_START + (i as i64 % 80) * 86_400,
                nanos: 0,
            }),
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    let mut streams = Vec::new();
    for part in events.chunks(args.events.div_ceil(4).max(1)) {
        let batches: Vec<StreamEventsRequest> = part
            .chunks(1_000)
            .map(|c| StreamEventsRequest { events: c.to_vec() })
            .collect();
        let request = api::authorized(tokio_stream::iter(batches), key)?;
        let mut client = MetricsServiceClient::new(metrics_channel.clone()).max_encoding_message_size(64 << 20);
        streams.push(tokio::spawn(async move { client.stream_events(request).await }));
    }
    for stream in streams {
        let done = stream.await??.into_inner();
        anyhow::ensure!(
            done.rejected_count == 0,
            "bench events rejected: {:?}",
            done.results.first()
        );
    }
    let rate = args.events as f64 / started.elapsed().as_secs_f64();

    let mut scorecards = ScorecardServiceClient::new(org_channel);
    let quarter = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).context("date")?;
    let request = || {
        api::authorized(
            GetScorecardRequest {
                subject: Some(Subject::PersonId(person.clone())),
                period: super::scorecard::calendar_period(Granularity::Quarter, quarter),
                as_of: None,
            },
            key,
        )
    };
    for _ in 0..20 {
        scorecards.get_scorecard(request()?).await?;
    }
    let mut samples = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        let start = Instant::now();
        scorecards.get_scorecard(request()?).await?;
        samples.push(start.elapsed());
    }
    let (p50, p99) = percentiles(samples);
    Ok((p50, p99, rate))
}

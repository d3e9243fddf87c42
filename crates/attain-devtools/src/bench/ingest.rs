//! The ingestion benchmark: N synthetic events through `StreamEvents` (batches of 1,000, a few
//! concurrent streams, as a sales-ops sync would send them) against a plain `COPY` of the same
//! rows into a table of the same shape; then a scorecard-shaped aggregate (one person, one
//! quarter, every metric) over the rollups vs the same numbers straight from raw events.

use std::time::Instant;

use anyhow::Context;
use attain_proto::{
    common::v1::{Date, DateRange, Period, period},
    metrics::v1::{
        Event, GetTotalsRequest, ListMetricsRequest, StreamEventsRequest, metrics_service_client::MetricsServiceClient,
    },
    org::v1::{CreatePersonRequest, Person, SalesRole, org_service_client::OrgServiceClient},
};
use attain_server::api;
use chrono::{NaiveDate, TimeZone, Utc};
use tonic::transport::Channel;
use uuid::Uuid;

use super::{percentiles, platform::Platform};
use crate::{sql, synthetic::Rng};

#[derive(clap::Args)]
pub struct IngestBench {
    /// Events sent through gRPC (and copied for the baseline).
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Events per stream message.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Concurrent streams.
    #[arg(long, default_value_t = 4)]
    streams: usize,
    /// People the events are spread over.
    #[arg(long, default_value_t = 1_000)]
    people: usize,
    /// Events in the table for the aggregate comparison (loaded with SQL, not timed); 0 skips it.
    #[arg(long, default_value_t = 10_000_000)]
    aggregate_events: u64,
    /// Repetitions of each aggregate query.
    #[arg(long, default_value_t = 200)]
    repetitions: usize,
    /// `random`: events spread at random over the quarter, so nearly every event of a batch
    /// lands on its own (person, day) rollup row, the worst case; `chronological`: sent in time
    /// order, as a sync sends what happened since its last run.
    #[arg(long, value_enum, default_value_t = Order::Random)]
    order: Order,
    /// Use this PostgreSQL (superuser URL) instead of a private one.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Random,
    Chronological,
}

const MIX: &[(&str, u32)] = &[
    ("calls", 40),
    ("emails", 25),
    ("connects", 10),
    ("conversations", 8),
    ("meetings_set", 5),
    ("meetings_held", 4),
    ("opportunities_created", 3),
    ("talk_time", 5),
];

async fn channel(addr: std::net::SocketAddr) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(format!("http://{addr}"))?.connect().await?)
}

pub async fn run(args: IngestBench) -> anyhow::Result<()> {
    let p = Platform::start(args.database_url.clone()).await?;
    let result = bench(&args, &p).await;
    p.finish();
    result
}

async fn bench(args: &IngestBench, p: &Platform) -> anyhow::Result<()> {
    println!("setting up {} people…", args.people);
    let mut org = OrgServiceClient::new(channel(p.org_addr).await?);
    let mut people = Vec::with_capacity(args.people);
    for i in 0..args.people {
        let person = Person {
            display_name: format!("Rep {i}"),
            sales_role: SalesRole::Sdr as i32,
            ..Default::default()
        };
        let made = org
            .create_person(api::authorized(
                CreatePersonRequest {
                    person: Some(person),
                    request_id: String::new(),
                },
                &p.key,
            )?)
            .await?;
        people.push(made.into_inner().person.context("person")?.id);
    }

    let quarter_start = Utc
        .with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
        .single()
        .context("date")?
        .timestamp();
    let quarter_seconds = 92 * 86_400;
    let mut rng = Rng::new(0x5EED);
    let weight_total: u32 = MIX.iter().map(|m| m.1).sum();
    let mut events: Vec<Event> = (0..args.events)
        .map(|_| {
            let mut pick = rng.below(u64::from(weight_total)) as u32;
            let metric = MIX
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .map_or("calls", |m| m.0);
            let value = (metric == "talk_time").then(|| rng.below(900) as i64 + 30);
            Event {
                event_id: Uuid::now_v7().to_string(),
                person_id: people[rng.below(people.len() as u64) as usize].clone(),
                metric_key: metric.into(),
                occurred_at: Some(prost_types::Timestamp {
                    seconds: quarter_start + rng.below(quarter_seconds) as i64,
                    nanos: 0,
                }),
                value,
                ..Default::default()
            }
        })
        .collect();
    if args.order == Order::Chronological {
        events.sort_by_key(|e| e.occurred_at.as_ref().map_or(0, |t| t.seconds));
    }

    // Warm up the directory caches and connections with one small stream first.
    let metrics_channel = channel(p.metrics_addr).await?;
    let client = || MetricsServiceClient::new(metrics_channel.clone()).max_encoding_message_size(64 * 1024 * 1024);
    client()
        .stream_events(api::authorized(
            tokio_stream::iter(vec![StreamEventsRequest {
                events: events[..1].to_vec(),
            }]),
            &p.key,
        )?)
        .await?;

    println!(
        "ingesting {} events through gRPC ({} streams, batches of {})…",
        args.events, args.streams, args.batch
    );
    let started = Instant::now();
    let per_stream = args.events.div_ceil(args.streams);
    let mut tasks = Vec::new();
    for part in events.chunks(per_stream.max(1)) {
        let batches: Vec<StreamEventsRequest> = part
            .chunks(args.batch)
            .map(|c| StreamEventsRequest { events: c.to_vec() })
            .collect();
        let request = api::authorized(tokio_stream::iter(batches), &p.key)?;
        let mut c = client();
        tasks.push(tokio::spawn(async move { c.stream_events(request).await }));
    }
    let mut accepted = 0;
    for task in tasks {
        let response = task.await??.into_inner();
        accepted += response.accepted_count + response.duplicate_count;
        anyhow::ensure!(
            response.rejected_count == 0,
            "the benchmark's events were rejected: {:?}",
            response.results.first()
        );
    }
    let grpc_secs = started.elapsed().as_secs_f64();
    let grpc_rate = accepted as f64 / grpc_secs;
    // The service folds the monthly rollups behind ingestion; what is still pending is folded
    // now, so the COPY does not share the machine with it, and reported separately.
    let fold = Instant::now();
    attain_metrics::fold_all(&p.owner).await?;
    let fold_secs = fold.elapsed().as_secs_f64();

    let copy_rate = copy_baseline(p, &events).await?;
    println!();
    println!(
        "ingest, {} events of {} people, {:?} order:",
        args.events, args.people, args.order
    );
    println!("  gRPC StreamEvents:  {grpc_rate:>10.0} events/s  ({grpc_secs:.1} s, rollups included)");
    println!("  plain COPY:         {copy_rate:>10.0} rows/s");
    println!("  ratio:              {:>10.2} × COPY", grpc_rate / copy_rate);
    let with_fold = accepted as f64 / (grpc_secs + fold_secs);
    println!(
        "  monthly fold left:  {fold_secs:>10.1} s after the last call; counting it, {with_fold:.0} events/s, {:.2} × COPY",
        with_fold / copy_rate
    );

    if args.aggregate_events > 0 {
        aggregates(args, p, &people).await?;
    }
    Ok(())
}

/// COPY of the same rows into a table shaped like `metrics.events` (same columns, keys and
/// indexes), CSV formatted on the client as a loader would.
async fn copy_baseline(p: &Platform, events: &[Event]) -> anyhow::Result<f64> {
    sqlx::raw_sql(sql::COPY_BASELINE_TABLE).execute(&p.owner).await?;
    let metric_ids: std::collections::HashMap<String, i32> = sqlx::query_as::<_, (String, i32)>(sql::METRIC_IDS)
        .bind(p.tenant)
        .fetch_all(&p.owner)
        .await?
        .into_iter()
        .collect();
    let started = Instant::now();
    let mut conn = p.owner.acquire().await?;
    let mut copy = conn.copy_in_raw(sql::COPY_BASELINE_EVENTS).await?;
    let mut buf = String::with_capacity(8 << 20);
    for e in events {
        let ts = e.occurred_at.as_ref().map_or(0, |t| t.seconds);
        let at = Utc.timestamp_opt(ts, 0).single().context("timestamp")?;
        use std::fmt::Write;
        writeln!(
            buf,
            "{},{},{},{},{},{},{}",
            p.tenant,
            e.event_id,
            e.person_id,
            metric_ids.get(&e.metric_key).copied().unwrap_or(0),
            at.to_rfc3339(),
            at.date_naive(),
            e.value.unwrap_or(1)
        )?;
        if buf.len() > 4 << 20 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    copy.send(buf.as_bytes()).await?;
    copy.finish().await?;
    Ok(events.len() as f64 / started.elapsed().as_secs_f64())
}

async fn aggregates(args: &IngestBench, p: &Platform, people: &[String]) -> anyhow::Result<()> {
    println!(
        "\nloading {} more events with SQL for the aggregate comparison…",
        args.aggregate_events
    );
    let metric_ids: Vec<i32> = sqlx::query_scalar(sql::AGGREGATED_METRIC_IDS)
        .bind(p.tenant)
        .fetch_all(&p.owner)
        .await?;
    let person_ids: Vec<Uuid> = people.iter().filter_map(|id| Uuid::try_parse(id).ok()).collect();
    let load = Instant::now();
    let chunk = 1_000_000u64;
    let mut loaded = 0;
    while loaded < args.aggregate_events {
        let n = chunk.min(args.aggregate_events - loaded);
        sqlx::query(sql::INSERT_RANDOM_EVENTS)
            .bind(p.tenant)
            .bind(&person_ids)
            .bind(&metric_ids)
            .bind(n as i64)
            .execute(&p.owner)
            .await?;
        loaded += n;
    }
    // As autovacuum would after a bulk load: statistics, and the visibility map that lets
    // index-only scans skip the heap.
    sqlx::raw_sql(sql::VACUUM_EVENTS).execute(&p.owner).await?;
    let load_secs = load.elapsed().as_secs_f64();
    let rebuild = Instant::now();
    let mut metrics = MetricsServiceClient::new(channel(p.metrics_addr).await?);
    metrics
        .rebuild_rollups(api::authorized(
            attain_proto::metrics::v1::RebuildRollupsRequest {},
            &p.key,
        )?)
        .await?;
    sqlx::raw_sql(sql::VACUUM_ROLLUPS).execute(&p.owner).await?;
    let rebuild_secs = rebuild.elapsed().as_secs_f64();
    let total: i64 = sqlx::query_scalar(sql::COUNT_EVENTS).fetch_one(&p.owner).await?;

    let keys: Vec<String> = metrics
        .list_metrics(api::authorized(
            ListMetricsRequest {
                page_size: 1000,
                ..Default::default()
            },
            &p.key,
        )?)
        .await?
        .into_inner()
        .metrics
        .into_iter()
        .map(|m| m.key)
        .collect();
    let date = |m, d| {
        Some(Date {
            year: 2026,
            month: m,
            day: d,
        })
    };
    let quarter = Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: date(7, 1),
            end_date: date(9, 30),
        })),
    };
    let mut grpc = Vec::with_capacity(args.repetitions);
    let mut raw = Vec::with_capacity(args.repetitions);
    let (start, end) = (
        NaiveDate::from_ymd_opt(2026, 7, 1).context("date")?,
        NaiveDate::from_ymd_opt(2026, 9, 30).context("date")?,
    );
    for i in 0..args.repetitions {
        let person = &people[i % people.len()];
        let request = GetTotalsRequest {
            person_ids: vec![person.clone()],
            metric_keys: keys.clone(),
            period: Some(quarter),
            grouping: 0,
        };
        let t = Instant::now();
        metrics.get_totals(api::authorized(request, &p.key)?).await?;
        grpc.push(t.elapsed());
        let t = Instant::now();
        let _: Vec<(i32, i64, i64, i64)> = sqlx::query_as(sql::PERSON_TOTALS_FROM_EVENTS)
            .bind(p.tenant)
            .bind(Uuid::try_parse(person)?)
            .bind(start)
            .bind(end)
            .fetch_all(&p.owner)
            .await?;
        raw.push(t.elapsed());
    }
    let (g50, g99) = percentiles(grpc);
    let (r50, r99) = percentiles(raw);
    println!(
        "scorecard-shaped aggregate (one person, one quarter, {} metrics) over {total} events:",
        keys.len()
    );
    println!("  loaded in {load_secs:.0} s; RebuildRollups took {rebuild_secs:.1} s");
    println!("  GetTotals over rollups (gRPC):  p50 {g50:>7.2} ms   p99 {g99:>7.2} ms");
    println!("  same numbers from raw events:   p50 {r50:>7.2} ms   p99 {r99:>7.2} ms  (SQL only, no gRPC)");
    println!(
        "  raw / rollups at p99:           {:>7.1} ×",
        r99 / g99.max(f64::EPSILON)
    );
    Ok(())
}

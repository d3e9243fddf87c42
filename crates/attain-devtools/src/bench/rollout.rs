//! `attain bench rollout`: what a rolling restart costs callers, and how calls spread over
//! replicas. Replicas of the metrics service run as processes of this binary on their own
//! loopback addresses (127.0.0.x, one port, as pods have one IP each), behind the peer client
//! every service uses ([`attain_runtime::peer::PeerChannel`]). This process plays the endpoints
//! controller: an address is in the peer's table while its `/readyz` answers 200, as a headless
//! Service's DNS answer holds the ready pods. First, calls over steady replicas and their share
//! each; then every replica is replaced, one at a time (SIGTERM, then a new one on a new
//! address), under continuous unary ingestion and event streams that resume with the same event
//! ids, and the calls that failed and the events lost are counted.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use attain_proto::metrics::v1::{
    Event, IngestEventsRequest, StreamEventsRequest, metrics_service_client::MetricsServiceClient,
};
use attain_runtime::{balance::Resolver, peer::PeerChannel};
use attain_server::api;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use super::{
    platform::{BENCH_PEER_SECRET, BenchDatabase},
    processes::{Processes, free},
};

#[derive(clap::Args)]
pub struct RolloutBench {
    /// Replicas of the metrics service.
    #[arg(long, default_value_t = 3)]
    replicas: u8,
    /// Calls sent over the steady replicas to measure how they spread.
    #[arg(long, default_value_t = 900)]
    balance_calls: usize,
    /// Concurrent callers of IngestEvents (10 events a call) during the rolling restart.
    #[arg(long, default_value_t = 4)]
    callers: usize,
    /// Concurrent event streams (StreamEvents) during the rolling restart.
    #[arg(long, default_value_t = 2)]
    streams: usize,
    /// ATTAIN_DRAIN_DELAY of the replicas: how long a terminated one keeps serving while it
    /// reports itself not ready.
    #[arg(long, default_value = "2s")]
    drain_delay: String,
    /// Use this PostgreSQL (superuser URL) instead of a private one.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

pub async fn run(args: RolloutBench) -> anyhow::Result<()> {
    anyhow::ensure!((2..=50).contains(&args.replicas), "--replicas must be from 2 to 50");
    let database = BenchDatabase::start(args.database_url.clone()).await?;
    let (tenant, key) = database.tenant().await?;
    let org = Processes::start(&database, &["scorecard"], &[])?;
    let result = rollout(&args, &database, &org, tenant, &key).await;
    org.stop();
    database.finish();
    result
}

/// One replica: its process and its address (gRPC and admin on the same loopback IP).
struct Replica {
    child: Child,
    grpc: SocketAddr,
    admin: SocketAddr,
}

struct Fleet {
    exe: std::path::PathBuf,
    database_url: String,
    org_url: String,
    port: u16,
    admin_port: u16,
    drain_delay: String,
    next_ip: u8,
}

impl Fleet {
    fn start(&mut self) -> anyhow::Result<Replica> {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, self.next_ip));
        self.next_ip += 1;
        let (grpc, admin) = (SocketAddr::new(ip, self.port), SocketAddr::new(ip, self.admin_port));
        let child = Command::new(&self.exe)
            .args([
                "serve",
                "metrics",
                "--listen",
                &grpc.to_string(),
                "--admin-listen",
                &admin.to_string(),
            ])
            .env("DATABASE_URL", &self.database_url)
            .env("ATTAIN_DB_ROLE", "attain_metrics")
            .env("ATTAIN_ORG_URL", &self.org_url)
            .env("ATTAIN_PEER_SECRET", BENCH_PEER_SECRET)
            .env("ATTAIN_DRAIN_DELAY", &self.drain_delay)
            .env("ATTAIN_RATE_LIMITS", "")
            .env("ATTAIN_LOG", "warn")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdout(Stdio::null())
            .spawn()
            .context("starting attain serve metrics")?;
        Ok(Replica { child, grpc, admin })
    }
}

/// GET on the admin port; the status code and body, or `None` when nothing answers.
async fn get(admin: SocketAddr, path: &str) -> Option<(u16, String)> {
    let call = async {
        let mut tcp = tokio::net::TcpStream::connect(admin).await.ok()?;
        tcp.write_all(format!("GET {path} HTTP/1.0\r\nHost: {admin}\r\n\r\n").as_bytes())
            .await
            .ok()?;
        let mut text = String::new();
        tcp.read_to_string(&mut text).await.ok()?;
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Some((status, body))
    };
    tokio::time::timeout(Duration::from_secs(2), call).await.ok().flatten()
}

/// Keeps `table` to the replicas whose /readyz answers 200, every 100 ms, as Kubernetes keeps a
/// Service's endpoints.
fn endpoints_controller(
    replicas: Arc<Mutex<Vec<(SocketAddr, SocketAddr)>>>,
    table: Arc<RwLock<Vec<SocketAddr>>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            let known = replicas.lock().map(|r| r.clone()).unwrap_or_default();
            let mut ready = Vec::new();
            for (grpc, admin) in known {
                if matches!(get(admin, "/readyz").await, Some((200, _))) {
                    ready.push(grpc);
                }
            }
            if let Ok(mut t) = table.write() {
                *t = ready;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

async fn wait_in_table(table: &RwLock<Vec<SocketAddr>>, addr: SocketAddr) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !table.read().map(|t| t.contains(&addr)).unwrap_or(false) {
        anyhow::ensure!(Instant::now() < deadline, "replica {addr} did not become ready in 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// IngestEvents calls with status OK that a replica served, from its /metrics.
async fn served(admin: SocketAddr) -> u64 {
    let Some((_, text)) = get(admin, "/metrics").await else {
        return 0;
    };
    text.lines()
        .filter(|l| {
            l.starts_with("grpc_server_handled_total{")
                && l.contains("grpc_method=\"IngestEvents\"")
                && l.contains("grpc_code=\"OK\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

fn events(person: &str, n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            event_id: Uuid::new_v4().to_string(),
            person_id: person.to_string(),
            metric_key: "calls".into(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: 1_782_864_000 + (i as i64) * 60,
                nanos: 0,
            }),
            ..Default::default()
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    unary_ok: AtomicU64,
    unary_failed: AtomicU64,
    streams_ok: AtomicU64,
    streams_resumed: AtomicU64,
    streams_failed: AtomicU64,
    failures: Mutex<Vec<String>>,
    acknowledged: Mutex<Vec<Uuid>>,
}

impl Counts {
    fn failed(&self, what: &str, status: &tonic::Status) {
        if let Ok(mut f) = self.failures.lock()
            && f.len() < 10
        {
            f.push(format!("{what}: {:?} {}", status.code(), status.message()));
        }
    }

    fn acknowledge(&self, sent: &[Event]) {
        if let Ok(mut a) = self.acknowledged.lock() {
            a.extend(sent.iter().filter_map(|e| e.event_id.parse::<Uuid>().ok()));
        }
    }
}

async fn rollout(
    args: &RolloutBench,
    database: &BenchDatabase,
    org_processes: &Processes,
    tenant: Uuid,
    key: &str,
) -> anyhow::Result<()> {
    let org = org_processes.wait("scorecard").await?;
    let person = super::platform::create_rep(&org, key, "Rollout Rep").await?;
    let mut fleet = Fleet {
        exe: std::env::current_exe()?,
        database_url: database.url.clone(),
        org_url: format!("http://{}", org_processes.addr("scorecard")),
        port: free()?.port(),
        admin_port: free()?.port(),
        drain_delay: args.drain_delay.clone(),
        next_ip: 10,
    };
    let addrs = Arc::new(Mutex::new(Vec::new()));
    let table = Arc::new(RwLock::new(Vec::new()));
    let stop_controller = Arc::new(AtomicBool::new(false));
    let controller = endpoints_controller(addrs.clone(), table.clone(), stop_controller.clone());
    let mut replicas = Vec::new();
    for _ in 0..args.replicas {
        let r = fleet.start()?;
        addrs
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .push((r.grpc, r.admin));
        replicas.push(r);
    }
    for r in &replicas {
        wait_in_table(&table, r.grpc).await?;
    }
    attain_runtime::balance::set_resolve_interval(Duration::from_millis(200));
    let channel = PeerChannel::resolved_by(
        &format!("http://metrics.bench:{}", fleet.port),
        "the bench's metrics address",
        Resolver::Table(table.clone()),
    )?;
    let client = MetricsServiceClient::new(channel.clone());

    // Steady replicas: how the calls spread.
    let before: Vec<u64> = futures::future::join_all(replicas.iter().map(|r| served(r.admin))).await;
    let mut balance_failed = 0;
    for _ in 0..args.balance_calls {
        let request = api::authorized(
            IngestEventsRequest {
                events: events(&person, 1),
            },
            key,
        )?;
        if client.clone().ingest_events(request).await.is_err() {
            balance_failed += 1;
        }
    }
    let after: Vec<u64> = futures::future::join_all(replicas.iter().map(|r| served(r.admin))).await;
    let shares: Vec<u64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    let even = args.balance_calls as f64 / f64::from(args.replicas);
    let spread = shares
        .iter()
        .map(|&s| ((s as f64 - even) / even * 100.0).abs())
        .fold(0.0, f64::max);
    println!(
        "balance: {} calls over {} replicas: {} (an even share is {even:.0}; largest deviation {spread:.1} %); {balance_failed} failed",
        args.balance_calls,
        args.replicas,
        shares.iter().map(u64::to_string).collect::<Vec<_>>().join(" / ")
    );

    // Every replica replaced, one at a time, under load.
    let counts = Arc::new(Counts::default());
    let stop_load = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..args.callers {
        let (client, counts, stop, key, person) = (
            client.clone(),
            counts.clone(),
            stop_load.clone(),
            key.to_string(),
            person.clone(),
        );
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let batch = events(&person, 10);
                let Ok(request) = api::authorized(IngestEventsRequest { events: batch.clone() }, &key) else {
                    return;
                };
                match client.clone().ingest_events(request).await {
                    Ok(_) => {
                        counts.unary_ok.fetch_add(1, Ordering::Relaxed);
                        counts.acknowledge(&batch);
                    }
                    Err(status) => {
                        counts.unary_failed.fetch_add(1, Ordering::Relaxed);
                        counts.failed("IngestEvents", &status);
                    }
                }
            }
        }));
    }
    for n in 0..args.streams {
        let (table, counts, stop, key, person) = (
            table.clone(),
            counts.clone(),
            stop_load.clone(),
            key.to_string(),
            person.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut turn = n;
            while !stop.load(Ordering::Relaxed) {
                // 240 messages of 10 events, one every 25 ms (6 s, longer than the drain delay, so
                // replicas stop with streams open), on a connection of their own to a ready
                // replica, as a streaming integration holds one; resent whole, with the same ids,
                // when a draining replica ends the stream.
                let batches: Vec<Vec<Event>> = (0..240).map(|_| events(&person, 10)).collect();
                loop {
                    turn += 1;
                    let ready = table.read().map(|t| t.clone()).unwrap_or_default();
                    let Some(addr) = ready.get(turn % ready.len().max(1)).copied() else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    let Ok(request) = api::authorized(paced(batches.clone()), &key) else {
                        return;
                    };
                    let sent = match tonic::transport::Channel::from_shared(format!("http://{addr}")) {
                        Ok(endpoint) => match endpoint.connect().await {
                            Ok(channel) => MetricsServiceClient::new(channel).stream_events(request).await,
                            Err(e) => Err(tonic::Status::unavailable(e.to_string())),
                        },
                        Err(e) => Err(tonic::Status::invalid_argument(e.to_string())),
                    };
                    match sent {
                        Ok(_) => {
                            counts.streams_ok.fetch_add(1, Ordering::Relaxed);
                            counts.acknowledge(&batches.concat());
                            break;
                        }
                        Err(status) if status.code() == tonic::Code::Unavailable => {
                            counts.streams_resumed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(status) => {
                            counts.streams_failed.fetch_add(1, Ordering::Relaxed);
                            counts.failed("StreamEvents", &status);
                            break;
                        }
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut unclean = 0;
    for slot in &mut replicas {
        let old = slot.grpc;
        // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
        unsafe { libc::kill(slot.child.id() as i32, libc::SIGTERM) };
        let replacement = fleet.start()?;
        addrs
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .push((replacement.grpc, replacement.admin));
        wait_in_table(&table, replacement.grpc).await?;
        let mut gone = std::mem::replace(slot, replacement);
        let status = tokio::task::spawn_blocking(move || gone.child.wait()).await??;
        if !status.success() {
            unclean += 1;
        }
        addrs
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .retain(|(g, _)| *g != old);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop_load.store(true, Ordering::Relaxed);
    for task in load {
        let _ = task.await;
    }
    let elapsed = started.elapsed();

    let acknowledged = counts.acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    let stored: i64 = {
        let mut tx = attain_runtime::db::begin_tenant(&database.owner, tenant).await?;
        let n = sqlx::query_scalar("SELECT count(*) FROM metrics.events WHERE event_id = ANY($1)")
            .bind(&acknowledged)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        n
    };
    let lost = acknowledged.len() as i64 - stored;
    let unary_failed = counts.unary_failed.load(Ordering::Relaxed);
    let streams_failed = counts.streams_failed.load(Ordering::Relaxed);
    println!(
        "rollout: {} replicas replaced one at a time under load in {:.1} s (drain delay {}); {} exited uncleanly",
        args.replicas,
        elapsed.as_secs_f64(),
        args.drain_delay,
        unclean
    );
    println!(
        "  IngestEvents: {} calls, {unary_failed} failed",
        counts.unary_ok.load(Ordering::Relaxed) + unary_failed
    );
    println!(
        "  StreamEvents: {} streams completed, {} ended UNAVAILABLE by a draining replica and resent with the same ids, {streams_failed} failed",
        counts.streams_ok.load(Ordering::Relaxed),
        counts.streams_resumed.load(Ordering::Relaxed)
    );
    println!(
        "  events acknowledged {}, stored {stored}, lost {lost}",
        acknowledged.len()
    );
    for f in counts.failures.lock().map(|f| f.clone()).unwrap_or_default() {
        println!("  failure: {f}");
    }
    println!(
        "result: failed_calls={} lost_events={lost} unclean_exits={unclean} max_spread_pct={spread:.1}",
        unary_failed + streams_failed + balance_failed
    );
    stop_controller.store(true, Ordering::Relaxed);
    let _ = controller.await;
    for mut r in replicas {
        // SAFETY: as above.
        unsafe { libc::kill(r.child.id() as i32, libc::SIGTERM) };
        let _ = tokio::task::spawn_blocking(move || r.child.wait()).await;
    }
    Ok(())
}

/// The messages of one event stream, one every 25 ms.
fn paced(batches: Vec<Vec<Event>>) -> impl futures::Stream<Item = StreamEventsRequest> + Send + 'static {
    use futures::StreamExt;
    futures::stream::iter(batches).then(|events| async move {
        tokio::time::sleep(Duration::from_millis(25)).await;
        StreamEventsRequest { events }
    })
}

//! Attain services as processes of the running `attain` binary (`attain serve`, which these
//! benchmarks are part of), for benchmarks that need what a deployment has and an in-process
//! server does not: its own allocator and memory figures, its own telemetry settings, a clean
//! SIGTERM.

use std::{
    collections::HashMap,
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context;
use tonic::transport::Channel;

use super::platform::{BENCH_PEER_SECRET, BenchDatabase};

pub struct Processes {
    addrs: HashMap<&'static str, SocketAddr>,
    children: Vec<(&'static str, Child)>,
}

/// A free port for a child to listen on, from 20000–31999: below the kernel's ephemeral range
/// (32768 and up), so no outgoing connection of a busy machine takes it between this check and
/// the child's bind, as one did to a port the kernel handed out for port 0.
pub(super) fn free() -> anyhow::Result<SocketAddr> {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
        ^ std::process::id().wrapping_mul(2_654_435_761);
    // Ports this process handed out already (the listener is closed once checked).
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    for _ in 0..10_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let port = 20_000 + (seed % 12_000) as u16;
        let mut given = GIVEN.lock().map_err(|_| anyhow::anyhow!("port list poisoned"))?;
        if given.contains(&port) {
            continue;
        }
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            given.push(port);
            return Ok(listener.local_addr()?);
        }
    }
    anyhow::bail!("no free port between 20000 and 31999")
}

impl Processes {
    /// Starts `services` (of scorecard, metrics, coaching, hiring) against `database`, each
    /// finding the others on loopback, with `env` added to every one.
    pub fn start(database: &BenchDatabase, services: &[&'static str], env: &[(&str, String)]) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the attain binary")?;
        let mut addrs = HashMap::new();
        for service in ["scorecard", "metrics", "coaching", "hiring"] {
            addrs.insert(service, free()?);
        }
        let mut children = Vec::new();
        for &service in services {
            let listen = addrs.get(service).context("unknown service")?;
            let mut cmd = Command::new(&exe);
            cmd.args(["serve", service, "--listen", &listen.to_string(), "--admin-listen"])
                .arg(free()?.to_string())
                .env("DATABASE_URL", &database.url)
                .env("ATTAIN_DB_ROLE", format!("attain_{service}"))
                .env("ATTAIN_ORG_URL", format!("http://{}", addrs["scorecard"]))
                .env("ATTAIN_METRICS_URL", format!("http://{}", addrs["metrics"]))
                .env("ATTAIN_SURVEY_SECRET", "bench-survey-secret-0123456789abcdef")
                .env("ATTAIN_PEER_SECRET", BENCH_PEER_SECRET)
                .env("ATTAIN_MAX_MESSAGE_BYTES", (64 << 20).to_string())
                .env("ATTAIN_LOG", "warn")
                .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
                .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                .stdout(Stdio::null());
            for (key, value) in env {
                cmd.env(key, value);
            }
            let child = cmd
                .spawn()
                .with_context(|| format!("starting attain serve {service}"))?;
            children.push((service, child));
        }
        Ok(Self { addrs, children })
    }

    pub fn addr(&self, service: &str) -> SocketAddr {
        self.addrs[service]
    }

    /// A channel to `service` once it accepts connections.
    pub async fn wait(&self, service: &str) -> anyhow::Result<Channel> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let endpoint = Channel::from_shared(format!("http://{}", self.addr(service)))?;
            match endpoint.connect().await {
                Ok(channel) => return Ok(channel),
                Err(e) if Instant::now() > deadline => return Err(e).context("the services did not start"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Resident memory now and at its peak, in MiB, per service (Linux /proc).
    pub fn memory(&self) -> Vec<(&'static str, f64, f64)> {
        self.children
            .iter()
            .map(|(service, child)| {
                let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
                let kib = |field: &str| {
                    status
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix(field)?
                                .trim()
                                .strip_suffix("kB")?
                                .trim()
                                .parse::<f64>()
                                .ok()
                        })
                        .unwrap_or(0.0)
                };
                (*service, kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
            })
            .collect()
    }

    /// SIGTERM (a traced process flushes its spans), then wait for each.
    pub fn stop(mut self) {
        for (_, child) in &mut self.children {
            // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        }
        for (_, child) in &mut self.children {
            let _ = child.wait();
        }
    }
}

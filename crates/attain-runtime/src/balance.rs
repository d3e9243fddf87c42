//! Calls to a peer spread over every replica. A Kubernetes ClusterIP name is one address, and one
//! HTTP/2 connection to it sticks to one pod for its lifetime, so replicas the autoscaler adds
//! would get no calls from other services. Instead the peer's name (a headless Service) is
//! resolved to every ready replica's address, again every [`resolve_interval`] and at once after
//! a connection fails; each address has its own lazily opened connection, and calls take turns
//! over them. A call that provably never reached a replica (the connection was refused, or the
//! server refused the stream while going away) is sent to the next one, so a replica that leaves
//! between two resolutions costs no call.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, RwLock, Weak,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use http_body_util::BodyExt;
use tonic::{Status, body::Body, transport::Channel};
use tower::ServiceExt;

use crate::tls::PeerConnector;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

static RESOLVE_EVERY_MS: AtomicU64 = AtomicU64::new(5_000);

/// How often peer names are resolved again (ATTAIN_PEER_RESOLVE_INTERVAL).
pub fn set_resolve_interval(every: Duration) {
    RESOLVE_EVERY_MS.store(every.as_millis().clamp(100, 3_600_000) as u64, Ordering::Relaxed);
}

pub fn resolve_interval() -> Duration {
    Duration::from_millis(RESOLVE_EVERY_MS.load(Ordering::Relaxed))
}

/// How long an address whose connection failed is passed over while others answer.
const SET_ASIDE: Duration = Duration::from_secs(2);

/// Where a peer's addresses come from.
#[derive(Clone, Debug, Default)]
pub enum Resolver {
    /// The system resolver (DNS, /etc/hosts): what a deployment uses.
    #[default]
    Dns,
    /// A list someone else keeps current, e.g. `attain bench rollout`, which plays the endpoints
    /// controller for replicas on loopback addresses.
    Table(Arc<RwLock<Vec<SocketAddr>>>),
}

impl Resolver {
    async fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        match self {
            Resolver::Dns => Ok(tokio::net::lookup_host((host, port)).await?.collect()),
            Resolver::Table(table) => Ok(table.read().map(|t| t.clone()).unwrap_or_default()),
        }
    }
}

/// A peer's replicas, as a tower service carrying gRPC calls.
#[derive(Clone)]
pub struct Balanced {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Balanced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balanced")
            .field("host", &self.shared.host)
            .finish_non_exhaustive()
    }
}

struct Shared {
    host: String,
    port: u16,
    /// `http://host:port`: the authority calls carry whichever replica they go to.
    origin: http::Uri,
    connector: Option<PeerConnector>,
    resolver: Resolver,
    connect_timeout: Duration,
    members: RwLock<Vec<(SocketAddr, Channel)>>,
    set_aside: RwLock<HashMap<SocketAddr, Instant>>,
    next: AtomicUsize,
    refreshing: tokio::sync::Mutex<()>,
    resolve_now: tokio::sync::Notify,
    /// Set once the name was first resolved: calls that arrive meanwhile wait for it.
    started: tokio::sync::OnceCell<()>,
}

impl Balanced {
    /// Calls to `host:port`, over TLS through `connector` when given; a connection that takes
    /// longer than `connect_timeout` to open fails.
    pub fn new(
        host: &str,
        port: u16,
        connector: Option<PeerConnector>,
        resolver: Resolver,
        connect_timeout: Duration,
    ) -> anyhow::Result<Balanced> {
        let origin = format!("http://{host}:{port}")
            .parse()
            .map_err(|e| anyhow::anyhow!("peer address {host}:{port}: {e}"))?;
        Ok(Balanced {
            shared: Arc::new(Shared {
                host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
                port,
                origin,
                connector,
                resolver,
                connect_timeout,
                members: RwLock::new(Vec::new()),
                set_aside: RwLock::new(HashMap::new()),
                next: AtomicUsize::new(0),
                refreshing: tokio::sync::Mutex::new(()),
                resolve_now: tokio::sync::Notify::new(),
                started: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// The addresses calls go to now.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.shared.members().into_iter().map(|(a, _)| a).collect()
    }
}

impl Shared {
    fn members(&self) -> Vec<(SocketAddr, Channel)> {
        self.members.read().map(|m| m.clone()).unwrap_or_default()
    }

    /// Resolves the name and keeps the connections of addresses that stay. A failed or empty
    /// answer keeps what there was: a DNS hiccup must not turn into failed calls.
    async fn refresh(&self) {
        let _one_at_a_time = self.refreshing.lock().await;
        let mut addrs = match self.resolver.resolve(&self.host, self.port).await {
            Ok(addrs) if !addrs.is_empty() => addrs,
            Ok(_) => {
                return tracing::warn!(peer = %self.host, "the peer name resolved to no address; keeping the last ones");
            }
            Err(e) => {
                return tracing::warn!(peer = %self.host, error = %e, "cannot resolve the peer name; keeping the last ones");
            }
        };
        addrs.sort();
        addrs.dedup();
        let old = self.members();
        let mut members = Vec::with_capacity(addrs.len());
        for addr in addrs {
            match old.iter().find(|(a, _)| *a == addr) {
                Some(kept) => members.push(kept.clone()),
                None => match self.connect(addr) {
                    Ok(channel) => members.push((addr, channel)),
                    Err(e) => tracing::warn!(peer = %self.host, %addr, error = %e, "cannot use a peer address"),
                },
            }
        }
        if members.iter().map(|(a, _)| a).ne(old.iter().map(|(a, _)| a)) {
            tracing::info!(peer = %self.host, addresses = ?members.iter().map(|(a, _)| *a).collect::<Vec<_>>(), "peer replicas changed");
        }
        if let Ok(mut m) = self.members.write() {
            *m = members;
        }
    }

    fn connect(&self, addr: SocketAddr) -> anyhow::Result<Channel> {
        let endpoint = Channel::from_shared(format!("http://{addr}"))?
            .origin(self.origin.clone())
            .connect_timeout(self.connect_timeout);
        Ok(match &self.connector {
            Some(connector) => endpoint.connect_with_connector_lazy(connector.at(addr)),
            None => endpoint.connect_lazy(),
        })
    }

    /// The next address in turn that this call has not tried, preferring ones not set aside.
    fn pick(&self, tried: &[SocketAddr]) -> Option<(SocketAddr, Channel)> {
        let members = self.members();
        let now = Instant::now();
        let aside = self.set_aside.read().map(|s| s.clone()).unwrap_or_default();
        let untried: Vec<_> = members.into_iter().filter(|(a, _)| !tried.contains(a)).collect();
        let healthy: Vec<_> = untried
            .iter()
            .filter(|(a, _)| aside.get(a).is_none_or(|until| *until <= now))
            .cloned()
            .collect();
        let from = if healthy.is_empty() { untried } else { healthy };
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        from.get(turn % from.len().max(1)).cloned()
    }

    fn put_aside(&self, addr: SocketAddr) {
        if let Ok(mut aside) = self.set_aside.write() {
            let now = Instant::now();
            aside.retain(|_, until| *until > now);
            aside.insert(addr, now + SET_ASIDE);
        }
        self.resolve_now.notify_one();
    }
}

/// Resolves again on the interval, or at once when a connection failed, for as long as anyone
/// holds the peer.
async fn keep_resolving(shared: Weak<Shared>) {
    loop {
        let Some(peer) = shared.upgrade() else { return };
        let wake = async {
            tokio::select! {
                () = tokio::time::sleep(resolve_interval()) => {},
                () = peer.resolve_now.notified() => {},
            }
        };
        wake.await;
        peer.refresh().await;
    }
}

impl tower::Service<http::Request<Body>> for Balanced {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move {
            // The first calls of a new process arrive together: all wait for the one first
            // resolution rather than finding no replica yet.
            shared
                .started
                .get_or_init(|| async {
                    shared.refresh().await;
                    tokio::spawn(keep_resolving(Arc::downgrade(&shared)));
                })
                .await;
            // Peer calls are unary (or server streaming): one small request message, kept so that
            // it can be sent again to another replica.
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            let mut tried = Vec::new();
            let mut resolved_again = false;
            loop {
                let Some((addr, channel)) = shared.pick(&tried) else {
                    // Every known replica refused: the set is stale (a rollout replaced them
                    // faster than the interval). Once per call, ask the name again and try the
                    // replicas that answer now.
                    if !resolved_again {
                        resolved_again = true;
                        shared.refresh().await;
                        continue;
                    }
                    tracing::warn!(peer = %shared.host, tried = ?tried, "no replica accepted the call");
                    shared.resolve_now.notify_one();
                    return Err(Status::unavailable(format!(
                        "no replica of {}:{} accepted the call; retry",
                        shared.host, shared.port
                    ))
                    .into());
                };
                let mut again = http::Request::new(Body::new(http_body_util::Full::new(body.clone())));
                *again.method_mut() = parts.method.clone();
                *again.uri_mut() = parts.uri.clone();
                *again.version_mut() = parts.version;
                *again.headers_mut() = parts.headers.clone();
                *again.extensions_mut() = parts.extensions.clone();
                match channel.oneshot(again).await {
                    Ok(response) => return Ok(response),
                    Err(e) if never_sent(&e) => {
                        tracing::debug!(peer = %shared.host, %addr, error = %e, "a replica did not take the call; trying the next");
                        shared.put_aside(addr);
                        tried.push(addr);
                    }
                    Err(e) => {
                        tracing::warn!(peer = %shared.host, %addr, error = ?e, "a call to a replica failed after it may have been sent");
                        shared.resolve_now.notify_one();
                        return Err(e.into());
                    }
                }
            }
        })
    }
}

/// Whether the call certainly did not reach the service: the connection was refused (nothing
/// listens there any more); the server refused the stream, or said GOAWAY before taking it (a
/// stream above the GOAWAY's last stream id, or one opened after it, was not processed, as
/// HTTP/2 promises); or the client dropped the call before it was dispatched to a connection
/// (the connection closed first). Anything else, e.g. a reset after sending, may have run the
/// call, which is not sent twice.
fn never_sent(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
            )
        {
            return true;
        }
        if let Some(h2) = e.downcast_ref::<h2::Error>()
            && (h2.reason() == Some(h2::Reason::REFUSED_STREAM) || (h2.is_go_away() && h2.is_remote()))
        {
            return true;
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>()
            && hyper.is_canceled()
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_system_resolver_answers_for_localhost() {
        let addrs = Resolver::Dns.resolve("localhost", 50051).await.unwrap();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 50051),
            "{addrs:?}"
        );
        assert!(!addrs.is_empty());
    }

    #[tokio::test]
    async fn calls_take_turns_and_skip_what_was_tried_or_set_aside() {
        let table = Arc::new(RwLock::new(vec![
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.2:1".parse().unwrap(),
            "127.0.0.3:1".parse().unwrap(),
        ]));
        let peer = Balanced::new("peer", 1, None, Resolver::Table(table.clone()), Duration::from_secs(1)).unwrap();
        peer.shared.refresh().await;
        let picks: Vec<_> = (0..6).map(|_| peer.shared.pick(&[]).unwrap().0).collect();
        assert_eq!(picks[0..3], picks[3..6]);
        let mut distinct = picks[0..3].to_vec();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 3);
        let first = picks[0];
        peer.shared.put_aside(first);
        assert!((0..6).all(|_| peer.shared.pick(&[]).unwrap().0 != first));
        let all: Vec<_> = peer.addresses();
        assert!(peer.shared.pick(&all).is_none());
        // A replica that leaves the table leaves the set; a failed lookup keeps the last set.
        table.write().unwrap().retain(|a| *a != first);
        peer.shared.refresh().await;
        assert_eq!(peer.addresses().len(), 2);
        table.write().unwrap().clear();
        peer.shared.refresh().await;
        assert_eq!(peer.addresses().len(), 2);
    }

    #[test]
    fn only_errors_before_sending_are_retried() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(never_sent(&refused));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!never_sent(&reset));
        assert!(never_sent(&h2::Error::from(h2::Reason::REFUSED_STREAM)));
        assert!(!never_sent(&h2::Error::from(h2::Reason::CANCEL)));
    }
}

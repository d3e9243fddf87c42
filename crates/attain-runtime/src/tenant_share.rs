//! Each tenant's share of a server: at most `ATTAIN_TENANT_MAX_CALLS` calls of one tenant are
//! open at once on one server process (a stream counts from its first message to its last), and
//! at most `ATTAIN_CONCURRENCY_LIMIT` calls of all tenants together. The server-wide limit is
//! taken only once a call's own tenant had room, so a tenant holding hundreds of idle streams,
//! or flooding slow reads, leaves the rest of the server to the others. A call past either is
//! refused at once with RESOURCE_EXHAUSTED and a retry hint, before any work.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use prometheus_client::metrics::counter::Counter;
use tonic::body::Body;
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};
use uuid::Uuid;

use crate::Caller;

/// Calls refused because their tenant had its share open (all tenants: the log line of each
/// refusal, at most one a minute per tenant, names it).
pub(crate) static REFUSED: LazyLock<Counter> = LazyLock::new(Counter::default);

/// The path prefix of `attain.org.v1.PeerDirectoryService`, which the services call on behalf of
/// a caller whose own call was already charged and counted.
pub(crate) const PEER_DIRECTORY: &str = "/attain.org.v1.PeerDirectoryService/";

/// How soon a refused caller is told to retry: open calls end all the time.
const RETRY: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct TenantShareLayer {
    max_open: usize,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
    server_limit: usize,
    server: Arc<tokio::sync::Semaphore>,
}

/// Why a call was not let in.
enum Full {
    Tenant,
    Server,
}

impl TenantShareLayer {
    /// At most `max_open` calls of one tenant, and `server_limit` of all, at once.
    pub fn new(max_open: usize, server_limit: usize) -> Self {
        Self {
            max_open,
            open: Arc::default(),
            server_limit,
            server: Arc::new(tokio::sync::Semaphore::new(server_limit)),
        }
    }

    /// Counts a call of `tenant` open, unless the tenant already has its share open or the
    /// server is full.
    fn enter(&self, tenant: Uuid) -> Result<Open, Full> {
        let mut open = self.open.lock().map_err(|_| Full::Server)?;
        let n = open.entry(tenant).or_insert(0);
        if *n >= self.max_open {
            return Err(Full::Tenant);
        }
        let permit = self.server.clone().try_acquire_owned().map_err(|_| Full::Server)?;
        *n += 1;
        Ok(Open {
            tenant,
            open: self.open.clone(),
            _permit: permit,
        })
    }
}

/// One open call of a tenant; counted closed when dropped (the call ended, failed or was
/// cancelled by the client).
struct Open {
    tenant: Uuid,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.tenant)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.tenant);
            }
        }
    }
}

impl<S> Layer<S> for TenantShareLayer {
    type Service = TenantShared<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TenantShared {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct TenantShared<S> {
    inner: S,
    layer: TenantShareLayer,
}

impl<S, B> Service<http::Request<B>> for TenantShared<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let Some(tenant) = charged_tenant(&req) else {
            return Box::pin(self.inner.call(req));
        };
        let open = match self.layer.enter(tenant) {
            Ok(open) => open,
            Err(full) => {
                REFUSED.inc();
                let message = match full {
                    Full::Tenant => {
                        log_refusal(tenant, "open calls");
                        format!(
                            "this tenant has {} calls open on this server, its share; retry when one ends",
                            self.layer.max_open
                        )
                    }
                    Full::Server => format!(
                        "this server has {} calls open, all it takes; retry shortly",
                        self.layer.server_limit
                    ),
                };
                return refuse(message, RETRY);
            }
        };
        let call = self.inner.call(req);
        Box::pin(async move {
            let response = call.await;
            drop(open);
            response
        })
    }
}

/// The tenant a call is charged to (for its rate and its share of open calls): none for calls
/// without a caller (health, reflection, key checks), nor for a service's directory read on
/// behalf of a call already charged.
pub(crate) fn charged_tenant<B>(req: &http::Request<B>) -> Option<Uuid> {
    req.extensions()
        .get::<Caller>()
        .map(|c| c.tenant_id)
        .filter(|_| !req.uri().path().starts_with(PEER_DIRECTORY))
}

/// Answers a call at once with RESOURCE_EXHAUSTED, `message`, and a hint to retry after `wait`.
pub(crate) fn refuse<E: 'static>(
    message: String,
    wait: Duration,
) -> BoxFuture<'static, Result<http::Response<Body>, E>> {
    let status = tonic::Status::with_error_details(
        tonic::Code::ResourceExhausted,
        message,
        ErrorDetails::with_retry_info(Some(wait)),
    );
    Box::pin(async move { Ok(status.into_http()) })
}

/// When each (tenant, kind of refusal) was last logged: a refusal is counted every time but
/// logged at most once a minute per tenant, so a flood of refused calls cannot flood the log.
static LOGGED: LazyLock<Mutex<HashMap<(Uuid, &'static str), Instant>>> = LazyLock::new(Mutex::default);

/// Longest a tenant's refusals of one kind go unlogged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Logs that `tenant`'s call was refused for `why`, unless that was logged in the last minute.
pub(crate) fn log_refusal(tenant: Uuid, why: &'static str) {
    log_refusal_at(tenant, why, Instant::now());
}

fn log_refusal_at(tenant: Uuid, why: &'static str, now: Instant) -> bool {
    let Ok(mut logged) = LOGGED.lock() else {
        return false;
    };
    if logged.len() >= 100_000 {
        logged.clear();
    }
    match logged.get(&(tenant, why)) {
        Some(at) if now.duration_since(*at) < LOG_EVERY => false,
        _ => {
            logged.insert((tenant, why), now);
            tracing::warn!(%tenant, refused = why, "calls of a tenant refused (logged at most once a minute per tenant)");
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_past_its_share_is_refused_and_a_closed_call_frees_a_place() {
        let layer = TenantShareLayer::new(2, 3);
        let (noisy, quiet, third) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let a = layer.enter(noisy).ok().expect("first");
        let _b = layer.enter(noisy).ok().expect("second");
        assert!(
            matches!(layer.enter(noisy), Err(Full::Tenant)),
            "third is past the share"
        );
        let _c = layer.enter(quiet).ok().expect("another tenant has its own share");
        assert!(matches!(layer.enter(third), Err(Full::Server)), "the server is full");
        drop(a);
        assert!(layer.enter(noisy).is_ok(), "a closed call frees a place");
    }

    #[test]
    fn refusals_are_logged_once_a_minute_per_tenant() {
        let t0 = Instant::now();
        let (a, b) = (Uuid::from_u128(11), Uuid::from_u128(12));
        assert!(log_refusal_at(a, "test", t0));
        assert!(!log_refusal_at(a, "test", t0 + Duration::from_secs(30)));
        assert!(log_refusal_at(b, "test", t0 + Duration::from_secs(30)));
        assert!(log_refusal_at(a, "test", t0 + Duration::from_secs(61)));
    }
}

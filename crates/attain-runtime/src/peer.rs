//! Calls to another Attain service on the original caller's behalf, and short-lived caches of
//! their answers.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use tonic::{Code, Request, Status, body::Body};
use tower::Service;
use tracing::{Instrument, Span};

use crate::{
    ApiError,
    balance::{Balanced, Resolver},
    context::Ctx,
    observe::{CallEnd, record_status, watch_response},
    rpc_metrics::{CLIENT, Method},
    trace_context,
};

/// How long answers are reused at most. Changes to credentials are announced and drop the
/// affected answers at once (see `directory::Directory::watch_credential_changes`).
pub const TTL: Duration = Duration::from_secs(30);
/// Deadline of each call to another service, so a down peer fails calls fast instead of hanging.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Entries per cache before it is emptied, which bounds memory under many distinct keys.
const MAX_ENTRIES: usize = 100_000;

/// A map whose entries expire after `TTL`, or earlier when put with a deadline of their own.
#[derive(Default)]
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(until, _)| Instant::now() < *until)
            .map(|(_, v)| v.clone())
    }

    /// Forgets `key`, after a change this process made to what it caches.
    pub fn remove(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Forgets every entry that `drop` picks, e.g. a tenant's after a change was announced.
    pub fn forget(&self, mut drop: impl FnMut(&K, &V) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|k, (_, v)| !drop(k, v));
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.forget(|_, _| true);
    }

    pub fn put(&self, key: K, value: V) {
        self.put_until(key, value, Instant::now() + TTL);
    }

    /// Keeps `value` until `until` at the latest (and never longer than `TTL`).
    pub fn put_until(&self, key: K, value: V, until: Instant) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (until.min(Instant::now() + TTL), value));
        }
    }
}

/// Turns a peer's failure into the caller's error: a peer that is down is retryable. `peer` names
/// it for the message, e.g. "the org directory".
pub fn peer_error(peer: &str, status: Status) -> ApiError {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
            // The caller hears only "retry"; the reason is for the operator.
            tracing::warn!(peer, code = ?status.code(), reason = status.message(), "a call to another service failed");
            ApiError::Unavailable(format!("{peer} is unavailable; retry"))
        }
        Code::Unauthenticated => ApiError::Unauthenticated(status.message().into()),
        Code::PermissionDenied => ApiError::PermissionDenied(status.message().into()),
        Code::NotFound => ApiError::NotFound(status.message().trim_end_matches(" not found").into()),
        // The caller's own bad input, passed on: keep the fields the peer named.
        Code::InvalidArgument => {
            use tonic_types::StatusExt;
            let mut v = attain_domain::Violations::new();
            for f in status
                .get_details_bad_request()
                .map(|b| b.field_violations)
                .unwrap_or_default()
            {
                v.add(f.field, f.description);
            }
            if v.is_empty() {
                v.add("request", status.message().to_string());
            }
            ApiError::InvalidArgument(v)
        }
        Code::FailedPrecondition => ApiError::FailedPrecondition(status.message().into()),
        Code::ResourceExhausted => ApiError::ResourceExhausted(format!("{peer} is overloaded; retry")),
        _ => ApiError::internal(anyhow::anyhow!("call to {peer} failed: {status:?}")),
    }
}

/// A request carrying the caller's own credential, with the peer call deadline.
pub fn on_behalf<T>(message: T, credential: &str) -> Result<Request<T>, ApiError> {
    credential_request(message, credential, CALL_TIMEOUT)
}

/// A request on behalf of the context's caller, which gives up at the peer call deadline or when
/// the caller does, whichever comes first.
pub fn request<T>(ctx: &Ctx, message: T) -> Result<Request<T>, ApiError> {
    credential_request(message, ctx.credential(), ctx.peer_timeout(CALL_TIMEOUT))
}

fn credential_request<T>(message: T, credential: &str, timeout: Duration) -> Result<Request<T>, ApiError> {
    let mut request = Request::new(message);
    request.set_timeout(timeout);
    let value = format!("Bearer {credential}")
        .parse()
        .map_err(|_| ApiError::Unauthenticated("credential is not valid header text".into()))?;
    request.metadata_mut().insert("authorization", value);
    Ok(request)
}

/// A connection to another Attain service that every call goes through observed: a client span
/// (when traces are exported), the trace context in `traceparent`, and the
/// `grpc_client_*` metrics. Calls are spread over every replica the peer's name resolves to
/// ([`crate::balance`]). Connects on first use, so a peer that starts later is fine.
#[derive(Clone, Debug)]
pub struct PeerChannel {
    inner: Balanced,
}

impl PeerChannel {
    /// A lazily connected channel to `url` (`http://host:port`); `setting` names where the URL
    /// came from, for the error.
    pub fn lazy(url: &str, setting: &str) -> anyhow::Result<Self> {
        Self::resolved_by(url, setting, Resolver::Dns)
    }

    /// The same, with the peer's addresses from `resolver`.
    pub fn resolved_by(url: &str, setting: &str, resolver: Resolver) -> anyhow::Result<Self> {
        // Our connector speaks TLS itself, with settings that follow their files.
        let connector = crate::tls::peer_connector(url, setting)?;
        let uri: http::Uri = url
            .parse()
            .map_err(|e| anyhow::anyhow!("{setting} \"{url}\" is not a valid URL: {e}"))?;
        let (Some(host), Some(scheme)) = (uri.host(), uri.scheme_str()) else {
            anyhow::bail!("{setting} \"{url}\" is not a valid URL: it needs http:// or https:// and a host");
        };
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        Ok(Self {
            inner: Balanced::new(host, port, connector, resolver, CALL_TIMEOUT)?,
        })
    }

    /// The replica addresses calls go to now (empty before the first call).
    pub fn addresses(&self) -> Vec<std::net::SocketAddr> {
        self.inner.addresses()
    }
}

impl Service<http::Request<Body>> for PeerChannel {
    type Response = http::Response<Body>;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<Body>) -> Self::Future {
        let method = Method::from_path(req.uri().path());
        let span = trace_context::client_span(req.uri().path());
        trace_context::inject(&span, req.headers_mut());
        let call = ClientCall {
            method,
            span: span.clone(),
            start: Instant::now(),
            done: false,
        };
        let response = self.inner.call(req);
        Box::pin(
            async move {
                match response.await {
                    Ok(response) => Ok(watch_response(response, call)),
                    Err(e) => {
                        let mut call = call;
                        call.end("UNAVAILABLE");
                        Err(e)
                    }
                }
            }
            .instrument(span),
        )
    }
}

/// One call to another service.
struct ClientCall {
    method: Method,
    span: Span,
    start: Instant,
    done: bool,
}

impl CallEnd for ClientCall {
    fn end(&mut self, code: &'static str) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        record_status(&self.span, code, true);
        CLIENT
            .seconds
            .get_or_create(&self.method)
            .observe(self.start.elapsed().as_secs_f64());
        CLIENT.handled.get_or_create(&self.method.handled(code)).inc();
    }
}

impl Drop for ClientCall {
    fn drop(&mut self) {
        self.end("CANCELLED");
    }
}

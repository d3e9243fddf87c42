//! Fetching and caching JWKS documents.
//!
//! The cache is keyed by issuer and URL together, so one tenant registering another tenant's
//! issuer with a JWKS URL of its own choosing gets a separate entry and cannot replace the keys
//! the other tenant's tokens are checked with.
//!
//! Refetches are bounded per entry — at most one per `min_refresh_interval`, whatever the
//! traffic — because a token's `kid` is attacker-chosen: without the bound, a flood of tokens
//! with random kids would turn into a flood of requests to the IdP.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{
    keys::{self, KeySet, KeysError},
    metrics,
};

/// Largest JWKS response read.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// How JWKS documents are fetched and how long they are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Bound on one whole fetch: connect, response and body.
    pub timeout: Duration,
    /// At most one refetch per issuer per this interval, whatever the traffic.
    pub min_refresh_interval: Duration,
    /// How long keys are kept when the response carries no cache headers.
    pub default_max_age: Duration,
    /// Lower clamp of a `Cache-Control: max-age`, so an IdP sending `max-age=0` is not fetched
    /// for every token.
    pub min_max_age: Duration,
    /// Upper clamp, so rotations are noticed within a day even behind a generous max-age.
    pub max_max_age: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(5),
            min_refresh_interval: Duration::from_secs(10),
            default_max_age: Duration::from_secs(300),
            min_max_age: Duration::from_secs(60),
            max_max_age: Duration::from_secs(86_400),
        }
    }
}

/// Why a fetch failed; the text is for operators (logs, `check_keys`), never for token callers.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("is unreachable: {0}")]
    Unreachable(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("response is larger than {} bytes", MAX_BODY_BYTES)]
    TooLarge,
    #[error("{0}")]
    Keys(KeysError),
    #[error("is not a valid URL")]
    BadUrl,
}

/// Keys handed to a verification, and whether they are served stale after a failed refresh.
pub(crate) struct Keys {
    pub set: Arc<KeySet>,
    pub stale: bool,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    fresh_until: Option<Instant>,
    last_attempt: Option<Instant>,
    last_failed: bool,
}

impl State {
    fn is_fresh(&self, now: Instant) -> bool {
        self.fresh_until.is_some_and(|t| now < t)
    }
}

struct Entry {
    issuer: String,
    url: String,
    state: Mutex<State>,
    /// Held for the whole of a fetch, so concurrent callers share it instead of each fetching.
    refresh: tokio::sync::Mutex<()>,
}

impl Entry {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data updated in single assignments; a panic elsewhere cannot leave
        // it half-written, so a poisoned lock is still good to read.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) struct JwksCache {
    client: Result<HttpClient, String>,
    options: FetchOptions,
    entries: Mutex<HashMap<(String, String), Arc<Entry>>>,
}

impl JwksCache {
    pub fn new(options: FetchOptions) -> JwksCache {
        let mut http = HttpConnector::new();
        // https URLs are handed to the TLS wrapper, which needs the plain connector to accept them.
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.timeout));
        // Fails only when the crypto provider offers no usable protocol version, which ring
        // always does; kept as an error rather than a panic so `Verifier::new` stays infallible.
        let client = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map(|b| {
                let https = b.https_or_http().enable_http1().wrap_connector(http);
                Client::builder(TokioExecutor::new()).build(https)
            })
            .map_err(|e| format!("TLS setup failed: {e}"));
        JwksCache {
            client,
            options,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, issuer: &str, url: &str) -> Arc<Entry> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .entry((issuer.to_owned(), url.to_owned()))
            .or_insert_with(|| {
                Arc::new(Entry {
                    issuer: issuer.to_owned(),
                    url: url.to_owned(),
                    state: Mutex::new(State::default()),
                    refresh: tokio::sync::Mutex::new(()),
                })
            })
            .clone()
    }

    /// Forgets every cached key set of `issuer`.
    pub fn forget(&self, issuer: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|(i, _), _| i != issuer);
    }

    /// The keys of `issuer` at `url`, refetched when past their max-age or when `kid` is not
    /// among them (bounded by `min_refresh_interval`). `None` when no keys were ever fetched.
    pub async fn keys(&self, issuer: &str, url: &str, kid: Option<&str>) -> Option<Keys> {
        let entry = self.entry(issuer, url);
        let satisfied = |s: &State| s.keys.as_ref().is_some_and(|k| kid.is_none_or(|kid| k.may_verify(kid)));
        let current = |s: &State, now: Instant| {
            s.keys.clone().map(|set| Keys {
                set,
                stale: !s.is_fresh(now) && s.last_failed,
            })
        };
        {
            let s = entry.state();
            let now = Instant::now();
            if s.is_fresh(now) && satisfied(&s) {
                return current(&s, now);
            }
        }
        let _refresh = match entry.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // A refresh is running. Keys that fit (if past max-age) are served at once instead
                // of queueing behind a slow IdP; everyone else waits to share the refresh.
                {
                    let s = entry.state();
                    if satisfied(&s) {
                        return current(&s, Instant::now());
                    }
                }
                entry.refresh.lock().await
            }
        };
        {
            // Re-read: the refresh this caller may have waited for could have settled it.
            let s = entry.state();
            let now = Instant::now();
            let recently = s
                .last_attempt
                .is_some_and(|t| now.duration_since(t) < self.options.min_refresh_interval);
            if (s.is_fresh(now) && satisfied(&s)) || recently {
                return current(&s, now);
            }
        }
        entry.state().last_attempt = Some(Instant::now());
        let fetched = self.fetch(url).await;
        metrics::fetched(issuer, fetched.is_ok());
        let mut s = entry.state();
        match fetched {
            Ok((set, max_age)) => {
                s.keys = Some(Arc::new(set));
                s.fresh_until = Some(Instant::now() + max_age);
                s.last_failed = false;
            }
            Err(e) => {
                s.last_failed = true;
                // Once per attempt, and attempts are bounded per interval: one line, not one per token.
                if s.keys.is_some() {
                    tracing::warn!(issuer = %entry.issuer, url = %entry.url, cause = %e,
                        "refreshing the issuer's JWKS failed; serving the keys cached before");
                } else {
                    tracing::warn!(issuer = %entry.issuer, url = %entry.url, cause = %e,
                        "fetching the issuer's JWKS failed; its tokens are refused until it succeeds");
                }
            }
        }
        current(&s, Instant::now())
    }

    /// Fetches now, ignoring the refresh bound (an operator registering an issuer waits for the
    /// answer), and caches the keys on success.
    pub async fn check(&self, issuer: &str, url: &str) -> Result<(), FetchError> {
        let fetched = self.fetch(url).await;
        metrics::fetched(issuer, fetched.is_ok());
        let (set, max_age) = fetched?;
        let entry = self.entry(issuer, url);
        let mut s = entry.state();
        let now = Instant::now();
        s.keys = Some(Arc::new(set));
        s.fresh_until = Some(now + max_age);
        s.last_attempt = Some(now);
        s.last_failed = false;
        Ok(())
    }

    /// One GET of the JWKS: its usable keys and how long to keep them.
    async fn fetch(&self, url: &str) -> Result<(KeySet, Duration), FetchError> {
        let uri: http::Uri = url.parse().map_err(|_| FetchError::BadUrl)?;
        let request = http::Request::get(uri)
            .header(http::header::ACCEPT, "application/jwk-set+json, application/json")
            .header(
                http::header::USER_AGENT,
                concat!("attain-idp/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|_| FetchError::BadUrl)?;
        let timeout = self.options.timeout;
        let exchange = async {
            let client = self.client.as_ref().map_err(|e| FetchError::Unreachable(e.clone()))?;
            let response = client
                .request(request)
                .await
                .map_err(|e| FetchError::Unreachable(chain(&e)))?;
            let status = response.status();
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let max_age = self.max_age(response.headers());
            let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        FetchError::TooLarge
                    } else {
                        FetchError::Unreachable(chain(e.as_ref()))
                    }
                })?
                .to_bytes();
            Ok((body, max_age))
        };
        let (body, max_age) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| FetchError::Timeout(timeout))??;
        let set = keys::parse_jwks(&body).map_err(FetchError::Keys)?;
        Ok((set, max_age))
    }

    /// How long to keep a response: `Cache-Control: max-age`, else `Expires`, else the default;
    /// clamped either way.
    fn max_age(&self, headers: &http::HeaderMap) -> Duration {
        let o = &self.options;
        let from_headers = cache_control_max_age(headers).or_else(|| expires_in(headers, Utc::now()));
        from_headers
            .unwrap_or(o.default_max_age)
            .clamp(o.min_max_age, o.max_max_age.max(o.min_max_age))
    }
}

/// `max-age` of `Cache-Control`; `no-cache` / `no-store` count as zero (then clamped up).
pub(crate) fn cache_control_max_age(headers: &http::HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(http::header::CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let directive = directive.trim();
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "no-cache" | "no-store" => return Some(Duration::ZERO),
                "max-age" => {
                    if let Ok(secs) = arg.trim().trim_matches('"').parse::<u64>() {
                        found = Some(Duration::from_secs(secs));
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Time left until `Expires`; an unparsable or past date counts as zero (then clamped up).
fn expires_in(headers: &http::HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(http::header::EXPIRES)?.to_str().ok()?;
    let Ok(at) = DateTime::parse_from_rfc2822(value) else {
        return Some(Duration::ZERO);
    };
    Some((at.with_timezone(&Utc) - now).to_std().unwrap_or(Duration::ZERO))
}

/// An error with its causes, e.g. "client error (Connect): tcp connect error: Connection refused".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn cache_control_max_age_is_read() {
        let h = headers(&[("cache-control", "public, max-age=3600, must-revalidate")]);
        assert_eq!(cache_control_max_age(&h), Some(Duration::from_secs(3600)));
        assert_eq!(
            cache_control_max_age(&headers(&[("cache-control", "no-store")])),
            Some(Duration::ZERO)
        );
        assert_eq!(cache_control_max_age(&headers(&[("cache-control", "public")])), None);
    }

    #[tokio::test]
    async fn max_age_is_clamped_and_falls_back() {
        let cache = JwksCache::new(FetchOptions::default());
        let o = FetchOptions::default();
        assert_eq!(
            cache.max_age(&headers(&[("cache-control", "max-age=1")])),
            o.min_max_age
        );
        assert_eq!(
            cache.max_age(&headers(&[("cache-control", "max-age=999999")])),
            o.max_max_age
        );
        assert_eq!(
            cache.max_age(&headers(&[("cache-control", "max-age=600")])),
            Duration::from_secs(600)
        );
        assert_eq!(cache.max_age(&headers(&[])), o.default_max_age);
        let later = (Utc::now() + chrono::Duration::seconds(7200)).to_rfc2822();
        let got = cache.max_age(&headers(&[("expires", &later)]));
        assert!(
            got > Duration::from_secs(7000) && got <= Duration::from_secs(7200),
            "{got:?}"
        );
        assert_eq!(cache.max_age(&headers(&[("expires", "0")])), o.min_max_age);
    }
}

//! Per-tenant rate limits: a token bucket per (tenant, call family) in each server process, so
//! one tenant's runaway integration is refused with RESOURCE_EXHAUSTED and a retry hint instead
//! of slowing every other tenant on the shared install.
//!
//! Limits come from `ATTAIN_RATE_LIMITS`: rules separated by `;`, each
//! `[tenant=<uuid>:]<family>=<calls>/s[:<burst>]`, e.g.
//! `read=500/s:1000; ingest=50/s; tenant=6f1c…:ingest=200/s:400`. A tenant's own rule wins over
//! the default for its family; a family with no rule is not limited. Buckets live in each
//! process, so a limit applies per replica.

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Arc, LazyLock, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family as MetricFamily},
};
use tonic::body::Body;

use tower::{Layer, Service};
use uuid::Uuid;

use crate::tenant_share::{charged_tenant, log_refusal, refuse};

/// Kinds of call with a budget each: bulk ingestion is costly per call, reads are cheap and
/// frequent, and writes in between.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallFamily {
    Ingest,
    Read,
    Write,
}

impl CallFamily {
    /// The family of a `/package.Service/Method` path.
    pub fn of(path: &str) -> CallFamily {
        let method = path.rsplit('/').next().unwrap_or_default();
        if matches!(
            method,
            "IngestEvents" | "StreamEvents" | "RetractEvents" | "RebuildRollups"
        ) {
            CallFamily::Ingest
        } else if ["Get", "List", "Find", "Export"].iter().any(|p| method.starts_with(p)) {
            CallFamily::Read
        } else {
            CallFamily::Write
        }
    }

    fn name(self) -> &'static str {
        match self {
            CallFamily::Ingest => "ingest",
            CallFamily::Read => "read",
            CallFamily::Write => "write",
        }
    }
}

/// Calls per second, and how many may come at once after a quiet spell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

/// A token bucket, with the time passed in so that its arithmetic can be tested exactly.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            at: now,
        }
    }

    /// Takes one token, or says how long until one is there.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate.per_second))
        }
    }
}

/// The configured limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimits {
    defaults: HashMap<CallFamily, Rate>,
    tenants: HashMap<(Uuid, CallFamily), Rate>,
}

impl RateLimits {
    pub fn is_empty(&self) -> bool {
        self.defaults.is_empty() && self.tenants.is_empty()
    }

    pub fn rate(&self, tenant: Uuid, family: CallFamily) -> Option<Rate> {
        self.tenants
            .get(&(tenant, family))
            .or_else(|| self.defaults.get(&family))
            .copied()
    }
}

impl FromStr for RateLimits {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut limits = RateLimits::default();
        for rule in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let bad = |why: &str| format!("rule \"{rule}\": {why}");
            let (tenant, rest) = match rule.strip_prefix("tenant=") {
                Some(rest) => {
                    let (id, rest) = rest
                        .split_once(':')
                        .ok_or_else(|| bad("expected tenant=<uuid>:<family>=…"))?;
                    let id = Uuid::try_parse(id.trim()).map_err(|_| bad("the tenant is not a UUID"))?;
                    (Some(id), rest)
                }
                None => (None, rule),
            };
            let (family, rate) = rest.split_once('=').ok_or_else(|| bad("expected <family>=<calls>/s"))?;
            let family = match family.trim() {
                "ingest" => CallFamily::Ingest,
                "read" => CallFamily::Read,
                "write" => CallFamily::Write,
                other => return Err(bad(&format!("unknown family \"{other}\" (ingest, read or write)"))),
            };
            let (per_second, burst) = match rate.trim().split_once(':') {
                Some((per_second, burst)) => (per_second, Some(burst)),
                None => (rate.trim(), None),
            };
            let per_second: f64 = per_second
                .strip_suffix("/s")
                .and_then(|n| n.trim().parse().ok())
                .filter(|n: &f64| n.is_finite() && *n > 0.0)
                .ok_or_else(|| bad("the rate must be a positive number of calls per second, e.g. 50/s"))?;
            let burst: f64 = match burst {
                Some(b) => b
                    .trim()
                    .parse()
                    .ok()
                    .filter(|b: &f64| b.is_finite() && *b >= 1.0)
                    .ok_or_else(|| bad("the burst must be a number of calls, at least 1"))?,
                // A second's worth, and at least one call.
                None => per_second.max(1.0),
            };
            let rate = Rate { per_second, burst };
            match tenant {
                Some(id) => limits.tenants.insert((id, family), rate),
                None => limits.defaults.insert(family, rate),
            };
        }
        Ok(limits)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Refused {
    pub family: &'static str,
}

/// Calls refused by a rate limit, by family (not by tenant: tenants are unbounded; the log line
/// of a tenant's refusals, at most one a minute per tenant and family, names it).
pub(crate) static REFUSED: LazyLock<MetricFamily<Refused, Counter>> = LazyLock::new(MetricFamily::default);

/// Most buckets kept; past it the table is emptied, which only refills every bucket.
const MAX_BUCKETS: usize = 100_000;

#[derive(Clone)]
pub struct RateLimitLayer {
    limits: Arc<RateLimits>,
    buckets: Arc<Mutex<HashMap<(Uuid, CallFamily), Bucket>>>,
}

impl RateLimitLayer {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits: Arc::new(limits),
            buckets: Arc::default(),
        }
    }

    /// Takes a token for `tenant`'s call, or says how long to wait.
    fn admit(&self, tenant: Uuid, family: CallFamily) -> Result<(), (Rate, Duration)> {
        let Some(rate) = self.limits.rate(tenant, family) else {
            return Ok(());
        };
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; limiting is not worth failing calls for.
            return Ok(());
        };
        if buckets.len() >= MAX_BUCKETS {
            buckets.clear();
        }
        buckets
            .entry((tenant, family))
            .or_insert_with(|| Bucket::new(rate, now))
            .take(rate, now)
            .map_err(|wait| (rate, wait))
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimited<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RateLimited {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RateLimited<S> {
    inner: S,
    layer: RateLimitLayer,
}

impl<S, B> Service<http::Request<B>> for RateLimited<S>
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
        if let Some(tenant) = charged_tenant(&req) {
            let family = CallFamily::of(req.uri().path());
            if let Err((rate, wait)) = self.layer.admit(tenant, family) {
                REFUSED.get_or_create(&Refused { family: family.name() }).inc();
                log_refusal(tenant, family.name());
                return refuse(
                    format!(
                        "this tenant's {} calls are limited to {}/s on this server; retry in {} ms",
                        family.name(),
                        rate.per_second,
                        wait.as_millis().max(1)
                    ),
                    wait,
                );
            }
        }
        Box::pin(self.inner.call(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        per_second: 10.0,
        burst: 3.0,
    };

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(RATE, t0);
        for _ in 0..3 {
            assert_eq!(b.take(RATE, t0), Ok(()));
        }
        let wait = b.take(RATE, t0).expect_err("empty");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(b.take(RATE, t0 + Duration::from_millis(100)), Ok(()));
        assert!(b.take(RATE, t0 + Duration::from_millis(100)).is_err());
        // A long quiet spell refills to the burst, not beyond.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(b.take(RATE, later), Ok(()));
        }
        assert!(b.take(RATE, later).is_err());
    }

    #[test]
    fn over_any_span_a_bucket_admits_at_most_burst_plus_rate_times_span() {
        let t0 = Instant::now();
        let mut b = Bucket::new(RATE, t0);
        let admitted = (0..10_000)
            .filter(|i| b.take(RATE, t0 + Duration::from_millis(*i)).is_ok())
            .count();
        // 10 s at 10/s plus the burst of 3.
        assert!((100..=103).contains(&admitted), "{admitted}");
    }

    #[test]
    fn rules_parse_with_tenant_overrides_and_name_what_is_wrong() {
        let tenant = Uuid::now_v7();
        let limits: RateLimits = format!("read=500/s:1000; ingest=20/s ;tenant={tenant}:ingest=200/s:400")
            .parse()
            .expect("valid");
        let rate = |t, f| limits.rate(t, f);
        assert_eq!(
            rate(Uuid::nil(), CallFamily::Read),
            Some(Rate {
                per_second: 500.0,
                burst: 1000.0
            })
        );
        assert_eq!(
            rate(Uuid::nil(), CallFamily::Ingest),
            Some(Rate {
                per_second: 20.0,
                burst: 20.0
            })
        );
        assert_eq!(
            rate(tenant, CallFamily::Ingest),
            Some(Rate {
                per_second: 200.0,
                burst: 400.0
            })
        );
        assert_eq!(rate(tenant, CallFamily::Write), None);
        assert!("".parse::<RateLimits>().expect("empty").is_empty());
        for (bad, says) in [
            ("reads=5/s", "unknown family"),
            ("read=5", "calls per second"),
            ("read=-5/s", "calls per second"),
            ("read=5/s:0", "burst"),
            ("tenant=acme:read=5/s", "UUID"),
            ("tenant=acme", "tenant=<uuid>"),
        ] {
            let err = bad.parse::<RateLimits>().expect_err(bad);
            assert!(err.contains(says) && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn methods_fall_into_families() {
        assert_eq!(
            CallFamily::of("/attain.metrics.v1.MetricsService/StreamEvents"),
            CallFamily::Ingest
        );
        assert_eq!(
            CallFamily::of("/attain.scorecard.v1.ScorecardService/GetScorecard"),
            CallFamily::Read
        );
        assert_eq!(CallFamily::of("/attain.org.v1.OrgService/ListPeople"), CallFamily::Read);
        assert_eq!(
            CallFamily::of("/attain.org.v1.OrgService/CreatePerson"),
            CallFamily::Write
        );
    }
}

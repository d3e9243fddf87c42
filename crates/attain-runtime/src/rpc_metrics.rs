//! RED metrics of a gRPC server, in the names of the grpc-ecosystem Prometheus interceptors so
//! that existing dashboards and alerts work: calls started, calls handled by status code, time
//! to handle, calls in flight. The same for calls this process makes to other services
//! (`grpc_client_*`), the time calls wait for a database connection, and the database pool,
//! read when scraped. [`crate::observe`] records them as calls go by.

use std::{collections::HashSet, sync::LazyLock};

use http::HeaderMap;
use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use prost::Message;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Method {
    pub grpc_service: String,
    pub grpc_method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Handled {
    pub grpc_service: String,
    pub grpc_method: String,
    pub grpc_code: &'static str,
}

impl Method {
    pub(crate) fn handled(&self, code: &'static str) -> Handled {
        Handled {
            grpc_service: self.grpc_service.clone(),
            grpc_method: self.grpc_method.clone(),
            grpc_code: code,
        }
    }

    /// `/package.Service/Method` split in two; anything else is "unknown".
    pub(crate) fn from_path(path: &str) -> Self {
        let (service, method) = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .unwrap_or(("unknown", "unknown"));
        Method {
            grpc_service: service.to_string(),
            grpc_method: method.to_string(),
        }
    }
}

/// 1 ms to about 16 s: reads take milliseconds, bulk ingests and rebuilds seconds.
fn call_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Calls this process makes to other Attain services. Process-wide, because the peer clients
/// are built before (and apart from) the server that reports them.
pub(crate) struct ClientMetrics {
    pub handled: Family<Handled, Counter>,
    pub seconds: Family<Method, Histogram>,
}

pub(crate) static CLIENT: LazyLock<ClientMetrics> = LazyLock::new(|| ClientMetrics {
    handled: Family::default(),
    seconds: Family::new_with_constructor(call_seconds),
});

/// How long tenant-scoped calls waited for a pooled connection: the pool's queue, apart from
/// the statements that follow. Process-wide like the pool settings.
pub(crate) static DB_ACQUIRE: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(0.000_1, 2.0, 17)));

/// The metrics of one service process, and the registry `/metrics` encodes.
#[derive(Debug)]
pub struct ServiceMetrics {
    registry: Registry,
    pub(crate) started: Family<Method, Counter>,
    pub(crate) handled: Family<Handled, Counter>,
    pub(crate) seconds: Family<Method, Histogram>,
    pub(crate) in_flight: Family<Method, Gauge>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    /// Every `/package.Service/Method` this binary serves. Other paths are counted as
    /// "unknown", so that calls to made-up methods cannot grow the label set without bound.
    known: HashSet<String>,
}

impl Default for ServiceMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let started = Family::<Method, Counter>::default();
        let handled = Family::<Handled, Counter>::default();
        let seconds = Family::<Method, Histogram>::new_with_constructor(call_seconds);
        let in_flight = Family::<Method, Gauge>::default();
        let (pool_size, pool_idle, pool_max) = (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("grpc_server_started", "RPCs started on the server", started.clone());
        registry.register(
            "grpc_server_handled",
            "RPCs completed on the server, by gRPC status code",
            handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "Time from the request to the end of the response",
            seconds.clone(),
        );
        registry.register(
            "grpc_server_in_flight_requests",
            "RPCs being handled now",
            in_flight.clone(),
        );
        registry.register(
            "attain_db_pool_connections",
            "Open database connections, busy or idle",
            pool_size.clone(),
        );
        registry.register(
            "attain_db_pool_idle_connections",
            "Open database connections waiting for work",
            pool_idle.clone(),
        );
        registry.register(
            "attain_db_pool_max_connections",
            "Most database connections the pool may open (ATTAIN_DB_MAX_CONNECTIONS)",
            pool_max.clone(),
        );
        registry.register(
            "grpc_client_handled",
            "RPCs this process made to other Attain services, by gRPC status code",
            CLIENT.handled.clone(),
        );
        registry.register(
            "grpc_client_handling_seconds",
            "Time from sending a call to another Attain service to the end of its response",
            CLIENT.seconds.clone(),
        );
        // Zero rows up front, so dashboards and alerts see the series before the first refusal.
        for family in ["ingest", "read", "write"] {
            let _ = crate::rate_limit::REFUSED.get_or_create(&crate::rate_limit::Refused { family });
        }
        registry.register(
            "attain_rate_limited",
            "Calls refused because their tenant reached its rate limit (ATTAIN_RATE_LIMITS), by family",
            crate::rate_limit::REFUSED.clone(),
        );
        registry.register(
            "attain_tenant_share_refused",
            "Calls refused because their tenant had its share of open calls (ATTAIN_TENANT_MAX_CALLS) \
             or the server had all it takes (ATTAIN_CONCURRENCY_LIMIT) open",
            crate::tenant_share::REFUSED.clone(),
        );
        registry.register(
            "attain_db_pool_acquire_seconds",
            "Time a call waited for a free database connection",
            DB_ACQUIRE.clone(),
        );
        Self {
            registry,
            started,
            handled,
            seconds,
            in_flight,
            pool_size,
            pool_idle,
            pool_max,
            known: known_methods(),
        }
    }

    /// Where a service adds its own metrics (e.g. ingested events by outcome), before the
    /// server starts.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric, with the pool's numbers
    /// as of now.
    pub fn encode(&self, pool: Option<&sqlx::PgPool>) -> Result<String, std::fmt::Error> {
        if let Some(pool) = pool {
            self.pool_size.set(i64::from(pool.size()));
            self.pool_idle.set(pool.num_idle() as i64);
            self.pool_max.set(i64::from(pool.options().get_max_connections()));
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    pub(crate) fn method(&self, path: &str) -> Method {
        if self.known.contains(path) {
            Method::from_path(path)
        } else {
            Method::from_path("")
        }
    }
}

/// The methods of the Attain APIs (from the embedded descriptor set), health and reflection.
fn known_methods() -> HashSet<String> {
    let mut known: HashSet<String> = [
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // The descriptor set is built into the binary by attain-proto's build script, so it decodes;
    // were it ever not to, calls would be counted as "unknown" rather than fail.
    if let Ok(set) = prost_types::FileDescriptorSet::decode(attain_proto::FILE_DESCRIPTOR_SET) {
        for file in &set.file {
            let package = file.package();
            for service in &file.service {
                for method in &service.method {
                    known.insert(format!("/{package}.{}/{}", service.name(), method.name()));
                }
            }
        }
    }
    known
}

pub(crate) fn grpc_code(headers: &HeaderMap) -> Option<&'static str> {
    let code = headers.get("grpc-status")?.to_str().ok()?.parse::<i32>().ok()?;
    Some(code_name(code))
}

/// The canonical names of the gRPC status codes, by number.
const CODE_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The canonical name of a gRPC status code, as Prometheus labels conventionally carry it.
pub(crate) fn code_name(code: i32) -> &'static str {
    usize::try_from(code)
        .ok()
        .and_then(|i| CODE_NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// The number of a code name from [`code_name`]; UNKNOWN (2) for anything else.
pub(crate) fn code_number(name: &str) -> i64 {
    CODE_NAMES
        .iter()
        .position(|n| *n == name)
        .and_then(|i| i64::try_from(i).ok())
        .unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_contracts_share_one_label() {
        let m = ServiceMetrics::new();
        assert_eq!(m.method("/attain.org.v1.OrgService/GetTenant").grpc_method, "GetTenant");
        assert_eq!(m.method("/attain.org.v1.OrgService/MadeUp").grpc_service, "unknown");
        assert_eq!(m.method("/x").grpc_service, "unknown");
    }

    #[test]
    fn status_codes_have_their_canonical_names() {
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(99), "UNKNOWN");
        assert_eq!(code_number("UNAVAILABLE"), 14);
        assert_eq!(code_number("made up"), 2);
    }
}

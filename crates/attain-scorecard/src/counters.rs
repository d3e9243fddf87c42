//! The scorecard service's Prometheus metrics for its background work, beside the RED metrics
//! every service has: the webhook queue and the milestone detector. The chart's alert rules
//! (helm/attain/templates/prometheusrule.yaml) read them by these names.

use std::sync::{LazyLock, atomic::AtomicU64};

use prometheus_client::{
    metrics::{
        counter::Counter,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// Deliveries waiting to be sent, all tenants, and the age of the oldest (as of the
/// dispatcher's last poll).
pub static WEBHOOK_BACKLOG: LazyLock<Gauge> = LazyLock::new(Gauge::default);
pub static WEBHOOK_OLDEST: LazyLock<Gauge<f64, AtomicU64>> = LazyLock::new(Gauge::default);
/// Deliveries given up after their last attempt.
pub static WEBHOOK_DEAD: LazyLock<Counter> = LazyLock::new(Counter::default);

/// One detection run over every tenant: 10 ms to about 20 min.
pub static DETECTION_SECONDS: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(0.01, 2.0, 18)));
/// Runs that failed, and tenants whose detection failed within a run.
pub static DETECTION_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);
/// When a run last completed, in Unix seconds; the process start until then, so that a detector
/// that never succeeds still ages into the alert.
pub static DETECTION_LAST_SUCCESS: LazyLock<Gauge<f64, AtomicU64>> = LazyLock::new(Gauge::default);

pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Adds the metrics to the service's `/metrics`.
pub fn register(registry: &mut Registry) {
    DETECTION_LAST_SUCCESS.set(now_unix());
    registry.register(
        "attain_webhook_backlog",
        "Webhook deliveries waiting to be sent, all tenants",
        WEBHOOK_BACKLOG.clone(),
    );
    registry.register(
        "attain_webhook_oldest_pending_seconds",
        "Age of the oldest webhook delivery waiting to be sent",
        WEBHOOK_OLDEST.clone(),
    );
    registry.register(
        "attain_webhook_dead_lettered",
        "Webhook deliveries given up after their last attempt (ReplayDelivery sends one again)",
        WEBHOOK_DEAD.clone(),
    );
    registry.register(
        "attain_milestone_detection_seconds",
        "Time one milestone detection run over every tenant took",
        DETECTION_SECONDS.clone(),
    );
    registry.register(
        "attain_milestone_detection_failures",
        "Milestone detection runs that failed, and tenants whose detection failed within a run",
        DETECTION_FAILURES.clone(),
    );
    registry.register(
        "attain_milestone_detection_last_success_timestamp_seconds",
        "When a milestone detection run last completed (Unix time; the process start before the first)",
        DETECTION_LAST_SUCCESS.clone(),
    );
}

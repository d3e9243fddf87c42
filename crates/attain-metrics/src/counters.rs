//! The metrics service's own Prometheus counters, beside the RED metrics every service has.

use std::sync::LazyLock;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// accepted, duplicate (an event id already stored) or rejected (bad input).
    pub outcome: &'static str,
}

/// Events sent to IngestEvents and StreamEvents, by what became of them. Counted once the batch
/// is committed, so an accepted event here is durable.
pub static INGESTED: LazyLock<Family<Outcome, Counter>> = LazyLock::new(Family::default);

pub fn count(outcome: &'static str, n: usize) {
    if n > 0 {
        INGESTED.get_or_create(&Outcome { outcome }).inc_by(n as u64);
    }
}

/// Adds the counters to a service's `/metrics`.
pub fn register(registry: &mut Registry) {
    // Zero rows up front, so dashboards and alerts see the series before the first event.
    for outcome in ["accepted", "duplicate", "rejected"] {
        let _ = INGESTED.get_or_create(&Outcome { outcome });
    }
    registry.register(
        "attain_ingest_events",
        "Events sent for ingestion, by outcome: accepted, duplicate or rejected",
        INGESTED.clone(),
    );
    registry.register(
        "attain_fold_backlog",
        "Monthly rows waiting to be folded, all tenants (as of the last fold)",
        FOLD_BACKLOG.clone(),
    );
    registry.register(
        "attain_fold_oldest_pending_seconds",
        "Age of the oldest monthly row waiting to be folded (as of the last fold)",
        FOLD_OLDEST.clone(),
    );
    registry.register(
        "attain_fold_failures",
        "Fold turns that failed (their rows stay pending for the next turn)",
        FOLD_FAILURES.clone(),
    );
    registry.register(
        "attain_fold_set_aside_rows",
        "Pending monthly rows the fold could not apply and set aside (reads still count them; \
         RebuildRollups repairs their months)",
        SET_ASIDE.clone(),
    );
}

/// Pending monthly rows set aside by the fold.
pub static SET_ASIDE: LazyLock<Counter> = LazyLock::new(Counter::default);

/// The fold's backlog and failures, set by each fold turn.
pub static FOLD_BACKLOG: LazyLock<Gauge> = LazyLock::new(Gauge::default);
pub static FOLD_OLDEST: LazyLock<Gauge<f64, std::sync::atomic::AtomicU64>> = LazyLock::new(Gauge::default);
pub static FOLD_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);

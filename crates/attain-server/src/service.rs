//! The four services: which are built, where they listen by default, and which schemas each
//! owns.

use attain_runtime::db::SchemaSet;

/// One of the services `attain serve` runs, as its command line names it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Metrics ingestion and aggregates.
    Metrics,
    /// Org directory, scorecards and KPIs.
    Scorecard,
    /// Coaching: sessions, the calendar, development and action plans, coaching KPIs.
    Coaching,
    /// Hiring and the bench: requisitions, candidates, hires, the bench, hiring KPIs.
    Hiring,
}

impl Service {
    pub fn default_port(self) -> u16 {
        match self {
            Service::Metrics => 50051,
            Service::Scorecard => 50052,
            Service::Coaching => 50053,
            Service::Hiring => 50054,
        }
    }

    /// Position of the service's port after the first (metrics) port.
    pub fn port_offset(self) -> u16 {
        self.default_port() - Service::Metrics.default_port()
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Metrics => "metrics",
            Service::Scorecard => "scorecard",
            Service::Coaching => "coaching",
            Service::Hiring => "hiring",
        }
    }

    /// The service's name in traces and logs, e.g. `attain-metrics`.
    pub fn process_name(self) -> &'static str {
        match self {
            Service::Metrics => "attain-metrics",
            Service::Scorecard => "attain-scorecard",
            Service::Coaching => "attain-coaching",
            Service::Hiring => "attain-hiring",
        }
    }

    /// The schemas of the service, or `None` while it is not built.
    pub(crate) fn schemas(self) -> Option<&'static SchemaSet> {
        match self {
            Service::Scorecard => Some(&attain_scorecard::SCHEMAS),
            Service::Metrics => Some(&attain_metrics::SCHEMAS),
            Service::Coaching => Some(&attain_coaching::SCHEMAS),
            Service::Hiring => Some(&attain_hiring::SCHEMAS),
        }
    }
}

/// Services that exist in this build, in dependency order.
pub const BUILT: &[Service] = &[Service::Scorecard, Service::Metrics, Service::Coaching, Service::Hiring];

//! `attain bench`: measured, not asserted. Each benchmark starts its own PostgreSQL (or uses
//! DATABASE_URL), runs the real services on loopback, and prints figures next to a baseline
//! measured in the same run.

mod ingest;
mod load;
mod noisy;
mod platform;
mod processes;
mod rollout;
mod scorecard;
mod tracing;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Events through the real gRPC ingestion path vs a plain COPY of the same rows, and a
    /// scorecard-shaped aggregate over rollups vs the same query over raw events.
    Ingest(ingest::IngestBench),
    /// Scorecards, team scorecards and manager KPIs through gRPC over 10,000 reps and 10 M
    /// events, against SQL over raw events and hand-written SQL over the daily rollups.
    Scorecard(scorecard::ScorecardBench),
    /// What tracing costs: person scorecards and streamed ingestion against the services run
    /// as processes, with traces exported over OTLP and without, in alternating rounds.
    Tracing(tracing::TracingBench),
    /// The realistic mix for a bounded time against all four services as processes:
    /// integrations ingesting, managers reading scorecards and leaderboards, coaches booking
    /// sessions; throughput, p50/p99 and errors per operation, and each service's memory.
    Load(load::LoadBench),
    /// A rolling restart of the metrics service's replicas under continuous load, behind the
    /// peer client's balancing: calls failed and events lost, and how calls spread over replicas.
    Rollout(rollout::RolloutBench),
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ingest(args) => ingest::run(args).await,
        BenchCommand::Scorecard(args) => scorecard::run(args).await,
        BenchCommand::Tracing(args) => tracing::run(args).await,
        BenchCommand::Load(args) => load::run(args).await,
        BenchCommand::Rollout(args) => rollout::run(args).await,
    }
}

/// p50 and p99 of a set of durations, in milliseconds.
pub fn percentiles(mut samples: Vec<std::time::Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize)
            .saturating_sub(1)
            .min(samples.len().saturating_sub(1));
        samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (at(0.50), at(0.99))
}

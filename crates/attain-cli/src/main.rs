//! `attain`: one binary that runs any Attain service, all of them for a laptop, the database
//! migrations, and the operator and user commands. This crate parses the command line and
//! dispatches: running services is `attain-server`'s, demo data and benchmarks are
//! `attain-devtools`'s, and the client and operator commands are the modules below.

mod admin;
mod audit;
mod coaching;
mod hiring;
mod identity;
mod import;
mod import_snapshots;
mod milestones;
mod rollups;
mod scorecard;
mod webhooks;

use attain_devtools::{bench, demo};
use attain_runtime::config::{DatabaseArgs, LogArgs};
use attain_server::{ServeArgs, Settings, dev, dev_idp};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "attain",
    version,
    about = "Attain: the sales performance platform (activities, objectives, results)"
)]
struct Cli {
    #[command(flatten)]
    log: LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one service as a gRPC server.
    Serve(ServeArgs),
    /// Run every built service on this machine, with a private PostgreSQL unless DATABASE_URL
    /// is set, and print the addresses and an admin API key to try them with.
    Dev(dev::DevArgs),
    /// Print a token from `attain dev`'s own identity provider (run `attain dev` first).
    DevToken(dev_idp::DevTokenArgs),
    /// Apply every service's database migrations and grant each service role its schemas.
    Migrate(MigrateArgs),
    /// Create, list, suspend and resume tenants (sales organisations) and register their
    /// identity providers. Operator command.
    #[command(subcommand)]
    Tenant(admin::TenantCommand),
    /// Create, list, rotate and revoke a tenant's API keys. Operator command.
    #[command(subcommand)]
    Apikey(admin::ApiKeyCommand),
    /// Platform-operator keys for the operator API. Operator command.
    #[command(subcommand)]
    Operator(identity::OperatorCommand),
    /// The tenant's audit trail: every write, who made it, and the before and after of quota,
    /// target, ramp and role changes. An ADMIN key.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Import data from CSV exports through the public API.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Demo data through the public APIs.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// A person's or team's scorecard for a period: actual, target, attainment, band, pace and
    /// projection per line, and the overall score.
    Scorecard(scorecard::ScorecardArgs),
    /// A manager's KPIs for a team subtree and period: percent of the team to goal, reps to
    /// quota, pipeline coverage and who is behind pace.
    Kpis(scorecard::KpisArgs),
    /// A person's earnings statement for a period: earned to date, projected at pace and
    /// what-if, line by line (which results, which tier, which bonus); --format csv to export.
    Earnings(scorecard::earnings::EarningsArgs),
    /// Rank people on a metric or ratio over a period, in the org, a team subtree or a role, or
    /// show a saved leaderboard (--board NAME).
    Leaderboard(scorecard::plan::LeaderboardArgs),
    /// Walk back from a revenue target to the deals, opportunities, meetings, conversations and
    /// dials it takes, with your rates or a team's own history; --apply writes them as quotas.
    Plan(scorecard::plan::PlanArgs),
    /// Coaching: the calendar of a coach or team, and whom a team's metrics say to coach.
    #[command(subcommand)]
    Coaching(coaching::CoachingCommand),
    /// Hiring: the pipeline of open requisitions, and hiring and onboarding KPIs.
    #[command(subcommand)]
    Hiring(hiring::HiringCommand),
    /// Webhooks: subscriptions that send milestones to Slack, Teams or any system, test events
    /// and deliveries.
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Milestones the scorecard service recorded (quota steps, daily goals, streaks, personal
    /// bests, biggest deals, new leaders, first deals), newest first.
    #[command(subcommand)]
    Milestones(milestones::MilestonesCommand),
    /// Maintain the metrics service's daily rollups.
    #[command(subcommand)]
    Rollups(rollups::RollupsCommand),
    /// Benchmarks against a real PostgreSQL, each with a baseline measured in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(clap::Args)]
struct MigrateArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Create missing service roles (NOLOGIN) instead of requiring them to exist. Without it,
    /// a missing role is skipped with a warning, for deployments whose roles a DBA manages.
    #[arg(long)]
    create_roles: bool,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The trace exporter is a tonic client: it is built, and later flushed, inside the runtime.
    let telemetry = {
        let _runtime = runtime.enter();
        match attain_runtime::telemetry::init(&cli.log, &cli.command.service_name(), &cli.command.parts()) {
            Ok(telemetry) => telemetry,
            Err(e) => {
                eprintln!("error: {e:#}");
                return std::process::ExitCode::from(2);
            }
        }
    };
    let outcome = runtime.block_on(run(cli.command));
    {
        let _runtime = runtime.enter();
        telemetry.shutdown();
    }
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

impl Command {
    /// The default `service.name` of this process's traces (`OTEL_SERVICE_NAME` wins).
    fn service_name(&self) -> String {
        match self {
            Command::Serve(args) => format!("attain-{}", args.service.name()),
            // Every service in one process: each one's spans go under its own name (`parts`);
            // this one names the rest (start-up).
            Command::Dev(_) => "attain-dev".into(),
            _ => "attain-cli".into(),
        }
    }

    /// The services this process runs when it runs several, each exported under its own name.
    fn parts(&self) -> Vec<&'static str> {
        match self {
            Command::Dev(_) => attain_server::BUILT.iter().map(|s| s.process_name()).collect(),
            _ => Vec::new(),
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let settings = Settings::from_args(args)?;
            attain_server::serve(&settings, Box::pin(attain_runtime::server::shutdown_signal())).await
        }
        Command::Dev(args) => dev::run(args).await,
        Command::DevToken(args) => dev_idp::token(args),
        Command::Migrate(args) => {
            let pool = attain_runtime::db::connect_owner(args.db.require_url()?).await?;
            attain_server::migrate_all(&pool, args.create_roles).await
        }
        Command::Tenant(cmd) => admin::tenant(cmd).await,
        Command::Apikey(cmd) => admin::api_key(cmd).await,
        Command::Operator(cmd) => identity::operator(cmd).await,
        Command::Audit(cmd) => audit::run(cmd).await,
        Command::Import(cmd) => import::run(cmd).await,
        Command::Bench(cmd) => bench::run(cmd).await,
        Command::Rollups(cmd) => rollups::run(cmd).await,
        Command::Demo(cmd) => demo::run(cmd).await,
        Command::Coaching(cmd) => coaching::run(cmd).await,
        Command::Hiring(cmd) => hiring::run(cmd).await,
        Command::Webhooks(cmd) => webhooks::run(cmd).await,
        Command::Milestones(cmd) => milestones::run(cmd).await,
        Command::Scorecard(args) => scorecard::scorecard(args).await,
        Command::Kpis(args) => scorecard::kpis(args).await,
        Command::Earnings(args) => scorecard::earnings::earnings(args).await,
        Command::Leaderboard(args) => scorecard::plan::leaderboard(args).await,
        Command::Plan(args) => scorecard::plan::plan(args).await,
    }
}

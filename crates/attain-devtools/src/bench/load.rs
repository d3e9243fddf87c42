//! A bounded load of the realistic mix against all four services as processes: sales-ops
//! integrations ingesting event batches, managers reading scorecards and leaderboards, coaches
//! booking sessions. Reports throughput, p50/p99 and errors per operation, and each service's
//! memory. `--seconds 5` is the soak's short form that CI runs; longer runs are the real one.
//! With `--noisy-neighbour`, the mix runs twice in one run: alone, then beside a second tenant
//! that holds 600 idle event streams open and floods reads at its rate limit; the mix's p50/p99
//! are printed side by side (goal: p99 within 2× of alone).

use std::time::{Duration, Instant};

use anyhow::Context;
use attain_proto::{
    coaching::v1::{CreateSessionRequest, ListSessionsRequest, coaching_service_client::CoachingServiceClient},
    common::v1::Granularity,
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{ListPeopleRequest, SalesRole, org_service_client::OrgServiceClient},
    scorecard::v1::{
        GetScorecardRequest, GetStandingsRequest, Leaderboard, get_scorecard_request::Subject, get_standings_request,
        scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_server::api;
use tonic::transport::Channel;
use uuid::Uuid;

use super::{percentiles, platform::BenchDatabase, processes::Processes, scorecard::calendar_period};
use crate::synthetic::Rng;

#[derive(clap::Args)]
pub struct LoadBench {
    /// How long the mix runs.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Concurrent sales-ops integrations, each sending batches of 200 events.
    #[arg(long, default_value_t = 2)]
    integrations: usize,
    /// Concurrent managers, each reading scorecards and a leaderboard in turn.
    #[arg(long, default_value_t = 4)]
    managers: usize,
    /// Concurrent coaches booking sessions.
    #[arg(long, default_value_t = 1)]
    coaches: usize,
    /// Use this PostgreSQL (superuser URL) instead of a private one.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Run the mix alone, then beside a noisy tenant (600 idle streams, a flood of reads), and
    /// compare.
    #[arg(long)]
    noisy_neighbour: bool,
}

/// Who is in the demo org: what the workers pick from.
#[derive(Clone)]
struct Org {
    reps: Vec<String>,
    /// (coach, coachee) pairs the demo's sessions use, so new sessions are allowed.
    pairs: Vec<(String, Vec<String>)>,
}

/// One operation's outcomes.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

pub async fn run(args: LoadBench) -> anyhow::Result<()> {
    let database = BenchDatabase::start(args.database_url.clone()).await?;
    let (_, key) = database.tenant().await?;
    let noisy_key = if args.noisy_neighbour {
        Some(database.tenant().await?.1)
    } else {
        None
    };
    let services = Processes::start(&database, &["scorecard", "metrics", "coaching", "hiring"], &[])?;
    let result = load(&args, &services, &key, noisy_key.as_deref()).await;
    services.stop();
    database.finish();
    result
}

async fn load(args: &LoadBench, services: &Processes, key: &str, noisy_key: Option<&str>) -> anyhow::Result<()> {
    let org = services.wait("scorecard").await?;
    let metrics = services.wait("metrics").await?;
    let coaching = services.wait("coaching").await?;
    services.wait("hiring").await?;
    println!("seeding the demo org (attain demo seed --days 30)…");
    let url = |s: &str| format!("http://{}", services.addr(s));
    let seeded = std::process::Command::new(std::env::current_exe()?)
        .args(["demo", "seed", "--days", "30"])
        .env("ATTAIN_API_KEY", key)
        .env("ATTAIN_ORG_URL", url("scorecard"))
        .env("ATTAIN_METRICS_URL", url("metrics"))
        .env("ATTAIN_COACHING_URL", url("coaching"))
        .env("ATTAIN_HIRING_URL", url("hiring"))
        .env("ATTAIN_LOG", "warn")
        .output()?;
    anyhow::ensure!(
        seeded.status.success(),
        "demo seed failed: {}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let people = discover(&org, &coaching, key).await?;
    println!(
        "running the mix for {} s: {} integrations, {} managers, {} coaches…",
        args.seconds, args.integrations, args.managers, args.coaches
    );
    let alone = mix(args, [&org, &metrics, &coaching], key, &people).await?;
    let mut errors = report("load mix", args.seconds, &alone);
    if let Some(noisy_key) = noisy_key {
        println!("\nstarting the noisy tenant: 600 idle event streams and a flood of reads…");
        let noise =
            super::noisy::Noise::start(&org, &format!("http://{}", services.addr("metrics")), noisy_key).await?;
        println!("running the mix again, beside it…");
        let beside = mix(args, [&org, &metrics, &coaching], key, &people).await?;
        let noisy = noise.stop().await;
        errors += report("load mix beside the noisy tenant", args.seconds, &beside);
        println!("\n{noisy}");
        println!("\nthe mix's p99 beside the noisy tenant over alone (goal: within 2×, printed, not asserted):");
        for (name, tally) in &beside {
            let Some((_, before)) = alone.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let (_, p99_alone) = percentiles(before.latencies.clone());
            let (_, p99_beside) = percentiles(tally.latencies.clone());
            let ratio = p99_beside / p99_alone.max(f64::EPSILON);
            let verdict = if ratio <= 2.0 { "met" } else { "NOT met" };
            println!("  {name:<28}{p99_alone:>10.2} → {p99_beside:>8.2} ms  {ratio:>5.2}×  {verdict}");
        }
    }
    println!("  memory, MiB (now / peak):");
    for (service, now, peak) in services.memory() {
        println!("    {service:<10} {now:>8.1} / {peak:.1}");
    }
    anyhow::ensure!(errors == 0, "{errors} calls failed under load");
    Ok(())
}

/// Runs the mix for `args.seconds` against (scorecard, metrics, coaching); each operation's
/// outcomes.
async fn mix(
    args: &LoadBench,
    [org, metrics, coaching]: [&Channel; 3],
    key: &str,
    people: &Org,
) -> anyhow::Result<Vec<(&'static str, Tally)>> {
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for i in 0..args.integrations {
        let (channel, key, people) = (metrics.clone(), key.to_string(), people.clone());
        workers.push(tokio::spawn(async move {
            let mut client = MetricsServiceClient::new(channel);
            let mut rng = Rng::new(i as u64 + 1);
            let mut tally = Tally::default();
            while Instant::now() < until {
                let events = (0..200).map(|_| event(&mut rng, &people.reps)).collect();
                let request = api::authorized(IngestEventsRequest { events }, &key)?;
                time(&mut tally, client.ingest_events(request)).await;
            }
            anyhow::Ok(vec![("ingest 200 events", tally)])
        }));
    }
    for i in 0..args.managers {
        let (channel, key, people) = (org.clone(), key.to_string(), people.clone());
        workers.push(tokio::spawn(async move {
            let mut client = ScorecardServiceClient::new(channel);
            let mut rng = Rng::new(100 + i as u64);
            let (mut cards, mut boards) = (Tally::default(), Tally::default());
            let today = chrono::Utc::now().date_naive();
            while Instant::now() < until {
                let person = people.reps[rng.below(people.reps.len() as u64) as usize].clone();
                let request = GetScorecardRequest {
                    subject: Some(Subject::PersonId(person)),
                    period: calendar_period(Granularity::Month, today),
                    as_of: None,
                };
                time(&mut cards, client.get_scorecard(api::authorized(request, &key)?)).await;
                let request = GetStandingsRequest {
                    board: Some(get_standings_request::Board::Spec(Leaderboard {
                        metric_key: "calls".into(),
                        granularity: Granularity::Week as i32,
                        ..Default::default()
                    })),
                    period: None,
                    as_of: None,
                    limit: 10,
                };
                time(&mut boards, client.get_standings(api::authorized(request, &key)?)).await;
            }
            anyhow::Ok(vec![
                ("person scorecard, month", cards),
                ("leaderboard top 10, week", boards),
            ])
        }));
    }
    for i in 0..args.coaches {
        let (channel, key, people) = (coaching.clone(), key.to_string(), people.clone());
        workers.push(tokio::spawn(async move {
            let mut client = CoachingServiceClient::new(channel);
            let mut rng = Rng::new(200 + i as u64);
            let mut tally = Tally::default();
            while Instant::now() < until && !people.pairs.is_empty() {
                let (coach, coachees) = people.pairs[rng.below(people.pairs.len() as u64) as usize].clone();
                let start = chrono::Utc::now() + chrono::Duration::days(1 + rng.below(60) as i64);
                let request = CreateSessionRequest {
                    session: Some(attain_proto::coaching::v1::Session {
                        kind: attain_proto::coaching::v1::SessionKind::OneOnOne as i32,
                        coach_id: coach,
                        coachee_ids: coachees,
                        start_time: Some(prost_types::Timestamp {
                            seconds: start.timestamp(),
                            nanos: 0,
                        }),
                        duration_minutes: 30,
                        agenda: "Pipeline review".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                };
                time(&mut tally, client.create_session(api::authorized(request, &key)?)).await;
            }
            anyhow::Ok(vec![("coaching session booked", tally)])
        }));
    }

    let mut tallies: Vec<(&'static str, Tally)> = Vec::new();
    for worker in workers {
        for (name, tally) in worker.await?? {
            match tallies.iter_mut().find(|(n, _)| *n == name) {
                Some((_, t)) => {
                    t.latencies.extend(tally.latencies);
                    t.errors.extend(tally.errors);
                }
                None => tallies.push((name, tally)),
            }
        }
    }
    Ok(tallies)
}

/// Prints one run's table; the number of failed calls.
fn report(title: &str, seconds: u64, tallies: &[(&'static str, Tally)]) -> usize {
    let elapsed = seconds as f64;
    println!();
    println!("{title}, {seconds} s:");
    println!(
        "  {:<28}{:>8}{:>10}{:>10}{:>10}{:>8}",
        "operation", "calls", "per s", "p50 ms", "p99 ms", "errors"
    );
    let mut errors = 0;
    for (name, tally) in tallies {
        let calls = tally.latencies.len() + tally.errors.len();
        let (p50, p99) = percentiles(tally.latencies.clone());
        println!(
            "  {name:<28}{calls:>8}{:>10.1}{p50:>10.2}{p99:>10.2}{:>8}",
            calls as f64 / elapsed,
            tally.errors.len()
        );
        if let Some(first) = tally.errors.first() {
            println!("    first error: {first}");
        }
        errors += tally.errors.len();
    }
    errors
}

async fn time<T>(tally: &mut Tally, call: impl Future<Output = Result<T, tonic::Status>>) {
    let start = Instant::now();
    match call.await {
        Ok(_) => tally.latencies.push(start.elapsed()),
        Err(status) => tally.errors.push(format!("{:?}: {}", status.code(), status.message())),
    }
}

fn event(rng: &mut Rng, reps: &[String]) -> Event {
    let seconds_ago = rng.below(7 * 86_400) as i64;
    let metric = ["calls", "emails", "connects", "conversations"][rng.below(4) as usize];
    Event {
        event_id: Uuid::now_v7().to_string(),
        person_id: reps[rng.below(reps.len() as u64) as usize].clone(),
        metric_key: metric.into(),
        occurred_at: Some(prost_types::Timestamp {
            seconds: chrono::Utc::now().timestamp() - seconds_ago,
            nanos: 0,
        }),
        ..Default::default()
    }
}

/// The demo org's reps and coaching pairs.
async fn discover(org: &Channel, coaching: &Channel, key: &str) -> anyhow::Result<Org> {
    let mut directory = OrgServiceClient::new(org.clone());
    let people = directory
        .list_people(api::authorized(
            ListPeopleRequest {
                page_size: 1000,
                ..Default::default()
            },
            key,
        )?)
        .await?
        .into_inner()
        .people;
    let reps: Vec<String> = people
        .iter()
        .filter(|p| (SalesRole::Sdr as i32..=SalesRole::AccountManager as i32).contains(&p.sales_role))
        .map(|p| p.id.clone())
        .collect();
    anyhow::ensure!(!reps.is_empty(), "the demo org has no reps");
    let sessions = CoachingServiceClient::new(coaching.clone())
        .list_sessions(api::authorized(
            ListSessionsRequest {
                page_size: 100,
                ..Default::default()
            },
            key,
        )?)
        .await
        .context("listing the demo's coaching sessions")?
        .into_inner()
        .sessions;
    let pairs = sessions.into_iter().map(|s| (s.coach_id, s.coachee_ids)).collect();
    Ok(Org { reps, pairs })
}

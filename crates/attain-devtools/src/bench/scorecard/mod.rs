//! `attain bench scorecard`: p50/p99 of the scorecard service's reads through the real gRPC path
//! (a person's quarter, a team's week, a team's manager KPIs for the quarter) over an org of
//! 10,000 reps and 10 M events, next to two SQL baselines for the same numbers measured in the
//! same run: (a) raw events with only their primary key, (b) hand-written SQL over the daily
//! rollups. See `docs/benchmarks.md`.

mod baseline;
mod load;
mod org;
mod report;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use anyhow::Context;
use attain_domain::{
    calendar::Calendar,
    period::{DateRange, Granularity},
    scorecard::{TargetSpec, target_for},
};
use attain_proto::{
    common::v1::{self as common, CalendarPeriod, Period, period},
    metrics::v1::{GetTotalsRequest, metrics_service_client::MetricsServiceClient},
    scorecard::v1::{
        GetManagerKpisRequest, GetScorecardRequest, ManagerKpis, Scorecard, Section, get_scorecard_request,
        scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_server::api;
use chrono::{Datelike, NaiveDate};
use sqlx::PgConnection;
use tonic::transport::Channel;
use uuid::Uuid;

use self::{
    baseline::{KpiGoals, KpiRow, Source, Span, Totals},
    org::World,
};
use super::{percentiles, platform::Platform};
use crate::{sql, synthetic::Rng};

/// The pipeline both sides of the KPI workload total: opportunities' amounts as created.
const PIPELINE_FLOW: &str = "pipeline_amount";

#[derive(clap::Args)]
pub struct ScorecardBench {
    /// Reps (SDRs), in teams of `--team-size`.
    #[arg(long, default_value_t = 10_000)]
    reps: usize,
    /// Reps per team.
    #[arg(long, default_value_t = 100)]
    team_size: usize,
    /// Events over the quarter (Q3 2026), spread over the reps and working days.
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    /// Timed calls of each workload, for the service and for baseline (b).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Timed runs of each workload for baseline (a), which reads every event each time.
    #[arg(long, default_value_t = 10)]
    naive_samples: usize,
    /// Untimed calls of each workload first, enough for every pooled connection of the services
    /// to have prepared its statements; each also checks the service's numbers against (b).
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// How events get in: `copy` (COPY into metrics.events, then the RebuildRollups RPC) or
    /// `stream` (StreamEvents, rollups kept by ingestion; slower).
    #[arg(long, value_enum, default_value_t = Load::Copy)]
    load: Load,
    /// Changes every number while keeping the same shape.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Use this PostgreSQL (superuser URL) instead of a private one.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    Copy,
    Stream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Workload {
    Person,
    Totals,
    Team,
    Kpis,
    Leaderboard,
}

/// Rows a leaderboard shows in the benchmark: issue 5's "top 50 of 10,000 reps".
const TOP: i64 = 50;

/// A template line as the baselines need it.
struct Line {
    key: String,
    section: Section,
    spec: TargetSpec,
}

/// A catalog metric: its id, or for a ratio the ids of its parts.
struct Metric {
    id: i32,
    ratio: Option<(i32, i32)>,
    max: bool,
}

/// What one workload's sample asks for.
struct Pick {
    person: Uuid,
    team: usize,
    week: DateRange,
}

enum Answer {
    Scorecard(Box<Scorecard>),
    Kpis(Box<ManagerKpis>),
    Totals(HashMap<i32, Totals>),
    KpiRows(Vec<KpiRow>),
    /// A leaderboard's rows: (person, revenue), best first.
    Top(Vec<(Uuid, i64)>),
    Done,
}

struct Bench<'a> {
    p: &'a Platform,
    world: World,
    quarter: DateRange,
    previous_quarter: DateRange,
    weeks: Vec<DateRange>,
    lines: Vec<Line>,
    catalog: HashMap<String, Metric>,
    /// Ids of every metric the template reads (ratios as their parts).
    metric_ids: Vec<i32>,
    goals: KpiGoals,
    scorecards: ScorecardServiceClient<Channel>,
    metrics: MetricsServiceClient<Channel>,
}

fn day(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).context("date")
}

fn proto_date(d: NaiveDate) -> Option<common::Date> {
    Some(common::Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    })
}

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {msg:<28} {bar:40} {human_pos}/{human_len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar
}

pub(super) fn calendar_period(granularity: common::Granularity, d: NaiveDate) -> Option<Period> {
    Some(Period {
        kind: Some(period::Kind::Calendar(CalendarPeriod {
            granularity: granularity as i32,
            date: proto_date(d),
        })),
    })
}

pub async fn run(args: ScorecardBench) -> anyhow::Result<()> {
    anyhow::ensure!(args.reps > 0, "--reps must be at least 1");
    anyhow::ensure!(args.team_size > 0, "--team-size must be at least 1");
    anyhow::ensure!(args.samples > 0, "--samples must be at least 1");
    let p = Platform::start(args.database_url.clone()).await?;
    let result = bench(&args, &p).await;
    p.finish();
    result
}

async fn bench(args: &ScorecardBench, p: &Platform) -> anyhow::Result<()> {
    let calendar = Calendar::default();
    let quarter = calendar.period_containing(Granularity::Quarter, day(2026, 7, 1)?);
    let previous_quarter = calendar.previous_period(Granularity::Quarter, quarter.start);
    let days: Vec<NaiveDate> = quarter
        .start
        .iter_days()
        .take_while(|d| *d <= quarter.end)
        .filter(|d| calendar.is_working_day(*d))
        .collect();
    println!(
        "building the org: {} reps in {} teams of {}, through OrgService…",
        args.reps,
        args.reps.div_ceil(args.team_size),
        args.team_size
    );
    let started = Instant::now();
    let teams = org::build_org(args, p).await?;
    let (template, own_quotas) = org::plan(p, &teams, quarter.start).await?;
    println!("  done in {:.0} s", started.elapsed().as_secs_f64());
    println!(
        "loading {} events over {} to {} ({} working days)…",
        args.events,
        quarter.start,
        quarter.end,
        days.len()
    );
    let reps: Vec<Uuid> = teams.iter().flat_map(|t| t.reps.iter().copied()).collect();
    let (events, how) = load::load_events(args, p, &reps, &days).await?;
    println!("  {events} events: {how}");

    let world = World {
        teams,
        reps,
        own_quotas,
        template,
        events,
    };
    let mut bench = Bench::new(p, world, calendar, quarter, previous_quarter).await?;
    bench.report(args).await?;
    milestone_runs(p, quarter.end).await
}

/// Times the milestone detector over the whole bench tenant, as the scorecard service runs it
/// every interval: the first run of a day also reads the history personal bests and streaks
/// look back on (kept for the rest of the day), the next ones only the recent days.
async fn milestone_runs(p: &Platform, as_of: NaiveDate) -> anyhow::Result<()> {
    let metrics = attain_scorecard::scorecards::Metrics::new(&format!("http://{}", p.metrics_addr))?;
    let directory = attain_runtime::tenant_directory::TenantDirectories::new(
        &format!("http://{}", p.org_addr),
        attain_runtime::auth::PeerIdentity::new("bench", Some(crate::bench::platform::BENCH_PEER_SECRET))?,
        64 * 1024 * 1024,
    )?;
    let detector = attain_scorecard::milestones::Detector::new(
        p.scorecard_pool.clone(),
        std::sync::Arc::new(metrics),
        std::sync::Arc::new(directory),
    );
    let at = as_of.and_hms_opt(17, 0, 0).context("noon")?.and_utc();
    println!("\nmilestone detection over the tenant, as of {as_of} 17:00 UTC (one run = every check of every rep):");
    for run in 1..=3 {
        let started = Instant::now();
        let report = detector.detect_at(at).await?;
        println!(
            "  run {run}: {:.0} ms, {} milestones recorded{}",
            started.elapsed().as_secs_f64() * 1000.0,
            report.recorded,
            if report.failed > 0 {
                " (a tenant failed: see the log)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

async fn read_catalog(p: &Platform) -> anyhow::Result<HashMap<String, Metric>> {
    type Row = (String, i32, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(sql::CATALOG).bind(p.tenant).fetch_all(&p.owner).await?;
    let ids: HashMap<String, i32> = rows.iter().map(|r| (r.0.clone(), r.1)).collect();
    Ok(rows
        .iter()
        .map(|(key, id, aggregation, numerator, denominator)| {
            let part = |k: &Option<String>| k.as_ref().and_then(|k| ids.get(k).copied());
            let ratio = part(numerator).zip(part(denominator));
            let max = aggregation.as_deref() == Some("max");
            (key.clone(), Metric { id: *id, ratio, max })
        })
        .collect())
}

/// The template's lines: the service's "sdr" template, or the domain's built-in one while the
/// service cannot list it.
fn template_lines(world: &World) -> Vec<Line> {
    if let Some(t) = &world.template {
        return t
            .lines
            .iter()
            .map(|l| {
                let t = l.target.unwrap_or_default();
                Line {
                    key: l.metric_key.clone(),
                    section: Section::try_from(l.section).unwrap_or(Section::Unspecified),
                    spec: TargetSpec {
                        daily: t.daily,
                        weekly: t.weekly,
                        monthly: t.monthly,
                        quarterly: t.quarterly,
                    },
                }
            })
            .collect();
    }
    use attain_domain::scorecard::template::{Section as S, built_in_templates};
    built_in_templates()
        .into_iter()
        .filter(|t| t.key == "sdr")
        .flat_map(|t| t.lines)
        .map(|l| Line {
            key: l.metric_key,
            section: match l.section {
                S::Activities => Section::Activities,
                S::Objectives => Section::Objectives,
                S::Efficiency => Section::Efficiency,
                S::Results => Section::Results,
            },
            spec: l.target.spec,
        })
        .collect()
}

impl<'a> Bench<'a> {
    async fn new(
        p: &'a Platform,
        world: World,
        calendar: Calendar,
        quarter: DateRange,
        previous_quarter: DateRange,
    ) -> anyhow::Result<Bench<'a>> {
        anyhow::ensure!(
            previous_quarter.end.succ_opt() == Some(quarter.start),
            "the previous quarter must end the day before the quarter"
        );
        let catalog = read_catalog(p).await?;
        let lines = template_lines(&world);
        let id = |key: &str| {
            catalog
                .get(key)
                .map(|m| m.id)
                .with_context(|| format!("no metric {key}"))
        };
        let mut metric_ids = Vec::new();
        for line in &lines {
            let m = catalog
                .get(&line.key)
                .with_context(|| format!("no metric {}", line.key))?;
            match m.ratio {
                Some((n, d)) => metric_ids.extend([n, d]),
                None => metric_ids.push(m.id),
            }
        }
        metric_ids.sort_unstable();
        metric_ids.dedup();
        let weeks: Vec<DateRange> = calendar
            .buckets(Granularity::Week, quarter)
            .into_iter()
            .filter(|w| w.days() == 7)
            .collect();
        let mut goals = KpiGoals {
            start: quarter.start,
            end: quarter.end,
            quota_metric: id("revenue_won")?,
            pipeline_metric: id(PIPELINE_FLOW)?,
            ..KpiGoals::default()
        };
        let activity: Vec<&Line> = lines.iter().filter(|l| l.section == Section::Activities).collect();
        let objective: Vec<&Line> = lines.iter().filter(|l| l.section == Section::Objectives).collect();
        goals.activity = activity.iter().map(|l| id(&l.key)).collect::<anyhow::Result<_>>()?;
        goals.objective = objective.iter().map(|l| id(&l.key)).collect::<anyhow::Result<_>>()?;
        let spans = [
            (
                Granularity::Day,
                &activity,
                &mut goals.day_spans,
                &mut goals.day_targets,
            ),
            (
                Granularity::Week,
                &objective,
                &mut goals.week_spans,
                &mut goals.week_targets,
            ),
            (
                Granularity::Month,
                &objective,
                &mut goals.month_spans,
                &mut goals.month_targets,
            ),
        ];
        for (granularity, lines, spans, targets) in spans {
            for bucket in calendar.buckets(granularity, quarter) {
                let due: Vec<f64> = lines
                    .iter()
                    .map(|l| target_for(&l.spec, &calendar, bucket, granularity).unwrap_or(0.0))
                    .collect();
                // Nobody is counted in a span that asks nothing (a weekend day).
                if due.iter().any(|t| *t > 0.0) {
                    spans.push(bucket.start);
                    targets.extend(due);
                }
            }
        }
        for (person, amount) in &world.own_quotas {
            goals.own_ids.push(*person);
            goals.own_amounts.push(*amount);
        }
        let channel = |addr| api::channel(&format!("http://{addr}"));
        Ok(Bench {
            p,
            world,
            quarter,
            previous_quarter,
            weeks,
            lines,
            catalog,
            metric_ids,
            goals,
            scorecards: ScorecardServiceClient::new(channel(p.org_addr)?),
            metrics: MetricsServiceClient::new(channel(p.metrics_addr)?),
        })
    }

    fn pick(&self, rng: &mut Rng) -> Pick {
        let team = rng.below(self.world.teams.len() as u64) as usize;
        Pick {
            person: self.world.reps[rng.below(self.world.reps.len() as u64) as usize],
            team,
            week: self.weeks[rng.below(self.weeks.len() as u64) as usize],
        }
    }

    /// The workload through gRPC.
    async fn service(&mut self, w: Workload, pick: &Pick) -> anyhow::Result<Result<Answer, tonic::Status>> {
        use get_scorecard_request::Subject;
        let key = self.p.key.clone();
        let as_of = proto_date(self.quarter.end);
        let team = self.world.teams[pick.team].id.to_string();
        let answer = match w {
            Workload::Person | Workload::Team => {
                let (subject, period) = if w == Workload::Person {
                    let period = calendar_period(common::Granularity::Quarter, self.quarter.start);
                    (Subject::PersonId(pick.person.to_string()), period)
                } else {
                    (
                        Subject::TeamId(team),
                        calendar_period(common::Granularity::Week, pick.week.start),
                    )
                };
                let request = GetScorecardRequest {
                    subject: Some(subject),
                    period,
                    as_of,
                };
                let response = self.scorecards.get_scorecard(api::authorized(request, &key)?).await;
                response.map(|r| Answer::Scorecard(Box::new(r.into_inner().scorecard.unwrap_or_default())))
            }
            Workload::Kpis => {
                // The pipeline metric (b) sums: the default, open pipeline, is a state read from
                // snapshots, which this bench does not load.
                let request = GetManagerKpisRequest {
                    team_id: team,
                    period: calendar_period(common::Granularity::Quarter, self.quarter.start),
                    as_of,
                    pipeline_metric_key: PIPELINE_FLOW.to_string(),
                    ..Default::default()
                };
                let response = self.scorecards.get_manager_kpis(api::authorized(request, &key)?).await;
                response.map(|r| Answer::Kpis(Box::new(r.into_inner().kpis.unwrap_or_default())))
            }
            Workload::Leaderboard => {
                use attain_proto::scorecard::v1::{GetStandingsRequest, Leaderboard, get_standings_request::Board};
                let request = GetStandingsRequest {
                    board: Some(Board::Spec(Leaderboard {
                        metric_key: "revenue_won".into(),
                        granularity: common::Granularity::Quarter as i32,
                        ..Default::default()
                    })),
                    period: calendar_period(common::Granularity::Quarter, self.quarter.start),
                    as_of,
                    limit: TOP as i32,
                };
                let response = self.scorecards.get_standings(api::authorized(request, &key)?).await;
                response.map(|r| {
                    let rows = r.into_inner().standings.unwrap_or_default().rows;
                    Answer::Top(
                        rows.iter()
                            .filter_map(|row| {
                                let value = match row.value.as_ref()?.value.as_ref()? {
                                    attain_proto::metrics::v1::metric_value::Value::Total(t) => *t,
                                    attain_proto::metrics::v1::metric_value::Value::Ratio(_) => return None,
                                };
                                Some((Uuid::parse_str(&row.person_id).ok()?, value))
                            })
                            .collect(),
                    )
                })
            }
            Workload::Totals => {
                let request = GetTotalsRequest {
                    person_ids: vec![pick.person.to_string()],
                    metric_keys: self.lines.iter().map(|l| l.key.clone()).collect(),
                    period: calendar_period(common::Granularity::Quarter, self.quarter.start),
                    grouping: 0,
                };
                let response = self.metrics.get_totals(api::authorized(request, &key)?).await;
                response.map(|_| Answer::Done)
            }
        };
        Ok(answer)
    }

    /// The same numbers in SQL.
    async fn baseline(&self, c: &mut PgConnection, source: Source, w: Workload, pick: &Pick) -> anyhow::Result<Answer> {
        let tenant = self.p.tenant;
        let team = &self.world.teams[pick.team];
        Ok(match w {
            Workload::Person | Workload::Totals => {
                let span = Span {
                    previous_start: self.previous_quarter.start,
                    start: self.quarter.start,
                    end: self.quarter.end,
                };
                Answer::Totals(baseline::person(c, source, tenant, pick.person, span, &self.metric_ids).await?)
            }
            Workload::Team => {
                let span = Span {
                    previous_start: pick.week.start - chrono::Days::new(7),
                    start: pick.week.start,
                    end: pick.week.end,
                };
                Answer::Totals(baseline::team(c, source, tenant, team.id, span, &self.metric_ids).await?)
            }
            Workload::Leaderboard => {
                let revenue = self.catalog.get("revenue_won").map_or(0, |m| m.id);
                let span = Span {
                    previous_start: self.previous_quarter.start,
                    start: self.quarter.start,
                    end: self.quarter.end,
                };
                Answer::Top(baseline::top(c, source, tenant, revenue, span, TOP).await?)
            }
            Workload::Kpis => {
                let quota = (org::REP_QUARTER_QUOTA * team.reps.len() as i64) as f64;
                Answer::KpiRows(baseline::kpis(c, source, tenant, team.id, quota, &self.goals).await?)
            }
        })
    }
}

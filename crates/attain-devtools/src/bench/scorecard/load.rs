//! A quarter of events for every rep, shaped like an SDR's days (calls ≫ connects >
//! conversations > meetings set > held > qualified > opportunities … revenue), loaded either by
//! `COPY` into `metrics.events` followed by the `RebuildRollups` RPC, or through `StreamEvents`.

use std::{collections::HashMap, sync::Arc, time::Instant};

use anyhow::Context;
use attain_proto::metrics::v1::{
    Event, ListMetricsRequest, RebuildRollupsRequest, StreamEventsRequest, metrics_service_client::MetricsServiceClient,
};
use attain_server::api;
use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::{Load, ScorecardBench, progress_bar};
use crate::{bench::platform::Platform, sql, synthetic::Rng};

/// The metrics an SDR's day produces, in funnel order; `day_totals` fills them in this order.
const FUNNEL: [&str; 13] = [
    "calls",
    "emails",
    "social_connects",
    "connects",
    "conversations",
    "talk_time",
    "meetings_set",
    "meetings_held",
    "meetings_qualified",
    "opportunities_created",
    "pipeline_amount",
    "deals_won",
    "revenue_won",
];

/// For SUM metrics, the FUNNEL index of the count whose events carry their amounts (one amount
/// per conversation, opportunity or deal at most); `None` for COUNT metrics.
const AMOUNT_OF: [Option<usize>; 13] = [
    None,
    None,
    None,
    None,
    None,
    Some(4),
    None,
    None,
    None,
    None,
    Some(9),
    None,
    Some(11),
];

/// One rep's totals for one working day, in FUNNEL order: around the built-in SDR targets
/// (60 calls, 40 emails, 10 social touches a day) scaled by the rep's skill, and conversions
/// down the funnel as in `attain demo seed`.
fn day_totals(rng: &mut Rng, skill: f64) -> [i64; 13] {
    let calls = rng.around(60.0 * skill, 0.25);
    let emails = rng.around(40.0 * skill, 0.3);
    let social = rng.around(10.0 * skill, 0.5);
    let connects = rng.trials(calls, 0.2 * skill.min(1.2));
    let conversations = rng.trials(connects, 0.6);
    let talk = conversations * rng.around(240.0, 0.4);
    let set = rng.trials(conversations, 0.25 * skill);
    let held = rng.trials(set, 0.8);
    let qualified = rng.trials(held, 0.75);
    let opportunities = rng.trials(qualified, 0.5);
    let pipeline = (0..opportunities).map(|_| rng.around(2_000_000.0, 0.4)).sum();
    let won = rng.trials(opportunities, 0.2);
    let revenue = (0..won).map(|_| rng.around(2_500_000.0, 0.5)).sum();
    [
        calls,
        emails,
        social,
        connects,
        conversations,
        talk,
        set,
        held,
        qualified,
        opportunities,
        pipeline,
        won,
        revenue,
    ]
}

/// Splits a day's totals into about `slots` events: one per metric with a total, the rest to
/// the COUNT metrics with the most per event (a dialer or sequencer sync reports a batch of
/// calls or emails in one event), so calls get the most events and revenue the fewest.
fn split(totals: &[i64; 13], slots: i64) -> Vec<(usize, i64)> {
    let mut events = [0i64; 13];
    for (i, t) in totals.iter().enumerate() {
        events[i] = i64::from(*t > 0);
    }
    let mut left = slots - events.iter().sum::<i64>();
    while left > 0 {
        let best = (0..13)
            .filter(|&i| AMOUNT_OF[i].is_none() && events[i] < totals[i])
            .max_by(|&a, &b| (totals[a] * events[b]).cmp(&(totals[b] * events[a])));
        let Some(i) = best else { break };
        events[i] += 1;
        left -= 1;
    }
    let mut out = Vec::new();
    for (i, &n) in events.iter().enumerate() {
        // A SUM metric's amount comes in at most one event per underlying count.
        let n = AMOUNT_OF[i].map_or(n, |of| n.min(totals[of].max(1)));
        for k in 0..n {
            out.push((i, totals[i] / n + i64::from(k < totals[i] % n)));
        }
    }
    out
}

/// One generated event: a FUNNEL index, a time and a value.
pub struct Fact {
    pub metric: usize,
    pub at: i64,
    pub value: i64,
}

/// Generates each rep's quarter, day by day, aiming at `total` events over all reps and
/// working days; the same seed gives the same numbers whichever task generates a rep.
#[derive(Clone)]
pub struct Generator {
    seed: u64,
    rep_count: usize,
    /// 09:00 UTC of each working day of the quarter.
    mornings: Arc<Vec<i64>>,
    total: u64,
    emitted: i64,
}

impl Generator {
    pub fn new(seed: u64, rep_count: usize, days: &[NaiveDate], total: u64) -> Generator {
        let mornings = days
            .iter()
            .map(|d| Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN)).timestamp() + 9 * 3600)
            .collect();
        Generator {
            seed,
            rep_count,
            mornings: Arc::new(mornings),
            total,
            emitted: 0,
        }
    }

    /// Events due by the end of rep-day `j` (reps in order, each over every day).
    fn due(&self, j: usize) -> i64 {
        let rep_days = (self.rep_count * self.mornings.len()).max(1) as u128;
        (u128::from(self.total) * j as u128 / rep_days) as i64
    }

    /// Starts at rep `first`, as if every rep before it had got exactly its share.
    pub fn starting_at(mut self, first: usize) -> Generator {
        self.emitted = self.due(first * self.mornings.len());
        self
    }

    /// The events of rep `r` over the quarter, in time order per day.
    pub fn rep(&mut self, r: usize) -> Vec<Fact> {
        let mut rng = Rng::new(self.seed.wrapping_add(r as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let skill = 0.7 + 0.6 * rng.unit();
        let days = self.mornings.len();
        let mut facts = Vec::with_capacity(days * 16);
        for d in 0..days {
            let totals = day_totals(&mut rng, skill);
            let want = self.due(r * days + d + 1) - self.emitted;
            let before = facts.len();
            for (metric, value) in split(&totals, want) {
                facts.push(Fact {
                    metric,
                    at: self.mornings[d] + rng.below(8 * 3600) as i64,
                    value,
                });
            }
            self.emitted += (facts.len() - before) as i64;
        }
        facts
    }
}

/// Loads the quarter's events and makes sure the rollups are the service's own; returns the
/// number of events and a sentence saying how they were loaded.
pub async fn load_events(
    args: &ScorecardBench,
    p: &Platform,
    reps: &[Uuid],
    days: &[NaiveDate],
) -> anyhow::Result<(u64, String)> {
    let generator = Generator::new(args.seed, reps.len(), days, args.events);
    let reps = Arc::new(reps.to_vec());
    let started = Instant::now();
    let (loaded, how) = match args.load {
        Load::Copy => {
            let loaded = copy_events(p, generator, reps).await?;
            let copy_secs = started.elapsed().as_secs_f64();
            let rebuild = Instant::now();
            let mut metrics = MetricsServiceClient::new(api::channel(&format!("http://{}", p.metrics_addr))?);
            let done = metrics
                .rebuild_rollups(api::authorized(RebuildRollupsRequest {}, &p.key)?)
                .await
                .context("RebuildRollups")?
                .into_inner();
            let how = format!(
                "COPY into metrics.events ({copy_secs:.0} s, {:.0} rows/s), then the RebuildRollups RPC \
                 ({:.0} s, {} rollup rows)",
                loaded as f64 / copy_secs,
                rebuild.elapsed().as_secs_f64(),
                done.rollup_row_count
            );
            (loaded, how)
        }
        Load::Stream => {
            let loaded = stream_events(p, generator, reps).await?;
            // Baseline (b) reads the monthly rollups alone: fold what the service has not yet.
            attain_metrics::fold_all(&p.owner).await?;
            let secs = started.elapsed().as_secs_f64();
            let how = format!(
                "StreamEvents, 4 streams of 1,000-event messages, rollups kept by ingestion ({secs:.0} s, {:.0} \
                 events/s)",
                loaded as f64 / secs
            );
            (loaded, how)
        }
    };
    // As autovacuum would after a bulk load: statistics, and the visibility map that lets
    // index-only scans skip the heap.
    let vacuum = Instant::now();
    for statement in [sql::VACUUM_EVENTS, sql::VACUUM_ROLLUPS] {
        sqlx::raw_sql(statement).execute(&p.owner).await?;
    }
    let how = format!("{how}; VACUUM ANALYZE {:.0} s", vacuum.elapsed().as_secs_f64());
    Ok((loaded, how))
}

async fn funnel_ids(p: &Platform) -> anyhow::Result<Vec<i32>> {
    // The metrics service seeds a tenant's built-in catalog on first use.
    MetricsServiceClient::new(api::channel(&format!("http://{}", p.metrics_addr))?)
        .list_metrics(api::authorized(ListMetricsRequest::default(), &p.key)?)
        .await
        .context("ListMetrics")?;
    let ids: HashMap<String, i32> = sqlx::query_as::<_, (String, i32)>(sql::METRIC_IDS)
        .bind(p.tenant)
        .fetch_all(&p.owner)
        .await?
        .into_iter()
        .collect();
    FUNNEL
        .iter()
        .map(|k| {
            ids.get(*k)
                .copied()
                .with_context(|| format!("no metric {k} in the catalog"))
        })
        .collect()
}

/// Two concurrent COPYs (one per core), each over half of the reps.
async fn copy_events(p: &Platform, generator: Generator, reps: Arc<Vec<Uuid>>) -> anyhow::Result<u64> {
    let ids = Arc::new(funnel_ids(p).await?);
    let progress = progress_bar(generator.total, "events (COPY)");
    let half = reps.len().div_ceil(2);
    let mut tasks = Vec::new();
    for range in [0..half, half..reps.len()] {
        let (pool, tenant, reps, ids, progress) =
            (p.owner.clone(), p.tenant, reps.clone(), ids.clone(), progress.clone());
        let mut generator = generator.clone().starting_at(range.start);
        tasks.push(tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            let mut copy = conn.copy_in_raw(sql::COPY_EVENTS).await?;
            let mut buf = String::with_capacity(8 << 20);
            let mut rows = 0u64;
            for r in range {
                let facts = generator.rep(r);
                for f in &facts {
                    use std::fmt::Write;
                    let at = Utc.timestamp_opt(f.at, 0).single().context("timestamp")?;
                    writeln!(
                        buf,
                        "{tenant}\t{}\t{}\t{}\t{}\t{}\t{}\tattain-bench",
                        Uuid::now_v7(),
                        reps[r],
                        ids[f.metric],
                        at.format("%Y-%m-%d %H:%M:%S+00"),
                        at.date_naive(),
                        f.value
                    )?;
                }
                rows += facts.len() as u64;
                progress.inc(facts.len() as u64);
                if buf.len() > 4 << 20 {
                    copy.send(buf.as_bytes()).await?;
                    buf.clear();
                }
            }
            copy.send(buf.as_bytes()).await?;
            copy.finish().await?;
            anyhow::Ok(rows)
        }));
    }
    let mut rows = 0;
    for task in tasks {
        rows += task.await??;
    }
    progress.finish();
    Ok(rows)
}

/// Four concurrent `StreamEvents` calls, each over a quarter of the reps, 1,000 events a message.
async fn stream_events(p: &Platform, generator: Generator, reps: Arc<Vec<Uuid>>) -> anyhow::Result<u64> {
    const STREAMS: usize = 4;
    const BATCH: usize = 1_000;
    let channel = api::channel(&format!("http://{}", p.metrics_addr))?;
    let progress = progress_bar(generator.total, "events (StreamEvents)");
    let per = reps.len().div_ceil(STREAMS).max(1);
    let mut tasks = Vec::new();
    for first in (0..reps.len()).step_by(per) {
        let range = first..(first + per).min(reps.len());
        let generator = generator.clone().starting_at(range.start);
        let (reps, progress) = (reps.clone(), progress.clone());
        let state = (generator, range, Vec::<Event>::new());
        let requests = futures::stream::unfold(state, move |(mut generator, mut range, mut pending)| {
            let (reps, progress) = (reps.clone(), progress.clone());
            async move {
                while pending.len() < BATCH {
                    let Some(r) = range.next() else { break };
                    pending.extend(generator.rep(r).into_iter().map(|f| Event {
                        event_id: Uuid::now_v7().to_string(),
                        source: "attain-bench".into(),
                        person_id: reps[r].to_string(),
                        metric_key: FUNNEL[f.metric].into(),
                        occurred_at: Some(prost_types::Timestamp {
                            seconds: f.at,
                            nanos: 0,
                        }),
                        value: Some(f.value),
                        ..Default::default()
                    }));
                }
                if pending.is_empty() {
                    return None;
                }
                let rest = pending.split_off(pending.len().min(BATCH));
                progress.inc(pending.len() as u64);
                Some((StreamEventsRequest { events: pending }, (generator, range, rest)))
            }
        });
        let request = api::authorized(requests, &p.key)?;
        let mut client = MetricsServiceClient::new(channel.clone()).max_encoding_message_size(64 << 20);
        tasks.push(tokio::spawn(async move { client.stream_events(request).await }));
    }
    let mut stored = 0;
    for task in tasks {
        let response = task.await?.context("StreamEvents")?.into_inner();
        anyhow::ensure!(
            response.rejected_count == 0,
            "the benchmark's events were rejected: {:?}",
            response.results.first()
        );
        stored += (response.accepted_count + response.duplicate_count) as u64;
    }
    progress.finish();
    Ok(stored)
}

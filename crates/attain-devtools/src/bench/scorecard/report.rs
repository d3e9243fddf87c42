//! Timing the workloads, checking the service's numbers against baseline (b), and the printed
//! table and goal statement.

use std::collections::{BTreeSet, HashMap};

use super::*;

const WORKLOADS: [(Workload, &str); 5] = [
    (Workload::Person, "(1) person scorecard, quarter"),
    (Workload::Totals, "    of which: metrics GetTotals"),
    (Workload::Team, "(2) team scorecard, week"),
    (Workload::Kpis, "(3) manager KPIs, quarter"),
    (Workload::Leaderboard, "(4) leaderboard, top 50, quarter"),
];

/// Figures of one workload, p50 and p99 in milliseconds.
#[derive(Default)]
struct Figures {
    service: Option<(f64, f64)>,
    a: Option<(f64, f64)>,
    b: (f64, f64),
}

fn naive_date(d: Option<&common::Date>) -> Option<NaiveDate> {
    d.and_then(|d| NaiveDate::from_ymd_opt(d.year, u32::try_from(d.month).ok()?, u32::try_from(d.day).ok()?))
}

fn ms((p50, p99): (f64, f64)) -> String {
    let one = |x: f64| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.2}")
        }
    };
    format!("{} / {}", one(p50), one(p99))
}

impl Bench<'_> {
    pub(super) async fn report(&mut self, args: &ScorecardBench) -> anyhow::Result<()> {
        let mut conn = self.p.owner.acquire().await?;
        // A team's statements are estimated for every person of the tenant, enough for
        // PostgreSQL to JIT-compile them, which costs more than running them.
        sqlx::raw_sql("SET jit = off").execute(&mut *conn).await?;
        let teams = &self.world.teams;
        let size = teams.first().map_or(0, |t| t.reps.len());
        println!(
            "\nmeasuring: {} warm-up then {} timed calls per workload, sequential, a random person or team \
             each call; service and (b) alternate which goes first",
            args.warmup, args.samples
        );
        println!(
            "  (1) GetScorecard, a person, fiscal quarter {} to {}, all {} lines of the \"{}\" template",
            self.quarter.start,
            self.quarter.end,
            self.lines.len(),
            if self.world.template.is_some() {
                "sdr"
            } else {
                "sdr (domain built-in; the service did not list templates)"
            }
        );
        println!(
            "  (2) GetScorecard, a team of {size}, one full week of the quarter; (3) GetManagerKpis, a team of {size}, the quarter"
        );
        println!("  as_of {} (the quarter's last day) on every call", self.quarter.end);
        println!(
            "  (b): one hand-written statement per workload over metrics.monthly_rollups (person: whole months), \
             the ranked index of metrics.three_month_totals (leaderboard: a quarter), or metrics.daily_rollups \
             (team week, KPIs), and org.people for teams; targets and quotas as parameters, as the database \
             owner on one connection with jit = off"
        );
        println!(
            "  (a): the same statements over metrics.events, in a transaction that drops the \
             (tenant_id, person_id, local_day) index and is rolled back, so only the primary key \
             (tenant_id, event_id) is left"
        );
        let mut figures: HashMap<Workload, Figures> = HashMap::new();
        let mut notes = Vec::new();
        for (w, name) in WORKLOADS {
            let (service, b, mut found) = self.measure(&mut conn, w, args).await?;
            notes.append(&mut found);
            let service = match service {
                Ok(samples) => Some(percentiles(samples)),
                Err(why) => {
                    notes.push(format!("{}: service not measured: {why}", name.trim()));
                    None
                }
            };
            figures.insert(
                w,
                Figures {
                    service,
                    a: None,
                    b: percentiles(b),
                },
            );
        }

        println!(
            "measuring baseline (a): {} timed runs per workload after one untimed, helper index dropped…",
            args.naive_samples
        );
        let naive = baseline::without_helper_index(&mut conn, async |c| {
            let span = Span {
                previous_start: self.previous_quarter.start,
                start: self.quarter.start,
                end: self.quarter.end,
            };
            let mut plans = Vec::new();
            for (source, name) in [(Source::Events, "(a)"), (Source::Rollups, "(b)")] {
                let Some(person) = self.world.reps.first() else { break };
                let scans = baseline::scans(c, source, self.p.tenant, *person, span, &self.metric_ids).await?;
                plans.push(format!("{name} person statement reads: {}", scans.join(", ")));
            }
            let mut out = HashMap::new();
            for w in [Workload::Person, Workload::Team, Workload::Kpis, Workload::Leaderboard]
                .into_iter()
                .filter(|_| args.naive_samples > 0)
            {
                let mut rng = Rng::new(args.seed ^ 0xA);
                let mut samples = Vec::new();
                for i in 0..=args.naive_samples {
                    let pick = self.pick(&mut rng);
                    let t = Instant::now();
                    self.baseline(c, Source::Events, w, &pick).await?;
                    if i > 0 {
                        samples.push(t.elapsed());
                    }
                }
                out.insert(w, percentiles(samples));
            }
            anyhow::Ok((out, plans))
        })
        .await;
        match naive {
            Ok((naive, mut plans)) => {
                for (w, f) in naive {
                    if let Some(figures) = figures.get_mut(&w) {
                        figures.a = Some(f);
                    }
                }
                notes.append(&mut plans);
            }
            Err(e) => notes.push(format!("baseline (a) failed: {e:#}")),
        }
        self.print(args, &figures, &notes);
        Ok(())
    }

    /// Warm-up and timed samples of one workload: the service's times (or why there are none),
    /// (b)'s times, and any disagreement between their numbers.
    #[allow(clippy::type_complexity)]
    async fn measure(
        &mut self,
        c: &mut PgConnection,
        w: Workload,
        args: &ScorecardBench,
    ) -> anyhow::Result<(Result<Vec<Duration>, String>, Vec<Duration>, Vec<String>)> {
        let mut rng = Rng::new(args.seed ^ 0xB);
        let mut service = Vec::with_capacity(args.samples);
        let (mut failed, mut failure, mut unimplemented) = (0, None, false);
        let mut b = Vec::with_capacity(args.samples);
        let mut wrong = BTreeSet::new();
        let mut checked = 0;
        for i in 0..args.warmup + args.samples {
            let pick = self.pick(&mut rng);
            let (mut got, mut want) = (None, None);
            let (mut service_time, mut b_time) = (None, Duration::ZERO);
            for step in 0..2 {
                if (step + i) % 2 == 0 {
                    if unimplemented {
                        continue;
                    }
                    let t = Instant::now();
                    match self.service(w, &pick).await? {
                        Ok(answer) => {
                            service_time = Some(t.elapsed());
                            got = Some(answer);
                        }
                        Err(status) => {
                            failed += 1;
                            unimplemented = status.code() == tonic::Code::Unimplemented;
                            failure.get_or_insert_with(|| format!("{:?}: {}", status.code(), status.message()));
                        }
                    }
                } else {
                    let t = Instant::now();
                    want = Some(self.baseline(c, Source::Rollups, w, &pick).await?);
                    b_time = t.elapsed();
                }
            }
            if i < args.warmup.max(1)
                && let (Some(got), Some(want)) = (&got, &want)
            {
                wrong.extend(self.check(got, want));
                checked += 1;
            }
            if i >= args.warmup {
                b.push(b_time);
                service.extend(service_time);
            }
        }
        let name = WORKLOADS.iter().find(|x| x.0 == w).map_or("", |x| x.1.trim());
        let mut notes: Vec<String> = wrong
            .iter()
            .take(6)
            .map(|m| format!("{name}: service and (b) differ: {m}"))
            .collect();
        if wrong.is_empty() && checked > 0 && w != Workload::Totals {
            notes.push(format!(
                "{name}: the service's numbers equal (b)'s on all {checked} warm-up calls"
            ));
        }
        let service = match failure {
            Some(why) if unimplemented || service.is_empty() => Err(why),
            Some(why) => {
                notes.push(format!(
                    "{name}: {failed} service calls failed and are not timed, e.g. {why}"
                ));
                Ok(service)
            }
            None => Ok(service),
        };
        Ok((service, b, notes))
    }

    /// Where the service's numbers differ from baseline (b)'s.
    fn check(&self, got: &Answer, want: &Answer) -> Vec<String> {
        let mut wrong = Vec::new();
        match (got, want) {
            (Answer::Scorecard(card), Answer::Totals(totals)) => {
                let t = |id: i32| totals.get(&id).copied().unwrap_or_default();
                for line in &card.lines {
                    let Some(m) = self.catalog.get(&line.metric_key) else {
                        wrong.push(format!("unknown metric {}", line.metric_key));
                        continue;
                    };
                    if let Some((n, d)) = m.ratio {
                        let (n, d) = (t(n).sum, t(d).sum);
                        if (line.numerator, line.denominator) != (n, d) {
                            wrong.push(format!(
                                "{} is {}/{} in the service, {n}/{d} in SQL",
                                line.metric_key, line.numerator, line.denominator
                            ));
                        }
                        continue;
                    }
                    let x = t(m.id);
                    let actual = if m.max { x.max } else { x.sum } as f64;
                    if line.actual.unwrap_or(0.0) != actual {
                        wrong.push(format!(
                            "{} actual {:?} vs {actual} in SQL",
                            line.metric_key, line.actual
                        ));
                    }
                    if !m.max && line.previous.unwrap_or(0.0) != x.previous_sum as f64 {
                        wrong.push(format!(
                            "{} previous {:?} vs {} in SQL",
                            line.metric_key, line.previous, x.previous_sum
                        ));
                    }
                }
                let missing = self.lines.len().saturating_sub(card.lines.len());
                if missing > 0 {
                    wrong.push(format!("{missing} template lines missing"));
                }
            }
            (Answer::Kpis(k), Answer::KpiRows(rows)) => {
                let spans: HashMap<(&str, NaiveDate), (i64, i64)> = rows
                    .iter()
                    .filter_map(|r| Some(((r.kind.as_str(), r.span?), (r.met, r.counted))))
                    .collect();
                let sets = [
                    ("day", &k.daily_activity_goal),
                    ("week", &k.weekly_objective_goal),
                    ("month", &k.monthly_objective_goal),
                ];
                for (kind, shares) in sets {
                    let expected = spans.keys().filter(|(k, _)| *k == kind).count();
                    if shares.len() != expected {
                        wrong.push(format!("{} {kind} goal shares, {expected} in SQL", shares.len()));
                    }
                    for g in shares {
                        let start = naive_date(g.range.as_ref().and_then(|r| r.start_date.as_ref()));
                        let sql = start.and_then(|s| spans.get(&(kind, s)));
                        if sql != Some(&(i64::from(g.met), i64::from(g.counted))) {
                            wrong.push(format!(
                                "{kind} goal from {start:?}: {}/{} met in the service, {sql:?} in SQL",
                                g.met, g.counted
                            ));
                        }
                    }
                }
                let by_person: HashMap<String, &KpiRow> =
                    rows.iter().filter_map(|r| Some((r.person?.to_string(), r))).collect();
                if k.reps.len() != by_person.len() {
                    wrong.push(format!(
                        "{} reps in the service, {} in SQL",
                        k.reps.len(),
                        by_person.len()
                    ));
                }
                for rep in &k.reps {
                    let Some(sql) = by_person.get(&rep.person_id) else {
                        wrong.push(format!("rep {} is not in SQL's", rep.person_id));
                        continue;
                    };
                    let same = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
                    if !same(rep.quota_actual, sql.actual)
                        || !same(rep.pipeline, sql.pipeline)
                        || !same(rep.quota.unwrap_or(0.0), sql.target)
                    {
                        wrong.push(format!(
                            "rep {}: quota {:?}, actual {}, pipeline {} in the service; {}, {}, {} in SQL",
                            rep.person_id,
                            rep.quota,
                            rep.quota_actual,
                            rep.pipeline,
                            sql.target,
                            sql.actual,
                            sql.pipeline
                        ));
                    }
                }
                let reps: Vec<&KpiRow> = rows.iter().filter(|r| r.kind == "rep" && r.target > 0.0).collect();
                let met = reps.iter().filter(|r| r.actual >= r.target).count() as i32;
                let quota = k.reps_to_quota.unwrap_or_default();
                if (quota.met, quota.counted) != (met, reps.len() as i32) {
                    wrong.push(format!(
                        "reps to quota {}/{} in the service, {met}/{} in SQL",
                        quota.met,
                        quota.counted,
                        reps.len()
                    ));
                }
                let sum = |f: fn(&KpiRow) -> f64| reps.iter().map(|r| f(r)).sum::<f64>();
                let attainment = sum(|r| r.actual) / sum(|r| r.target);
                if k.team_attainment
                    .is_none_or(|a| (a - attainment).abs() > 1e-9 * attainment.abs().max(1.0))
                {
                    wrong.push(format!(
                        "team attainment {:?} in the service, {attainment} in SQL",
                        k.team_attainment
                    ));
                }
            }
            // The service keeps ties at the cut-off, so it may show more rows than SQL's limit.
            (Answer::Top(got), Answer::Top(want)) if got.get(..want.len()) != Some(want.as_slice()) => {
                wrong.push(format!(
                    "leaderboard rows differ: first {:?} in the service, {:?} in SQL",
                    got.first(),
                    want.first()
                ));
            }
            _ => {}
        }
        wrong
    }

    fn print(&self, args: &ScorecardBench, figures: &HashMap<Workload, Figures>, notes: &[String]) {
        println!(
            "\nscorecard reads, {} reps in {} teams, {} events over {} to {}; p50 / p99 in ms; \
             {} samples ((a): {}):",
            self.world.reps.len(),
            self.world.teams.len(),
            self.world.events,
            self.quarter.start,
            self.quarter.end,
            args.samples,
            args.naive_samples
        );
        println!(
            "{:<34} {:>17} {:>19} {:>17} {:>14}",
            "workload", "service (gRPC)", "(a) raw events", "(b) rollups SQL", "p99 svc/(b)"
        );
        for (w, name) in WORKLOADS {
            let Some(f) = figures.get(&w) else { continue };
            let ratio = f
                .service
                .map_or("—".to_string(), |s| format!("{:.2}×", s.1 / f.b.1.max(1e-9)));
            println!(
                "{name:<34} {:>17} {:>19} {:>17} {:>14}",
                f.service.map_or("—".to_string(), ms),
                f.a.map_or("—".to_string(), ms),
                ms(f.b),
                ratio
            );
        }
        println!(
            "\ngoal (printed, not asserted): service p99 within 1.5× of (b); person scorecard p99 under 5 ms; \
             leaderboard p99 under 20 ms"
        );
        for (w, name) in WORKLOADS.iter().filter(|(w, _)| *w != Workload::Totals) {
            let Some(f) = figures.get(w) else { continue };
            match f.service {
                Some(s) => {
                    let ratio = s.1 / f.b.1.max(1e-9);
                    let verdict = if ratio <= 1.5 { "met" } else { "NOT met" };
                    println!("  {}: p99 {:.2} ms = {ratio:.2}× (b) → {verdict}", name.trim(), s.1);
                }
                None => println!("  {}: not measured", name.trim()),
            }
        }
        if let Some(s) = figures.get(&Workload::Person).and_then(|f| f.service) {
            let verdict = if s.1 < 5.0 { "met" } else { "NOT met" };
            println!("  person scorecard p99 {:.2} ms, under 5 ms → {verdict}", s.1);
        }
        if let Some(s) = figures.get(&Workload::Leaderboard).and_then(|f| f.service) {
            let verdict = if s.1 < 20.0 { "met" } else { "NOT met" };
            println!("  leaderboard p99 {:.2} ms, under 20 ms → {verdict}", s.1);
        }
        if !notes.is_empty() {
            println!("\nnotes:");
            for n in notes {
                println!("  {n}");
            }
        }
    }
}

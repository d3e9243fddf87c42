//! The SQL baselines: the same numbers as the service's, computed by one hand-written statement
//! each, run as the database owner on one connection with the tenant as a parameter.
//!
//! (b) reads `metrics.daily_rollups` through its person-first covering key, or
//! `metrics.monthly_rollups` for a person's span of whole months, or the ranked index of
//! `metrics.three_month_totals` for a leaderboard over three whole months. (a) reads raw
//! `metrics.events` with the same statements, inside a transaction that has dropped the
//! `(tenant_id, person_id, local_day)` helper index (and is rolled back afterwards), so only the
//! primary key `(tenant_id, event_id)` is left: what a naive schema without rollups would do.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;

/// Where a baseline reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// (b): the daily rollups.
    Rollups,
    /// (a): raw events, primary key only.
    Events,
}

struct Shape {
    table: &'static str,
    day: &'static str,
    sum: &'static str,
    count: &'static str,
    max: &'static str,
}

impl Span {
    /// Whether the span is whole calendar months, so (b) can read the monthly rollups.
    fn whole_months(&self) -> bool {
        use chrono::Datelike;
        self.previous_start.day() == 1 && self.start.day() == 1 && self.end.succ_opt().is_some_and(|d| d.day() == 1)
    }
}

impl Source {
    /// The shape of the rows read for `span`: over rollups, the monthly ones when the span is
    /// whole months (three rows per person and metric for a quarter instead of about 66).
    fn shape_for(self, span: Span) -> Shape {
        match self {
            Source::Rollups if span.whole_months() => Shape {
                table: "metrics.monthly_rollups",
                day: "month",
                sum: "sum(r.sum)",
                count: "sum(r.count)",
                max: "max(r.max)",
            },
            _ => self.shape(),
        }
    }

    fn shape(self) -> Shape {
        match self {
            Source::Rollups => Shape {
                table: "metrics.daily_rollups",
                day: "day",
                sum: "sum(r.sum)",
                count: "sum(r.count)",
                max: "max(r.max)",
            },
            Source::Events => Shape {
                table: "metrics.events",
                day: "local_day",
                sum: "sum(r.value)",
                count: "count(*)",
                max: "max(r.value)",
            },
        }
    }
}

/// The team's subtree; the people of each of its teams are found through `people_team`.
const SUBTREE: &str = "subtree AS (
    SELECT team_id FROM org.teams WHERE tenant_id = $1 AND team_id = $2
    UNION ALL
    SELECT t.team_id FROM org.teams t JOIN subtree s ON t.parent_team_id = s.team_id WHERE t.tenant_id = $1)";

/// A period and the one right before it (adjacent, as calendar periods are).
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub previous_start: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// One metric's totals over a period, and its sum over the previous period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub sum: i64,
    pub count: i64,
    pub max: i64,
    pub previous_sum: i64,
}

type TotalsRow = (i32, i64, i64, i64, i64);

/// Totals per metric of one person ($2 a person) or of a team subtree's people ($2 a team),
/// over $4..=$5 and, separately, the previous period $3..$4.
///
/// Over rollups, each person's rows are read through the person-first covering key in a
/// LATERAL subquery (OFFSET 0 keeps it a per-person index scan): with the planner's estimate
/// for a subtree's people (every person of the tenant), a plain join reads the metric-first
/// index for everyone instead, 4× slower for a team of 100 at 1,000 people and worse beyond.
/// Over raw events, a per-person scan would be a full scan per person, so it is one join.
fn totals_sql(source: Source, s: Shape, team: bool) -> String {
    let cur = format!("r.{} >= $4", s.day);
    let columns = format!(
        "r.metric_id, coalesce({sum} FILTER (WHERE {cur}), 0)::bigint, coalesce({count} FILTER (WHERE {cur}), 0)::bigint,
         coalesce({max} FILTER (WHERE {cur}), 0)::bigint, coalesce({sum} FILTER (WHERE NOT {cur}), 0)::bigint",
        sum = s.sum,
        count = s.count,
        max = s.max,
    );
    let filter = format!(
        "r.tenant_id = $1 AND r.{} BETWEEN $3 AND $5 AND r.metric_id = ANY($6)",
        s.day
    );
    if !team {
        return format!(
            "SELECT {columns} FROM {} r WHERE {filter} AND r.person_id = $2 GROUP BY r.metric_id",
            s.table
        );
    }
    let people = "SELECT p.person_id FROM subtree, LATERAL (
                      SELECT p.person_id FROM org.people p
                      WHERE p.tenant_id = $1 AND p.team_id = subtree.team_id AND p.status <> 'left' OFFSET 0) p";
    match source {
        Source::Rollups => format!(
            "WITH RECURSIVE {SUBTREE}, people AS ({people})
             SELECT {columns} FROM people, LATERAL (
                 SELECT r.metric_id, r.day, r.sum, r.count, r.max FROM metrics.daily_rollups r
                 WHERE {filter} AND r.person_id = people.person_id OFFSET 0) r
             GROUP BY r.metric_id"
        ),
        Source::Events => format!(
            "WITH RECURSIVE {SUBTREE}, people AS ({people})
             SELECT {columns} FROM people JOIN metrics.events r USING (person_id)
             WHERE {filter} GROUP BY r.metric_id"
        ),
    }
}

fn by_metric(rows: Vec<TotalsRow>) -> HashMap<i32, Totals> {
    rows.into_iter()
        .map(|(id, sum, count, max, previous_sum)| {
            (
                id,
                Totals {
                    sum,
                    count,
                    max,
                    previous_sum,
                },
            )
        })
        .collect()
}

/// A person's totals of `metrics` over `span` and the period before: what a person scorecard
/// shows (actuals, ratio parts, previous values).
pub async fn person(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    person: Uuid,
    span: Span,
    metrics: &[i32],
) -> anyhow::Result<HashMap<i32, Totals>> {
    let rows: Vec<TotalsRow> = sqlx::query_as(sqlx::AssertSqlSafe(totals_sql(source, source.shape_for(span), false)))
        .persistent(source == Source::Rollups)
        .bind(tenant)
        .bind(person)
        .bind(span.previous_start)
        .bind(span.start)
        .bind(span.end)
        .bind(metrics)
        .fetch_all(c)
        .await?;
    Ok(by_metric(rows))
}

/// The top `limit` people of the tenant on a SUM metric over `span`, best first, ties by
/// person id: a leaderboard. (b) reads the top of the ranked window index for three whole
/// months, or the rollups through their metric-first index.
pub async fn top(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    metric: i32,
    span: Span,
    limit: i64,
) -> anyhow::Result<Vec<(Uuid, i64)>> {
    // Exactly three whole months: the top of the ranked window index is the best there is
    // (nothing is pending after the bench's rebuild, so the windows alone are exact).
    let three_months = span.start.checked_add_months(chrono::Months::new(3)) == span.end.succ_opt();
    if source == Source::Rollups && span.whole_months() && three_months {
        return Ok(sqlx::query_as(
            "SELECT person_id, sum FROM metrics.three_month_totals
             WHERE tenant_id = $1 AND metric_id = $2 AND first_month = $3 AND count > 0
             ORDER BY sum DESC, person_id LIMIT $4",
        )
        .bind(tenant)
        .bind(metric)
        .bind(span.start)
        .bind(limit)
        .fetch_all(c)
        .await?);
    }
    let shape = source.shape_for(span);
    let sql = format!(
        "SELECT r.person_id, {sum}::bigint AS total FROM {table} r
         WHERE r.tenant_id = $1 AND r.metric_id = $2 AND r.{day} BETWEEN $3 AND $4
         GROUP BY r.person_id ORDER BY total DESC, r.person_id LIMIT $5",
        sum = shape.sum,
        table = shape.table,
        day = shape.day,
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .persistent(source == Source::Rollups)
        .bind(tenant)
        .bind(metric)
        .bind(span.start)
        .bind(span.end)
        .bind(limit)
        .fetch_all(c)
        .await?)
}

/// The same for a team: the sums over its subtree's people.
pub async fn team(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    team: Uuid,
    span: Span,
    metrics: &[i32],
) -> anyhow::Result<HashMap<i32, Totals>> {
    let rows: Vec<TotalsRow> = sqlx::query_as(sqlx::AssertSqlSafe(totals_sql(source, source.shape(), true)))
        .persistent(source == Source::Rollups)
        .bind(tenant)
        .bind(team)
        .bind(span.previous_start)
        .bind(span.start)
        .bind(span.end)
        .bind(metrics)
        .fetch_all(c)
        .await?;
    Ok(by_metric(rows))
}

/// What the manager-KPI statement needs besides the team: the metrics it pivots into columns,
/// the goals per span (each working day's activity targets, each week's and month's objective
/// targets, from the template by the domain's own target math, flattened span by span in
/// metric order) and the quotas.
#[derive(Debug, Clone, Default)]
pub struct KpiGoals {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub activity: Vec<i32>,
    pub objective: Vec<i32>,
    pub quota_metric: i32,
    pub pipeline_metric: i32,
    pub day_spans: Vec<NaiveDate>,
    pub day_targets: Vec<f64>,
    pub week_spans: Vec<NaiveDate>,
    pub week_targets: Vec<f64>,
    pub month_spans: Vec<NaiveDate>,
    pub month_targets: Vec<f64>,
    /// Reps with a quota of their own, and its amount.
    pub own_ids: Vec<Uuid>,
    pub own_amounts: Vec<f64>,
}

impl KpiGoals {
    fn metrics(&self) -> Vec<i32> {
        let mut all = [
            &self.activity[..],
            &self.objective[..],
            &[self.quota_metric, self.pipeline_metric],
        ]
        .concat();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// One row of the manager-KPI statement: a goal share per span (`kind` day, week or month), or
/// a rep's quota figures (`kind` rep).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KpiRow {
    pub kind: String,
    pub span: Option<NaiveDate>,
    pub person: Option<Uuid>,
    pub met: i64,
    pub counted: i64,
    pub actual: f64,
    pub target: f64,
    pub pipeline: f64,
}

/// The manager-KPI statement for this template: one row per rep and day with a column per
/// metric (a0… activities, o0… objectives, q quota, p pipeline), then goal checks per day, week
/// and month against the targets at `$targets[k * (i - 1) + j]`.
fn kpi_sql(source: Source, goals: &KpiGoals) -> String {
    let value = if source == Source::Rollups { "r.sum" } else { "r.value" };
    let column =
        |id: i32, name: String| format!("coalesce(sum({value}) FILTER (WHERE r.metric_id = {id}), 0) AS {name}");
    let mut columns: Vec<String> = goals
        .activity
        .iter()
        .enumerate()
        .map(|(j, id)| column(*id, format!("a{j}")))
        .collect();
    columns.extend(
        goals
            .objective
            .iter()
            .enumerate()
            .map(|(j, id)| column(*id, format!("o{j}"))),
    );
    columns.push(column(goals.quota_metric, "q".into()));
    columns.push(column(goals.pipeline_metric, "p".into()));
    let columns = columns.join(", ");
    let met = |alias: &str, prefix: &str, n: usize, targets: &str| {
        let parts: Vec<String> = (0..n)
            .map(|j| format!("{alias}.{prefix}{j} >= {targets}[({n} * (g.i - 1) + {})::int]", j + 1))
            .collect();
        if parts.is_empty() {
            "true".to_string()
        } else {
            parts.join(" AND ")
        }
    };
    let sums = |alias: &str| {
        (0..goals.objective.len())
            .map(|j| format!(", sum({alias}.o{j}) AS o{j}"))
            .collect::<String>()
    };
    let days = match source {
        Source::Rollups => format!(
            "SELECT reps.person_id, d.* FROM reps, LATERAL (
                 SELECT r.day, {columns} FROM metrics.daily_rollups r
                 WHERE r.tenant_id = $1 AND r.person_id = reps.person_id AND r.day BETWEEN $3 AND $4
                   AND r.metric_id = ANY($5)
                 GROUP BY r.day) d"
        ),
        Source::Events => format!(
            "SELECT r.person_id, r.local_day AS day, {columns} FROM metrics.events r JOIN reps USING (person_id)
             WHERE r.tenant_id = $1 AND r.local_day BETWEEN $3 AND $4 AND r.metric_id = ANY($5)
             GROUP BY 1, 2"
        ),
    };
    let (na, no) = (goals.activity.len(), goals.objective.len());
    format!(
        "WITH RECURSIVE {SUBTREE},
         reps AS (
             SELECT m.person_id, m.direct, q.amount AS own
             FROM (SELECT p.* FROM subtree, LATERAL (
                       SELECT p.person_id, p.team_id = $2 AS direct FROM org.people p
                       WHERE p.tenant_id = $1 AND p.team_id = subtree.team_id AND p.status IN ('active', 'onboarding')
                         AND p.sales_role IN ('sdr', 'inside_sales_ae', 'field_ae', 'account_manager') OFFSET 0) p) m
             LEFT JOIN unnest($13::uuid[], $14::float8[]) AS q(person_id, amount) USING (person_id)),
         days AS MATERIALIZED ({days}),
         weeks AS (SELECT w.person_id, greatest(date_trunc('week', w.day)::date, $3) AS span {week_sums} FROM days w GROUP BY 1, 2),
         months AS (SELECT w.person_id, greatest(date_trunc('month', w.day)::date, $3) AS span {week_sums} FROM days w GROUP BY 1, 2),
         -- A team quota is split evenly over the team's direct reps without their own quota.
         quotas AS (
             SELECT person_id, coalesce(own, CASE WHEN direct THEN
                        greatest($12 - coalesce(sum(own) FILTER (WHERE direct) OVER (), 0), 0)
                        / nullif(count(*) FILTER (WHERE direct AND own IS NULL) OVER (), 0) END) AS quota
             FROM reps),
         counted AS (SELECT count(*) AS n FROM reps)
         SELECT 'day' AS kind, g.span, NULL::uuid AS person, count(d.person_id) FILTER (WHERE {day_met}) AS met,
                min(counted.n) AS counted, 0::float8 AS actual, 0::float8 AS target, 0::float8 AS pipeline
         FROM counted, unnest($6::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN days d ON d.day = g.span GROUP BY g.span
         UNION ALL
         SELECT 'week', g.span, NULL, count(w.person_id) FILTER (WHERE {week_met}), min(counted.n), 0, 0, 0
         FROM counted, unnest($8::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN weeks w ON w.span = g.span GROUP BY g.span
         UNION ALL
         SELECT 'month', g.span, NULL, count(w.person_id) FILTER (WHERE {month_met}), min(counted.n), 0, 0, 0
         FROM counted, unnest($10::date[]) WITH ORDINALITY AS g(span, i) LEFT JOIN months w ON w.span = g.span GROUP BY g.span
         UNION ALL
         SELECT 'rep', NULL, q.person_id, 0, 0, coalesce(sum(d.q), 0)::float8, coalesce(q.quota, 0)::float8,
                coalesce(sum(d.p), 0)::float8
         FROM quotas q LEFT JOIN days d USING (person_id) GROUP BY q.person_id, q.quota
         ORDER BY 1, 2, 3",
        week_sums = sums("w"),
        day_met = met("d", "a", na, "$7"),
        week_met = met("w", "o", no, "$9"),
        month_met = met("w", "o", no, "$11"),
    )
}

/// Manager KPIs for a team subtree over `goals.start..=goals.end`: the share of reps who met
/// every activity goal each working day and every objective goal each week and month, and each
/// rep's quota, quota-metric actual and pipeline. `team_quota` is the team's own quota, split
/// over its direct reps without their own. Rep coverage and the behind-pace lists are left
/// out: arithmetic on totals the statement already has.
pub async fn kpis(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    team: Uuid,
    team_quota: f64,
    goals: &KpiGoals,
) -> anyhow::Result<Vec<KpiRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(kpi_sql(source, goals)))
        .persistent(source == Source::Rollups)
        .bind(tenant)
        .bind(team)
        .bind(goals.start)
        .bind(goals.end)
        .bind(goals.metrics())
        .bind(&goals.day_spans)
        .bind(&goals.day_targets)
        .bind(&goals.week_spans)
        .bind(&goals.week_targets)
        .bind(&goals.month_spans)
        .bind(&goals.month_targets)
        .bind(team_quota)
        .bind(&goals.own_ids)
        .bind(&goals.own_amounts)
        .fetch_all(c)
        .await?)
}

/// The scans of the person statement's plan, e.g. "Index Only Scan using daily_rollups_pkey on
/// daily_rollups r", to show which index each baseline reads through.
pub async fn scans(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    person: Uuid,
    span: Span,
    metrics: &[i32],
) -> anyhow::Result<Vec<String>> {
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "EXPLAIN {}",
        totals_sql(source, source.shape_for(span), false)
    )))
    .persistent(false)
    .bind(tenant)
    .bind(person)
    .bind(span.previous_start)
    .bind(span.start)
    .bind(span.end)
    .bind(metrics)
    .fetch_all(c)
    .await?;
    Ok(plan
        .iter()
        .filter(|line| line.contains("Scan"))
        .map(|line| {
            let line = line.trim().trim_start_matches("->").trim();
            line.split("  (cost").next().unwrap_or(line).to_string()
        })
        .collect())
}

/// Runs `body` with the `(tenant_id, person_id, local_day)` index of `metrics.events` dropped,
/// in a transaction that is rolled back afterwards whatever happens, so (a) can use only the
/// primary key and the database is left as it was.
pub async fn without_helper_index<T>(
    c: &mut PgConnection,
    body: impl AsyncFnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    sqlx::raw_sql("BEGIN; DROP INDEX metrics.events_person_day")
        .execute(&mut *c)
        .await?;
    let result = body(&mut *c).await;
    sqlx::raw_sql("ROLLBACK").execute(&mut *c).await?;
    result
}

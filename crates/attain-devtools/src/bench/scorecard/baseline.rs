//! The SQL baselines: the same numbers as the service's, computed by one hand-written statement
//! each, run as the database owner on one connection with the tenant as a parameter.
//!
//! (b) reads `metrics.daily_rollups` through its person-first covering key, or
//! `metrics.monthly_rollups` for a person's span of whole months, or the ranked index of
//! `metrics.three_month_totals` for a leaderboard over three whole months. (a) reads raw
//! `metrics.events` with the same statements, inside a transaction that has dropped the
//! `(tenant_id, person_id, local_day)` helper index (and is rolled back afterwards), so only the
//! primary key `(tenant_id, event_id)` is left: what a naive schema without rollups would do.
//!
//! The statements are files under `sql/baseline/` (see `crate::sql`); this module picks the
//! one for the source and span, binds the parameters and reads the rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::sql::{DROP_EVENTS_PERSON_DAY_INDEX, baseline as sql, fill};

/// Where a baseline reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// (b): the daily rollups.
    Rollups,
    /// (a): raw events, primary key only.
    Events,
}

/// The table a statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    DailyRollups,
    MonthlyRollups,
    Events,
}

impl Span {
    /// Whether the span is whole calendar months, so (b) can read the monthly rollups.
    fn whole_months(&self) -> bool {
        use chrono::Datelike;
        self.previous_start.day() == 1 && self.start.day() == 1 && self.end.succ_opt().is_some_and(|d| d.day() == 1)
    }
}

impl Source {
    /// The table read for `span`: over rollups, the monthly ones when the span is whole months
    /// (three rows per person and metric for a quarter instead of about 66).
    fn table_for(self, span: Span) -> Table {
        match self {
            Source::Rollups if span.whole_months() => Table::MonthlyRollups,
            Source::Rollups => Table::DailyRollups,
            Source::Events => Table::Events,
        }
    }
}

/// The person statement: totals per metric of person $2 over $4..=$5 and, separately, the
/// previous period $3..$4.
fn person_sql(table: Table) -> &'static str {
    match table {
        Table::DailyRollups => sql::PERSON_DAILY_ROLLUPS,
        Table::MonthlyRollups => sql::PERSON_MONTHLY_ROLLUPS,
        Table::Events => sql::PERSON_EVENTS,
    }
}

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
    let rows: Vec<TotalsRow> = sqlx::query_as(person_sql(source.table_for(span)))
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
        return Ok(sqlx::query_as(sql::TOP_THREE_MONTH_TOTALS)
            .bind(tenant)
            .bind(metric)
            .bind(span.start)
            .bind(limit)
            .fetch_all(c)
            .await?);
    }
    let statement = match source.table_for(span) {
        Table::DailyRollups => sql::TOP_DAILY_ROLLUPS,
        Table::MonthlyRollups => sql::TOP_MONTHLY_ROLLUPS,
        Table::Events => sql::TOP_EVENTS,
    };
    Ok(sqlx::query_as(statement)
        .persistent(source == Source::Rollups)
        .bind(tenant)
        .bind(metric)
        .bind(span.start)
        .bind(span.end)
        .bind(limit)
        .fetch_all(c)
        .await?)
}

/// The same for a team: the sums over its subtree's people (everyone who has not left).
pub async fn team(
    c: &mut PgConnection,
    source: Source,
    tenant: Uuid,
    team: Uuid,
    span: Span,
    metrics: &[i32],
) -> anyhow::Result<HashMap<i32, Totals>> {
    let statement = match source {
        Source::Rollups => sql::TEAM_DAILY_ROLLUPS,
        Source::Events => sql::TEAM_EVENTS,
    };
    let rows: Vec<TotalsRow> = sqlx::query_as(statement)
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
/// and month against the targets at `$targets[k * (i - 1) + j]`. The pivot's width follows the
/// template, so the statement is a template whose slots are filled with fragments.
fn kpi_sql(source: Source, goals: &KpiGoals) -> anyhow::Result<String> {
    let (days, column) = match source {
        Source::Rollups => (sql::KPIS_DAYS_DAILY_ROLLUPS, sql::KPIS_COLUMN_DAILY_ROLLUPS),
        Source::Events => (sql::KPIS_DAYS_EVENTS, sql::KPIS_COLUMN_EVENTS),
    };
    let activity = goals.activity.iter().enumerate().map(|(j, id)| (*id, format!("a{j}")));
    let objective = goals.objective.iter().enumerate().map(|(j, id)| (*id, format!("o{j}")));
    let totals = [
        (goals.quota_metric, "q".to_string()),
        (goals.pipeline_metric, "p".to_string()),
    ];
    let columns = activity
        .chain(objective)
        .chain(totals)
        .map(|(id, name)| fill(column, &[("metric", &id.to_string()), ("name", &name)]))
        .collect::<anyhow::Result<Vec<_>>>()?
        .join(" ");
    // Every goal of the span: column `{prefix}j` of `row` against the span's j-th of `n` targets.
    let met = |row: &str, prefix: &str, n: usize, targets: &str| -> anyhow::Result<String> {
        let checks = (0..n).map(|j| {
            let (column, per_span, position) = (format!("{prefix}{j}"), n.to_string(), (j + 1).to_string());
            let slots = [
                ("row", row),
                ("column", column.as_str()),
                ("targets", targets),
                ("per_span", per_span.as_str()),
                ("position", position.as_str()),
            ];
            fill(sql::KPIS_GOAL_MET, &slots)
        });
        Ok(checks.collect::<anyhow::Result<Vec<_>>>()?.join(" "))
    };
    let objective_sums = (0..goals.objective.len())
        .map(|j| fill(sql::KPIS_OBJECTIVE_SUM, &[("column", &format!("o{j}"))]))
        .collect::<anyhow::Result<Vec<_>>>()?
        .join(" ");
    let (na, no) = (goals.activity.len(), goals.objective.len());
    fill(
        sql::KPIS,
        &[
            ("days", &fill(days, &[("columns", &columns)])?),
            ("objective_sums", &objective_sums),
            ("day_met", &met("d", "a", na, "$7")?),
            ("week_met", &met("w", "o", no, "$9")?),
            ("month_met", &met("w", "o", no, "$11")?),
        ],
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
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(kpi_sql(source, goals)?))
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
    // The statement's own text after EXPLAIN: its leading comment is whitespace to the parser.
    let explain = format!("EXPLAIN {}", person_sql(source.table_for(span)));
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
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
    let mut transaction = c.begin().await?;
    sqlx::raw_sql(DROP_EVENTS_PERSON_DAY_INDEX)
        .execute(&mut *transaction)
        .await?;
    let result = body(&mut transaction).await;
    transaction.rollback().await?;
    result
}

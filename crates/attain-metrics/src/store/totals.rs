//! Aggregates over the daily and monthly rollups.

use attain_domain::{
    metric::Totals,
    period::{DateRange, MonthSplit},
};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{Conn, RankedRow, Result};

/// Totals of one metric for one person (or for everyone combined, with `person_id` `None`),
/// or for one day when grouped by day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotalsRow {
    pub person_id: Option<Uuid>,
    pub day: Option<NaiveDate>,
    pub metric_id: i32,
    pub sum: i64,
    pub count: i64,
    pub max: i64,
}

impl TotalsRow {
    pub fn totals(&self) -> Totals {
        Totals {
            sum: self.sum,
            count: self.count,
            max: self.max,
        }
    }
}

/// How rows are grouped besides by metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Person,
    Combined,
    Day,
    PersonDay,
}

/// A range no row falls in (it ends before it starts), for the parts of a split that are absent.
const NOTHING: (NaiveDate, NaiveDate) = match (NaiveDate::from_ymd_opt(2000, 1, 2), NaiveDate::from_ymd_opt(2000, 1, 1))
{
    (Some(start), Some(end)) => (start, end),
    _ => panic!("valid dates"),
};

fn bounds(part: Option<DateRange>) -> (NaiveDate, NaiveDate) {
    part.map_or(NOTHING, |r| (r.start, r.end))
}

/// The rollup rows of metrics $2 over a range as `x (person_id, day, metric_id, sum, count,
/// max)`: the daily rollups over $3..=$4 and $7..=$8, the monthly ones over months $5..=$6 with
/// the additions not folded into them yet; for the people of parameter `people` when given
/// (through the person-first keys, a nested loop over the list: what a scorecard or a team
/// wants), else everyone (through the metric-first indexes: a ranking). Each shape has one good
/// plan whatever the parameters, so the statements stay prepared.
fn source(people: Option<u8>, split: &MonthSplit) -> String {
    let (person, from) = if people.is_some() {
        ("p.pid", "AND person_id = p.pid")
    } else {
        ("person_id", "")
    };
    // `day` is the rollup's day for the daily parts and the month for the monthly part; only
    // the per-day groupings select it, and they read the daily rollups alone. Absent parts are
    // left out rather than given an empty range: each would still cost an index probe per person.
    let daily = |from_param: u8| {
        format!(
            "SELECT {person} AS person_id, day, metric_id, sum, count, max FROM metrics.daily_rollups
             WHERE tenant_id = $1 {from} AND day BETWEEN ${from_param} AND ${} AND metric_id = ANY($2)",
            from_param + 1
        )
    };
    let monthly = format!(
        "SELECT {person} AS person_id, month AS day, metric_id, sum, count, max FROM metrics.monthly_rollups
         WHERE tenant_id = $1 {from} AND month BETWEEN $5 AND $6 AND metric_id = ANY($2)"
    );
    let parts: Vec<String> = [
        split.head.map(|_| daily(3)),
        split.months.map(|_| monthly),
        split.tail.map(|_| daily(7)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let parts = parts.join(" UNION ALL ");
    // The pending additions are packed per batch, month and bucket of people: a list's are
    // unpacked from its people's buckets only, once for the whole list rather than per person.
    let pending = split.months.map(|_| {
        let of_people = people
            .map(|n| {
                format!(
                    "AND mp.bucket = ANY(ARRAY(SELECT DISTINCT metrics.person_bucket(pid) FROM unnest(${n}::uuid[]) pid))
                     AND u.person_id = ANY(${n}::uuid[])"
                )
            })
            .unwrap_or_default();
        format!(
            " UNION ALL SELECT u.person_id, mp.month AS day, u.metric_id, u.sum, u.count, u.max
             FROM metrics.monthly_pending mp
             CROSS JOIN LATERAL unnest(mp.person_ids, mp.metric_ids, mp.sums, mp.counts, mp.maxes)
                 AS u(person_id, metric_id, sum, count, max)
             WHERE mp.tenant_id = $1 AND mp.month BETWEEN $5 AND $6 AND u.metric_id = ANY($2) {of_people}"
        )
    });
    let pending = pending.unwrap_or_default();
    match people {
        Some(n) => {
            format!("(SELECT y.* FROM unnest(${n}::uuid[]) AS p(pid) CROSS JOIN LATERAL ({parts}) y{pending}) x")
        }
        None => format!("({parts}{pending}) x"),
    }
}

/// The parts of `range` to read: whole calendar months from the monthly rollups and the days
/// around them from the daily ones, unless `by_day`.
fn split(range: DateRange, by_day: bool) -> MonthSplit {
    if by_day {
        MonthSplit {
            head: Some(range),
            months: None,
            tail: None,
        }
    } else {
        range.split_months()
    }
}

type Query<'q, T> = sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>;

/// Binds $1..=$8 of `source`.
fn bind_source<'q, T>(query: Query<'q, T>, tenant: Uuid, metrics: &'q [i32], split: &MonthSplit) -> Query<'q, T> {
    let (head, months, tail) = (bounds(split.head), bounds(split.months), bounds(split.tail));
    query
        .bind(tenant)
        .bind(metrics)
        .bind(head.0)
        .bind(head.1)
        .bind(months.0)
        .bind(months.1)
        .bind(tail.0)
        .bind(tail.1)
}

/// The people a listed source reads, each once: a repeated id would count twice.
fn distinct(people: &[Uuid]) -> Vec<Uuid> {
    let mut people = people.to_vec();
    people.sort_unstable();
    people.dedup();
    people
}

/// Totals of `metrics` over `range` for `people` (`None`: everyone with data).
pub async fn totals(
    c: &mut Conn,
    tenant: Uuid,
    people: Option<&[Uuid]>,
    metrics: &[i32],
    range: DateRange,
    group: GroupBy,
) -> Result<Vec<TotalsRow>> {
    let (select, group_by) = match group {
        GroupBy::Person => ("person_id, NULL::date AS day", "person_id, metric_id"),
        GroupBy::Combined => ("NULL::uuid AS person_id, NULL::date AS day", "metric_id"),
        GroupBy::Day => ("NULL::uuid AS person_id, day", "day, metric_id"),
        GroupBy::PersonDay => ("person_id, day", "person_id, day, metric_id"),
    };
    let split = split(range, matches!(group, GroupBy::Day | GroupBy::PersonDay));
    let source = source(people.map(|_| 9), &split);
    // The rollups hold one row per (person, day, metric) already: per person and day they are
    // read as they are, without a GROUP BY that would re-sort and hash every row.
    let sql = if group == GroupBy::PersonDay {
        format!("SELECT x.person_id, x.day, x.metric_id, x.sum, x.count::bigint AS count, x.max FROM {source}")
    } else {
        format!(
            "SELECT {select}, metric_id, metrics.saturated(sum(x.sum)) AS sum, sum(x.count)::bigint AS count, max(x.max) AS max
             FROM {source} GROUP BY {group_by}"
        )
    };
    let query = bind_source(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, metrics, &split);
    match people {
        Some(people) => query.bind(distinct(people)).fetch_all(c).await,
        None => query.fetch_all(c).await,
    }
}

/// What a ranking ranks on: one event metric's value, or a ratio of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Score {
    /// The metric's sum (COUNT and SUM metrics), for people with at least one event.
    Sum,
    /// The metric's largest value, for people with at least one event.
    Max,
    /// The first metric's sum over the second's, for people whose denominator reaches the minimum.
    Ratio { min_denominator: i64 },
}

/// Ranks `people` (`None`: everyone with data) on `score` over metric ids `ids` (the same id
/// twice for an event metric) in competition order (1, 2, 2, 4; ties by person id), and returns
/// the ranks up to `limit` (so with everyone tied at the cut) and the rows of `also` wherever
/// they rank. Ranking in SQL sends about `limit` rows back instead of one per person.
#[allow(clippy::too_many_arguments)]
pub async fn ranking(
    c: &mut Conn,
    tenant: Uuid,
    people: Option<&[Uuid]>,
    ids: [i32; 2],
    range: DateRange,
    score: Score,
    lower_is_better: bool,
    limit: i64,
    also: &[Uuid],
) -> Result<Vec<RankedRow>> {
    // A sum over a whole tenant and exactly three whole months (a quarter, fiscal or not) is
    // read from the top of the ranked window index.
    if let (None, Score::Sum, Some(first_month)) = (people, score, super::windows::window_of(range))
        && ids[0] == ids[1]
    {
        return super::windows::ranking(c, tenant, ids[0], first_month, lower_is_better, limit, also).await;
    }
    let split = split(range, false);
    let source = source(people.map(|_| 12), &split);
    // Only the aggregates the score needs: every extra one costs as much as the scan. Columns a
    // score does not use come back as 0.
    let (aggregates, eligible) = match score {
        Score::Sum => (
            "metrics.saturated(sum(x.sum)) AS a_sum, sum(x.count)::bigint AS a_count, 0::bigint AS a_max,
             0::bigint AS b_sum, 0::bigint AS b_count, 0::bigint AS b_max",
            "a_count > 0",
        ),
        Score::Max => (
            "0::bigint AS a_sum, sum(x.count)::bigint AS a_count, max(x.max) AS a_max,
             0::bigint AS b_sum, 0::bigint AS b_count, 0::bigint AS b_max",
            "a_count > 0",
        ),
        Score::Ratio { .. } => (
            "metrics.saturated(coalesce(sum(x.sum) FILTER (WHERE x.metric_id = $2[1]), 0)) AS a_sum, 0::bigint AS a_count,
             0::bigint AS a_max, metrics.saturated(coalesce(sum(x.sum) FILTER (WHERE x.metric_id = $2[2]), 0)) AS b_sum,
             coalesce(sum(x.count) FILTER (WHERE x.metric_id = $2[2]), 0)::bigint AS b_count, 0::bigint AS b_max",
            "b_sum <> 0 AND b_sum >= $9",
        ),
    };
    let value = match score {
        Score::Sum => "a_sum::float8",
        Score::Max => "a_max::float8",
        Score::Ratio { .. } => "a_sum::float8 / b_sum::float8",
    };
    // Everyone's value once (materialized); the value at place `limit` is the cut, so the top
    // is everyone at or above it (ties at the cut included), ranked among themselves, which is
    // their rank overall. The caller's row below the cut is ranked by counting who is above.
    // Lower-is-better ranks the negated value ($10 = -1): negating keeps ties exactly.
    let sql = format!(
        "WITH valued AS MATERIALIZED (
             SELECT t.*, {value} * $10::float8 AS value
             FROM (SELECT x.person_id, {aggregates} FROM {source} GROUP BY x.person_id) t
             WHERE {eligible}
         ), cut AS (
             SELECT coalesce((SELECT value FROM valued ORDER BY value DESC OFFSET $11 - 1 LIMIT 1),
                             '-Infinity'::float8) AS v
         ), top AS (
             SELECT valued.*, rank() OVER (ORDER BY value DESC) AS rank FROM valued, cut WHERE valued.value >= cut.v
         ), others AS (
             SELECT valued.*, 1 + (SELECT count(*) FROM valued above WHERE above.value > valued.value) AS rank
             FROM valued, cut WHERE valued.person_id = ANY($13::uuid[]) AND valued.value < cut.v
         )
         SELECT person_id, rank, (SELECT count(*) FROM valued) AS ranked_count,
                a_sum, a_count, a_max, b_sum, b_count, b_max
         FROM (SELECT * FROM top UNION ALL SELECT * FROM others) r
         ORDER BY rank, person_id"
    );
    let min_denominator = match score {
        Score::Ratio { min_denominator } => min_denominator,
        _ => 0,
    };
    let query = bind_source(sqlx::query_as(sqlx::AssertSqlSafe(sql)), tenant, &ids, &split)
        .bind(min_denominator)
        .bind(if lower_is_better { -1.0f64 } else { 1.0 })
        .bind(limit.max(1))
        .bind(people.map(distinct).unwrap_or_default())
        .bind(also);
    query.fetch_all(c).await
}

//! Aggregates over the daily rollups.

use attain_domain::metric::Totals;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{Conn, Result};

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

/// Totals of `metrics` over `[start, end]` for `people` (`None`: everyone with data).
pub async fn totals(
    c: &mut Conn,
    tenant: Uuid,
    people: Option<&[Uuid]>,
    metrics: &[i32],
    start: NaiveDate,
    end: NaiveDate,
    group: GroupBy,
) -> Result<Vec<TotalsRow>> {
    let (select, group_by) = match group {
        GroupBy::Person => ("person_id, NULL::date AS day", "person_id, metric_id"),
        GroupBy::Combined => ("NULL::uuid AS person_id, NULL::date AS day", "metric_id"),
        GroupBy::Day => ("NULL::uuid AS person_id, day", "day, metric_id"),
        GroupBy::PersonDay => ("person_id, day", "person_id, day, metric_id"),
    };
    // Which index is right depends on the parameters: a few people → the person-first key,
    // everyone → the metric-first index. A cached generic plan cannot know, and picked the
    // metric-first index for one person's quarter (170 ms instead of 3 ms over 1 M rollup
    // rows), so these statements are not kept prepared: PostgreSQL then plans the unnamed
    // statement with the actual values each time.
    let people_filter = if people.is_some() {
        "AND person_id = ANY($5)"
    } else {
        ""
    };
    // The rollups hold one row per (person, day, metric) already: per person and day they are
    // read as they are, without a GROUP BY that would re-sort and hash every row.
    let sql = if group == GroupBy::PersonDay {
        format!(
            "SELECT person_id, day, metric_id, sum, count::bigint AS count, max
             FROM metrics.daily_rollups
             WHERE tenant_id = $1 AND metric_id = ANY($2) AND day BETWEEN $3 AND $4 {people_filter}"
        )
    } else {
        format!(
            "SELECT {select}, metric_id, sum(sum)::bigint AS sum, sum(count)::bigint AS count, max(max) AS max
             FROM metrics.daily_rollups
             WHERE tenant_id = $1 AND metric_id = ANY($2) AND day BETWEEN $3 AND $4 {people_filter}
             GROUP BY {group_by}"
        )
    };
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(tenant)
        .bind(metrics)
        .bind(start)
        .bind(end);
    match people {
        Some(people) => query.bind(people).fetch_all(c).await,
        None => query.fetch_all(c).await,
    }
}

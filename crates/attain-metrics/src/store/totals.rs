//! Aggregates over the daily rollups.

use attain_domain::{
    metric::Totals,
    period::{DateRange, MonthSplit},
};
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

/// A range no row falls in (it ends before it starts), for the parts of a split that are absent.
const NOTHING: (NaiveDate, NaiveDate) = match (NaiveDate::from_ymd_opt(2000, 1, 2), NaiveDate::from_ymd_opt(2000, 1, 1))
{
    (Some(start), Some(end)) => (start, end),
    _ => panic!("valid dates"),
};

fn bounds(part: Option<DateRange>) -> (NaiveDate, NaiveDate) {
    part.map_or(NOTHING, |r| (r.start, r.end))
}

/// Totals of `metrics` over `range` for `people` (`None`: everyone with data).
///
/// Per person or combined, whole calendar months come from the monthly rollups and the days
/// around them from the daily ones. With a list of people, each person is read through the
/// person-first keys (a nested loop over the list, which is what a scorecard or a team wants);
/// for everyone, through the metric-first indexes (a leaderboard). Each shape has one good
/// plan whatever the parameters, so the statements are prepared once per connection.
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
    let by_day = matches!(group, GroupBy::Day | GroupBy::PersonDay);
    let split = if by_day {
        MonthSplit {
            head: Some(range),
            months: None,
            tail: None,
        }
    } else {
        range.split_months()
    };
    let (head, months, tail) = (bounds(split.head), bounds(split.months), bounds(split.tail));
    let (person, from) = match people {
        // A person's rows, for the LATERAL subquery below.
        Some(_) => ("p.pid", "AND person_id = p.pid"),
        None => ("person_id", ""),
    };
    // `day` is the rollup's day for the daily parts and the month for the monthly part; only
    // the per-day groupings select it, and they read the daily rollups alone.
    let parts = format!(
        "SELECT {person} AS person_id, day, metric_id, sum, count, max FROM metrics.daily_rollups
         WHERE tenant_id = $1 {from} AND day BETWEEN $3 AND $4 AND metric_id = ANY($2)
         UNION ALL
         SELECT {person}, month, metric_id, sum, count, max FROM metrics.monthly_rollups
         WHERE tenant_id = $1 {from} AND month BETWEEN $5 AND $6 AND metric_id = ANY($2)
         UNION ALL
         SELECT {person}, day, metric_id, sum, count, max FROM metrics.daily_rollups
         WHERE tenant_id = $1 {from} AND day BETWEEN $7 AND $8 AND metric_id = ANY($2)"
    );
    let source = match people {
        Some(_) => format!("unnest($9::uuid[]) AS p(pid) CROSS JOIN LATERAL ({parts}) x"),
        None => format!("({parts}) x"),
    };
    // The rollups hold one row per (person, day, metric) already: per person and day they are
    // read as they are, without a GROUP BY that would re-sort and hash every row.
    let sql = if group == GroupBy::PersonDay {
        format!("SELECT x.person_id, x.day, x.metric_id, x.sum, x.count::bigint AS count, x.max FROM {source}")
    } else {
        format!(
            "SELECT {select}, metric_id, sum(x.sum)::bigint AS sum, sum(x.count)::bigint AS count, max(x.max) AS max
             FROM {source} GROUP BY {group_by}"
        )
    };
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(metrics)
        .bind(head.0)
        .bind(head.1)
        .bind(months.0)
        .bind(months.1)
        .bind(tail.0)
        .bind(tail.1);
    match people {
        Some(people) => {
            // Each listed person is read once: a repeated id would count twice.
            let mut people = people.to_vec();
            people.sort_unstable();
            people.dedup();
            query.bind(people).fetch_all(c).await
        }
        None => query.fetch_all(c).await,
    }
}

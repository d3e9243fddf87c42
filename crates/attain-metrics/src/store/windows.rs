//! Three-month windows (`metrics.three_month_totals`): each person's sum and count of a metric
//! over every run of three calendar months, ranked by sum in an index. A quarter's ranking over
//! a whole tenant reads its top rows from that index instead of summing every person's monthly
//! rows first; whatever is still pending for the quarter is added to the few people it concerns.
//!
//! The windows are written with the monthly rollups they are made of, by the holder of the
//! tenant's monthly lock (`monthly::lock`): the fold adds to them, a retraction's recompute and
//! a rebuild sum them again.

use attain_domain::period::DateRange;
use chrono::{Datelike, Months};
use uuid::Uuid;

use super::{Conn, RankedRow, Recompute, Result};

/// Sums again, from the monthly rollups, every window holding a month of `keys`.
pub async fn recompute(c: &mut Conn, tenant: Uuid, keys: &Recompute<'_>) -> Result<()> {
    sqlx::query(
        "WITH k AS (
             SELECT DISTINCT t.person_id, t.metric_id,
                    (date_trunc('month', t.day::timestamp) - make_interval(months => o))::date AS first_month
             FROM unnest($2::uuid[], $3::date[], $4::int[]) AS t(person_id, day, metric_id)
             CROSS JOIN generate_series(0, 2) AS o
         ), fresh AS (
             SELECT k.person_id, k.first_month, k.metric_id, metrics.saturated(sum(r.sum)) AS sum, sum(r.count)::bigint AS count
             FROM k JOIN metrics.monthly_rollups r
               ON r.tenant_id = $1 AND r.person_id = k.person_id AND r.metric_id = k.metric_id
              AND r.month >= k.first_month AND r.month < (k.first_month + interval '3 months')::date
             GROUP BY k.person_id, k.first_month, k.metric_id
         ), emptied AS (
             DELETE FROM metrics.three_month_totals w USING k
             WHERE w.tenant_id = $1 AND w.person_id = k.person_id AND w.first_month = k.first_month
               AND w.metric_id = k.metric_id
               AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.person_id = k.person_id
                               AND f.first_month = k.first_month AND f.metric_id = k.metric_id)
         )
         INSERT INTO metrics.three_month_totals AS w (tenant_id, person_id, first_month, metric_id, sum, count)
         SELECT $1, person_id, first_month, metric_id, sum, count FROM fresh ORDER BY 2, 3, 4
         ON CONFLICT (tenant_id, person_id, first_month, metric_id) DO UPDATE
             SET sum = excluded.sum, count = excluded.count",
    )
    .bind(tenant)
    .bind(keys.people)
    .bind(keys.days)
    .bind(keys.metrics)
    .execute(c)
    .await
    .map(drop)
}

/// Rebuilds `tenant`'s windows from its monthly rollups.
pub async fn rebuild(c: &mut Conn, tenant: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM metrics.three_month_totals WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO metrics.three_month_totals (tenant_id, person_id, first_month, metric_id, sum, count)
         SELECT $1, person_id, (month - make_interval(months => o))::date, metric_id, metrics.saturated(sum(sum)), sum(count)
         FROM metrics.monthly_rollups CROSS JOIN generate_series(0, 2) AS o
         WHERE tenant_id = $1
         GROUP BY 2, 3, 4",
    )
    .bind(tenant)
    .execute(c)
    .await
    .map(drop)
}

/// The window `range` is, if it is exactly three whole calendar months: its first day.
pub fn window_of(range: DateRange) -> Option<chrono::NaiveDate> {
    let after = range.start.checked_add_months(Months::new(3))?;
    (range.start.day() == 1 && range.end.succ_opt() == Some(after)).then_some(range.start)
}

/// Ranks everyone with events of `metric` in the window starting `first_month` by the metric's
/// sum, as `totals::ranking` does with `Score::Sum` for everyone (competition ranks, ties by
/// person id; the ranks up to `limit`, everyone tied at the cut, and the rows of `also`), but
/// reading the top of the ranked index instead of everyone's monthly rows.
///
/// The index is exact for people with nothing pending in the window. People with pending
/// additions (`pend`, a few: what arrived since the last fold) get their exact value, and the
/// head read from the index is longer by their number, so the top `limit` of everyone else is
/// always in it.
pub async fn ranking(
    c: &mut Conn,
    tenant: Uuid,
    metric: i32,
    first_month: chrono::NaiveDate,
    lower_is_better: bool,
    limit: i64,
    also: &[Uuid],
) -> Result<Vec<RankedRow>> {
    // Higher is better reads the index backwards; "better than" flips with the direction.
    let (order, better, at_least, worse, everyone) = if lower_is_better {
        ("ASC", "<", "<=", ">", i64::MAX)
    } else {
        ("DESC", ">", ">=", "<", i64::MIN)
    };
    // The people whose window row is exact (nothing pending), as a condition on alias `w`;
    // spelled out in each place rather than shared as a CTE, which PostgreSQL would
    // materialize whole (every ranked person) instead of reading the index range each needs.
    let settled = "w.tenant_id = $1 AND w.metric_id = $2 AND w.first_month = $3 AND w.count > 0
                   AND NOT EXISTS (SELECT 1 FROM pend p WHERE p.person_id = w.person_id)";
    let sql = format!(
        "WITH pend AS MATERIALIZED (
             SELECT u.person_id, metrics.saturated(sum(u.sum)) AS sum, sum(u.count)::bigint AS count
             FROM metrics.monthly_pending mp
             CROSS JOIN LATERAL unnest(mp.person_ids, mp.metric_ids, mp.sums, mp.counts) AS u(person_id, metric_id, sum, count)
             WHERE mp.tenant_id = $1 AND mp.month >= $3 AND mp.month < ($3 + interval '3 months')::date
               AND u.metric_id = $2
             GROUP BY u.person_id
         ), exact AS MATERIALIZED (
             SELECT p.person_id, metrics.saturated(coalesce(w.sum, 0)::numeric + p.sum) AS sum, coalesce(w.count, 0) + p.count AS count
             FROM pend p LEFT JOIN metrics.three_month_totals w
               ON w.tenant_id = $1 AND w.person_id = p.person_id AND w.first_month = $3 AND w.metric_id = $2
         ), candidates AS (
             -- The head of the index, longer by the people pending (whose rows there are
             -- stale and left out), and those people with their exact values.
             SELECT h.person_id, h.sum
             FROM (SELECT w.person_id, w.sum FROM metrics.three_month_totals w
                   WHERE w.tenant_id = $1 AND w.metric_id = $2 AND w.first_month = $3 AND w.count > 0
                   ORDER BY w.sum {order}
                   LIMIT $4 + (SELECT count(*) FROM pend)) h
             WHERE NOT EXISTS (SELECT 1 FROM pend p WHERE p.person_id = h.person_id)
             UNION ALL SELECT person_id, sum FROM exact WHERE count > 0
         ), cut AS MATERIALIZED (
             SELECT (SELECT sum FROM candidates ORDER BY sum {order} OFFSET $4 - 1 LIMIT 1) AS v
         ), top AS (
             -- Everyone at or above the cut (ties past the head too), so ranks among them are
             -- ranks overall.
             SELECT person_id, sum, count, rank() OVER (ORDER BY sum {order}) AS rank
             FROM (SELECT w.person_id, w.sum, w.count FROM metrics.three_month_totals w, cut
                   WHERE {settled} AND w.sum {at_least} coalesce(cut.v, {everyone})
                   UNION ALL SELECT e.* FROM exact e, cut
                   WHERE e.count > 0 AND e.sum {at_least} coalesce(cut.v, {everyone})) a
         ), mine AS (
             SELECT e.person_id, e.sum, e.count FROM exact e WHERE e.count > 0 AND e.person_id = ANY($5)
             UNION ALL
             SELECT w.person_id, w.sum, w.count FROM metrics.three_month_totals w
             WHERE {settled} AND w.person_id = ANY($5)
         ), others AS (
             SELECT m.person_id, m.sum, m.count,
                    1 + (SELECT count(*) FROM metrics.three_month_totals w WHERE {settled} AND w.sum {better} m.sum)
                      + (SELECT count(*) FROM exact e WHERE e.count > 0 AND e.sum {better} m.sum) AS rank
             FROM mine m, cut WHERE m.sum {worse} cut.v
         )
         SELECT person_id, rank,
                -- Everyone in the index, less the pending people it has, plus them exactly.
                (SELECT count(*) FROM metrics.three_month_totals w
                 WHERE w.tenant_id = $1 AND w.metric_id = $2 AND w.first_month = $3 AND w.count > 0)
                  - (SELECT count(*) FROM pend p JOIN metrics.three_month_totals w
                       ON w.tenant_id = $1 AND w.person_id = p.person_id AND w.first_month = $3
                      AND w.metric_id = $2 AND w.count > 0)
                  + (SELECT count(*) FROM exact WHERE count > 0) AS ranked_count,
                sum AS a_sum, count AS a_count, 0::bigint AS a_max, 0::bigint AS b_sum, 0::bigint AS b_count,
                0::bigint AS b_max
         FROM (SELECT * FROM top UNION ALL SELECT * FROM others) r
         ORDER BY rank, person_id"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(metric)
        .bind(first_month)
        .bind(limit.max(1))
        .bind(also)
        .fetch_all(c)
        .await
}

//! The monthly rollups and the additions to them not yet folded in.
//!
//! Ingestion never updates `metrics.monthly_rollups`: concurrent batches of the same month would
//! wait on each other's rows until commit. Each batch appends its additions, one row per month,
//! to `metrics.monthly_pending` instead (insert-only, so nothing to wait on), and reads add
//! those rows to the monthly ones in the same snapshot. [`fold`] moves them into the monthly
//! rows in one statement, so every snapshot sees each addition exactly once: still pending, or
//! folded. Whoever writes the monthly rows (the folder, a retraction, a rebuild) holds the
//! tenant's [`lock`] first, so they never race one another, and ingestion never waits for it.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Conn, Recompute, Result, windows};

/// Takes the lock on `tenant`'s monthly rollups until the transaction ends. Take it before any
/// row lock: ingestion never takes it, so a row lock held while waiting for it could deadlock
/// only with another of its holders, which all take it first.
pub async fn lock(c: &mut Conn, tenant: Uuid) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('attain.metrics.monthly_rollups/' || $1::text, 0))")
        .bind(tenant)
        .execute(c)
        .await
        .map(drop)
}

/// Folds every pending row of `tenant` visible now (of `month` only, when given; never one set
/// aside) into the monthly rollups, except that the months of `recompute` are summed again from
/// the daily rollups (after a retraction: a max cannot be decremented). Returns the pending
/// rows folded. The caller holds [`lock`].
pub async fn fold(c: &mut Conn, tenant: Uuid, recompute: &Recompute<'_>, month: Option<NaiveDate>) -> Result<i64> {
    // One statement, so one snapshot: a batch committed before it is both taken from the
    // pending rows and (for recomputed months) counted in the daily rows; a batch committed
    // after it stays pending. Every part touches its own keys (the recomputed ones, emptied or
    // replaced, and the others, added to), so no row is written twice; rows go in key order.
    let folded: i64 = sqlx::query_scalar(
        "WITH taken AS (
             DELETE FROM metrics.monthly_pending
             WHERE tenant_id = $1 AND set_aside_at IS NULL AND ($5::date IS NULL OR month = $5)
             RETURNING month, person_ids, metric_ids, sums, counts, maxes
         ), recomputed AS (
             SELECT DISTINCT person_id, date_trunc('month', day::timestamp)::date AS month, metric_id
             FROM UNNEST($2::uuid[], $3::date[], $4::int[]) AS k(person_id, day, metric_id)
         ), fresh AS (
             SELECT k.person_id, k.month, k.metric_id, metrics.saturated(sum(d.sum)) AS sum, sum(d.count)::bigint AS count,
                    max(d.max) AS max
             FROM recomputed k JOIN metrics.daily_rollups d
               ON d.tenant_id = $1 AND d.person_id = k.person_id AND d.metric_id = k.metric_id
              AND d.day >= k.month AND d.day < (k.month + interval '1 month')::date
             GROUP BY k.person_id, k.month, k.metric_id
         ), added AS (
             SELECT u.person_id, t.month, u.metric_id, metrics.saturated(sum(u.sum)) AS sum, sum(u.count)::bigint AS count,
                    max(u.max) AS max
             FROM taken t
             CROSS JOIN LATERAL unnest(t.person_ids, t.metric_ids, t.sums, t.counts, t.maxes)
                 AS u(person_id, metric_id, sum, count, max)
             WHERE NOT EXISTS (SELECT 1 FROM recomputed k
                               WHERE k.person_id = u.person_id AND k.month = t.month AND k.metric_id = u.metric_id)
             GROUP BY u.person_id, t.month, u.metric_id
         ), emptied AS (
             DELETE FROM metrics.monthly_rollups r USING recomputed k
             WHERE r.tenant_id = $1 AND r.person_id = k.person_id AND r.month = k.month AND r.metric_id = k.metric_id
               AND NOT EXISTS (SELECT 1 FROM fresh f
                               WHERE f.person_id = k.person_id AND f.month = k.month AND f.metric_id = k.metric_id)
         ), replaced AS (
             INSERT INTO metrics.monthly_rollups AS r (tenant_id, person_id, month, metric_id, sum, count, max)
             SELECT $1, person_id, month, metric_id, sum, count, max FROM fresh ORDER BY person_id, month, metric_id
             ON CONFLICT (tenant_id, person_id, month, metric_id) DO UPDATE
                 SET sum = excluded.sum, count = excluded.count, max = excluded.max
         ), merged AS (
             INSERT INTO metrics.monthly_rollups AS r (tenant_id, person_id, month, metric_id, sum, count, max)
             SELECT $1, person_id, month, metric_id, sum, count, max FROM added ORDER BY person_id, month, metric_id
             ON CONFLICT (tenant_id, person_id, month, metric_id) DO UPDATE
                 SET sum = metrics.saturated(r.sum::numeric + excluded.sum), count = r.count + excluded.count, max = greatest(r.max, excluded.max)
         ), windowed AS (
             -- Each month's addition adds to the three windows it is part of.
             INSERT INTO metrics.three_month_totals AS w (tenant_id, person_id, first_month, metric_id, sum, count)
             SELECT $1, a.person_id, (a.month - make_interval(months => o))::date, a.metric_id, metrics.saturated(sum(a.sum)), sum(a.count)
             FROM added a CROSS JOIN generate_series(0, 2) AS o
             GROUP BY 2, 3, 4 ORDER BY 2, 3, 4
             ON CONFLICT (tenant_id, person_id, first_month, metric_id) DO UPDATE
                 SET sum = metrics.saturated(w.sum::numeric + excluded.sum), count = w.count + excluded.count
         )
         SELECT count(*) FROM taken",
    )
    .bind(tenant)
    .bind(recompute.people)
    .bind(recompute.days)
    .bind(recompute.metrics)
    .bind(month)
    .fetch_one(&mut *c)
    .await?;
    // The windows of recomputed months are summed again from the monthly rows just written,
    // which only a later statement sees.
    if !recompute.people.is_empty() {
        windows::recompute(c, tenant, recompute).await?;
    }
    Ok(folded)
}

/// Rebuilds `tenant`'s monthly rollups from its daily ones, dropping every pending row: the
/// daily rows already count whatever those rows would add. The caller holds [`lock`] and has
/// emptied the monthly rollups.
pub async fn rebuild(c: &mut Conn, tenant: Uuid) -> Result<()> {
    // One statement, for the same reason as in `fold`: the pending rows it drops are exactly
    // those of the batches its daily rows include.
    sqlx::query(
        "WITH dropped AS (DELETE FROM metrics.monthly_pending WHERE tenant_id = $1)
         INSERT INTO metrics.monthly_rollups (tenant_id, person_id, month, metric_id, sum, count, max)
         SELECT $1, person_id, date_trunc('month', day::timestamp)::date, metric_id, metrics.saturated(sum(sum)), sum(count), max(max)
         FROM metrics.daily_rollups WHERE tenant_id = $1 GROUP BY 2, 3, 4",
    )
    .bind(tenant)
    .execute(&mut *c)
    .await?;
    windows::rebuild(c, tenant).await
}

/// The tenants with pending rows to fold.
pub async fn tenants_with_pending(pool: &PgPool) -> Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT t FROM metrics.tenants_with_pending_months() AS t")
        .fetch_all(pool)
        .await
}

/// Pending rows not set aside, all tenants, and the age of the oldest in seconds.
pub async fn backlog(pool: &PgPool) -> Result<(i64, f64)> {
    sqlx::query_as("SELECT pending, oldest_seconds FROM metrics.fold_backlog()")
        .fetch_one(pool)
        .await
}

/// The months of `tenant` with pending rows not set aside.
pub async fn pending_months(c: &mut Conn, tenant: Uuid) -> Result<Vec<NaiveDate>> {
    sqlx::query_scalar(
        "SELECT DISTINCT month FROM metrics.monthly_pending
         WHERE tenant_id = $1 AND set_aside_at IS NULL ORDER BY month",
    )
    .bind(tenant)
    .fetch_all(c)
    .await
}

/// Sets `tenant`'s pending rows of `month` aside, with why: the fold no longer takes them,
/// reads still add them. Returns how many.
pub async fn set_aside(c: &mut Conn, tenant: Uuid, month: NaiveDate, reason: &str) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE metrics.monthly_pending SET set_aside_at = now(), set_aside_reason = $3
         WHERE tenant_id = $1 AND month = $2 AND set_aside_at IS NULL",
    )
    .bind(tenant)
    .bind(month)
    .bind(reason)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

//! Raw events, the daily rollups kept in step with them in the same transaction, and the
//! batches' additions to the monthly rollups (see `monthly`).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Conn, Result, monthly};

/// Events ready to store, as parallel columns (one set-based statement per batch).
#[derive(Debug, Default)]
pub struct EventColumns {
    pub event_id: Vec<Uuid>,
    pub person_id: Vec<Uuid>,
    pub metric_id: Vec<i32>,
    pub occurred_at: Vec<DateTime<Utc>>,
    pub local_day: Vec<NaiveDate>,
    pub value: Vec<i64>,
    pub source: Vec<Option<String>>,
    pub external_id: Vec<Option<String>>,
    pub attributes: Vec<Option<String>>,
}

/// Stores the events that are new, adds them to the daily rollups and appends their additions
/// to the monthly ones; returns the ids stored now (the others were already there).
pub async fn insert(c: &mut Conn, tenant: Uuid, e: &EventColumns) -> Result<Vec<Uuid>> {
    // One statement: the insert skips known ids, and the rollup upsert adds exactly the rows
    // the insert returned. Groups go in key order so concurrent batches lock rollup rows in
    // the same order and cannot deadlock. The monthly additions are appended, one row per
    // month and bucket of people, rather than upserted: a month's rows are shared by every
    // batch of that month.
    sqlx::query_scalar(
        "WITH input AS (
             SELECT * FROM UNNEST($2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::date[], $7::bigint[],
                                  $8::text[], $9::text[], $10::text[])
                 AS t(event_id, person_id, metric_id, occurred_at, local_day, value, source, external_id, attributes)
         ), ins AS (
             INSERT INTO metrics.events (tenant_id, event_id, person_id, metric_id, occurred_at, local_day, value,
                                         source, external_id, attributes)
             SELECT $1, event_id, person_id, metric_id, occurred_at, local_day, value, source, external_id,
                    attributes::jsonb
             FROM input
             ON CONFLICT (tenant_id, event_id) DO NOTHING
             RETURNING event_id, person_id, metric_id, local_day, value
         ), rolled AS (
             INSERT INTO metrics.daily_rollups AS r (tenant_id, person_id, day, metric_id, sum, count, max)
             SELECT $1, person_id, local_day, metric_id, metrics.saturated(sum(value)), count(*), max(value)
             FROM ins GROUP BY person_id, local_day, metric_id ORDER BY person_id, local_day, metric_id
             ON CONFLICT (tenant_id, person_id, day, metric_id) DO UPDATE
                 SET sum = metrics.saturated(r.sum::numeric + excluded.sum), count = r.count + excluded.count, max = greatest(r.max, excluded.max)
         ), pending AS (
             INSERT INTO metrics.monthly_pending (tenant_id, month, bucket, person_ids, metric_ids, sums, counts,
                                                  maxes)
             SELECT $1, month, metrics.person_bucket(person_id), array_agg(person_id), array_agg(metric_id),
                    array_agg(sum), array_agg(count), array_agg(max)
             FROM (SELECT date_trunc('month', local_day::timestamp)::date AS month, person_id, metric_id,
                          metrics.saturated(sum(value)) AS sum, count(*) AS count, max(value) AS max
                   FROM ins GROUP BY 1, 2, 3) g
             GROUP BY month, metrics.person_bucket(person_id)
         )
         SELECT event_id FROM ins",
    )
    .bind(tenant)
    .bind(&e.event_id)
    .bind(&e.person_id)
    .bind(&e.metric_id)
    .bind(&e.occurred_at)
    .bind(&e.local_day)
    .bind(&e.value)
    .bind(&e.source)
    .bind(&e.external_id)
    .bind(&e.attributes)
    .fetch_all(c)
    .await
}

/// Deletes events and recomputes the rollup rows they touched; returns the ids deleted.
pub async fn retract(c: &mut Conn, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    // Before any row lock (see `monthly::lock`).
    monthly::lock(&mut *c, tenant).await?;
    let deleted: Vec<(Uuid, Uuid, NaiveDate, i32)> = sqlx::query_as(
        "DELETE FROM metrics.events WHERE tenant_id = $1 AND event_id = ANY($2)
         RETURNING event_id, person_id, local_day, metric_id",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut *c)
    .await?;
    let people: Vec<Uuid> = deleted.iter().map(|d| d.1).collect();
    let days: Vec<NaiveDate> = deleted.iter().map(|d| d.2).collect();
    let metrics: Vec<i32> = deleted.iter().map(|d| d.3).collect();
    recompute(c, tenant, &people, &days, &metrics).await?;
    Ok(deleted.into_iter().map(|d| d.0).collect())
}

/// Rebuilds the given (person, day, metric) rollup rows from the raw events, and their months.
/// The caller holds `monthly::lock`.
async fn recompute(c: &mut Conn, tenant: Uuid, people: &[Uuid], days: &[NaiveDate], metrics: &[i32]) -> Result<()> {
    sqlx::query(
        "DELETE FROM metrics.daily_rollups r
         USING (SELECT DISTINCT * FROM UNNEST($2::uuid[], $3::date[], $4::int[]) AS k(person_id, day, metric_id)) k
         WHERE r.tenant_id = $1 AND r.person_id = k.person_id AND r.day = k.day AND r.metric_id = k.metric_id",
    )
    .bind(tenant)
    .bind(people)
    .bind(days)
    .bind(metrics)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO metrics.daily_rollups (tenant_id, person_id, day, metric_id, sum, count, max)
         SELECT $1, e.person_id, e.local_day, e.metric_id, metrics.saturated(sum(e.value)), count(*), max(e.value)
         FROM metrics.events e
         JOIN (SELECT DISTINCT * FROM UNNEST($2::uuid[], $3::date[], $4::int[]) AS k(person_id, day, metric_id)) k
           ON e.person_id = k.person_id AND e.local_day = k.day AND e.metric_id = k.metric_id
         WHERE e.tenant_id = $1
         GROUP BY e.person_id, e.local_day, e.metric_id",
    )
    .bind(tenant)
    .bind(people)
    .bind(days)
    .bind(metrics)
    .execute(&mut *c)
    .await?;
    // The months of the days just rebuilt are summed again from their daily rows (a month
    // whose events are all gone loses its row); the other pending additions are folded.
    let recompute = super::Recompute { people, days, metrics };
    monthly::fold(c, tenant, &recompute, None).await.map(drop)
}

/// Re-buckets every event of the tenant into local days of `time_zone` and rebuilds all
/// rollups from them; returns (events, rollup rows).
pub async fn rebuild(c: &mut Conn, tenant: Uuid, time_zone: &str) -> Result<(i64, i64)> {
    // Before any row lock (see `monthly::lock`).
    monthly::lock(&mut *c, tenant).await?;
    sqlx::query(
        "UPDATE metrics.events SET local_day = (occurred_at AT TIME ZONE $2)::date
         WHERE tenant_id = $1 AND local_day <> (occurred_at AT TIME ZONE $2)::date",
    )
    .bind(tenant)
    .bind(time_zone)
    .execute(&mut *c)
    .await?;
    for table in ["metrics.daily_rollups", "metrics.monthly_rollups"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE tenant_id = $1")))
            .bind(tenant)
            .execute(&mut *c)
            .await?;
    }
    let rows = sqlx::query(
        "INSERT INTO metrics.daily_rollups (tenant_id, person_id, day, metric_id, sum, count, max)
         SELECT $1, person_id, local_day, metric_id, metrics.saturated(sum(value)), count(*), max(value)
         FROM metrics.events WHERE tenant_id = $1 GROUP BY person_id, local_day, metric_id",
    )
    .bind(tenant)
    .execute(&mut *c)
    .await?
    .rows_affected();
    monthly::rebuild(&mut *c, tenant).await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM metrics.events WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(c)
        .await?;
    Ok((events, rows as i64))
}

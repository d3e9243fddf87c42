//! Snapshots of state metrics (gauges such as open pipeline): each is a person's value when it
//! was observed, and holds until their next one. Read as of a day: each person's latest snapshot
//! on or before it.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{Conn, Result, events::EventColumns};

/// Stores the snapshots that are new; returns the ids stored now (the others were there).
pub async fn insert(c: &mut Conn, tenant: Uuid, e: &EventColumns) -> Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "INSERT INTO metrics.snapshots (tenant_id, event_id, person_id, metric_id, occurred_at, local_day, value,
                                        source, external_id, attributes)
         SELECT $1, event_id, person_id, metric_id, occurred_at, local_day, value, source, external_id,
                attributes::jsonb
         FROM UNNEST($2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[], $6::date[], $7::bigint[],
                     $8::text[], $9::text[], $10::text[])
             AS t(event_id, person_id, metric_id, occurred_at, local_day, value, source, external_id, attributes)
         ON CONFLICT (tenant_id, event_id) DO NOTHING
         RETURNING event_id",
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

/// Deletes snapshots by id; returns the ids deleted.
pub async fn retract(c: &mut Conn, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    sqlx::query_scalar("DELETE FROM metrics.snapshots WHERE tenant_id = $1 AND event_id = ANY($2) RETURNING event_id")
        .bind(tenant)
        .bind(ids)
        .fetch_all(c)
        .await
}

/// Moves every snapshot to its local day in `time_zone` (after a tenant's time zone changed);
/// returns how many the tenant has.
pub async fn rebuild(c: &mut Conn, tenant: Uuid, time_zone: &str) -> Result<i64> {
    sqlx::query(
        "UPDATE metrics.snapshots SET local_day = (occurred_at AT TIME ZONE $2)::date
         WHERE tenant_id = $1 AND local_day <> (occurred_at AT TIME ZONE $2)::date",
    )
    .bind(tenant)
    .bind(time_zone)
    .execute(&mut *c)
    .await?;
    sqlx::query_scalar("SELECT count(*) FROM metrics.snapshots WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(c)
        .await
}

/// One person's value of one state metric as of a day.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Latest {
    pub as_of: NaiveDate,
    pub person_id: Uuid,
    pub metric_id: i32,
    pub value: i64,
    /// The day of the snapshot it comes from.
    pub observed_on: NaiveDate,
}

/// Each person's latest snapshot of each metric on or before each day of `as_of`, for `people`
/// (`None`: everyone with a snapshot of one of `metrics`). People without a snapshot by a day
/// have no row for it. Later in the day wins, then the later id, so that two snapshots of one
/// moment give one answer. One index probe per (day, person, metric): callers bound that product
/// (see `MAX_PROBES`).
pub async fn latest(
    c: &mut Conn,
    tenant: Uuid,
    people: Option<&[Uuid]>,
    metrics: &[i32],
    as_of: &[NaiveDate],
) -> Result<Vec<Latest>> {
    if metrics.is_empty() || as_of.is_empty() {
        return Ok(Vec::new());
    }
    let everyone;
    let people = match people {
        Some(p) => p,
        None => {
            everyone = holders(&mut *c, tenant, metrics).await?;
            &everyone
        }
    };
    sqlx::query_as(
        "SELECT d.as_of, p.person_id, m.metric_id, s.value, s.local_day AS observed_on
         FROM unnest($4::date[]) AS d(as_of)
         CROSS JOIN unnest($2::uuid[]) AS p(person_id)
         CROSS JOIN unnest($3::int[]) AS m(metric_id)
         CROSS JOIN LATERAL (
             SELECT value, local_day FROM metrics.snapshots s
             WHERE s.tenant_id = $1 AND s.metric_id = m.metric_id AND s.person_id = p.person_id
               AND s.local_day <= d.as_of
             ORDER BY s.local_day DESC, s.occurred_at DESC, s.event_id DESC
             LIMIT 1
         ) s",
    )
    .bind(tenant)
    .bind(people)
    .bind(metrics)
    .bind(as_of)
    .fetch_all(c)
    .await
}

/// Most (day, person, metric) lookups one read may ask: a month of days for a few thousand
/// people, not a decade of days for ten thousand (which one tenant could otherwise make the
/// database work through for everyone).
pub const MAX_PROBES: usize = 1_000_000;

/// Everyone with a snapshot of one of `metrics`: one index step per person (a loose index scan),
/// not a read of every snapshot.
async fn holders(c: &mut Conn, tenant: Uuid, metrics: &[i32]) -> Result<Vec<Uuid>> {
    let mut out: Vec<Uuid> = Vec::new();
    for metric in metrics {
        let found: Vec<Uuid> = sqlx::query_scalar(
            "WITH RECURSIVE people(person_id) AS (
                 (SELECT person_id FROM metrics.snapshots
                  WHERE tenant_id = $1 AND metric_id = $2 ORDER BY person_id LIMIT 1)
                 UNION ALL
                 SELECT (SELECT s.person_id FROM metrics.snapshots s
                         WHERE s.tenant_id = $1 AND s.metric_id = $2 AND s.person_id > people.person_id
                         ORDER BY s.person_id LIMIT 1)
                 FROM people WHERE people.person_id IS NOT NULL
             )
             SELECT person_id FROM people WHERE person_id IS NOT NULL",
        )
        .bind(tenant)
        .bind(metric)
        .fetch_all(&mut *c)
        .await?;
        out.extend(found);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

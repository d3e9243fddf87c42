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
/// (`None`: everyone). People without a snapshot by a day have no row for it. Later in the day
/// wins, then the later id, so that two snapshots of one moment give one answer.
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
    sqlx::query_as(
        "SELECT d.as_of, s.person_id, s.metric_id, s.value, s.local_day AS observed_on
         FROM unnest($4::date[]) AS d(as_of)
         CROSS JOIN LATERAL (
             SELECT DISTINCT ON (person_id, metric_id) person_id, metric_id, value, local_day
             FROM metrics.snapshots
             WHERE tenant_id = $1 AND metric_id = ANY($3) AND ($2::uuid[] IS NULL OR person_id = ANY($2))
               AND local_day <= d.as_of
             ORDER BY person_id, metric_id, local_day DESC, occurred_at DESC, event_id DESC
         ) s",
    )
    .bind(tenant)
    .bind(people)
    .bind(metrics)
    .bind(as_of)
    .fetch_all(c)
    .await
}

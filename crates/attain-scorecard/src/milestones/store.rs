//! SQL of milestones and milestone settings (`scorecard.milestones`,
//! `scorecard.milestone_settings`).

use attain_domain::milestone::Kind;
use std::collections::HashMap;

use attain_domain::milestone::Settings;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// The ids of every tenant: the detector's one look across tenants (a SECURITY DEFINER
/// function, since the service role sees one tenant at a time).
pub async fn tenants(c: &mut PgConnection) -> Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT tenant_id FROM scorecard.milestone_tenants()")
        .fetch_all(c)
        .await
}

/// Takes the tenant's detection lock for the rest of the transaction, if no other detector
/// holds it. Only a saving of work: the unique key is what records a milestone once.
pub async fn try_lock_tenant(c: &mut PgConnection, tenant: Uuid) -> Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('attain.milestones'), hashtext($1::text))")
        .bind(tenant)
        .fetch_one(c)
        .await
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    quota_steps: Vec<i32>,
    streak_days: i32,
    personal_best: bool,
    personal_best_min_history: i32,
    revision: i64,
}

/// The tenant's settings and their revision (0: the defaults, never saved); `lock` holds the
/// row until the transaction ends (for updates).
pub async fn settings(c: &mut PgConnection, tenant: Uuid, lock: bool) -> Result<(Settings, i64)> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<SettingsRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT quota_steps, streak_days, personal_best, personal_best_min_history, revision
         FROM scorecard.milestone_settings WHERE tenant_id = $1{lock}"
    )))
    .bind(tenant)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        None => (Settings::default(), 0),
        Some(r) => (
            Settings {
                quota_steps: r
                    .quota_steps
                    .into_iter()
                    .filter_map(|s| u32::try_from(s).ok())
                    .collect(),
                streak_days: u32::try_from(r.streak_days).unwrap_or(5),
                personal_best: r.personal_best,
                personal_best_min_history: u32::try_from(r.personal_best_min_history).unwrap_or(10),
            },
            r.revision,
        ),
    })
}

/// Saves the tenant's settings; returns the new revision.
pub async fn save_settings(c: &mut PgConnection, tenant: Uuid, s: &Settings) -> Result<i64> {
    let steps: Vec<i32> = s.quota_steps.iter().map(|x| *x as i32).collect();
    sqlx::query_scalar(
        "INSERT INTO scorecard.milestone_settings
             (tenant_id, quota_steps, streak_days, personal_best, personal_best_min_history)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET quota_steps = $2, streak_days = $3, personal_best = $4,
             personal_best_min_history = $5, revision = milestone_settings.revision + 1, updated_at = now()
         RETURNING revision",
    )
    .bind(tenant)
    .bind(steps)
    .bind(s.streak_days as i32)
    .bind(s.personal_best)
    .bind(s.personal_best_min_history as i32)
    .fetch_one(c)
    .await
}

/// A milestone to record.
pub struct NewMilestone<'a> {
    pub kind: &'a str,
    pub person_id: Uuid,
    pub dedup_key: &'a str,
    pub title: &'a str,
    pub day: NaiveDate,
    pub data: &'a serde_json::Value,
}

/// Milestones recorded in one statement at most.
const RECORD_CHUNK: usize = 5_000;

/// Records the milestones whose keys are not recorded yet; returns the new rows' ids and times
/// by key. A key already there gets nothing: it was announced before (or is being, by the
/// transaction that holds it). One statement per `RECORD_CHUNK`, because most runs find again
/// what the last run recorded, and a round trip per candidate was most of a run's time.
pub async fn record_new(
    c: &mut PgConnection,
    tenant: Uuid,
    milestones: &[NewMilestone<'_>],
) -> Result<HashMap<String, (Uuid, DateTime<Utc>)>> {
    let mut recorded = HashMap::new();
    for chunk in milestones.chunks(RECORD_CHUNK) {
        let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
        let rows: Vec<(String, Uuid, DateTime<Utc>)> = sqlx::query_as(
            "INSERT INTO scorecard.milestones (tenant_id, milestone_id, kind, person_id, dedup_key, title, day, data)
             SELECT $1, m.milestone_id, m.kind, m.person_id, m.dedup_key, m.title, m.day, m.data
             FROM UNNEST($2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::date[], $8::jsonb[])
                 AS m (milestone_id, kind, person_id, dedup_key, title, day, data)
             ON CONFLICT (tenant_id, dedup_key) DO NOTHING
             RETURNING dedup_key, milestone_id, occurred_at",
        )
        .bind(tenant)
        .bind(ids)
        .bind(chunk.iter().map(|m| m.kind).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| m.person_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| m.dedup_key).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| m.title).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| m.day).collect::<Vec<_>>())
        .bind(chunk.iter().map(|m| Json(m.data)).collect::<Vec<_>>())
        .fetch_all(&mut *c)
        .await?;
        recorded.extend(rows.into_iter().map(|(key, id, at)| (key, (id, at))));
    }
    Ok(recorded)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MilestoneRecord {
    pub milestone_id: Uuid,
    pub kind: Kind,
    pub person_id: Uuid,
    pub dedup_key: String,
    pub title: String,
    pub day: NaiveDate,
    pub occurred_at: DateTime<Utc>,
    pub data: Json<serde_json::Value>,
}

/// What a list of milestones is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these people (`None`: anyone).
    pub people: Option<Vec<Uuid>>,
    pub kind: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Milestones newest first: by the day achieved, then by detection (ids are UUIDv7), after the
/// cursor `before` (the last (day, id) of the previous page). The detector may find an older
/// day's milestone after a newer one (events that arrive late), so the id alone is not the
/// order a manager reads.
pub async fn list(
    c: &mut PgConnection,
    tenant: Uuid,
    f: &Filter,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<MilestoneRecord>> {
    sqlx::query_as(
        "SELECT milestone_id, kind, person_id, dedup_key, title, day, occurred_at, data FROM scorecard.milestones
         WHERE tenant_id = $1 AND ($2::uuid[] IS NULL OR person_id = ANY($2)) AND ($3::text IS NULL OR kind = $3)
           AND ($4::timestamptz IS NULL OR occurred_at >= $4) AND ($5::timestamptz IS NULL OR occurred_at < $5)
           AND ($6::date IS NULL OR (day, milestone_id) < ($6, $7))
         ORDER BY day DESC, milestone_id DESC LIMIT $8",
    )
    .bind(tenant)
    .bind(f.people.as_deref())
    .bind(f.kind.as_deref())
    .bind(f.since)
    .bind(f.until)
    .bind(before.map(|b| b.0))
    .bind(before.map(|b| b.1))
    .bind(limit)
    .fetch_all(c)
    .await
}

//! SQL of ramps, quotas, target overrides and time off, and the people a scorecard covers (from
//! the org directory's copy).

use attain_domain::{org_view::TenantDirectory, scorecard::TargetSpec};
use chrono::NaiveDate;
use uuid::Uuid;

use super::store::{Conn, Result, Subject};

// ---- people ----

/// A person a scorecard covers, as the org directory has them.
pub use attain_domain::org_view::DirPerson as Member;

/// The sellers in `teams` who have not left, by name.
pub fn sellers_in(directory: &TenantDirectory, teams: &[Uuid]) -> Vec<Member> {
    directory.sellers_in(teams).into_iter().cloned().collect()
}

/// Who a leaderboard or contest of a team or role covers: the sellers of a team's subtree, or
/// everyone with the role who has not left, in id order. Neither: nobody.
pub fn covered(
    directory: &TenantDirectory,
    team: Option<Uuid>,
    role: Option<attain_domain::org::SalesRole>,
) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = match (team, role) {
        (Some(team), _) => sellers_in(directory, &directory.subtree(&[team]))
            .iter()
            .map(|m| m.person_id)
            .collect(),
        (None, Some(role)) => directory
            .people()
            .iter()
            .filter(|p| p.sales_role == Some(role) && !p.has_left())
            .map(|p| p.person_id)
            .collect(),
        (None, None) => Vec::new(),
    };
    ids.sort_unstable();
    ids
}

// ---- ramps ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RampRecord {
    pub ramp_id: Uuid,
    pub display_name: String,
    pub steps: Vec<f64>,
    pub is_default: bool,
}

pub async fn insert_ramp(
    c: &mut Conn,
    tenant: Uuid,
    name: &str,
    steps: &[f64],
    is_default: bool,
) -> Result<RampRecord> {
    if is_default {
        sqlx::query("UPDATE scorecard.ramps SET is_default = false WHERE tenant_id = $1 AND is_default")
            .bind(tenant)
            .execute(&mut *c)
            .await?;
    }
    sqlx::query_as(
        "INSERT INTO scorecard.ramps (tenant_id, ramp_id, display_name, steps, is_default) VALUES ($1, $2, $3, $4, $5)
         RETURNING ramp_id, display_name, steps, is_default",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(steps)
    .bind(is_default)
    .fetch_one(c)
    .await
}

pub async fn get_ramp(c: &mut Conn, tenant: Uuid, ramp: Uuid) -> Result<Option<RampRecord>> {
    sqlx::query_as(
        "SELECT ramp_id, display_name, steps, is_default FROM scorecard.ramps
         WHERE tenant_id = $1 AND ramp_id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(ramp)
    .fetch_optional(c)
    .await
}

/// Saves a ramp's fields; making it the default clears the flag on the others first.
pub async fn update_ramp(c: &mut Conn, tenant: Uuid, r: &RampRecord) -> Result<RampRecord> {
    if r.is_default {
        sqlx::query(
            "UPDATE scorecard.ramps SET is_default = false WHERE tenant_id = $1 AND is_default AND ramp_id <> $2",
        )
        .bind(tenant)
        .bind(r.ramp_id)
        .execute(&mut *c)
        .await?;
    }
    sqlx::query_as(
        "UPDATE scorecard.ramps SET display_name = $3, steps = $4, is_default = $5
         WHERE tenant_id = $1 AND ramp_id = $2 RETURNING ramp_id, display_name, steps, is_default",
    )
    .bind(tenant)
    .bind(r.ramp_id)
    .bind(&r.display_name)
    .bind(&r.steps)
    .bind(r.is_default)
    .fetch_one(c)
    .await
}

/// The ramp `person` is on, and whether it is their own assignment (else the default).
pub async fn person_ramp(c: &mut Conn, tenant: Uuid, person: Uuid) -> Result<Option<(RampRecord, bool)>> {
    let row: Option<(Uuid, String, Vec<f64>, bool, bool)> = sqlx::query_as(
        "SELECT r.ramp_id, r.display_name, r.steps, r.is_default, pr.ramp_id IS NOT NULL
         FROM scorecard.ramps r
         LEFT JOIN scorecard.person_ramps pr ON pr.tenant_id = $1 AND pr.person_id = $2
         WHERE r.tenant_id = $1 AND (r.ramp_id = pr.ramp_id OR (pr.ramp_id IS NULL AND r.is_default))",
    )
    .bind(tenant)
    .bind(person)
    .fetch_optional(c)
    .await?;
    Ok(row.map(|(ramp_id, display_name, steps, is_default, assigned)| {
        (
            RampRecord {
                ramp_id,
                display_name,
                steps,
                is_default,
            },
            assigned,
        )
    }))
}

pub async fn list_ramps(c: &mut Conn, tenant: Uuid, after_name: Option<&str>, limit: i64) -> Result<Vec<RampRecord>> {
    sqlx::query_as(
        "SELECT ramp_id, display_name, steps, is_default FROM scorecard.ramps
         WHERE tenant_id = $1 AND ($2::text IS NULL OR display_name > $2) ORDER BY display_name LIMIT $3",
    )
    .bind(tenant)
    .bind(after_name)
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn ramp_exists(c: &mut Conn, tenant: Uuid, ramp: Uuid) -> Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM scorecard.ramps WHERE tenant_id = $1 AND ramp_id = $2)")
        .bind(tenant)
        .bind(ramp)
        .fetch_one(c)
        .await
}

pub async fn assign_ramp(c: &mut Conn, tenant: Uuid, person: Uuid, ramp: Option<Uuid>) -> Result<()> {
    let sql = match ramp {
        Some(_) => {
            "INSERT INTO scorecard.person_ramps (tenant_id, person_id, ramp_id) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, person_id) DO UPDATE SET ramp_id = excluded.ramp_id"
        }
        None => "DELETE FROM scorecard.person_ramps WHERE tenant_id = $1 AND person_id = $2 AND $3::uuid IS NULL",
    };
    sqlx::query(sql).bind(tenant).bind(person).bind(ramp).execute(c).await?;
    Ok(())
}

/// Each person's ramp steps: their own ramp, else the tenant's default. People on neither are
/// left out.
pub async fn ramps_of(c: &mut Conn, tenant: Uuid, people: &[Uuid]) -> Result<Vec<(Uuid, Vec<f64>)>> {
    sqlx::query_as(
        "SELECT p.person_id, r.steps FROM unnest($2::uuid[]) AS p (person_id)
         LEFT JOIN scorecard.person_ramps pr ON pr.tenant_id = $1 AND pr.person_id = p.person_id
         JOIN scorecard.ramps r ON r.tenant_id = $1
             AND (r.ramp_id = pr.ramp_id OR (pr.ramp_id IS NULL AND r.is_default))",
    )
    .bind(tenant)
    .bind(people)
    .fetch_all(c)
    .await
}

// ---- quotas ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuotaRecord {
    pub quota_id: Uuid,
    pub person_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub kind: String,
    pub metric_key: String,
    pub granularity: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub amount: i64,
}

const QUOTA_COLUMNS: &str = "quota_id, person_id, team_id, kind, metric_key, granularity, start_date, end_date, amount";

pub struct NewQuota<'a> {
    pub subject: Subject,
    pub kind: &'a str,
    pub metric_key: &'a str,
    pub granularity: &'a str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub amount: i64,
}

/// Inserts a quota or replaces the amount and kind of the one with the same subject, metric and
/// period.
pub async fn upsert_quota(c: &mut Conn, tenant: Uuid, q: &NewQuota<'_>) -> Result<QuotaRecord> {
    let (person, team, target) = match q.subject {
        Subject::Person(id) => (Some(id), None, "person_id"),
        Subject::Team(id) => (None, Some(id), "team_id"),
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.quotas (tenant_id, quota_id, person_id, team_id, kind, metric_key, granularity,
             start_date, end_date, amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, {target}, metric_key, start_date, end_date) WHERE {target} IS NOT NULL
         DO UPDATE SET kind = excluded.kind, amount = excluded.amount, granularity = excluded.granularity,
             updated_at = now()
         RETURNING {QUOTA_COLUMNS}"
    )))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(person)
    .bind(team)
    .bind(q.kind)
    .bind(q.metric_key)
    .bind(q.granularity)
    .bind(q.start)
    .bind(q.end)
    .bind(q.amount)
    .fetch_one(c)
    .await
}

/// Quotas of these people or teams overlapping `[start, end]`.
pub async fn quotas(
    c: &mut Conn,
    tenant: Uuid,
    people: &[Uuid],
    teams: &[Uuid],
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<QuotaRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {QUOTA_COLUMNS} FROM scorecard.quotas
         WHERE tenant_id = $1 AND (person_id = ANY($2) OR team_id = ANY($3)) AND start_date <= $5 AND end_date >= $4
         ORDER BY start_date, metric_key, quota_id"
    )))
    .bind(tenant)
    .bind(people)
    .bind(teams)
    .bind(start)
    .bind(end)
    .fetch_all(c)
    .await
}

pub async fn get_quota(c: &mut Conn, tenant: Uuid, quota: Uuid) -> Result<Option<QuotaRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {QUOTA_COLUMNS} FROM scorecard.quotas WHERE tenant_id = $1 AND quota_id = $2"
    )))
    .bind(tenant)
    .bind(quota)
    .fetch_optional(c)
    .await
}

pub async fn delete_quota(c: &mut Conn, tenant: Uuid, quota: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM scorecard.quotas WHERE tenant_id = $1 AND quota_id = $2")
        .bind(tenant)
        .bind(quota)
        .execute(c)
        .await?;
    Ok(())
}

// ---- overrides ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverrideRecord {
    pub person_id: Uuid,
    pub metric_key: String,
    pub daily: Option<f64>,
    pub weekly: Option<f64>,
    pub monthly: Option<f64>,
    pub quarterly: Option<f64>,
    pub level: Option<f64>,
}

impl OverrideRecord {
    pub fn spec(&self) -> TargetSpec {
        TargetSpec {
            daily: self.daily,
            weekly: self.weekly,
            monthly: self.monthly,
            quarterly: self.quarterly,
        }
    }
}

pub async fn set_override(c: &mut Conn, tenant: Uuid, o: &OverrideRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO scorecard.target_overrides (tenant_id, person_id, metric_key, daily, weekly, monthly, quarterly,
             level)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, person_id, metric_key) DO UPDATE SET daily = excluded.daily,
             weekly = excluded.weekly, monthly = excluded.monthly, quarterly = excluded.quarterly,
             level = excluded.level",
    )
    .bind(tenant)
    .bind(o.person_id)
    .bind(&o.metric_key)
    .bind(o.daily)
    .bind(o.weekly)
    .bind(o.monthly)
    .bind(o.quarterly)
    .bind(o.level)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn clear_override(c: &mut Conn, tenant: Uuid, person: Uuid, metric_key: &str) -> Result<()> {
    sqlx::query("DELETE FROM scorecard.target_overrides WHERE tenant_id = $1 AND person_id = $2 AND metric_key = $3")
        .bind(tenant)
        .bind(person)
        .bind(metric_key)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn overrides_of(c: &mut Conn, tenant: Uuid, people: &[Uuid]) -> Result<Vec<OverrideRecord>> {
    sqlx::query_as(
        "SELECT person_id, metric_key, daily, weekly, monthly, quarterly, level FROM scorecard.target_overrides
         WHERE tenant_id = $1 AND person_id = ANY($2)",
    )
    .bind(tenant)
    .bind(people)
    .fetch_all(c)
    .await
}

// ---- time off ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimeOffRecord {
    pub time_off_id: Uuid,
    pub person_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
}

pub async fn insert_time_off(
    c: &mut Conn,
    tenant: Uuid,
    person: Uuid,
    start: NaiveDate,
    end: NaiveDate,
    reason: &str,
) -> Result<TimeOffRecord> {
    sqlx::query_as(
        "INSERT INTO scorecard.time_off (tenant_id, time_off_id, person_id, start_date, end_date, reason)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING time_off_id, person_id, start_date, end_date, reason",
    )
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(person)
    .bind(start)
    .bind(end)
    .bind(reason)
    .fetch_one(c)
    .await
}

/// Time off of `people` overlapping `[start, end]`, by first day.
pub async fn time_off(
    c: &mut Conn,
    tenant: Uuid,
    people: &[Uuid],
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<TimeOffRecord>> {
    sqlx::query_as(
        "SELECT time_off_id, person_id, start_date, end_date, reason FROM scorecard.time_off
         WHERE tenant_id = $1 AND person_id = ANY($2) AND start_date <= $4 AND end_date >= $3
         ORDER BY start_date, time_off_id",
    )
    .bind(tenant)
    .bind(people)
    .bind(start)
    .bind(end)
    .fetch_all(c)
    .await
}

pub async fn get_time_off(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<Option<TimeOffRecord>> {
    sqlx::query_as(
        "SELECT time_off_id, person_id, start_date, end_date, reason FROM scorecard.time_off
         WHERE tenant_id = $1 AND time_off_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

pub async fn delete_time_off(c: &mut Conn, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("DELETE FROM scorecard.time_off WHERE tenant_id = $1 AND time_off_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

//! SQL of webhook subscriptions and the delivery outbox (`scorecard.webhook_*`).

use attain_domain::webhook::{self, EventType, QuietRules};
use attain_domain::webhook::{DeliveryState, Format};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, types::Json};
use uuid::Uuid;

type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRecord {
    pub subscription_id: Uuid,
    pub display_name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub team_id: Option<Uuid>,
    pub format: Format,
    pub hourly_cap: i32,
    pub digest_seconds: i32,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SubscriptionRecord {
    pub fn quiet_rules(&self) -> QuietRules {
        QuietRules {
            hourly_cap: u32::try_from(self.hourly_cap).unwrap_or(0),
            digest_seconds: u32::try_from(self.digest_seconds).unwrap_or(0),
        }
    }
}

const SUB_COLUMNS: &str = "subscription_id, display_name, url, event_types, secret, team_id, format, hourly_cap, \
                           digest_seconds, revision, created_at, updated_at";

/// The fields of a subscription a caller sets.
#[derive(Debug, Clone)]
pub struct SubscriptionFields {
    pub display_name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub team_id: Option<Uuid>,
    pub format: Format,
    pub hourly_cap: i32,
    pub digest_seconds: i32,
}

pub async fn insert_subscription(
    c: &mut PgConnection,
    tenant: Uuid,
    f: &SubscriptionFields,
    secret: &str,
    request_id: Option<Uuid>,
) -> Result<SubscriptionRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO scorecard.webhook_subscriptions (tenant_id, subscription_id, display_name, url, event_types,
             secret, team_id, format, hourly_cap, digest_seconds, create_request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {SUB_COLUMNS}"
    )))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(&f.display_name)
    .bind(&f.url)
    .bind(&f.event_types)
    .bind(secret)
    .bind(f.team_id)
    .bind(f.format)
    .bind(f.hourly_cap)
    .bind(f.digest_seconds)
    .bind(request_id)
    .fetch_one(c)
    .await
}

pub async fn subscription_by_request(
    c: &mut PgConnection,
    tenant: Uuid,
    request_id: Uuid,
) -> Result<Option<SubscriptionRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUB_COLUMNS} FROM scorecard.webhook_subscriptions WHERE tenant_id = $1 AND create_request_id = $2"
    )))
    .bind(tenant)
    .bind(request_id)
    .fetch_optional(c)
    .await
}

/// One subscription; `lock` holds it until the transaction ends (for updates).
pub async fn get_subscription(
    c: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    lock: bool,
) -> Result<Option<SubscriptionRecord>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUB_COLUMNS} FROM scorecard.webhook_subscriptions WHERE tenant_id = $1 AND subscription_id = $2{lock}"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Subscriptions oldest first (ids are UUIDv7), after the id `after`.
pub async fn list_subscriptions(
    c: &mut PgConnection,
    tenant: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUB_COLUMNS} FROM scorecard.webhook_subscriptions
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR subscription_id > $2) ORDER BY subscription_id LIMIT $3"
    )))
    .bind(tenant)
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn save_subscription(
    c: &mut PgConnection,
    tenant: Uuid,
    id: Uuid,
    f: &SubscriptionFields,
) -> Result<SubscriptionRecord> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE scorecard.webhook_subscriptions
         SET display_name = $3, url = $4, event_types = $5, team_id = $6, format = $7, hourly_cap = $8,
             digest_seconds = $9, revision = revision + 1, updated_at = now()
         WHERE tenant_id = $1 AND subscription_id = $2 RETURNING {SUB_COLUMNS}"
    )))
    .bind(tenant)
    .bind(id)
    .bind(&f.display_name)
    .bind(&f.url)
    .bind(&f.event_types)
    .bind(f.team_id)
    .bind(f.format)
    .bind(f.hourly_cap)
    .bind(f.digest_seconds)
    .fetch_one(c)
    .await
}

pub async fn delete_subscription(c: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<bool> {
    let done = sqlx::query("DELETE FROM scorecard.webhook_subscriptions WHERE tenant_id = $1 AND subscription_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A milestone (or test) event as the outbox stores it and subscribers receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "StoredEvent", try_from = "StoredEvent")]
pub struct MilestoneEvent {
    /// Unique per event, the same in every retry, so receivers can drop duplicates.
    pub id: Uuid,
    /// e.g. `milestone.quota_attained`.
    pub event_type: String,
    /// One line for people: "Ana Ruiz hit 100% of her monthly quota".
    pub title: String,
    /// The person the event is about; none for a test event.
    pub person_id: Option<Uuid>,
    /// The person's team and its ancestors, so a subscription's team filter needs no lookup.
    pub team_path: Vec<Uuid>,
    pub time: DateTime<Utc>,
    /// Details for systems: the metric, the value, the period …
    pub data: serde_json::Value,
}

/// The JSON form of an event in `webhook_deliveries.events` (uuid and chrono are built
/// without serde here, so ids and times go through text).
#[derive(Serialize, Deserialize)]
struct StoredEvent {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    title: String,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    team_path: Vec<String>,
    time: String,
    #[serde(default)]
    data: serde_json::Value,
}

impl From<MilestoneEvent> for StoredEvent {
    fn from(e: MilestoneEvent) -> Self {
        StoredEvent {
            id: e.id.to_string(),
            event_type: e.event_type,
            title: e.title,
            person_id: e.person_id.map(|p| p.to_string()),
            team_path: e.team_path.iter().map(Uuid::to_string).collect(),
            time: e.time.to_rfc3339(),
            data: e.data,
        }
    }
}

impl TryFrom<StoredEvent> for MilestoneEvent {
    type Error = String;

    fn try_from(e: StoredEvent) -> std::result::Result<Self, String> {
        let id = |text: &str| Uuid::try_parse(text).map_err(|err| format!("bad id {text:?}: {err}"));
        Ok(MilestoneEvent {
            id: id(&e.id)?,
            event_type: e.event_type,
            title: e.title,
            person_id: e.person_id.as_deref().map(id).transpose()?,
            team_path: e
                .team_path
                .iter()
                .map(|t| id(t))
                .collect::<std::result::Result<_, _>>()?,
            time: DateTime::parse_from_rfc3339(&e.time)
                .map_err(|err| format!("bad time {:?}: {err}", e.time))?
                .with_timezone(&Utc),
            data: e.data,
        })
    }
}

impl MilestoneEvent {
    pub fn new(event_type: EventType, title: impl Into<String>, person: Option<Uuid>, team_path: Vec<Uuid>) -> Self {
        MilestoneEvent {
            id: Uuid::now_v7(),
            event_type: event_type.as_str().to_string(),
            title: title.into(),
            person_id: person,
            team_path,
            time: Utc::now(),
            data: serde_json::Value::Object(Default::default()),
        }
    }
}

/// Writes `event` to the outbox, inside the caller's transaction `tx` (of `tenant`, see
/// `begin_tenant`), for every subscription of the tenant that wants its type and whose team
/// filter holds the event's team path: so a milestone and its deliveries commit together or
/// not at all. Returns the deliveries written or joined (a digest window still open).
pub async fn enqueue(tx: &mut PgConnection, tenant: Uuid, event: &MilestoneEvent) -> Result<Vec<Uuid>> {
    // Locked so that concurrent milestones for one subscription agree on the digest row and
    // on the hourly counts.
    let subs: Vec<(Uuid, i32, i32)> = sqlx::query_as(
        "SELECT subscription_id, hourly_cap, digest_seconds FROM scorecard.webhook_subscriptions
         WHERE tenant_id = $1 AND $2 = ANY(event_types) AND (team_id IS NULL OR team_id = ANY($3))
         ORDER BY subscription_id FOR UPDATE",
    )
    .bind(tenant)
    .bind(&event.event_type)
    .bind(&event.team_path)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::with_capacity(subs.len());
    for (id, cap, digest) in subs {
        let rules = QuietRules {
            hourly_cap: u32::try_from(cap).unwrap_or(0),
            digest_seconds: u32::try_from(digest).unwrap_or(0),
        };
        out.push(enqueue_one(tx, tenant, id, rules, event, false).await?);
    }
    Ok(out)
}

/// Writes `event` for one subscription; `bypass` skips the quiet rules (test events).
pub async fn enqueue_one(
    tx: &mut PgConnection,
    tenant: Uuid,
    subscription: Uuid,
    rules: QuietRules,
    event: &MilestoneEvent,
    bypass: bool,
) -> Result<Uuid> {
    if rules.digest_seconds > 0 && !bypass {
        let joined: Option<Uuid> = sqlx::query_scalar(
            "UPDATE scorecard.webhook_deliveries SET events = events || jsonb_build_array($3::jsonb), updated_at = now()
             WHERE (tenant_id, delivery_id) = (
                 SELECT tenant_id, delivery_id FROM scorecard.webhook_deliveries
                 WHERE tenant_id = $1 AND subscription_id = $2 AND state = 'pending' AND digest_open
                   AND attempts = 0 AND claimed_until IS NULL AND due_at > now()
                 ORDER BY due_at LIMIT 1 FOR UPDATE)
             RETURNING delivery_id",
        )
        .bind(tenant)
        .bind(subscription)
        .bind(Json(event))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = joined {
            return Ok(id);
        }
    }
    // One clock for every row: the database's.
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()").fetch_one(&mut *tx).await?;
    let counts: Vec<(DateTime<Utc>, i64)> = if rules.hourly_cap > 0 && !bypass {
        sqlx::query_as(
            "SELECT hour, count(*) FROM scorecard.webhook_deliveries
             WHERE tenant_id = $1 AND subscription_id = $2 AND hour >= $3 GROUP BY hour",
        )
        .bind(tenant)
        .bind(subscription)
        .bind(webhook::hour_of(now))
        .fetch_all(&mut *tx)
        .await?
    } else {
        Vec::new()
    };
    let counts: Vec<(DateTime<Utc>, u32)> = counts
        .into_iter()
        .map(|(h, n)| (h, u32::try_from(n).unwrap_or(u32::MAX)))
        .collect();
    let slot = webhook::schedule(now, rules, &counts, bypass);
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO scorecard.webhook_deliveries (tenant_id, delivery_id, subscription_id, events, hour, due_at, digest_open)
         VALUES ($1, $2, $3, jsonb_build_array($4::jsonb), $5, $6, $7)",
    )
    .bind(tenant)
    .bind(id)
    .bind(subscription)
    .bind(Json(event))
    .bind(slot.hour)
    .bind(slot.due_at)
    .bind(rules.digest_seconds > 0 && !bypass)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRecord {
    pub delivery_id: Uuid,
    pub subscription_id: Uuid,
    pub events: Json<Vec<MilestoneEvent>>,
    pub state: DeliveryState,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: String,
    pub last_status: i32,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str = "delivery_id, subscription_id, events, state, due_at, attempts, last_error, \
                                last_status, delivered_at, created_at";

pub async fn get_delivery(c: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Option<DeliveryRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM scorecard.webhook_deliveries WHERE tenant_id = $1 AND delivery_id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Deliveries newest first (ids are UUIDv7), before the id `before`.
pub async fn list_deliveries(
    c: &mut PgConnection,
    tenant: Uuid,
    subscription: Option<Uuid>,
    state: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DeliveryRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM scorecard.webhook_deliveries
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR subscription_id = $2) AND ($3::text IS NULL OR state = $3)
           AND ($4::uuid IS NULL OR delivery_id < $4)
         ORDER BY delivery_id DESC LIMIT $5"
    )))
    .bind(tenant)
    .bind(subscription)
    .bind(state)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await
}

/// Deliveries waiting to be sent, all tenants, and the age of the oldest in seconds.
pub async fn backlog(pool: &PgPool) -> sqlx::Result<(i64, f64)> {
    sqlx::query_as("SELECT pending, oldest_seconds FROM scorecard.webhook_backlog()")
        .fetch_one(pool)
        .await
}

/// Puts a delivered or dead-lettered delivery back in the queue, due now. `None` when it is
/// still pending.
pub async fn redeliver(c: &mut PgConnection, tenant: Uuid, id: Uuid) -> Result<Option<DeliveryRecord>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE scorecard.webhook_deliveries
         SET state = 'pending', due_at = now(), attempts = 0, claimed_until = NULL, claim_token = NULL,
             digest_open = false, delivered_at = NULL, updated_at = now()
         WHERE tenant_id = $1 AND delivery_id = $2 AND state <> 'pending' RETURNING {DELIVERY_COLUMNS}"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(c)
    .await
}

/// A delivery claimed by this dispatcher, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub tenant_id: Uuid,
    pub delivery_id: Uuid,
    pub claim_token: Uuid,
    pub attempts: i32,
    pub events: Vec<MilestoneEvent>,
    pub url: String,
    pub secret: String,
    pub format: Format,
}

/// attempts, events, url, secret, format of a claimed delivery.
type ClaimedRow = (i32, Json<Vec<MilestoneEvent>>, String, String, Format);

/// Claims up to `batch` due deliveries of any tenant for `lease` (see the migration's
/// `claim_webhook_deliveries`), then reads each in its tenant's transaction.
pub async fn claim(pool: &PgPool, batch: u32, lease: std::time::Duration) -> Result<Vec<Claimed>> {
    let lease = sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: i64::try_from(lease.as_micros()).unwrap_or(i64::MAX),
    };
    let rows: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as("SELECT * FROM scorecard.claim_webhook_deliveries($1, $2)")
        .bind(i32::try_from(batch).unwrap_or(i32::MAX))
        .bind(lease)
        .fetch_all(pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (tenant, delivery, token) in rows {
        let mut tx = attain_runtime::db::begin_tenant(pool, tenant).await?;
        let row: Option<ClaimedRow> = sqlx::query_as(
            "SELECT d.attempts, d.events, s.url, s.secret, s.format
             FROM scorecard.webhook_deliveries d
             JOIN scorecard.webhook_subscriptions s USING (tenant_id, subscription_id)
             WHERE d.tenant_id = $1 AND d.delivery_id = $2 AND d.claim_token = $3",
        )
        .bind(tenant)
        .bind(delivery)
        .bind(token)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        // Gone meanwhile (its subscription was deleted): nothing to send.
        if let Some((attempts, events, url, secret, format)) = row {
            out.push(Claimed {
                tenant_id: tenant,
                delivery_id: delivery,
                claim_token: token,
                attempts,
                events: events.0,
                url,
                secret,
                format,
            });
        }
    }
    Ok(out)
}

/// What came of one attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    Delivered {
        status: i32,
    },
    Retry {
        status: i32,
        error: String,
        after: std::time::Duration,
    },
    Dead {
        status: i32,
        error: String,
    },
}

/// Records an attempt's outcome and ends the claim. False when the claim was lost (the lease
/// ran out and another dispatcher claimed the delivery), in which case nothing is written.
pub async fn finish(pool: &PgPool, claimed: &Claimed, outcome: &Outcome) -> Result<bool> {
    let (state, status, error, after_us) = match outcome {
        Outcome::Delivered { status } => ("delivered", *status, "", 0),
        Outcome::Retry { status, error, after } => (
            "pending",
            *status,
            error.as_str(),
            i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        ),
        Outcome::Dead { status, error } => ("dead", *status, error.as_str(), 0),
    };
    let mut tx = attain_runtime::db::begin_tenant(pool, claimed.tenant_id).await?;
    let done = sqlx::query(
        "UPDATE scorecard.webhook_deliveries
         SET state = $4, last_status = $5,
             last_error = CASE WHEN $4 = 'delivered' THEN last_error ELSE $6 END,
             due_at = now() + make_interval(secs => $7::float8 / 1e6),
             delivered_at = CASE WHEN $4 = 'delivered' THEN now() END,
             claimed_until = NULL, claim_token = NULL, updated_at = now()
         WHERE tenant_id = $1 AND delivery_id = $2 AND claim_token = $3 AND state = 'pending'",
    )
    .bind(claimed.tenant_id)
    .bind(claimed.delivery_id)
    .bind(claimed.claim_token)
    .bind(state)
    .bind(status)
    .bind(error)
    .bind(after_us as f64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

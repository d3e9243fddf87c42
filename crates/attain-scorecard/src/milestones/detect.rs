//! The detector: its loop, one run over every tenant, and its system keys.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use attain_domain::{milestone, org::AccessRole};
use attain_runtime::{Caller, Ctx, auth::ApiKey, db::begin_tenant, tenant_directory::TenantDirectories};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::store::{self, NewMilestone};
use attain_proto::metrics::v1::{Event, EventStatus};

use crate::{
    scorecards::{Metrics, ScorecardApi, milestone_inputs, praise_store},
    webhooks::{MilestoneEvent, enqueue},
};

/// How long a system key is valid.
const KEY_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// A key is replaced this long before it expires, so no call ever carries one about to expire
/// (other services cache a key's check for up to 30 s).
const KEY_RENEW_BEFORE: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

struct SystemKey {
    text: String,
    renew_at: DateTime<Utc>,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Tenants looked at.
    pub tenants: usize,
    /// Tenants another detector was working on at the time, left to it.
    pub busy: usize,
    /// Tenants whose detection failed (logged); the others went on.
    pub failed: usize,
    /// Milestones recorded for the first time.
    pub recorded: usize,
}

/// The name every system key of the detector carries, so an admin listing keys sees what it is.
pub const SYSTEM_KEY_NAME: &str = "system: milestone detector";

/// Finds and records milestones. Cheap to clone.
#[derive(Clone)]
pub struct Detector {
    pool: PgPool,
    api: ScorecardApi,
    /// Where praise is counted as `praise_received`.
    metrics: Arc<Metrics>,
    keys: Arc<Mutex<HashMap<Uuid, SystemKey>>>,
    bests: Arc<milestone_inputs::BestCache>,
    goals: Arc<milestone_inputs::GoalCache>,
}

impl Detector {
    /// `pool` runs as the service role (row-level security applies); `metrics` reaches the
    /// metrics service and `directory` the org directory.
    pub fn new(pool: PgPool, metrics: Arc<Metrics>, directory: Arc<TenantDirectories>) -> Detector {
        Detector {
            api: ScorecardApi::new(pool.clone(), metrics.clone(), directory),
            metrics,
            pool,
            keys: Arc::new(Mutex::new(HashMap::new())),
            bests: Arc::default(),
            goals: Arc::default(),
        }
    }

    /// Runs detection every `interval` until `shutdown` completes; a run in progress then is
    /// finished first (it is a handful of queries and calls per tenant).
    pub async fn run(self, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        tracing::info!(interval_seconds = interval.as_secs(), "milestone detector started");
        loop {
            let started = std::time::Instant::now();
            let run = self.detect_once().await;
            crate::counters::DETECTION_SECONDS.observe(started.elapsed().as_secs_f64());
            match run {
                Ok(report) => {
                    crate::counters::DETECTION_LAST_SUCCESS.set(crate::counters::now_unix());
                    crate::counters::DETECTION_FAILURES.inc_by(report.failed as u64);
                    if report.recorded > 0 || report.failed > 0 {
                        tracing::info!(?report, "milestone detection");
                    }
                }
                Err(error) => {
                    crate::counters::DETECTION_FAILURES.inc();
                    tracing::warn!(error = %format!("{error:#}"), "milestone detection failed; retrying");
                }
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(interval) => {}
            }
            if (&mut shutdown).now_or_never().is_some() {
                break;
            }
        }
        tracing::info!("milestone detector stopped");
    }

    /// One detection run over every tenant, as of now.
    pub async fn detect_once(&self) -> anyhow::Result<Report> {
        self.detect_at(Utc::now()).await
    }

    /// One detection run over every tenant as of `at` (tests pass a day of their own; a
    /// milestone's key never holds `at`, only the day or period it is about). A tenant that
    /// fails is logged and counted, and does not stop the others.
    pub async fn detect_at(&self, at: DateTime<Utc>) -> anyhow::Result<Report> {
        let tenants = {
            let mut c = self.pool.acquire().await?;
            store::tenants(&mut c).await.context("listing tenants")?
        };
        let mut report = Report {
            tenants: tenants.len(),
            ..Report::default()
        };
        for tenant in tenants {
            match self.detect_tenant(tenant, at).await {
                Ok(Some(n)) => report.recorded += n,
                Ok(None) => report.busy += 1,
                Err(error) => {
                    report.failed += 1;
                    tracing::warn!(%tenant, error = %format!("{error:#}"), "milestone detection of a tenant failed");
                }
            }
        }
        Ok(report)
    }

    /// Detects one tenant's milestones; `None` when another detector holds the tenant.
    async fn detect_tenant(&self, tenant: Uuid, at: DateTime<Utc>) -> anyhow::Result<Option<usize>> {
        // The lock lives as long as this transaction, which also records what is found.
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        if !store::try_lock_tenant(&mut tx, tenant).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        match self.record_tenant(&mut tx, tenant, at).await {
            Ok(recorded) => {
                tx.commit().await?;
                Ok(Some(recorded))
            }
            Err(e) => {
                // Rolled back here and now: a transaction merely dropped is rolled back only
                // when its connection is next used, and until then it would keep the tenant's
                // lock from the next run.
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    /// Gathers and records the tenant's milestones in `tx`, which holds the tenant's lock.
    async fn record_tenant(&self, tx: &mut PgConnection, tenant: Uuid, at: DateTime<Utc>) -> anyhow::Result<usize> {
        let (settings, _) = store::settings(tx, tenant, false).await?;
        let key = self.key_for(tenant).await?;
        let caller = Caller {
            tenant_id: tenant,
            person_id: None,
            // INTEGRATION: it sees the whole tenant, as the reads need, and manages nothing
            // (no webhooks, catalog or directory), unlike ADMIN.
            role: AccessRole::Integration,
        };
        let ctx = Ctx::background(caller, key);
        let gathered = match milestone_inputs::gather(&self.api, &ctx, &settings, at, &self.bests, &self.goals).await {
            Ok(gathered) => gathered,
            Err(e) => {
                // The key may have been revoked or deleted: the next run mints a fresh one.
                if let Ok(mut keys) = self.keys.lock() {
                    keys.remove(&tenant);
                }
                // Keep the cause: this goes to the operator's log, not to a caller.
                return Err(match e {
                    attain_runtime::ApiError::Internal(cause) => cause.context("gathering milestone inputs"),
                    other => anyhow::anyhow!("gathering milestone inputs: {other}"),
                });
            }
        };
        // Titles and payloads first, each key once; then the new keys are recorded together.
        let mut keys = HashSet::new();
        let mut found = Vec::new();
        for c in &gathered.candidates {
            let f = &c.found;
            let Some(name) = gathered.names.get(&f.person) else {
                continue;
            };
            if !keys.insert(f.dedup_key.as_str()) {
                continue;
            }
            let title = milestone::title(f, name, &c.what, &c.amount);
            let mut data = c.data.clone();
            if let Some(object) = data.as_object_mut() {
                object.insert("kind".into(), f.kind.as_str().into());
                object.insert("person_name".into(), name.clone().into());
                object.insert("day".into(), f.day.to_string().into());
            }
            found.push((f, title, data));
        }
        let new: Vec<NewMilestone> = found
            .iter()
            .map(|(f, title, data)| NewMilestone {
                kind: f.kind.as_str(),
                person_id: f.person,
                dedup_key: &f.dedup_key,
                title,
                day: f.day,
                data,
            })
            .collect();
        let new_ids = store::record_new(tx, tenant, &new).await?;
        let mut recorded = 0;
        for (f, title, data) in found {
            // Only a milestone recorded now is announced.
            let Some(&(id, at)) = new_ids.get(&f.dedup_key) else {
                continue;
            };
            let event = MilestoneEvent {
                // The event id is the milestone id, so a receiver can drop repeats by it.
                id,
                event_type: f.kind.event_type().as_str().to_string(),
                title,
                person_id: Some(f.person),
                team_path: gathered.team_paths.get(&f.person).cloned().unwrap_or_default(),
                time: at,
                data,
            };
            enqueue(tx, tenant, &event).await?;
            recorded += 1;
        }
        self.count_praise(tx, tenant, &ctx).await?;
        // Contests: announced on their first day, closed with their winners the day after.
        let today = self.api.view(&ctx).await.map(|v| v.directory.calendar.local_date(at));
        let today = today.map_err(|e| anyhow::anyhow!("reading the directory for contests: {e}"))?;
        self.api
            .settle_contests(tx, &ctx, today)
            .await
            .map_err(|e| anyhow::anyhow!("settling contests: {e}"))?;
        Ok(recorded)
    }

    /// Counts the praise given since the last run as each recipient's `praise_received` event
    /// (the praise id is the event id, so a resend after a failure counts nothing twice), and
    /// marks it counted in `tx`.
    async fn count_praise(&self, tx: &mut PgConnection, tenant: Uuid, ctx: &Ctx) -> anyhow::Result<()> {
        let pending = praise_store::unsynced(tx, tenant, 1000).await?;
        if pending.is_empty() {
            return Ok(());
        }
        let events = pending
            .iter()
            .map(|p| Event {
                event_id: p.praise_id.to_string(),
                person_id: p.recipient_id.to_string(),
                metric_key: "praise_received".into(),
                occurred_at: Some(attain_runtime::convert::timestamp(p.created_at)),
                value: Some(1),
                ..Default::default()
            })
            .collect();
        let response = self
            .metrics
            .ingest(ctx, events)
            .await
            .map_err(|e| anyhow::anyhow!("counting praise: {e}"))?;
        let counted: Vec<Uuid> = response
            .results
            .iter()
            .filter(|r| r.status == EventStatus::Accepted as i32 || r.status == EventStatus::Duplicate as i32)
            .filter_map(|r| Uuid::parse_str(&r.event_id).ok())
            .collect();
        praise_store::mark_synced(tx, tenant, &counted).await?;
        Ok(())
    }

    /// The tenant's system key, minted (and the tenant's expired ones deleted) when there is
    /// none in memory or it is due for renewal.
    async fn key_for(&self, tenant: Uuid) -> anyhow::Result<String> {
        let now = Utc::now();
        if let Ok(keys) = self.keys.lock()
            && let Some(key) = keys.get(&tenant).filter(|k| k.renew_at > now)
        {
            return Ok(key.text.clone());
        }
        let made = ApiKey::generate(tenant);
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        attain_org::keys::insert_system_key(
            &mut tx,
            tenant,
            SYSTEM_KEY_NAME,
            made.key.key_id,
            &made.hash,
            now + KEY_LIFETIME,
        )
        .await?;
        tx.commit().await?;
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert(
                tenant,
                SystemKey {
                    text: made.text.clone(),
                    renew_at: now + KEY_LIFETIME - KEY_RENEW_BEFORE,
                },
            );
        }
        Ok(made.text)
    }
}

//! Ingestion: batches and streams of events, retraction and rollup rebuilds. ADMIN and
//! INTEGRATION callers only.

use std::collections::HashSet;

use attain_domain::{Violations, metric::Aggregation, org::AccessRole};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, directory::PersonRef, dispatch::Decoded};
use chrono::Utc;
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::{
    MetricsApi,
    check::{self, CatalogIndex, Checked, EventInput},
};
use crate::store::{self, events::EventColumns};

/// Most events in one request or one stream message.
pub const MAX_BATCH: usize = 5_000;

/// Most rejections a stream's response lists, so a bad bulk load cannot outgrow the message
/// size limit.
const MAX_STREAM_RESULTS: usize = 10_000;

const INGESTERS: &[AccessRole] = &[AccessRole::Admin, AccessRole::Integration];

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// An event with its id was stored before (or earlier in the same batch).
    Duplicate,
    Rejected,
}

/// One event's answer: its position in the request (or stream), its id if it has one, what
/// became of it and, when rejected, why.
#[derive(Debug)]
pub struct EventOutcome {
    pub index: usize,
    pub event_id: Option<Uuid>,
    pub outcome: Outcome,
    pub violations: Violations,
}

/// The answer to a whole stream: counts of every outcome, and the rejections (at most
/// `MAX_STREAM_RESULTS`; `truncated` when there were more).
#[derive(Debug, Default)]
pub struct StreamSummary {
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
    pub rejections: Vec<EventOutcome>,
    pub truncated: bool,
}

/// A retracted event's answer, in request order.
pub struct Retraction {
    pub event_id: Uuid,
    /// `false`: no event with this id was stored.
    pub retracted: bool,
}

fn rejected(index: usize, event_id: Option<Uuid>, violations: Violations) -> EventOutcome {
    EventOutcome {
        index,
        event_id,
        outcome: Outcome::Rejected,
        violations,
    }
}

pub fn check_batch_size(len: usize) -> ApiResult<()> {
    if len == 0 {
        return Err(ApiError::invalid("events", "must hold at least one event"));
    }
    if len > MAX_BATCH {
        return Err(ApiError::ResourceExhausted(format!(
            "a batch holds at most {MAX_BATCH} events, this one {len}; split it"
        )));
    }
    Ok(())
}

/// Checks, resolves and stores one batch; results are in request order, `index` offset by
/// `first_index` (for streams).
async fn ingest_batch(
    api: &MetricsApi,
    ctx: &Ctx,
    events: &[EventInput],
    first_index: usize,
) -> ApiResult<Vec<EventOutcome>> {
    check_batch_size(events.len())?;
    let tenant = ctx.tenant_id;
    let calendar = api.directory.calendar(ctx).await?;

    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let catalog = store::catalog::all(&mut tx, tenant).await?;
    let index: CatalogIndex = catalog.iter().map(|m| (m.key.as_str(), m)).collect();
    let now = Utc::now();
    let checked: Vec<Result<Checked, (Option<Uuid>, Violations)>> =
        events.iter().map(|e| check::check(e, &index, now)).collect();

    let people: Vec<PersonRef> = checked.iter().flatten().map(|c| c.person.clone()).collect();
    let resolved = api.directory.resolve(ctx, &people).await?;

    // Snapshots of state metrics are kept apart from the flow events and their rollups.
    let states: HashSet<i32> = catalog
        .iter()
        .filter(|m| m.aggregation.is_some_and(Aggregation::is_state))
        .map(|m| m.metric_id)
        .collect();
    let mut results: Vec<Option<EventOutcome>> = (0..events.len()).map(|_| None).collect();
    let mut columns = EventColumns::default();
    let mut snapshots = EventColumns::default();
    let mut stored_at = Vec::new();
    for (i, outcome) in checked.into_iter().enumerate() {
        let c = match outcome {
            Ok(c) => c,
            Err((id, v)) => {
                results[i] = Some(rejected(first_index + i, id, v));
                continue;
            }
        };
        let Some(person_id) = resolved.get(&c.person).copied().flatten() else {
            let mut v = Violations::new();
            let field = match c.person {
                PersonRef::Id(_) => "person_id",
                PersonRef::External(_) => "person_external_id",
            };
            v.add(field, "no such person in this tenant's directory");
            results[i] = Some(rejected(first_index + i, Some(c.event_id), v));
            continue;
        };
        let into = if states.contains(&c.metric_id) {
            &mut snapshots
        } else {
            &mut columns
        };
        into.event_id.push(c.event_id);
        into.person_id.push(person_id);
        into.metric_id.push(c.metric_id);
        into.occurred_at.push(c.occurred_at);
        into.local_day.push(calendar.local_date(c.occurred_at));
        into.value.push(c.value);
        into.source.push(c.source);
        into.external_id.push(c.external_id);
        into.attributes.push(c.attributes);
        stored_at.push((i, c.event_id));
    }

    let mut inserted: HashSet<Uuid> = HashSet::new();
    if !columns.event_id.is_empty() {
        inserted.extend(store::events::insert(&mut tx, tenant, &columns).await?);
    }
    if !snapshots.event_id.is_empty() {
        inserted.extend(store::snapshots::insert(&mut tx, tenant, &snapshots).await?);
    }
    tx.commit().await?;

    for (i, id) in stored_at {
        // The first occurrence of an id in the batch is the one stored; repeats are duplicates.
        let outcome = if inserted.remove(&id) {
            Outcome::Accepted
        } else {
            Outcome::Duplicate
        };
        results[i] = Some(EventOutcome {
            index: first_index + i,
            event_id: Some(id),
            outcome,
            violations: Violations::new(),
        });
    }
    let results: Vec<EventOutcome> = results.into_iter().flatten().collect();
    for (outcome, name) in [
        (Outcome::Accepted, "accepted"),
        (Outcome::Duplicate, "duplicate"),
        (Outcome::Rejected, "rejected"),
    ] {
        crate::counters::count(name, count(&results, outcome));
    }
    Ok(results)
}

/// How many of `results` had `outcome`.
pub fn count(results: &[EventOutcome], outcome: Outcome) -> usize {
    results.iter().filter(|r| r.outcome == outcome).count()
}

impl MetricsApi {
    /// Ingests one batch: each event accepted, a duplicate, or rejected with its reasons.
    pub async fn ingest_events(&self, ctx: &Ctx, events: Vec<EventInput>) -> ApiResult<Vec<EventOutcome>> {
        ctx.require(INGESTERS, "ingest events")?;
        ingest_batch(self, ctx, &events, 0).await
    }

    /// Ingests a stream of batches, each stored as it arrives; the stream yields a batch, or
    /// the refusal of a message that could not be read.
    pub async fn stream_events(
        &self,
        ctx: &Ctx,
        mut batches: impl Stream<Item = ApiResult<Vec<EventInput>>> + Unpin + Send,
    ) -> ApiResult<StreamSummary> {
        ctx.require(INGESTERS, "ingest events")?;
        let mut summary = StreamSummary::default();
        let mut seen = 0usize;
        loop {
            // Between messages only: a batch being stored is finished, so what was acknowledged
            // is exactly what a resend is answered duplicate for.
            let next = tokio::select! {
                next = tokio::time::timeout(self.stream_idle, batches.next()) => next,
                () = ctx.stopping().wait() => {
                    return Err(ApiError::Unavailable(format!(
                        "this server is shutting down, so the stream was ended; the {seen} events of the \
                         messages before were ingested (a resend of them is answered duplicate): send the \
                         rest on a new stream, which reaches another replica"
                    )));
                }
            };
            let Ok(next) = next else {
                return Err(ApiError::Aborted(format!(
                    "no message for {} s, so the stream was ended; the {} events of the messages before were \
                     ingested (a resend of them is answered duplicate): send the rest on a new stream",
                    self.stream_idle.as_secs_f64(),
                    seen
                )));
            };
            let Some(events) = next else {
                break;
            };
            let events = events?;
            let results = ingest_batch(self, ctx, &events, seen).await?;
            seen += events.len();
            for r in results {
                match r.outcome {
                    Outcome::Accepted => summary.accepted += 1,
                    Outcome::Duplicate => summary.duplicate += 1,
                    Outcome::Rejected => {
                        summary.rejected += 1;
                        if summary.rejections.len() < MAX_STREAM_RESULTS {
                            summary.rejections.push(r);
                        } else {
                            summary.truncated = true;
                        }
                    }
                }
            }
        }
        Ok(summary)
    }

    /// Retracts events by id (checked by the wire side: at most a batch, each id valid).
    pub async fn retract_events(&self, ctx: &Ctx, ids: Decoded<Vec<Uuid>>) -> ApiResult<Vec<Retraction>> {
        ctx.require(INGESTERS, "retract events")?;
        let ids = ids.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let mut deleted: HashSet<Uuid> = store::events::retract(&mut tx, ctx.tenant_id, &ids)
            .await?
            .into_iter()
            .collect();
        deleted.extend(store::snapshots::retract(&mut tx, ctx.tenant_id, &ids).await?);
        tx.commit().await?;
        Ok(ids
            .into_iter()
            .map(|event_id| Retraction {
                event_id,
                retracted: deleted.remove(&event_id),
            })
            .collect())
    }

    /// Rebuilds the tenant's rollups from its events: (events read, rollup rows written).
    pub async fn rebuild_rollups(&self, ctx: &Ctx) -> ApiResult<(i64, i64)> {
        ctx.require(&[AccessRole::Admin], "rebuild rollups")?;
        let calendar = self.directory.fresh_calendar(ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let (events, rollup_row_count) =
            store::events::rebuild(&mut tx, ctx.tenant_id, calendar.time_zone().name()).await?;
        let snapshots = store::snapshots::rebuild(&mut tx, ctx.tenant_id, calendar.time_zone().name()).await?;
        tx.commit().await?;
        Ok((events + snapshots, rollup_row_count))
    }
}

//! Ingestion: batches and streams of events, retraction and rollup rebuilds. ADMIN and
//! INTEGRATION callers only.

use std::collections::HashSet;

use attain_domain::{Violations, metric::Aggregation, org::AccessRole};
use attain_proto::{common::v1::FieldViolation, metrics::v1::*};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, directory::PersonRef};
use chrono::Utc;
use futures::StreamExt;
use uuid::Uuid;

use super::{
    MetricsApi,
    check::{self, CatalogIndex, Checked},
};
use crate::store::{self, events::EventColumns};

/// Most events in one request or one stream message.
pub const MAX_BATCH: usize = 5_000;

/// Most rejections a stream's response lists, so a bad bulk load cannot outgrow the message
/// size limit.
const MAX_STREAM_RESULTS: usize = 10_000;

const INGESTERS: &[AccessRole] = &[AccessRole::Admin, AccessRole::Integration];

fn rejected(index: usize, event_id: Option<Uuid>, violations: Violations) -> EventResult {
    EventResult {
        index: index as i32,
        event_id: event_id.map(|id| id.to_string()).unwrap_or_default(),
        status: EventStatus::Rejected as i32,
        violations: violations
            .into_iter()
            .map(|v| FieldViolation {
                field: v.field,
                description: v.description,
            })
            .collect(),
    }
}

fn check_batch_size(len: usize) -> ApiResult<()> {
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
    events: &[Event],
    first_index: usize,
) -> ApiResult<Vec<EventResult>> {
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
    let mut results: Vec<Option<EventResult>> = vec![None; events.len()];
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
        let status = if inserted.remove(&id) {
            EventStatus::Accepted
        } else {
            EventStatus::Duplicate
        };
        results[i] = Some(EventResult {
            index: (first_index + i) as i32,
            event_id: id.to_string(),
            status: status as i32,
            violations: Vec::new(),
        });
    }
    let results: Vec<EventResult> = results.into_iter().flatten().collect();
    for (status, outcome) in [
        (EventStatus::Accepted, "accepted"),
        (EventStatus::Duplicate, "duplicate"),
        (EventStatus::Rejected, "rejected"),
    ] {
        crate::counters::count(outcome, count(&results, status));
    }
    Ok(results)
}

fn count(results: &[EventResult], status: EventStatus) -> usize {
    results.iter().filter(|r| r.status == status as i32).count()
}

pub async fn ingest(api: &MetricsApi, ctx: &Ctx, req: IngestEventsRequest) -> ApiResult<IngestEventsResponse> {
    ctx.require(INGESTERS, "ingest events")?;
    let results = ingest_batch(api, ctx, &req.events, 0).await?;
    Ok(IngestEventsResponse {
        accepted_count: count(&results, EventStatus::Accepted) as i32,
        duplicate_count: count(&results, EventStatus::Duplicate) as i32,
        rejected_count: count(&results, EventStatus::Rejected) as i32,
        results,
    })
}

pub async fn stream(
    api: &MetricsApi,
    ctx: &Ctx,
    mut messages: tonic::Streaming<StreamEventsRequest>,
) -> ApiResult<StreamEventsResponse> {
    ctx.require(INGESTERS, "ingest events")?;
    let mut response = StreamEventsResponse::default();
    let mut seen = 0usize;
    loop {
        // Between messages only: a batch being stored is finished, so what was acknowledged
        // is exactly what a resend is answered duplicate for.
        let next = tokio::select! {
            next = tokio::time::timeout(api.stream_idle, messages.next()) => next,
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
                api.stream_idle.as_secs_f64(),
                seen
            )));
        };
        let Some(message) = next else {
            break;
        };
        let message = message.map_err(|status| {
            if attain_runtime::limits::is_too_large(&status) {
                ApiError::ResourceExhausted(format!("a stream message was too large: {}", status.message()))
            } else if attain_runtime::limits::is_undecodable(&status) {
                ApiError::invalid("events", attain_runtime::limits::NOT_A_MESSAGE)
            } else {
                ApiError::Aborted(format!("the stream broke: {}", status.message()))
            }
        })?;
        let results = ingest_batch(api, ctx, &message.events, seen).await?;
        seen += message.events.len();
        for r in results {
            match EventStatus::try_from(r.status) {
                Ok(EventStatus::Accepted) => response.accepted_count += 1,
                Ok(EventStatus::Duplicate) => response.duplicate_count += 1,
                _ => {
                    response.rejected_count += 1;
                    if response.results.len() < MAX_STREAM_RESULTS {
                        response.results.push(r);
                    } else {
                        response.results_truncated = true;
                    }
                }
            }
        }
    }
    Ok(response)
}

pub async fn retract(api: &MetricsApi, ctx: &Ctx, req: RetractEventsRequest) -> ApiResult<RetractEventsResponse> {
    ctx.require(INGESTERS, "retract events")?;
    check_batch_size(req.events.len())?;
    let mut v = Violations::new();
    let ids: Vec<Option<Uuid>> = req
        .events
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut own = Violations::new();
            let id = check::event_id(&mut own, &r.event_id, &r.source, &r.external_id);
            v.extend_prefixed(&format!("events[{i}]"), own);
            id
        })
        .collect();
    v.into_result(())?;
    let ids: Vec<Uuid> = ids.into_iter().flatten().collect();
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut deleted: HashSet<Uuid> = store::events::retract(&mut tx, ctx.tenant_id, &ids)
        .await?
        .into_iter()
        .collect();
    deleted.extend(store::snapshots::retract(&mut tx, ctx.tenant_id, &ids).await?);
    tx.commit().await?;
    let results = ids
        .iter()
        .enumerate()
        .map(|(i, id)| RetractResult {
            index: i as i32,
            event_id: id.to_string(),
            status: if deleted.remove(id) {
                RetractStatus::Retracted
            } else {
                RetractStatus::NotFound
            } as i32,
        })
        .collect();
    Ok(RetractEventsResponse { results })
}

/// Rebuilds the tenant's rollups from its events (the request has no fields).
pub async fn rebuild(api: &MetricsApi, ctx: &Ctx, _: RebuildRollupsRequest) -> ApiResult<RebuildRollupsResponse> {
    ctx.require(&[AccessRole::Admin], "rebuild rollups")?;
    let calendar = api.directory.fresh_calendar(ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let (events, rollup_row_count) =
        store::events::rebuild(&mut tx, ctx.tenant_id, calendar.time_zone().name()).await?;
    let snapshots = store::snapshots::rebuild(&mut tx, ctx.tenant_id, calendar.time_zone().name()).await?;
    let event_count = events + snapshots;
    tx.commit().await?;
    Ok(RebuildRollupsResponse {
        event_count,
        rollup_row_count,
    })
}

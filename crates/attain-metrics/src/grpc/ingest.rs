//! Ingestion on the wire: events decoded as sent (the use case checks each one and answers for
//! each), stream messages read, answers encoded.

use attain_domain::Violations;
use attain_proto::{common::v1::FieldViolation, metrics::v1::*};
use attain_runtime::{ApiError, ApiResult, Ctx, limits};
use futures::StreamExt;
use uuid::Uuid;

use crate::app::{
    MetricsApi,
    check::{self, EventInput},
    ingest::{EventOutcome, Outcome, check_batch_size, count},
};

fn event(e: Event) -> EventInput {
    EventInput {
        event_id: e.event_id,
        source: e.source,
        external_id: e.external_id,
        person_id: e.person_id,
        person_external_id: e.person_external_id.map(|x| (x.system, x.id)),
        metric_key: e.metric_key,
        occurred_at: e.occurred_at.map(|t| (t.seconds, t.nanos)),
        value: e.value,
        attributes: e.attributes,
    }
}

fn status(outcome: Outcome) -> EventStatus {
    match outcome {
        Outcome::Accepted => EventStatus::Accepted,
        Outcome::Duplicate => EventStatus::Duplicate,
        Outcome::Rejected => EventStatus::Rejected,
    }
}

fn result(r: EventOutcome) -> EventResult {
    EventResult {
        index: r.index as i32,
        event_id: r.event_id.map(|id| id.to_string()).unwrap_or_default(),
        status: status(r.outcome) as i32,
        violations: r
            .violations
            .into_iter()
            .map(|v| FieldViolation {
                field: v.field,
                description: v.description,
            })
            .collect(),
    }
}

pub async fn ingest(api: &MetricsApi, ctx: &Ctx, req: IngestEventsRequest) -> ApiResult<IngestEventsResponse> {
    let events = req.events.into_iter().map(event).collect();
    let results = api.ingest_events(ctx, events).await?;
    Ok(IngestEventsResponse {
        accepted_count: count(&results, Outcome::Accepted) as i32,
        duplicate_count: count(&results, Outcome::Duplicate) as i32,
        rejected_count: count(&results, Outcome::Rejected) as i32,
        results: results.into_iter().map(result).collect(),
    })
}

/// A stream message that could not be read, as the caller should hear it.
fn unreadable(status: tonic::Status) -> ApiError {
    if limits::is_too_large(&status) {
        ApiError::ResourceExhausted(format!("a stream message was too large: {}", status.message()))
    } else if limits::is_undecodable(&status) {
        ApiError::invalid("events", limits::NOT_A_MESSAGE)
    } else {
        ApiError::Aborted(format!("the stream broke: {}", status.message()))
    }
}

pub async fn stream(
    api: &MetricsApi,
    ctx: &Ctx,
    messages: tonic::Streaming<StreamEventsRequest>,
) -> ApiResult<StreamEventsResponse> {
    let batches = messages.map(|m| m.map(|m| m.events.into_iter().map(event).collect()).map_err(unreadable));
    let s = api.stream_events(ctx, batches).await?;
    Ok(StreamEventsResponse {
        accepted_count: s.accepted as i64,
        duplicate_count: s.duplicate as i64,
        rejected_count: s.rejected as i64,
        results: s.rejections.into_iter().map(result).collect(),
        results_truncated: s.truncated,
    })
}

/// The ids of a RetractEvents request: at most a batch, each given or derived from its source
/// and external id.
fn retracted_ids(req: &RetractEventsRequest) -> ApiResult<Vec<Uuid>> {
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
    Ok(ids.into_iter().flatten().collect())
}

pub async fn retract(api: &MetricsApi, ctx: &Ctx, req: RetractEventsRequest) -> ApiResult<RetractEventsResponse> {
    let retracted = api.retract_events(ctx, retracted_ids(&req).into()).await?;
    Ok(RetractEventsResponse {
        results: retracted
            .into_iter()
            .enumerate()
            .map(|(i, r)| RetractResult {
                index: i as i32,
                event_id: r.event_id.to_string(),
                status: if r.retracted {
                    RetractStatus::Retracted
                } else {
                    RetractStatus::NotFound
                } as i32,
            })
            .collect(),
    })
}

/// Rebuilds the tenant's rollups from its events (the request has no fields).
pub async fn rebuild(api: &MetricsApi, ctx: &Ctx, _: RebuildRollupsRequest) -> ApiResult<RebuildRollupsResponse> {
    let (event_count, rollup_row_count) = api.rebuild_rollups(ctx).await?;
    Ok(RebuildRollupsResponse {
        event_count,
        rollup_row_count,
    })
}

//! The audit trail: every write call a service answers OK leaves one row in that service's
//! `<schema>.audit_events` (who — the key, token or operator and the person it acts as —, the
//! tenant, method, resource, time and request id). The table is append-only for the service role
//! (INSERT and SELECT only, see `db::grant_service_role`) and a trigger refuses changes by anyone.
//!
//! Two ways in:
//! - [`AuditLayer`] queues the row of every write RPC when the call ends OK (after the handler
//!   committed), and one writer task per service inserts queued rows in batches; a failure to
//!   write is logged and counted, never turned into a failed call.
//! - Changes a compensation dispute must be able to answer — quotas, targets, ramps, roles — are
//!   written by their handler with [`write_in`], in the handler's own transaction and with the
//!   before and after, so the change and its record commit together; the layer then writes none.
//!
//! Handlers may name the resource they wrote with [`resource`]; otherwise the method names it.

use std::{
    sync::{Arc, LazyLock, Mutex},
    task::{Context, Poll},
};

use futures::future::BoxFuture;
use prometheus_client::metrics::counter::Counter;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use tonic::body::Body;
use tower::{Layer, Service};
use uuid::Uuid;

use crate::{Caller, observe::CallEnd};

/// Who a credential is, beyond the caller's tenant, person and role: set by the authentication
/// layer from the credential it verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `api_key`, `token` or `operator`.
    pub kind: &'static str,
    /// The key's id, or the token's issuer and subject (`issuer#subject`).
    pub id: String,
}

/// Audit rows that could not be written (the call had succeeded).
pub static WRITE_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);

/// What the handler of the current call noted for its audit row.
#[derive(Debug, Default)]
struct Notes {
    resource: Option<String>,
    /// The row was written in the handler's transaction.
    written: bool,
    context: Option<RowContext>,
}

/// The call's who, what and when, known to the layer before the handler runs.
#[derive(Debug, Clone)]
struct RowContext {
    caller: Caller,
    actor: Actor,
    service: &'static str,
    method: String,
    request_id: String,
}

tokio::task_local! {
    static NOTES: Arc<Mutex<Notes>>;
}

/// Names the resource the current call wrote, e.g. `resource("quota", id)`.
pub fn resource(kind: &str, id: impl std::fmt::Display) {
    let _ = NOTES.try_with(|notes| {
        if let Ok(mut notes) = notes.lock() {
            notes.resource = Some(format!("{kind}/{id}"));
        }
    });
}

/// Writes the current call's audit row in `tx` (the handler's transaction), with the state
/// before and after the change; the layer writes no second row. Outside an audited call (a
/// background job, a test calling a store directly) it writes nothing.
pub async fn write_in(
    tx: &mut PgConnection,
    table: &'static str,
    resource_kind: &str,
    resource_id: impl std::fmt::Display,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), sqlx::Error> {
    let resource = format!("{resource_kind}/{resource_id}");
    let context = NOTES
        .try_with(|notes| {
            notes.lock().ok().and_then(|mut n| {
                n.written = true;
                n.resource = Some(resource.clone());
                n.context.clone()
            })
        })
        .ok()
        .flatten();
    let Some(context) = context else { return Ok(()) };
    insert(tx, table, &context, &resource, before, after).await
}

async fn insert(
    c: &mut PgConnection,
    table: &'static str,
    row: &RowContext,
    resource: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), sqlx::Error> {
    // `table` is one of the services' own constants, never caller text.
    let sql = format!(
        "INSERT INTO {table} (tenant_id, event_id, actor_kind, actor_id, person_id, role, service, method, resource,
             request_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(row.caller.tenant_id)
        .bind(Uuid::now_v7())
        .bind(row.actor.kind)
        .bind(&row.actor.id)
        .bind(row.caller.person_id)
        .bind(row.caller.role.as_str())
        .bind(row.service)
        .bind(&row.method)
        .bind(resource)
        .bind(&row.request_id)
        .bind(before)
        .bind(after)
        .execute(c)
        .await?;
    Ok(())
}

/// Writes the audit row of a platform operator's write on `tenant` (the operator API
/// authenticates its callers itself, outside [`AuditLayer`]).
pub async fn write_operator(
    pool: &PgPool,
    table: &'static str,
    tenant: Uuid,
    operator_key: Uuid,
    method: &str,
    resource: &str,
    after: Option<Value>,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO {table} (tenant_id, event_id, actor_kind, actor_id, role, service, method, resource, after)
         VALUES ($1, $2, 'operator', $3, 'operator', 'scorecard', $4, $5, $6)"
    );
    let mut tx = crate::db::begin_tenant(pool, tenant).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(operator_key.to_string())
        .bind(method)
        .bind(resource)
        .bind(after)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Methods that change nothing although their names do not say so, and the one write that is
/// never audited: a survey answer is anonymous, and an audit row naming its author would
/// undo that.
fn audited(method: &str) -> bool {
    const READS: [&str; 4] = ["Get", "List", "Find", "Export"];
    const NOT_WRITES: [&str; 6] = [
        "SuggestCoaching",
        "VerifyApiKey",
        "VerifyToken",
        "ResolvePeople",
        "AnalyzeLeadingIndicators",
        "SubmitResponse",
    ];
    !READS.iter().any(|p| method.starts_with(p)) && !NOT_WRITES.contains(&method)
}

/// Where a service's audit rows go. Rows of ordinary writes are handed to one writer task that
/// inserts them in batches (one transaction per tenant and batch), so auditing costs a busy
/// service a few transactions a second rather than one per call.
#[derive(Clone)]
pub struct AuditSink {
    /// E.g. `metrics`.
    service: &'static str,
    rows: tokio::sync::mpsc::Sender<(RowContext, String)>,
}

/// Rows waiting for the writer before a write call's row is dropped (and counted) rather than
/// holding the call: the trail must never slow or fail the write it records.
const QUEUE: usize = 10_000;
/// Most rows one batch inserts.
const BATCH: usize = 500;

impl AuditSink {
    /// Starts the sink's writer; call inside the service's runtime.
    pub fn new(pool: PgPool, service: &'static str, table: &'static str) -> Self {
        let (rows, queue) = tokio::sync::mpsc::channel(QUEUE);
        tokio::spawn(write_batches(pool, table, queue));
        Self { service, rows }
    }

    fn send(&self, context: RowContext, resource: String) {
        if let Err(e) = self.rows.try_send((context, resource)) {
            WRITE_FAILURES.inc();
            tracing::error!("audit rows are not being written fast enough; one was dropped: {e}");
        }
    }
}

/// Inserts queued rows in batches until every sender is gone.
async fn write_batches(
    pool: PgPool,
    table: &'static str,
    mut queue: tokio::sync::mpsc::Receiver<(RowContext, String)>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let mut by_tenant: std::collections::BTreeMap<Uuid, Vec<(RowContext, String)>> = Default::default();
        for (context, resource) in batch.drain(..) {
            by_tenant
                .entry(context.caller.tenant_id)
                .or_default()
                .push((context, resource));
        }
        for (tenant, rows) in by_tenant {
            let count = rows.len();
            if let Err(e) = insert_many(&pool, table, tenant, &rows).await {
                WRITE_FAILURES.inc_by(count as u64);
                tracing::error!(%tenant, count, "could not write the audit rows of calls that succeeded: {e}");
            }
        }
    }
}

/// One tenant's rows in one statement, in that tenant's transaction (row-level security admits
/// them for their own tenant only).
async fn insert_many(
    pool: &PgPool,
    table: &'static str,
    tenant: Uuid,
    rows: &[(RowContext, String)],
) -> Result<(), sqlx::Error> {
    let column = |f: &dyn Fn(&RowContext, &str) -> String| rows.iter().map(|(c, r)| f(c, r)).collect::<Vec<_>>();
    let kinds = column(&|c, _| c.actor.kind.to_string());
    let actors = column(&|c, _| c.actor.id.clone());
    let roles = column(&|c, _| c.caller.role.as_str().to_string());
    let services = column(&|c, _| c.service.to_string());
    let methods = column(&|c, _| c.method.clone());
    let resources = column(&|_, r| r.to_string());
    let request_ids = column(&|c, _| c.request_id.clone());
    let people: Vec<Option<Uuid>> = rows.iter().map(|(c, _)| c.caller.person_id).collect();
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    // `table` is one of the services' own constants, never caller text.
    let sql = format!(
        "INSERT INTO {table} (tenant_id, event_id, actor_kind, actor_id, person_id, role, service, method, resource,
             request_id)
         SELECT $1, * FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[],
             $9::text[], $10::text[])"
    );
    let mut tx = crate::db::begin_tenant(pool, tenant).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(ids)
        .bind(kinds)
        .bind(actors)
        .bind(people)
        .bind(roles)
        .bind(services)
        .bind(methods)
        .bind(resources)
        .bind(request_ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Writes an audit row for every write call that ends OK.
#[derive(Clone)]
pub struct AuditLayer {
    sink: Option<AuditSink>,
}

impl AuditLayer {
    pub fn new(sink: Option<AuditSink>) -> Self {
        Self { sink }
    }
}

impl<S> Layer<S> for AuditLayer {
    type Service = Audited<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Audited {
            inner,
            sink: self.sink.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Audited<S> {
    inner: S,
    sink: Option<AuditSink>,
}

/// The caller's request id, when it is short printable text, else a new one.
fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_string)
}

impl<S, B> Service<http::Request<B>> for Audited<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let method = req.uri().path().rsplit('/').next().unwrap_or_default().to_string();
        let caller = req.extensions().get::<Caller>().cloned();
        let actor = req.extensions().get::<Actor>().cloned();
        let (Some(sink), Some(caller), Some(actor), true) = (self.sink.clone(), caller, actor, audited(&method)) else {
            return Box::pin(inner.call(req));
        };
        let context = RowContext {
            caller,
            actor,
            service: sink.service,
            method,
            request_id: request_id(req.headers()),
        };
        let request_id = context.request_id.clone();
        let notes = Arc::new(Mutex::new(Notes {
            context: Some(context),
            ..Notes::default()
        }));
        Box::pin(async move {
            let mut response = NOTES.scope(notes.clone(), inner.call(req)).await?;
            if let Ok(value) = request_id.parse() {
                // So a caller can quote the call when asking about it.
                response.headers_mut().insert("x-request-id", value);
            }
            Ok(crate::observe::watch_response(response, AuditCall { sink, notes }))
        })
    }
}

/// One audited call, written when it ends OK.
struct AuditCall {
    sink: AuditSink,
    notes: Arc<Mutex<Notes>>,
}

impl CallEnd for AuditCall {
    fn end(&mut self, code: &'static str) {
        if code != "OK" {
            return;
        }
        let Ok(mut notes) = self.notes.lock() else { return };
        if notes.written {
            return;
        }
        notes.written = true;
        let Some(context) = notes.context.take() else { return };
        let resource = notes.resource.take().unwrap_or_default();
        self.sink.send(context, resource);
    }
}

#[cfg(test)]
mod tests {
    use super::audited;

    #[test]
    fn reads_and_anonymous_answers_are_not_audited_and_writes_are() {
        for read in [
            "GetScorecard",
            "ListPeople",
            "FindPersonByExternalId",
            "VerifyApiKey",
            "SubmitResponse",
        ] {
            assert!(!audited(read), "{read}");
        }
        for write in [
            "SetQuota",
            "UpdatePerson",
            "IngestEvents",
            "StreamEvents",
            "RevokeApiKey",
            "PlanFunnel",
        ] {
            assert!(audited(write), "{write}");
        }
    }
}

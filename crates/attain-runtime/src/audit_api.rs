//! `attain.audit.v1.AuditService`, the same in every service over that service's own trail.

use attain_domain::{Violations, org::AccessRole};
use attain_proto::audit::v1::{
    AuditEvent, ListAuditEventsRequest, ListAuditEventsResponse, audit_service_server,
    audit_service_server::AuditService,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{
    ApiResult, Caller, convert,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};

/// Lists one service's audit trail for a tenant's admins.
#[derive(Clone)]
pub struct AuditApi {
    pool: PgPool,
    /// E.g. `metrics.audit_events`: a service's constant, never caller text.
    table: &'static str,
}

impl AuditApi {
    pub fn new(pool: PgPool, table: &'static str) -> Self {
        Self { pool, table }
    }

    pub fn into_server(self, max_message_bytes: usize) -> audit_service_server::AuditServiceServer<AuditApi> {
        audit_service_server::AuditServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

/// One audit row: event id, time, actor kind and id, person, role, service, method, resource,
/// request id, and the before and after of a change the handler recorded.
pub type AuditRecord = (
    Uuid,
    DateTime<Utc>,
    String,
    String,
    Option<Uuid>,
    String,
    String,
    String,
    String,
    String,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
);

/// Which audit events to list, newest first.
pub struct AuditQuery {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// An RPC name, or empty for all.
    pub method: String,
    pub page: Page,
    pub before: Option<Uuid>,
}

impl AuditApi {
    /// A page of the caller's tenant's audit trail in this service; ADMIN only.
    pub async fn list_events(&self, caller: &Caller, query: Decoded<AuditQuery>) -> ApiResult<Listed<AuditRecord>> {
        caller.require(&[AccessRole::Admin], "read the audit trail")?;
        let q = query.get()?;
        let sql = format!(
            "SELECT event_id, occurred_at, actor_kind, actor_id, person_id, role, service, method, resource, request_id,
                    before, after
             FROM {table}
             WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR occurred_at >= $2)
               AND ($3::timestamptz IS NULL OR occurred_at < $3) AND ($4 = '' OR method = $4)
               AND ($5::uuid IS NULL OR event_id < $5)
             ORDER BY event_id DESC LIMIT $6",
            table = self.table
        );
        let mut tx = begin_tenant(&self.pool, caller.tenant_id).await?;
        let rows: Vec<AuditRecord> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(caller.tenant_id)
            .bind(q.start)
            .bind(q.end)
            .bind(&q.method)
            .bind(q.before)
            .bind(q.page.fetch_limit())
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(q.page.list(rows, |r| r.0.to_string()))
    }
}

fn audit_query(caller: &Caller, req: ListAuditEventsRequest) -> ApiResult<AuditQuery> {
    let mut v = Violations::new();
    let start = time(&mut v, "start_time", req.start_time.as_ref());
    let end = time(&mut v, "end_time", req.end_time.as_ref());
    if req.method.len() > 100 || req.method.chars().any(|c| !c.is_ascii_alphanumeric()) {
        v.add("method", "must be an RPC name such as SetQuota");
    }
    let page = Page::of(&mut v, caller.tenant_id, &req);
    let before = page.after_id(&mut v);
    Ok(v.into_result(AuditQuery {
        start,
        end,
        method: req.method,
        page,
        before,
    })?)
}

/// A time from a request, within what PostgreSQL and protobuf clients can both hold.
fn time(v: &mut Violations, field: &str, at: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let at = at?;
    let parsed = convert::from_timestamp_opt(at).filter(|t| (1..=9999).contains(&chrono::Datelike::year(t)));
    if parsed.is_none() {
        v.add(field, "must be a time between the years 0001 and 9999");
    }
    parsed
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_events(
        &self,
        req: Request<ListAuditEventsRequest>,
    ) -> Result<Response<ListAuditEventsResponse>, Status> {
        let caller = Caller::of(&req)?;
        let query = audit_query(&caller, req.into_inner());
        let listed = self.list_events(&caller, query.into()).await?;
        let events: Vec<AuditEvent> = listed
            .items
            .into_iter()
            .map(|r| AuditEvent {
                id: r.0.to_string(),
                occur_time: Some(convert::timestamp(r.1)),
                actor_kind: r.2,
                actor_id: r.3,
                person_id: r.4.map(|p| p.to_string()).unwrap_or_default(),
                role: r.5,
                service: r.6,
                method: r.7,
                resource: r.8,
                request_id: r.9,
                before_json: r.10.map(|j| j.to_string()).unwrap_or_default(),
                after_json: r.11.map(|j| j.to_string()).unwrap_or_default(),
            })
            .collect();
        Ok(Response::new(ListAuditEventsResponse {
            events,
            next_page_token: listed.next_page_token,
        }))
    }
}

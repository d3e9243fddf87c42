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

use crate::{ApiError, Caller, convert, db::begin_tenant};

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

type Row = (
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
        caller.require(&[AccessRole::Admin], "read the audit trail")?;
        let req = req.into_inner();
        let mut v = Violations::new();
        let start = time(&mut v, "start_time", req.start_time.as_ref());
        let end = time(&mut v, "end_time", req.end_time.as_ref());
        if req.method.len() > 100 || req.method.chars().any(|c| !c.is_ascii_alphanumeric()) {
            v.add("method", "must be an RPC name such as SetQuota");
        }
        let page = crate::paging::Page::of(&mut v, caller.tenant_id, &req);
        let before = page.after_id(&mut v);
        v.into_result(()).map_err(ApiError::from)?;
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
        let mut tx = begin_tenant(&self.pool, caller.tenant_id)
            .await
            .map_err(ApiError::from)?;
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(caller.tenant_id)
            .bind(start)
            .bind(end)
            .bind(&req.method)
            .bind(before)
            .bind(page.fetch_limit())
            .fetch_all(&mut *tx)
            .await
            .map_err(ApiError::from)?;
        tx.commit().await.map_err(ApiError::from)?;
        let mut rows = rows;
        let next_page_token = page.finish(&mut rows, |r| r.0.to_string());
        let events: Vec<AuditEvent> = rows
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
            next_page_token,
        }))
    }
}

//! `attain audit list`: the tenant's audit trail from every service, merged newest first, as a
//! table, CSV or JSON lines (for export). Needs an ADMIN key.

use anyhow::Context;
use attain_proto::audit::v1::{AuditEvent, ListAuditEventsRequest, audit_service_client::AuditServiceClient};
use attain_runtime::clients::pages;
use attain_server::api::{authorized, channel};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// List the tenant's audit events from every service, newest first.
    List(ListArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people.
    Table,
    /// CSV with a header row, for spreadsheets.
    Csv,
    /// One JSON object per line, for tools.
    Json,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// ADMIN API key (or token) of the tenant.
    #[arg(long, env = "ATTAIN_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Only events at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    since: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    #[arg(long)]
    until: Option<DateTime<Utc>>,
    /// Only events of this RPC, e.g. SetQuota.
    #[arg(long, default_value = "")]
    method: String,
    /// At most this many events in all.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// The services whose trails to read (repeat); all four by default.
    #[arg(long = "service", value_enum)]
    services: Vec<attain_server::Service>,
    #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
    metrics_url: String,
    #[arg(long, env = "ATTAIN_ORG_URL", default_value = "http://127.0.0.1:50052")]
    org_url: String,
    #[arg(long, env = "ATTAIN_COACHING_URL", default_value = "http://127.0.0.1:50053")]
    coaching_url: String,
    #[arg(long, env = "ATTAIN_HIRING_URL", default_value = "http://127.0.0.1:50054")]
    hiring_url: String,
}

/// Up to `limit` of one service's events, newest first.
async fn events_of(url: &str, args: &ListArgs) -> anyhow::Result<Vec<AuditEvent>> {
    let client = AuditServiceClient::new(channel(url)?);
    let listed = pages(|page_token| {
        let request = ListAuditEventsRequest {
            start_time: args.since.map(attain_runtime::convert::timestamp),
            end_time: args.until.map(attain_runtime::convert::timestamp),
            method: args.method.clone(),
            page_size: 1000.min(args.limit.max(1)) as i32,
            page_token,
        };
        let request = authorized(request, &args.api_key);
        let mut client = client.clone();
        async move {
            let page = client
                .list_audit_events(request?)
                .await
                .with_context(|| format!("listing the audit trail at {url}"))?
                .into_inner();
            Ok::<_, anyhow::Error>((page.events, page.next_page_token))
        }
    });
    // Pages stop being asked for once the limit is reached.
    let mut listed = std::pin::pin!(listed);
    let mut events = Vec::new();
    while events.len() < args.limit
        && let Some(page) = listed.try_next().await?
    {
        events.extend(page);
    }
    Ok(events)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub async fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List(args) = cmd;
    use attain_server::Service;
    let services = if args.services.is_empty() {
        vec![Service::Scorecard, Service::Metrics, Service::Coaching, Service::Hiring]
    } else {
        args.services.clone()
    };
    let mut events = Vec::new();
    for service in services {
        let url = match service {
            Service::Scorecard => &args.org_url,
            Service::Metrics => &args.metrics_url,
            Service::Coaching => &args.coaching_url,
            Service::Hiring => &args.hiring_url,
        };
        events.extend(events_of(url, &args).await?);
    }
    // Ids are time-ordered UUIDs: newest first across services.
    events.sort_by(|a, b| b.id.cmp(&a.id));
    events.truncate(args.limit);
    let time = |e: &AuditEvent| {
        e.occur_time
            .as_ref()
            .and_then(attain_runtime::convert::from_timestamp_opt)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default()
    };
    match args.format {
        Format::Table => {
            println!(
                "{:<24}  {:<9}  {:<26}  {:<11}  {:<46}  RESOURCE",
                "TIME (UTC)", "SERVICE", "METHOD", "ROLE", "WHO"
            );
            for e in &events {
                let who = format!("{}:{}", e.actor_kind, e.actor_id);
                println!(
                    "{:<24}  {:<9}  {:<26}  {:<11}  {:<46}  {}",
                    time(e),
                    e.service,
                    e.method,
                    e.role,
                    who,
                    e.resource
                );
                if !e.before_json.is_empty() || !e.after_json.is_empty() {
                    println!(
                        "    before: {}",
                        if e.before_json.is_empty() { "-" } else { &e.before_json }
                    );
                    println!(
                        "    after:  {}",
                        if e.after_json.is_empty() { "-" } else { &e.after_json }
                    );
                }
            }
        }
        Format::Csv => {
            println!("time,service,method,actor_kind,actor_id,person_id,role,resource,request_id,before,after");
            for e in &events {
                let fields = [
                    time(e),
                    e.service.clone(),
                    e.method.clone(),
                    e.actor_kind.clone(),
                    e.actor_id.clone(),
                    e.person_id.clone(),
                    e.role.clone(),
                    e.resource.clone(),
                    e.request_id.clone(),
                    e.before_json.clone(),
                    e.after_json.clone(),
                ];
                println!("{}", fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            }
        }
        Format::Json => {
            for e in &events {
                let parse =
                    |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or(serde_json::Value::Null);
                let line = serde_json::json!({
                    "id": e.id, "time": time(e), "service": e.service, "method": e.method,
                    "actor_kind": e.actor_kind, "actor_id": e.actor_id, "person_id": e.person_id, "role": e.role,
                    "resource": e.resource, "request_id": e.request_id,
                    "before": parse(&e.before_json), "after": parse(&e.after_json),
                });
                println!("{line}");
            }
        }
    }
    Ok(())
}

//! `attain import events FILE`: sends a CRM export to the metrics service in batches, with a
//! progress bar, a rejects file naming the reason for each refused row, and a summary.
//! Importing the same file twice changes nothing: event ids derive from source + external id.

use std::{collections::HashMap, fs::File, io::Write, path::PathBuf};

use anyhow::{Context, bail};
use attain_import::{ImportEvent, Mapping, PersonRef, Preset, SnapshotPreset, read_events};
use attain_proto::{
    metrics::v1::{Event, EventStatus, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{ExternalId, GetTenantRequest, org_service_client::OrgServiceClient},
};
use attain_server::api;
use indicatif::{ProgressBar, ProgressStyle};

use crate::import_snapshots::SnapshotImport;

/// When a report of state was run: a date is the end of that day in the tenant's time zone (a
/// report exported in the evening describes that day), a time is taken as given.
fn observed_at(text: Option<&str>, zone: chrono_tz::Tz) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let Some(text) = text else {
        return Ok(chrono::Utc::now());
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("--as-of {text:?} is neither YYYY-MM-DD nor RFC 3339"))?;
    let evening = day.and_hms_opt(23, 59, 0).context("--as-of is out of range")?;
    zone.from_local_datetime(&evening)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
        .context("--as-of is not a time in the tenant's time zone")
}

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Import activity events from a CSV export.
    Events(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// A built-in column mapping: `salesforce` (activity report export), `hubspot`
    /// (engagements export), or `salesforce-open-opportunities` (a report of open opportunities,
    /// read as each rep's open pipeline and open opportunities now).
    #[arg(long, conflicts_with = "mapping", required_unless_present = "mapping")]
    preset: Option<String>,
    /// For a report of state (`salesforce-open-opportunities`): when it was run, as
    /// YYYY-MM-DD (end of that day in the tenant's time zone) or RFC 3339. Default: now.
    #[arg(long)]
    as_of: Option<String>,
    /// For a report of state: the report covers only some reps, so reps absent from it keep
    /// their last snapshot instead of getting 0.
    #[arg(long)]
    partial: bool,
    /// A custom column mapping (JSON; see docs/import.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Where refused rows go, with the reason for each.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Events per request.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=5000))]
    batch_size: u32,
    /// API key (or JWT) of an ADMIN or INTEGRATION caller.
    #[arg(long, env = "ATTAIN_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The metrics service.
    #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
    metrics_url: String,
    /// The scorecard service (for the tenant's time zone).
    #[arg(long, env = "ATTAIN_ORG_URL", default_value = "http://127.0.0.1:50052")]
    org_url: String,
    /// No progress bar (e.g. in scripts).
    #[arg(long)]
    quiet: bool,
}

#[derive(Default)]
struct Summary {
    rows: u64,
    rejected_rows: u64,
    accepted: u64,
    duplicates: u64,
    rejected_events: u64,
}

fn to_event(e: ImportEvent) -> Event {
    let (person_id, person_external_id) = match e.person {
        PersonRef::Id(id) => (id.to_string(), None),
        PersonRef::External { system, id } => (String::new(), Some(ExternalId { system, id })),
    };
    Event {
        event_id: String::new(),
        source: e.source,
        external_id: e.external_id,
        person_id,
        person_external_id,
        metric_key: e.metric_key,
        occurred_at: Some(prost_types::Timestamp {
            seconds: e.occurred_at.timestamp(),
            nanos: 0,
        }),
        value: e.value,
        attributes: e.attributes.into_iter().collect::<HashMap<_, _>>(),
    }
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Events(args) = cmd;
    let state = args.preset.as_deref().and_then(SnapshotPreset::parse);
    let token = args.api_key.as_str();
    let mut org = OrgServiceClient::new(api::channel(&args.org_url)?);
    let mut metrics = MetricsServiceClient::new(api::channel(&args.metrics_url)?);

    let tenant = org
        .get_tenant(api::authorized(GetTenantRequest {}, token)?)
        .await
        .with_context(|| format!("reading the tenant from {}", args.org_url))?
        .into_inner()
        .tenant
        .context("no tenant in the answer")?;
    let zone_name = tenant
        .calendar
        .as_ref()
        .map(|c| c.time_zone.clone())
        .unwrap_or_default();
    let zone: chrono_tz::Tz = zone_name
        .parse()
        .map_err(|_| anyhow::anyhow!("tenant time zone \"{zone_name}\" is unknown"))?;
    if let Some(preset) = state {
        let import = SnapshotImport {
            preset,
            file: &args.file,
            observed_at: observed_at(args.as_of.as_deref(), zone)?,
            partial: args.partial,
            token,
            metrics_url: &args.metrics_url,
        };
        return crate::import_snapshots::run(import, &tenant, &mut org, to_event).await;
    }
    let mapping = match (&args.preset, &args.mapping) {
        (Some(name), _) => Mapping::preset(Preset::parse(name).with_context(|| {
            let names: Vec<_> = Preset::ALL
                .iter()
                .map(|p| p.name())
                .chain(SnapshotPreset::ALL.iter().map(|p| p.name()))
                .collect();
            format!("--preset \"{name}\" is not one of {}", names.join(", "))
        })?),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Mapping::from_json(&text).with_context(|| format!("--mapping {}", path.display()))?
        }
        (None, None) => bail!("give --preset or --mapping"),
    };

    let file = File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = read_events(file, &mapping, zone)?;
    let rejects_path = args.rejects.clone().unwrap_or_else(|| {
        let mut name = args.file.clone().into_os_string();
        name.push(".rejects.csv");
        PathBuf::from(name)
    });
    let mut rejects =
        csv::Writer::from_path(&rejects_path).with_context(|| format!("cannot write {}", rejects_path.display()))?;
    rejects.write_record(["line", "reason", "row"])?;

    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(size)
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    let mut summary = Summary::default();
    let mut batch: Vec<Event> = Vec::new();
    // The file line of each event of the pending batch, to report a refusal against its row.
    let mut origins: Vec<u64> = Vec::new();
    let batch_size = args.batch_size as usize;
    loop {
        let row = reader.next();
        let done = row.is_none();
        match row {
            Some(Ok(events)) => {
                summary.rows += 1;
                for e in events {
                    origins.push(e.line);
                    batch.push(to_event(e));
                }
            }
            Some(Err(bad)) => {
                summary.rows += 1;
                summary.rejected_rows += 1;
                rejects.write_record([bad.line.to_string(), bad.reason, bad.raw])?;
            }
            None => {}
        }
        if batch.len() >= batch_size || (done && !batch.is_empty()) {
            let sent = std::mem::take(&mut batch);
            let response = metrics
                .ingest_events(api::authorized(IngestEventsRequest { events: sent }, token)?)
                .await
                .with_context(|| format!("sending events to {}", args.metrics_url))?
                .into_inner();
            summary.accepted += response.accepted_count as u64;
            summary.duplicates += response.duplicate_count as u64;
            summary.rejected_events += response.rejected_count as u64;
            for r in response
                .results
                .iter()
                .filter(|r| r.status == EventStatus::Rejected as i32)
            {
                let Some(line) = origins.get(r.index as usize) else {
                    continue;
                };
                let reason: Vec<String> = r
                    .violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect();
                // The server refused an event of a well-formed row: the line number finds the row.
                rejects.write_record([line.to_string(), reason.join("; "), String::new()])?;
            }
            origins.clear();
            progress.set_position(reader.bytes_read());
            progress.set_message(format!("{} accepted", summary.accepted));
        }
        if done {
            break;
        }
    }
    rejects.flush()?;
    progress.finish_and_clear();
    let mut out = std::io::stdout().lock();
    writeln!(out, "rows read:        {}", summary.rows)?;
    writeln!(out, "events accepted:  {}", summary.accepted)?;
    writeln!(out, "duplicates:       {}", summary.duplicates)?;
    writeln!(out, "events rejected:  {}", summary.rejected_events)?;
    writeln!(out, "rows rejected:    {}", summary.rejected_rows)?;
    if summary.rejected_rows + summary.rejected_events > 0 {
        writeln!(out, "rejects:          {}", rejects_path.display())?;
    } else {
        drop(rejects);
        let _ = std::fs::remove_file(&rejects_path);
    }
    Ok(())
}

//! `attain import events FILE --preset salesforce-open-opportunities`: a report of open
//! opportunities as snapshots of each rep's open pipeline and open opportunities.
//!
//! The report lists open opportunities only, so a rep with none left is not in it. Unless
//! `--partial` says the report covers only some reps, every rep of the directory with a
//! Salesforce user id who is absent gets snapshots of 0: otherwise their last open pipeline would
//! hold after their deals closed.

use std::io::Write;

use anyhow::Context;
use attain_domain::money::minor_digits;
use attain_import::{ImportEvent, SnapshotPreset, read_open_opportunities, snapshot};
use attain_proto::{
    metrics::v1::{Event, EventStatus, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{ListPeopleRequest, PersonStatus, Tenant, org_service_client::OrgServiceClient},
};
use attain_runtime::clients::{PAGE_SIZE, every_page};
use attain_server::api;
use chrono::{DateTime, Utc};
use tonic::transport::Channel;

/// What `import events` needs to read a report of state.
pub struct SnapshotImport<'a> {
    pub preset: SnapshotPreset,
    pub file: &'a std::path::Path,
    pub observed_at: DateTime<Utc>,
    pub partial: bool,
    pub token: &'a str,
    pub metrics_url: &'a str,
}

pub async fn run(
    import: SnapshotImport<'_>,
    tenant: &Tenant,
    org: &mut OrgServiceClient<Channel>,
    to_event: impl Fn(ImportEvent) -> Event,
) -> anyhow::Result<()> {
    let SnapshotPreset::SalesforceOpenOpportunities = import.preset;
    let digits = minor_digits(&tenant.currency_code).max(0) as u32;
    let file = std::fs::File::open(import.file).with_context(|| format!("cannot open {}", import.file.display()))?;
    let report = read_open_opportunities(file, digits, import.observed_at)?;
    let mut snapshots = report.snapshots;
    let owners = snapshots.len() / 2;
    let mut zeroed = 0;
    if !import.partial {
        for id in salesforce_ids(org, import.token).await? {
            let listed = snapshots
                .iter()
                .any(|s| matches!(&s.person, attain_import::PersonRef::External { id: owner, .. } if *owner == id));
            if !listed {
                zeroed += 1;
                for metric in ["open_pipeline", "open_opportunities"] {
                    snapshots.push(snapshot(&id, metric, 0, import.observed_at));
                }
            }
        }
    }
    let mut metrics = MetricsServiceClient::new(api::channel(import.metrics_url)?);
    let (mut accepted, mut duplicates, mut refused) = (0, 0, Vec::new());
    for chunk in snapshots.chunks(1000) {
        let events: Vec<Event> = chunk.iter().cloned().map(&to_event).collect();
        let response = metrics
            .ingest_events(api::authorized(IngestEventsRequest { events }, import.token)?)
            .await
            .with_context(|| format!("sending snapshots to {}", import.metrics_url))?
            .into_inner();
        accepted += response.accepted_count;
        duplicates += response.duplicate_count;
        for r in response
            .results
            .iter()
            .filter(|r| r.status == EventStatus::Rejected as i32)
        {
            let Some(sent) = chunk.get(r.index as usize) else {
                continue;
            };
            let why: Vec<String> = r
                .violations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.description))
                .collect();
            refused.push(format!("{} of {:?}: {}", sent.metric_key, sent.person, why.join("; ")));
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "rows read:           {}", report.rows)?;
    writeln!(out, "owners:              {owners}")?;
    writeln!(out, "reps with none open: {zeroed}")?;
    writeln!(out, "snapshots accepted:  {accepted}")?;
    writeln!(out, "duplicates:          {duplicates}")?;
    writeln!(out, "rows rejected:       {}", report.rejected.len())?;
    for r in &report.rejected {
        writeln!(out, "  line {}: {}", r.line, r.reason)?;
    }
    writeln!(out, "snapshots rejected:  {}", refused.len())?;
    for r in &refused {
        writeln!(out, "  {r}")?;
    }
    Ok(())
}

/// The Salesforce user ids of the tenant's people who have not left.
async fn salesforce_ids(org: &mut OrgServiceClient<Channel>, token: &str) -> anyhow::Result<Vec<String>> {
    let people = every_page(|page_token| {
        let request = api::authorized(
            ListPeopleRequest {
                page_size: PAGE_SIZE,
                page_token,
                ..Default::default()
            },
            token,
        );
        let mut org = org.clone();
        async move {
            let page = org
                .list_people(request?)
                .await
                .context("listing people for the reps absent from the report")?
                .into_inner();
            Ok::<_, anyhow::Error>((page.people, page.next_page_token))
        }
    })
    .await?;
    Ok(people
        .iter()
        .filter(|p| p.status != PersonStatus::Left as i32)
        .flat_map(|p| &p.external_ids)
        .filter(|e| e.system == attain_import::PERSON_SYSTEM_SALESFORCE)
        .map(|e| e.id.clone())
        .collect())
}

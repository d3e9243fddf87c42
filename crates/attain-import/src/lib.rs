//! CSV to metric events for `attain import events FILE`, and reports of state (open
//! opportunities) to per-rep snapshots.
//!
//! Sales-ops engineers import activity exports from their CRM. This crate turns CSV rows into
//! events for the metrics ingestion API and does nothing else: no network, no database. It reads
//! from any [`std::io::Read`]; the CLI sends the events, shows progress, writes the rejects file
//! and prints the summary.
//!
//! ```
//! use attain_import::{Mapping, Preset, read_events};
//!
//! let csv = "Activity ID,Assigned ID,Type,Date\n00T1,0051,Call,03/08/2026\n00T2,0051,Task,03/08/2026\n";
//! let mapping = Mapping::preset(Preset::SalesforceActivities);
//! let rows: Vec<_> = read_events(csv.as_bytes(), &mapping, chrono_tz::America::New_York)?.collect();
//! assert_eq!(rows[0].as_ref().map(|events| events[0].metric_key.as_str()), Ok("calls"));
//! assert_eq!(rows[1].as_ref().map_err(|e| e.reason.as_str()), Err("Type \"Task\" has no metric in this mapping"));
//! # Ok::<(), attain_import::ImportError>(())
//! ```
//!
//! A file-level problem (unreadable header, missing columns, bad mapping) is an [`ImportError`]
//! before any row is read; a bad row is a [`RowError`] and the import goes on.

mod bom;
mod cell;
mod error;
mod event;
mod lines;
mod mapping;
mod plan;
mod presets;
mod reader;
mod row;
mod snapshots;
mod timestamp;

pub use error::{ImportError, RowError};
pub use event::{ImportEvent, PersonRef};
pub use mapping::{ExtraMetric, Mapping, MetricColumn};
pub use presets::Preset;
pub use reader::{EventReader, read_events};
pub use snapshots::{
    OpenOpportunities, PERSON_SYSTEM as PERSON_SYSTEM_SALESFORCE, SnapshotPreset, parse_amount,
    read_open_opportunities, snapshot,
};

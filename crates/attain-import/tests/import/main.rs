//! Reading CSV exports through the public API, as the `attain import events` command does.

mod mapping_json;
mod presets;
mod rejects;
mod robustness;
mod time_zones;

use attain_import::{ImportEvent, Mapping, Preset, RowError, read_events};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

type Row = Result<Vec<ImportEvent>, RowError>;

/// Every row of `csv`, panicking only on a file-level error.
fn read(csv: impl AsRef<[u8]>, mapping: &Mapping, tz: Tz) -> Vec<Row> {
    match read_events(csv.as_ref(), mapping, tz) {
        Ok(reader) => reader.collect(),
        Err(e) => panic!("the file should be readable: {e}"),
    }
}

fn salesforce(csv: impl AsRef<[u8]>) -> Vec<Row> {
    read(
        csv,
        &Mapping::preset(Preset::SalesforceActivities),
        chrono_tz::America::New_York,
    )
}

fn hubspot(csv: impl AsRef<[u8]>) -> Vec<Row> {
    read(
        csv,
        &Mapping::preset(Preset::HubspotEngagements),
        chrono_tz::America::New_York,
    )
}

/// The events of a row that must be accepted.
fn events(row: &Row) -> &[ImportEvent] {
    match row {
        Ok(events) => events,
        Err(e) => panic!("row should be accepted: {e} (raw {:?})", e.raw),
    }
}

/// The error of a row that must be rejected.
fn rejected(row: &Row) -> &RowError {
    match row {
        Ok(events) => panic!("row should be rejected, got {events:?}"),
        Err(e) => e,
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("valid RFC 3339").to_utc()
}

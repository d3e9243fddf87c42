//! CSV reports of state (one row per open opportunity) to per-person snapshots of state metrics
//! such as `open_pipeline`.
//!
//! A state metric holds each rep's latest value, so a report of open opportunities is summed
//! per owner, not sent row by row: each owner gets one `open_pipeline` snapshot (the sum of their
//! amounts) and one `open_opportunities` snapshot (how many), observed when the report was run.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use chrono::{DateTime, Utc};
use csv::ByteRecord;

use crate::bom::SkipBom;
use crate::cell::quoted;
use crate::error::{ImportError, RowError};
use crate::event::{ImportEvent, PersonRef};

/// A built-in reading of a report of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotPreset {
    /// A Salesforce opportunities report filtered to open opportunities, exported with "Export
    /// Details" as CSV.
    SalesforceOpenOpportunities,
}

impl SnapshotPreset {
    pub const ALL: [SnapshotPreset; 1] = [SnapshotPreset::SalesforceOpenOpportunities];

    /// The name the CLI uses: `"salesforce-open-opportunities"`.
    pub fn name(self) -> &'static str {
        match self {
            SnapshotPreset::SalesforceOpenOpportunities => "salesforce-open-opportunities",
        }
    }

    /// The preset with this CLI name (case and surrounding spaces ignored), if any.
    pub fn parse(name: &str) -> Option<SnapshotPreset> {
        let name = name.trim();
        SnapshotPreset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for SnapshotPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The source the snapshots are sent under; with the owner, metric and time it makes each
/// snapshot's external id, so importing the same report twice counts nothing twice.
pub const SOURCE: &str = "salesforce-open-opportunities";
/// The person system of Salesforce user ids.
pub const PERSON_SYSTEM: &str = "salesforce";

/// What a report of open opportunities comes to.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOpportunities {
    /// Per owner, in owner-id order: `open_pipeline` then `open_opportunities`.
    pub snapshots: Vec<ImportEvent>,
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    /// Rows that could not be counted, and why.
    pub rejected: Vec<RowError>,
}

/// The owners' totals of a Salesforce open-opportunities report.
///
/// | column | required | use |
/// |---|---|---|
/// | `Opportunity ID` | yes | checked present, so a row is an opportunity |
/// | `Opportunity Owner ID` or `Owner ID` | yes | the rep: a Salesforce user id (person system `salesforce`) |
/// | `Amount` | yes | in the tenant's currency, e.g. `12,500.00`, `USD 12,500.00` or `$12,500`; empty counts 0 |
/// | `Stage` | no | a row in a `Closed …` stage is rejected: the report must list open ones |
///
/// Amounts become minor units with `minor_digits` decimals (2 for USD): `12,500.50` is
/// 1,250,050. `observed_at` is when the report was run: every snapshot carries it.
pub fn read_open_opportunities<R: Read>(
    input: R,
    minor_digits: u32,
    observed_at: DateTime<Utc>,
) -> Result<OpenOpportunities, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(SkipBom::new(input));
    let header = csv
        .byte_headers()
        .map_err(|e| ImportError::Header(e.to_string()))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_owned())
        .collect();
    let find = |candidates: &[&str]| candidates.iter().find_map(|c| names.iter().position(|n| n == c));
    let (id, owner, amount) = (
        find(&["Opportunity ID"]),
        find(&["Opportunity Owner ID", "Owner ID"]),
        find(&["Amount"]),
    );
    let stage = find(&["Stage"]);
    let (Some(id), Some(owner), Some(amount)) = (id, owner, amount) else {
        let missing = [
            (id, "Opportunity ID"),
            (owner, "Opportunity Owner ID"),
            (amount, "Amount"),
        ]
        .iter()
        .filter(|(found, _)| found.is_none())
        .map(|(_, name)| (*name).to_owned())
        .collect();
        return Err(ImportError::MissingColumns { missing, found: names });
    };

    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut out = OpenOpportunities {
        snapshots: Vec::new(),
        rows: 0,
        rejected: Vec::new(),
    };
    let mut record = ByteRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.rejected.push(RowError {
                    line,
                    reason: format!("the rest of the file could not be read: {e}"),
                    raw: String::new(),
                });
                break;
            }
        }
        if record.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        out.rows += 1;
        let cell = |i: usize| record.get(i).map(|c| String::from_utf8_lossy(c).trim().to_owned());
        let raw = record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(",");
        let reject = |reason: String| RowError {
            line,
            reason,
            raw: raw.clone(),
        };
        let checked = (|| {
            if cell(id).unwrap_or_default().is_empty() {
                return Err("column Opportunity ID is empty".to_owned());
            }
            let who = cell(owner).unwrap_or_default();
            if who.is_empty() {
                return Err(format!("column {} is empty", names[owner]));
            }
            if let Some(s) = stage.and_then(cell)
                && s.to_ascii_lowercase().starts_with("closed")
            {
                return Err(format!(
                    "column Stage: {} is closed; the report must list open opportunities only",
                    quoted(&s)
                ));
            }
            let value = parse_amount(&cell(amount).unwrap_or_default(), minor_digits)
                .map_err(|e| format!("column Amount: {e}"))?;
            Ok((who, value))
        })();
        match checked {
            Ok((who, value)) => {
                let entry = totals.entry(who).or_default();
                entry.0 = entry.0.saturating_add(value);
                entry.1 += 1;
            }
            Err(reason) => out.rejected.push(reject(reason)),
        }
    }
    for (who, (pipeline, count)) in totals {
        for (metric, value) in [("open_pipeline", pipeline), ("open_opportunities", count)] {
            out.snapshots.push(snapshot(&who, metric, value, observed_at));
        }
    }
    Ok(out)
}

/// One owner's snapshot of `metric`; a rep of the directory absent from the report gets one
/// of 0 this way too (see the CLI's `--partial`).
pub fn snapshot(owner: &str, metric: &str, value: i64, observed_at: DateTime<Utc>) -> ImportEvent {
    ImportEvent {
        line: 0,
        source: SOURCE.to_owned(),
        external_id: format!("{metric}:{owner}:{}", observed_at.timestamp()),
        person: PersonRef::External {
            system: PERSON_SYSTEM.to_owned(),
            id: owner.to_owned(),
        },
        metric_key: metric.to_owned(),
        occurred_at: observed_at,
        value: Some(value),
        attributes: BTreeMap::new(),
    }
}

/// An amount in major units (`12,500.50`, `USD 12,500.50`, `$12,500`) as minor units with
/// `digits` decimals. Thousands separators must group three digits and the decimals may not
/// outnumber the currency's, so a decimal comma or a rounding is never guessed.
pub fn parse_amount(text: &str, digits: u32) -> Result<i64, String> {
    let shown = quoted(text);
    let mut t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    // A leading ISO code ("USD 1,200.00") or symbol.
    if t.len() > 4 && t.as_bytes()[..3].iter().all(u8::is_ascii_uppercase) && t.as_bytes()[3] == b' ' {
        t = t[4..].trim_start();
    }
    t = t.trim_start_matches(['$', '€', '£', '¥']).trim();
    if t.starts_with('-') {
        return Err(format!("{shown} is negative; an open amount is 0 or more"));
    }
    let (integer, fraction) = t.split_once('.').unwrap_or((t, ""));
    let bad = || format!("{shown} is not an amount like 12,500.00");
    let mut groups = integer.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = integer.contains(',');
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(first) || (grouped && first.len() > 3) || groups.any(|g| g.len() != 3 || !digits_only(g)) {
        return Err(bad());
    }
    if !fraction.is_empty() && !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let kept = fraction.trim_end_matches('0');
    if kept.len() > digits as usize {
        return Err(format!("{shown} has more decimals than the currency's {digits}"));
    }
    let scale = 10i64.pow(digits);
    let whole: i64 = integer
        .replace(',', "")
        .parse()
        .map_err(|_| format!("{shown} is too large"))?;
    let cents: i64 = if kept.is_empty() {
        0
    } else {
        format!("{kept:0<width$}", width = digits as usize)
            .parse()
            .map_err(|_| bad())?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| format!("{shown} is too large"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn amounts_become_minor_units_without_guessing() {
        assert_eq!(parse_amount("12,500.50", 2), Ok(1_250_050));
        assert_eq!(parse_amount("USD 12,500.00", 2), Ok(1_250_000));
        assert_eq!(parse_amount("$1,200", 2), Ok(120_000));
        assert_eq!(parse_amount(" 7.5 ", 2), Ok(750));
        assert_eq!(parse_amount("", 2), Ok(0));
        assert_eq!(parse_amount("1500", 0), Ok(1500));
        assert!(parse_amount("1,23", 2).is_err(), "a decimal comma is not guessed");
        assert!(parse_amount("1.005", 2).is_err(), "no rounding");
        assert!(parse_amount("-5", 2).unwrap_err().contains("negative"));
        assert!(
            parse_amount("99999999999999999999", 2)
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn a_report_is_summed_per_owner_and_bad_rows_are_named() {
        let csv = "\u{feff}Opportunity ID,Opportunity Name,Opportunity Owner ID,Stage,Amount\n\
                   006A,Acme renewal,005ANA,Negotiation,\"12,500.00\"\n\
                   006B,Globex,005ANA,Discovery,7500\n\
                   006C,Initech,005BO,Proposal,\"USD 30,000.50\"\n\
                   006D,Umbrella,005BO,Closed Won,1000\n\
                   006E,Hooli,,Discovery,1000\n\
                   ,,,,\n\
                   006F,Stark,005BO,Discovery,\"1,23\"\n";
        let when = Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap();
        let got = read_open_opportunities(csv.as_bytes(), 2, when).unwrap();
        assert_eq!(got.rows, 6);
        let view: Vec<(String, &str, Option<i64>)> = got
            .snapshots
            .iter()
            .map(|e| match &e.person {
                PersonRef::External { id, .. } => (id.clone(), e.metric_key.as_str(), e.value),
                PersonRef::Id(_) => unreachable!(),
            })
            .collect();
        // Ana: 12,500.00 + 7,500.00 over 2; Bo: 30,000.50 over 1 (the closed and bad rows out).
        assert_eq!(
            view,
            [
                ("005ANA".to_owned(), "open_pipeline", Some(2_000_000)),
                ("005ANA".to_owned(), "open_opportunities", Some(2)),
                ("005BO".to_owned(), "open_pipeline", Some(3_000_050)),
                ("005BO".to_owned(), "open_opportunities", Some(1)),
            ]
        );
        assert!(
            got.snapshots
                .iter()
                .all(|e| e.occurred_at == when && e.source == SOURCE)
        );
        assert_eq!(
            got.snapshots[0].external_id,
            format!("open_pipeline:005ANA:{}", when.timestamp())
        );
        let lines: Vec<u64> = got.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [5, 6, 8]);
        assert!(got.rejected[0].reason.contains("closed"));
        assert!(got.rejected[1].reason.contains("Opportunity Owner ID is empty"));
        assert!(got.rejected[2].reason.contains("12,500.00"));
    }

    #[test]
    fn missing_columns_are_named_at_once() {
        let err = read_open_opportunities("Opportunity ID,Stage\n".as_bytes(), 2, Utc::now()).unwrap_err();
        assert!(
            matches!(&err, ImportError::MissingColumns { missing, .. } if missing == &["Opportunity Owner ID", "Amount"]),
            "{err}"
        );
    }
}

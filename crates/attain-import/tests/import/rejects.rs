use attain_import::{Mapping, PersonRef};

use crate::{events, read, rejected, salesforce};

const HEADER: &str = "Activity ID,Assigned ID,Type,Date,Account ID\n";

fn with_header(rows: &[u8]) -> Vec<u8> {
    [HEADER.as_bytes(), rows].concat()
}

#[test]
fn invalid_utf8_in_a_used_column_rejects_only_that_row() {
    let rows = salesforce(with_header(
        b"00T1,0051,Call,03/09/2026,Acme \xE9\xFF\n00T2,0051,Call,03/09/2026,ok\n",
    ));
    let error = rejected(&rows[0]);
    assert_eq!(error.line, 2);
    assert!(
        error.reason.contains("column Account ID is not valid UTF-8"),
        "{}",
        error.reason
    );
    assert_eq!(error.raw, "00T1,0051,Call,03/09/2026,Acme \u{fffd}\u{fffd}");
    assert_eq!(events(&rows[1])[0].external_id, "00T2");
}

#[test]
fn invalid_utf8_in_an_unused_column_is_ignored() {
    let csv = b"Activity ID,Assigned ID,Notes,Type,Date\n00T1,0051,caf\xE9,Call,03/09/2026\n";
    assert_eq!(events(&salesforce(csv)[0]).len(), 1);
}

#[test]
fn a_nul_byte_in_a_used_cell_is_rejected() {
    let rows = salesforce(with_header(b"00T\x001,0051,Call,03/09/2026,\n"));
    assert_eq!(rejected(&rows[0]).reason, "column Activity ID contains a NUL byte");
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_rejected_and_reading_goes_on() {
    let rows = salesforce(with_header(
        b"00T1,0051,Call\n00T2,0051,Call,03/09/2026,A1,extra\n00T3,0051,Call,03/09/2026,\n",
    ));
    assert_eq!(rows.len(), 3);
    let short = rejected(&rows[0]);
    assert_eq!((short.line, short.raw.as_str()), (2, "00T1,0051,Call"));
    assert!(
        short.reason.starts_with("the row has 3 fields but the header has 5"),
        "{}",
        short.reason
    );
    assert_eq!(rejected(&rows[1]).line, 3);
    assert_eq!(events(&rows[2])[0].line, 4);
}

#[test]
fn sql_meaningful_text_passes_through_as_plain_text() {
    let hostile = "'; DROP TABLE events; --";
    let csv = format!("{HEADER}\"{hostile}\",\"0051\"\"); --\",Call,03/09/2026,\"{hostile}\"\n");
    let rows = salesforce(csv);
    let call = &events(&rows[0])[0];
    assert_eq!(call.external_id, hostile);
    assert_eq!(
        call.person,
        PersonRef::External {
            system: "salesforce".into(),
            id: "0051\"); --".into()
        }
    );
    assert_eq!(call.attributes.get("Account ID").map(String::as_str), Some(hostile));
}

#[test]
fn an_empty_row_id_or_person_is_rejected_naming_the_column() {
    let rows = salesforce(with_header(b"  ,0051,Call,03/09/2026,\n00T2,,Call,03/09/2026,\n"));
    assert_eq!(
        rejected(&rows[0]).reason,
        "column Activity ID is empty; it must hold the row's unique id"
    );
    assert_eq!(
        rejected(&rows[1]).reason,
        "column Assigned ID is empty; it must hold the person's salesforce id"
    );
}

#[test]
fn a_bad_date_names_the_column_and_the_expected_format() {
    let rows = salesforce(with_header(b"00T1,0051,Call,2026-03-09,\n"));
    assert_eq!(
        rejected(&rows[0]).reason,
        "column Date: \"2026-03-09\" is not a date; expected the format %m/%d/%Y (e.g. 03/08/2026)"
    );
}

#[test]
fn every_problem_of_a_row_is_reported_together() {
    let rows = salesforce(with_header(b",0051,Task,13/45/2026,\n"));
    let reason = &rejected(&rows[0]).reason;
    assert!(reason.contains("column Activity ID is empty"), "{reason}");
    assert!(reason.contains("Type \"Task\" has no metric"), "{reason}");
    assert!(reason.contains("column Date: \"13/45/2026\" is not a date"), "{reason}");
}

#[test]
fn text_cells_are_trimmed() {
    let rows = salesforce(with_header(b"  00T1 , 0051 , Call ,  03/09/2026 , A1  \n"));
    let call = &events(&rows[0])[0];
    assert_eq!((call.external_id.as_str(), call.metric_key.as_str()), ("00T1", "calls"));
    assert_eq!(call.attributes.get("Account ID").map(String::as_str), Some("A1"));
}

#[test]
fn rows_with_only_empty_cells_are_skipped() {
    let rows = salesforce(with_header(b"00T1,0051,Call,03/09/2026,\n,,,,\n \t, , , ,\n"));
    assert_eq!(rows.len(), 1);
}

fn with_values() -> Mapping {
    Mapping::from_json(
        r#"{
            "source": "crm",
            "external_id": "ID",
            "person_id": "Person",
            "occurred_at": "When",
            "metric": { "fixed": "deals_won" },
            "value": "Units",
            "extra": [ { "metric": "talk_time", "value_column": "Seconds" } ]
        }"#,
    )
    .expect("valid mapping")
}

const PERSON: &str = "0192f4a0-7c1e-7b3a-9d2e-5f6a7b8c9d0e";

fn value_rows(cells: &[(&str, &str)]) -> Vec<crate::Row> {
    let mut csv = String::from("ID,Person,When,Units,Seconds\n");
    for (i, (units, seconds)) in cells.iter().enumerate() {
        csv.push_str(&format!("r{i},{PERSON},2026-03-09,{units},{seconds}\n"));
    }
    read(csv, &with_values(), chrono_tz::Europe::Berlin)
}

#[test]
fn values_accept_thousands_separators_and_whole_decimals() {
    let rows = value_rows(&[("\" 1,234 \"", ""), ("12.0", ""), ("", ""), ("0", "")]);
    let values: Vec<Option<i64>> = rows.iter().map(|r| events(r)[0].value).collect();
    assert_eq!(values, [Some(1234), Some(12), None, Some(0)]);
    assert_eq!(
        events(&rows[0])[0].person,
        PersonRef::Id(PERSON.parse().expect("valid uuid"))
    );
}

#[test]
fn values_that_are_negative_fractional_or_not_numbers_are_rejected() {
    let rows = value_rows(&[("-3", ""), ("2.5", ""), ("lots", ""), ("1", "-1"), ("1", "\"9,99\"")]);
    let reasons: Vec<&str> = rows.iter().map(|r| rejected(r).reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "column Units: \"-3\" is negative; values must be 0 or more",
            "column Units: \"2.5\" is not a whole number",
            "column Units: \"lots\" is not a whole number",
            "column Seconds: \"-1\" is negative; values must be 0 or more",
            "column Seconds: \"9,99\" is not a whole number",
        ]
    );
}

#[test]
fn an_extra_without_when_metric_applies_to_every_row() {
    let rows = value_rows(&[("1", "30")]);
    let keys: Vec<&str> = events(&rows[0]).iter().map(|e| e.external_id.as_str()).collect();
    assert_eq!(keys, ["r0", "r0:talk_time"]);
}

#[test]
fn a_person_id_that_is_not_a_uuid_is_rejected() {
    let csv = "ID,Person,When,Units,Seconds\nr1,42,2026-03-09,,\n";
    let rows = read(csv, &with_values(), chrono_tz::UTC);
    assert_eq!(
        rejected(&rows[0]).reason,
        "column Person: \"42\" is not an Attain person id (a UUID)"
    );
}

use std::collections::BTreeMap;

use attain_import::{ImportError, Mapping, PersonRef, Preset, read_events};

use crate::{events, hubspot, rejected, salesforce, utc};

const SALESFORCE: &str = "\
Activity ID,Assigned ID,Assigned,Type,Subject,Date,Call Duration (Seconds),Account ID,Opportunity ID
00T5e00001AbCdE,0055e000003XyZq,Dana Reyes,Call,Intro call,03/09/2026,185,0015e00000Acc01,0065e00000Opp01
00T5e00001AbCdF,0055e000003XyZq,Dana Reyes,Email,Follow-up,03/09/2026,,0015e00000Acc01,
00T5e00001AbCdG,0055e000003XyZr,Sam Okafor,Meeting,Demo,03/10/2026,,,0065e00000Opp02
00T5e00001AbCdH,0055e000003XyZr,Sam Okafor,LinkedIn,Connect,03/10/2026,,,
00T5e00001AbCdI,0055e000003XyZr,Sam Okafor,Call,No answer,03/10/2026,0,,
";

#[test]
fn salesforce_call_with_duration_yields_calls_and_talk_time() {
    let rows = salesforce(SALESFORCE);
    let call = events(&rows[0]);
    assert_eq!(call.len(), 2);
    let (main, talk) = (&call[0], &call[1]);
    assert_eq!(main.line, 2);
    assert_eq!(main.source, "salesforce");
    assert_eq!(main.external_id, "00T5e00001AbCdE");
    assert_eq!(
        main.person,
        PersonRef::External {
            system: "salesforce".into(),
            id: "0055e000003XyZq".into()
        }
    );
    assert_eq!(main.metric_key, "calls");
    assert_eq!(main.value, None);
    assert_eq!(main.occurred_at, utc("2026-03-09T16:00:00Z"));
    assert_eq!(
        main.attributes,
        BTreeMap::from([
            ("Account ID".to_owned(), "0015e00000Acc01".to_owned()),
            ("Opportunity ID".to_owned(), "0065e00000Opp01".to_owned()),
        ])
    );
    assert_eq!(talk.external_id, "00T5e00001AbCdE:talk_time");
    assert_eq!(talk.metric_key, "talk_time");
    assert_eq!(talk.value, Some(185));
    assert_eq!(
        (talk.line, &talk.person, talk.occurred_at),
        (main.line, &main.person, main.occurred_at)
    );
    assert_eq!(talk.attributes, main.attributes);
}

#[test]
fn salesforce_types_map_to_catalog_metrics_and_empty_attributes_are_left_out() {
    let rows = salesforce(SALESFORCE);
    let keys: Vec<Vec<&str>> = rows
        .iter()
        .map(|row| events(row).iter().map(|e| e.metric_key.as_str()).collect())
        .collect();
    assert_eq!(
        keys,
        [
            vec!["calls", "talk_time"],
            vec!["emails"],
            vec!["meetings_held"],
            vec!["social_connects"],
            vec!["calls"]
        ]
    );
    let email = &events(&rows[1])[0];
    assert_eq!(
        email.attributes,
        BTreeMap::from([("Account ID".to_owned(), "0015e00000Acc01".to_owned())])
    );
    assert!(events(&rows[3])[0].attributes.is_empty());
}

#[test]
fn salesforce_call_without_talk_time_yields_only_the_call() {
    let rows = salesforce(SALESFORCE);
    assert_eq!(events(&rows[4]).len(), 1, "a 0-second call has no talk_time event");
}

#[test]
fn salesforce_export_without_optional_columns_still_imports() {
    let rows = salesforce("Activity ID,Type,Date,Assigned ID\n00T1,call,3/9/2026,0051\n");
    let call = events(&rows[0]);
    assert_eq!(call.len(), 1);
    assert_eq!(call[0].metric_key, "calls", "types match case-insensitively");
    assert!(call[0].attributes.is_empty());
}

#[test]
fn salesforce_activity_types_without_a_metric_are_rejected() {
    let rows = salesforce("Activity ID,Assigned ID,Type,Date\n00T1,0051,Task,03/09/2026\n");
    let error = rejected(&rows[0]);
    assert_eq!(error.line, 2);
    assert_eq!(error.reason, "Type \"Task\" has no metric in this mapping");
    assert_eq!(error.raw, "00T1,0051,Task,03/09/2026");
}

const HUBSPOT: &str = "\
Engagement ID,Owner ID,Engagement Type,Create Date,Call Duration (ms),Associated Company ID,Associated Deal ID
9001,41,CALL,2026-03-09T14:05:00Z,65432,5001,7001
9002,41,EMAIL,2026-03-09 09:30,,5001,
9003,42,MEETING,2026-03-10T15:00:00.000Z,,,7002
9004,42,LINKEDIN_MESSAGE,2026-03-10,,,
9005,42,CALL,2026-03-10T16:00:00Z,400,,
";

#[test]
fn hubspot_call_duration_in_ms_becomes_talk_time_in_seconds() {
    let rows = hubspot(HUBSPOT);
    let call = events(&rows[0]);
    assert_eq!(call.len(), 2);
    assert_eq!(call[0].external_id, "9001");
    assert_eq!(
        call[0].person,
        PersonRef::External {
            system: "hubspot".into(),
            id: "41".into()
        }
    );
    assert_eq!(call[0].metric_key, "calls");
    assert_eq!(call[0].occurred_at, utc("2026-03-09T14:05:00Z"));
    assert_eq!(
        call[0].attributes,
        BTreeMap::from([
            ("Associated Company ID".to_owned(), "5001".to_owned()),
            ("Associated Deal ID".to_owned(), "7001".to_owned()),
        ])
    );
    assert_eq!(
        (call[1].external_id.as_str(), call[1].metric_key.as_str()),
        ("9001:talk_time", "talk_time")
    );
    assert_eq!(call[1].value, Some(65), "65 432 ms round to 65 s");
}

#[test]
fn hubspot_types_and_date_styles_are_read() {
    let rows = hubspot(HUBSPOT);
    let firsts: Vec<(&str, _)> = rows
        .iter()
        .map(|row| (events(row)[0].metric_key.as_str(), events(row)[0].occurred_at))
        .collect();
    assert_eq!(
        firsts,
        [
            ("calls", utc("2026-03-09T14:05:00Z")),
            ("emails", utc("2026-03-09T13:30:00Z")),
            ("meetings_held", utc("2026-03-10T15:00:00Z")),
            ("social_connects", utc("2026-03-10T16:00:00Z")),
            ("calls", utc("2026-03-10T16:00:00Z")),
        ]
    );
    assert_eq!(events(&rows[4]).len(), 1, "400 ms round to 0 s, so no talk_time event");
}

#[test]
fn missing_header_columns_are_all_named_at_once() {
    let csv = "Assigned ID,Subject,Type\n0051,Hi,Call\n";
    let mapping = Mapping::preset(Preset::SalesforceActivities);
    let error = read_events(csv.as_bytes(), &mapping, chrono_tz::UTC).err();
    let Some(ImportError::MissingColumns { missing, found }) = &error else {
        panic!("expected missing columns, got {error:?}");
    };
    assert_eq!(missing, &["Activity ID", "Date"]);
    assert_eq!(found, &["Assigned ID", "Subject", "Type"]);
    let message = error.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(message.contains("\"Activity ID\", \"Date\""), "{message}");
}

#[test]
fn a_header_with_a_byte_order_mark_and_quotes_matches() {
    let rows = salesforce(
        "\u{feff}\"Activity ID\",\"Assigned ID\",\"Type\",\"Date\"\n\"00T1\",\"0051\",\"Call\",\"03/09/2026\"\n",
    );
    assert_eq!(events(&rows[0])[0].external_id, "00T1");
}

#[test]
fn a_used_column_twice_in_the_header_is_refused() {
    let csv = "Activity ID,Assigned ID,Type,Date,Date\n00T1,0051,Call,03/09/2026,03/10/2026\n";
    let mapping = Mapping::preset(Preset::SalesforceActivities);
    let error = read_events(csv.as_bytes(), &mapping, chrono_tz::UTC).err();
    assert_eq!(error, Some(ImportError::DuplicateColumns(vec!["Date".into()])));
}

#[test]
fn an_empty_file_is_a_header_error() {
    let mapping = Mapping::preset(Preset::HubspotEngagements);
    for input in ["", "\n\n", "\u{feff}"] {
        let error = read_events(input.as_bytes(), &mapping, chrono_tz::UTC).err();
        assert!(matches!(error, Some(ImportError::Header(_))), "{input:?}: {error:?}");
    }
}

use attain_import::{ExtraMetric, ImportError, Mapping, MetricColumn, PersonRef, Preset};

use crate::{events, read, utc};

const PIPEDRIVE: &str = r#"{
    "source": "pipedrive",
    "external_id": "Activity ID",
    "person_external_id": "Owner ID",
    "person_system": "pipedrive",
    "occurred_at": "Due date",
    "occurred_at_format": "%d.%m.%Y %H:%M",
    "metric": { "by_value": { "column": "Type", "map": { "Call": "calls", "Email": "emails" } } },
    "extra": [ { "metric": "talk_time", "value_column": "Duration (min)", "scale": 60, "when_metric": "calls" } ],
    "attributes": ["Deal ID"]
}"#;

#[test]
fn a_custom_json_mapping_round_trips() {
    let mapping = Mapping::from_json(PIPEDRIVE).expect("valid mapping");
    assert_eq!(mapping.person_external_id.as_deref(), Some("Owner ID"));
    assert_eq!(
        mapping.extra,
        [ExtraMetric {
            metric: "talk_time".into(),
            value_column: "Duration (min)".into(),
            scale: Some(60.0),
            when_metric: Some("calls".into()),
        }]
    );
    assert!(!mapping.skip_missing_optional_columns);
    let json = serde_json::to_string_pretty(&mapping).expect("serializable");
    assert_eq!(Mapping::from_json(&json).expect("valid mapping"), mapping);
}

#[test]
fn presets_round_trip_through_json() {
    for preset in Preset::ALL {
        let mapping = Mapping::preset(preset);
        let json = serde_json::to_string(&mapping).expect("serializable");
        assert_eq!(Mapping::from_json(&json).expect("valid mapping"), mapping, "{preset}");
    }
}

#[test]
fn a_custom_mapping_reads_rows() {
    let mapping = Mapping::from_json(PIPEDRIVE).expect("valid mapping");
    let csv = "Activity ID,Owner ID,Type,Due date,Duration (min),Deal ID\n\
               a1,u7,call,09.03.2026 10:15,3,d1\n\
               a2,u7,Email,09.03.2026 11:00,3,\n";
    let rows = read(csv, &mapping, chrono_tz::Europe::Berlin);
    let call = events(&rows[0]);
    assert_eq!(
        call[0].person,
        PersonRef::External {
            system: "pipedrive".into(),
            id: "u7".into()
        }
    );
    assert_eq!(call[0].occurred_at, utc("2026-03-09T09:15:00Z"));
    assert_eq!((call[1].metric_key.as_str(), call[1].value), ("talk_time", Some(180)));
    assert_eq!(events(&rows[1]).len(), 1, "talk time only for calls");
}

#[test]
fn a_custom_mapping_requires_its_attribute_columns() {
    let mapping = Mapping::from_json(PIPEDRIVE).expect("valid mapping");
    let csv = "Activity ID,Owner ID,Type,Due date,Duration (min)\n";
    let error = attain_import::read_events(csv.as_bytes(), &mapping, chrono_tz::UTC).err();
    assert!(
        matches!(&error, Some(ImportError::MissingColumns { missing, .. }) if missing == &["Deal ID"]),
        "{error:?}"
    );
}

#[test]
fn the_fixed_metric_form_reads_as_json() {
    let mapping = Mapping::from_json(
        r#"{"source":"s","external_id":"id","person_id":"p","occurred_at":"t","metric":{"fixed":"calls"}}"#,
    )
    .expect("valid mapping");
    assert_eq!(mapping.metric, MetricColumn::Fixed("calls".into()));
    assert!(mapping.extra.is_empty() && mapping.attributes.is_empty());
}

fn invalid(json: &str) -> String {
    match Mapping::from_json(json) {
        Ok(mapping) => panic!("should be refused: {mapping:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_json_names_the_problem() {
    let message = invalid(r#"{"source": "s", "external_id": "id""#);
    assert!(
        message.starts_with("the mapping JSON is invalid: EOF while parsing"),
        "{message}"
    );
    let message = invalid(r#"{"source":"s","person_id":"p","occurred_at":"t","metric":{"fixed":"calls"}}"#);
    assert!(message.contains("missing field `external_id`"), "{message}");
    let message = invalid(
        r#"{"source":"s","external_id":"id","person_id":"p","occurred_at":"t","metric":{"fixed":"calls"},"atributes":[]}"#,
    );
    assert!(message.contains("unknown field `atributes`"), "{message}");
    let message =
        invalid(r#"{"source":"s","external_id":"id","person_id":"p","occurred_at":"t","metric":{"fxed":"c"}}"#);
    assert!(
        message.contains("unknown variant `fxed`, expected `fixed` or `by_value`"),
        "{message}"
    );
}

#[test]
fn a_mapping_that_cannot_work_names_every_problem() {
    let message = invalid(
        r#"{
            "source": "",
            "external_id": "id",
            "person_external_id": "owner",
            "occurred_at": "t",
            "occurred_at_format": "%H:%M",
            "metric": { "by_value": { "column": "Type", "map": { "Call": "calls", "CALL": "emails" } } },
            "extra": [ { "metric": "talk_time", "value_column": "d", "scale": 0, "when_metric": "call" } ]
        }"#,
    );
    for problem in [
        "source must not be empty",
        "person_external_id needs person_system",
        "occurred_at_format \"%H:%M\" cannot be read back into a date",
        "\"CALL\" and \"Call\", which match the same cells",
        "scale 0; it must be above 0",
        "when_metric \"call\", which this mapping never produces (it produces \"calls\", \"emails\")",
    ] {
        assert!(message.contains(problem), "{problem:?} not in {message}");
    }
}

#[test]
fn a_mapping_needs_exactly_one_way_to_find_the_person() {
    let base = r#""source":"s","external_id":"id","occurred_at":"t","metric":{"fixed":"calls"}"#;
    assert!(invalid(&format!("{{{base}}}")).contains("say whose activity a row is"));
    let both = format!(r#"{{{base},"person_id":"p","person_external_id":"o","person_system":"crm"}}"#);
    assert!(invalid(&both).contains("set person_id or person_external_id, not both"));
}

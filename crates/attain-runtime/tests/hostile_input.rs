//! Hostile input on the conversions every service runs from protobuf to domain types: arbitrary
//! strings (NUL bytes, quotes, SQL, non-ASCII), arbitrary integers for dates, enums and periods.
//! None may panic; each either yields a value that is what it claims, or a violation naming the
//! field it was given.

use attain_domain::{Violations, calendar::Calendar};
use attain_proto::common::v1::{CalendarPeriod, Date, DateRange, Period, period::Kind};
use attain_runtime::convert;
use proptest::prelude::*;
use prost_types::FieldMask;

/// Text a caller may send: any Unicode, with the characters that break naive code made likely.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00'\";\\\\%_-]{0,12}",
        Just("'; DROP TABLE metrics.events; --".to_string()),
        Just("0190f7a4-2b6c-7d3e-9f10-3a4b5c6d7e8f\0".to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).simple().to_string()),
    ]
}

fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        (any::<i32>(), any::<i32>(), any::<i32>()),
        (1890..10010i32, -1..14i32, -1..33i32),
    ]
    .prop_map(|(year, month, day)| Date { year, month, day })
}

fn period() -> impl Strategy<Value = Option<Period>> {
    let calendar = (any::<i32>(), proptest::option::of(date()))
        .prop_map(|(granularity, date)| Kind::Calendar(CalendarPeriod { granularity, date }));
    let range = (proptest::option::of(date()), proptest::option::of(date()))
        .prop_map(|(start_date, end_date)| Kind::Range(DateRange { start_date, end_date }));
    proptest::option::of(proptest::option::of(prop_oneof![calendar, range]).prop_map(|kind| Period { kind }))
}

/// Every violation names the field the value came from (or a field inside it).
fn all_name(v: &Violations, field: &str) -> bool {
    v.iter().all(|x| x.field.starts_with(field))
}

proptest! {
    #[test]
    fn ids_are_uuids_or_a_violation_of_their_field(text in hostile_text()) {
        let mut v = Violations::new();
        match convert::required_id(&mut v, "person_id", &text) {
            Some(id) => prop_assert_eq!(Some(id), uuid::Uuid::try_parse(&text).ok()),
            None => prop_assert!(!v.is_empty() && all_name(&v, "person_id")),
        }
        let mut v = Violations::new();
        let id = convert::request_id(&mut v, &text);
        prop_assert_eq!(id.is_none() && !text.is_empty(), !v.is_empty());
        prop_assert!(all_name(&v, "request_id"));
    }

    #[test]
    fn dates_are_real_days_or_a_violation_of_their_field(d in date()) {
        let mut v = Violations::new();
        match convert::required_date(&mut v, "start_date", Some(&d)) {
            Some(day) => {
                use chrono::Datelike;
                prop_assert_eq!((day.year(), day.month() as i32, day.day() as i32), (d.year, d.month, d.day));
                prop_assert!(v.is_empty());
            }
            None => prop_assert!(!v.is_empty() && all_name(&v, "start_date")),
        }
    }

    #[test]
    fn periods_resolve_to_ordered_ranges_or_violations_of_the_period(p in period()) {
        let mut v = Violations::new();
        match convert::resolve_period_granularity(&mut v, "period", p.as_ref(), &Calendar::default()) {
            Some((range, _)) => prop_assert!(range.start <= range.end),
            None => prop_assert!(!v.is_empty()),
        }
        prop_assert!(all_name(&v, "period"), "{:?}", v.iter().collect::<Vec<_>>());
    }

    #[test]
    fn etags_round_trip_and_anything_else_is_refused(revision in any::<i64>(), text in hostile_text()) {
        let mut v = Violations::new();
        prop_assert_eq!(convert::parse_etag(&mut v, "etag", &convert::etag(revision)), Some(revision));
        prop_assert!(v.is_empty());
        let parsed = convert::parse_etag(&mut v, "etag", &text);
        prop_assert_eq!(parsed.is_none() && !text.is_empty(), !v.is_empty());
        prop_assert!(all_name(&v, "etag"));
    }

    #[test]
    fn update_masks_keep_only_allowed_paths(paths in proptest::collection::vec(hostile_text(), 0..6)) {
        let allowed = ["display_name", "time_zone"];
        let mut v = Violations::new();
        let mask = FieldMask { paths: paths.clone() };
        let got = convert::update_paths(&mut v, Some(&mask), &allowed);
        prop_assert!(got.iter().all(|p| allowed.contains(p)));
        let unknown = paths.iter().any(|p| p != "*" && !allowed.contains(&p.as_str()));
        let wildcard = paths.iter().any(|p| p == "*");
        prop_assert_eq!(!v.is_empty(), paths.is_empty() || (unknown && !wildcard));
        prop_assert!(all_name(&v, "update_mask"));
    }

    #[test]
    fn enums_out_of_range_are_none(value in any::<i32>()) {
        use attain_runtime::enums::from_wire;
        prop_assert_eq!(from_wire::<attain_domain::period::Granularity>(value).is_some(), (1..=5).contains(&value));
        prop_assert_eq!(from_wire::<chrono::Weekday>(value).is_some(), (1..=7).contains(&value));
        prop_assert_eq!(from_wire::<attain_domain::org::SalesRole>(value).is_some(), (1..=7).contains(&value));
    }
}

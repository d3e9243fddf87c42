use attain_import::{Mapping, Preset};
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::{events, read, utc};

/// The local day and UTC instant of a Salesforce row dated `date` in `tz`.
fn salesforce_date(date: &str, tz: Tz) -> (NaiveDate, chrono::DateTime<chrono::Utc>) {
    let csv = format!("Activity ID,Assigned ID,Type,Date\n00T1,0051,Call,{date}\n");
    let rows = read(csv, &Mapping::preset(Preset::SalesforceActivities), tz);
    let at = events(&rows[0])[0].occurred_at;
    (at.with_timezone(&tz).date_naive(), at)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[test]
fn a_date_lands_on_that_local_day_in_new_york_including_dst_changes() {
    let ny = chrono_tz::America::New_York;
    // 2026-03-08: clocks go forward; 2026-11-01: clocks go back.
    assert_eq!(
        salesforce_date("03/07/2026", ny),
        (day(2026, 3, 7), utc("2026-03-07T17:00:00Z"))
    );
    assert_eq!(
        salesforce_date("03/08/2026", ny),
        (day(2026, 3, 8), utc("2026-03-08T16:00:00Z"))
    );
    assert_eq!(
        salesforce_date("11/01/2026", ny),
        (day(2026, 11, 1), utc("2026-11-01T17:00:00Z"))
    );
    assert_eq!(
        salesforce_date("12/31/2026", ny),
        (day(2026, 12, 31), utc("2026-12-31T17:00:00Z"))
    );
}

#[test]
fn a_date_lands_on_that_local_day_in_berlin_including_dst_changes() {
    let berlin = chrono_tz::Europe::Berlin;
    // 2026-03-29: clocks go forward; 2026-10-25: clocks go back.
    assert_eq!(
        salesforce_date("03/29/2026", berlin),
        (day(2026, 3, 29), utc("2026-03-29T10:00:00Z"))
    );
    assert_eq!(
        salesforce_date("10/25/2026", berlin),
        (day(2026, 10, 25), utc("2026-10-25T11:00:00Z"))
    );
    assert_eq!(
        salesforce_date("01/01/2026", berlin),
        (day(2026, 1, 1), utc("2026-01-01T11:00:00Z"))
    );
}

#[test]
fn a_date_lands_on_that_local_day_far_from_utc() {
    for tz in [
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Pacific::Pago_Pago,
        chrono_tz::Asia::Kathmandu,
    ] {
        assert_eq!(salesforce_date("03/09/2026", tz).0, day(2026, 3, 9), "{tz}");
    }
}

fn hubspot_time(create_date: &str, tz: Tz) -> chrono::DateTime<chrono::Utc> {
    let csv = format!("Engagement ID,Owner ID,Engagement Type,Create Date\n1,41,CALL,{create_date}\n");
    let rows = read(csv, &Mapping::preset(Preset::HubspotEngagements), tz);
    events(&rows[0])[0].occurred_at
}

#[test]
fn naive_times_are_local_to_the_tenant_and_dst_aware() {
    let ny = chrono_tz::America::New_York;
    assert_eq!(hubspot_time("2026-03-07 09:00", ny), utc("2026-03-07T14:00:00Z"));
    assert_eq!(hubspot_time("2026-03-09 09:00", ny), utc("2026-03-09T13:00:00Z"));
    let berlin = chrono_tz::Europe::Berlin;
    assert_eq!(hubspot_time("2026-03-28 09:00", berlin), utc("2026-03-28T08:00:00Z"));
    assert_eq!(hubspot_time("2026-03-30 09:00", berlin), utc("2026-03-30T07:00:00Z"));
}

#[test]
fn times_with_an_offset_ignore_the_tenant_zone() {
    let at = utc("2026-03-08T14:05:00Z");
    assert_eq!(hubspot_time("2026-03-08T14:05:00Z", chrono_tz::Europe::Berlin), at);
    assert_eq!(
        hubspot_time("2026-03-08T15:05:00+01:00", chrono_tz::America::New_York),
        at
    );
}

#[test]
fn a_repeated_local_time_resolves_to_its_first_occurrence() {
    // 01:30 happens twice in New York on 2026-11-01: first in EDT (UTC-4), then in EST (UTC-5).
    assert_eq!(
        hubspot_time("2026-11-01 01:30", chrono_tz::America::New_York),
        utc("2026-11-01T05:30:00Z")
    );
    assert_eq!(
        hubspot_time("2026-10-25 02:30", chrono_tz::Europe::Berlin),
        utc("2026-10-25T00:30:00Z")
    );
}

#[test]
fn a_skipped_local_time_resolves_to_the_earlier_instant() {
    // 02:30 does not exist in New York on 2026-03-08; read with EDT it is 01:30 EST.
    assert_eq!(
        hubspot_time("2026-03-08 02:30", chrono_tz::America::New_York),
        utc("2026-03-08T06:30:00Z")
    );
    assert_eq!(
        hubspot_time("2026-03-29 02:30", chrono_tz::Europe::Berlin),
        utc("2026-03-29T00:30:00Z")
    );
}

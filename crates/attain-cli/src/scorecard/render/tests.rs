//! Unit tests of the scorecard and KPI rendering.

use attain_proto::scorecard::v1::{BehindPace, Pace, RepKpis};

use super::*;

fn days(start: (i32, i32), end: (i32, i32)) -> Option<DateRange> {
    let d = |(month, day)| Some(Date { year: 2026, month, day });
    Some(DateRange {
        start_date: d(start),
        end_date: d(end),
    })
}

fn catalog() -> Catalog {
    let m = |key: &str, display_name: &str, unit: Unit| Metric {
        key: key.into(),
        display_name: display_name.into(),
        unit: unit as i32,
        ..Default::default()
    };
    let metrics = [
        m("calls", "Calls", Unit::Count),
        m("revenue_won", "Revenue won", Unit::CurrencyMinor),
        m("pipeline_amount", "Pipeline", Unit::CurrencyMinor),
        m("call_to_connect", "Call to connect", Unit::Ratio),
        m("talk_time", "Talk time", Unit::Seconds),
    ];
    Catalog::new(&metrics, "USD")
}

#[test]
fn numbers_have_thousands_separators_and_sensible_precision() {
    let cases = [
        (0, "0"),
        (999, "999"),
        (1_000, "1,000"),
        (1_234_567, "1,234,567"),
        (-45_000, "-45,000"),
    ];
    for (n, text) in cases {
        assert_eq!(thousands(n), text);
    }
    assert_eq!(
        [number(1_142.857), number(60.0), number(12.5), number(-2.25)],
        ["1,143", "60", "12.5", "-2.3"]
    );
    assert_eq!(
        [percent(0.875, 0), percent(0.875, 1), change(0.041), change(-0.12)],
        ["88%", "87.5%", "+4.1%", "-12.0%"]
    );
    assert_eq!(
        [duration(600.0), duration(47_100.0), number(f64::NAN)],
        ["10m", "13h 05m", "–"]
    );
}

#[test]
fn money_is_whole_units_of_the_currency() {
    assert_eq!(money(123_456_789.0, "USD"), "$1,234,568");
    assert_eq!(money(-500.0, "EUR"), "-€5");
    assert_eq!(money(120_000.0, "CHF"), "1,200 CHF");
    assert_eq!(money(120_000.0, "JPY"), "120,000 JPY");
}

#[test]
fn the_metric_unit_picks_the_format() {
    let c = catalog();
    assert_eq!(c.format("revenue_won", 45_000_000.0, false), "$450,000");
    assert_eq!(c.format("call_to_connect", 0.1234, true), "12.3%");
    assert_eq!(c.format("talk_time", 47_100.0, false), "13h 05m");
    // Not in the catalog: a ratio line as a percentage, anything else as a number.
    assert_eq!(c.format("custom_rate", 0.5, true), "50.0%");
    assert_eq!(c.format("custom", 2_500.0, false), "2,500");
}

#[test]
fn planned_counts_are_whole_and_per_day_figures_keep_a_decimal_below_ten() {
    let c = catalog();
    // A month's pro-rated target of 33.6 meetings shows as 34; the API keeps 33.6.
    assert_eq!(c.format_planned("meetings_set", 33.6, false, false), "34");
    assert_eq!(c.format_planned("calls", 1_142.5, false, false), "1,143");
    // A one-day scorecard: 12.5 calls a day is 13, 2.4 meetings a day stays 2.4.
    assert_eq!(c.format_planned("calls", 12.5, false, true), "13");
    assert_eq!(c.format_planned("meetings_set", 2.4, false, true), "2.4");
    // Money and rates keep their own format.
    assert_eq!(c.format_planned("revenue_won", 45_000_000.0, false, false), "$450,000");
    assert_eq!(c.format_planned("call_to_connect", 0.1234, true, false), "12.3%");
    // 12 deals over a quarter of 63 working days: 0.2 a day, not 1.
    assert_eq!(
        [per_day(12.0 / 63.0), per_day(9.95), per_day(10.4)],
        ["0.2", "9.9", "10"]
    );
    assert_eq!(whole(f64::NAN), "–");
}

#[test]
fn bands_are_coloured_only_for_a_terminal_without_no_color() {
    use std::ffi::OsStr;
    assert_eq!(band(Band::Green, false), "green");
    assert_eq!(band(Band::Red, true), "\x1b[31mred\x1b[0m");
    assert_eq!(band(Band::Unspecified, true), "–");
    assert!(color_enabled(true, None));
    assert!(!color_enabled(false, None));
    assert!(!color_enabled(true, Some(OsStr::new("1"))));
    // An empty NO_COLOR does not count (no-color.org).
    assert!(color_enabled(true, Some(OsStr::new(""))));
}

#[test]
fn colour_codes_do_not_break_alignment() {
    let mut t = Table::new(&[("Band", Align::Left), ("N", Align::Right)]);
    t.row(vec![band(Band::Red, true), "1".into()]);
    t.row(vec![band(Band::Amber, true), "22".into()]);
    let plain = t
        .render(&[])
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[0m", "");
    assert_eq!(plain, "  Band    N\n  red     1\n  amber  22\n");
}

fn line(key: &str, name: &str, section: Section, actual: f64, target: f64) -> ScorecardLine {
    ScorecardLine {
        metric_key: key.into(),
        display_name: name.into(),
        section: section as i32,
        actual: Some(actual),
        target: Some(target),
        attainment: Some(actual / target),
        band: Band::Amber as i32,
        ..Default::default()
    }
}

fn assert_shows(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "no {part:?} in\n{text}");
    }
}

#[test]
fn a_scorecard_has_a_header_sections_and_the_score() {
    let mut calls = line("calls", "Calls", Section::Activities, 1_012.0, 1_200.0);
    calls.pace = Some(Pace {
        pace: Some(0.98),
        projection: 1_180.0,
        ..Default::default()
    });
    calls.change = Some(0.041);
    let mut rate = line("call_to_connect", "Call to connect", Section::Efficiency, 0.1, 0.12);
    (rate.numerator, rate.denominator) = (101, 1_012);
    let revenue = line("revenue_won", "Revenue won", Section::Results, 9e6, 1.2e7);
    let sc = Scorecard {
        subject: Some(scorecard::Subject::PersonId("p".into())),
        display_name: "Ana Lopez".into(),
        template_name: "SDR".into(),
        range: days((11, 1), (11, 30)),
        as_of: days((11, 20), (11, 20)).and_then(|r| r.start_date),
        in_progress: true,
        lines: vec![calls, rate, revenue],
        overall_score: Some(0.8123),
        ramp_factor: Some(0.5),
        days_off: 5,
        ..Default::default()
    };
    let text = scorecard(&sc, &catalog(), false);
    assert_shows(
        &text,
        &[
            "Ana Lopez (person) · SDR scorecard",
            "2026-11-01 to 2026-11-30, in progress (as of 2026-11-20)",
            "Ramp:      50%   Days off: 5",
            "ACTIVITIES\n  Calls              1,012     1,200      84%  amber   98%       1,180    +4.1%\nEFFICIENCY",
            "10.0%",
            "$90,000",
            "$120,000",
            "Overall score: 81%",
        ],
    );
    assert!(!text.contains("OBJECTIVES"), "no empty sections:\n{text}");
    assert!(!text.contains('\x1b'), "no colour when off:\n{text}");
}

#[test]
fn kpis_show_goal_shares_reps_and_who_is_behind() {
    let share = |range, met| GoalShare {
        range,
        met,
        counted: 4,
        share: Some(f64::from(met) / 4.0),
    };
    let k = ManagerKpis {
        rep_count: 4,
        daily_activity_goal: [2, 3, 9].map(|d| share(days((11, d), (11, d)), d % 5)).to_vec(),
        daily_activity_goal_average: Some(0.75),
        weekly_objective_goal: vec![share(days((11, 2), (11, 8)), 1), share(days((11, 9), (11, 15)), 1)],
        reps_to_quota: Some(share(None, 1)),
        team_attainment: Some(1.02),
        reps: vec![RepKpis {
            person_id: "p1".into(),
            display_name: "Hana Sato".into(),
            quota: Some(45_000_000.0),
            quota_actual: 30_000_000.0,
            quota_attainment: Some(2.0 / 3.0),
            pipeline: 60_000_000.0,
            remaining_quota: 15_000_000.0,
            coverage: Some(4.0),
            behind_pace: vec!["calls".into()],
            daily_goal_days_met: 7,
            pipeline_known: true,
        }],
        behind_pace: vec![BehindPace {
            metric_key: "calls".into(),
            display_name: "Calls".into(),
            person_ids: vec!["p1".into(), "gone".into()],
        }],
        quota_metric_key: "revenue_won".into(),
        pipeline_metric_key: "pipeline_amount".into(),
        ..Default::default()
    };
    assert_shows(
        &kpis(&k, "SDR Team", &catalog()),
        &[
            "SDR Team · manager KPIs",
            "Reps:      4   Quota: Revenue won   Pipeline: Pipeline",
            "Team to daily activity goal: 75% on average\n  11-02 50%  11-03 75%\n  11-09 100%\n",
            "2026-11-09 to 2026-11-15  25% (1/4)",
            "Reps to quota: 25% (1/4)   Team attainment: 102%",
            "Hana Sato  $450,000  $300,000      67%  $600,000   $150,000      4.0x          7  Calls",
            "Behind pace:\n  Calls: Hana Sato, gone\n",
        ],
    );
    let mut no_quota = k.clone();
    no_quota.reps[0].quota = None;
    assert_shows(
        &kpis(&no_quota, "SDR Team", &catalog()),
        &[
            "Reps to quota: – (no rep has a Revenue won quota",
            "  Rep        Pipeline  Goal days  Behind pace\n  Hana Sato  $600,000          7  Calls\n",
        ],
    );
}

//! Focus plans, templates generated from them, and the leading-indicator analysis.

use attain_testing::violated_fields;
use tonic::Code;

use crate::*;

fn key_result(metric: &str, behaviours: &[&str]) -> KeyResult {
    KeyResult {
        metric_key: metric.into(),
        behaviour_metric_keys: behaviours.iter().map(|b| b.to_string()).collect(),
    }
}

const BEHAVIOURS: [&str; 9] = [
    "calls",
    "emails",
    "social_connects",
    "contacts_in_sequence",
    "talk_time",
    "connects",
    "conversations",
    "meetings_set",
    "meetings_held",
];

#[tokio::test]
async fn a_crowded_focus_plan_is_saved_with_a_warning_and_becomes_a_template() {
    let mut w = world().await;
    let team = w.sdr_team.clone();
    let focused = vec![
        key_result("meetings_qualified", &BEHAVIOURS),
        key_result("pipeline_amount", &BEHAVIOURS[..8]),
    ];
    let saved =
        w.sc.set_focus_plan(SetFocusPlanRequest {
            focus_plan: Some(FocusPlan {
                team_id: team.clone(),
                key_results: focused.clone(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .focus_plan
        .unwrap();
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
    let crowded = vec![
        key_result("meetings_qualified", &BEHAVIOURS),
        key_result("pipeline_amount", &BEHAVIOURS),
        key_result("revenue_won", &BEHAVIOURS),
        key_result("deals_won", &BEHAVIOURS),
    ];
    let saved =
        w.sc.set_focus_plan(SetFocusPlanRequest {
            focus_plan: Some(FocusPlan {
                team_id: team.clone(),
                key_results: crowded,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .focus_plan
        .unwrap();
    // Four results sharing the same nine behaviours: nine distinct, within 8–12; four results
    // is one too many.
    let advice = ["4 key results: pick the 3 that matter most (paralysis by analysis)"];
    assert_eq!(saved.warnings, advice);
    let got =
        w.sc.get_focus_plan(GetFocusPlanRequest { team_id: team.clone() })
            .await
            .unwrap()
            .into_inner()
            .focus_plan
            .unwrap();
    assert_eq!(got.key_results.len(), 4);
    assert_eq!(got.warnings, advice, "the warnings survive a read");
    w.sc.set_focus_plan(SetFocusPlanRequest {
        focus_plan: Some(FocusPlan {
            team_id: team.clone(),
            key_results: focused,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    // A template from the plan: key results as results, behaviours by layer; targets from the
    // team's current template (the built-in SDR one, found by role) where it has the metric.
    let template =
        w.sc.generate_template(GenerateTemplateRequest {
            team_id: team.clone(),
            key: "sdr_focus".into(),
            display_name: "SDR focus".into(),
            assign: true,
        })
        .await
        .unwrap()
        .into_inner()
        .template
        .unwrap();
    let section = |m: &str| template.lines.iter().find(|l| l.metric_key == m).unwrap().section;
    assert_eq!(section("meetings_qualified"), Section::Results as i32);
    assert_eq!(section("calls"), Section::Activities as i32);
    assert_eq!(section("meetings_set"), Section::Objectives as i32);
    assert_eq!(template.lines.len(), 11);
    let ana = w.sdrs[0].clone();
    let card = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(attain_proto::common::v1::Granularity::Week, (2026, 6, 1)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(card.template_id, template.id, "assigned to the team");
}

#[tokio::test]
async fn focus_plan_input_and_tenancy() {
    let mut w = world().await;
    let bad =
        w.sc.set_focus_plan(SetFocusPlanRequest {
            focus_plan: Some(FocusPlan {
                team_id: "x".into(),
                key_results: vec![
                    key_result("nope", &["calls", "calls"]),
                    key_result("meetings_held", &["calls", "meetings_held"]),
                ],
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "focus_plan.key_results[0].behaviour_metric_keys[1]",
            "focus_plan.key_results[0].metric_key",
            "focus_plan.key_results[1].behaviour_metric_keys[1]",
            "focus_plan.team_id"
        ]
    );
    assert!(bad.message().contains("is the key result itself"), "{bad:?}");
    let bad =
        w.sc.get_focus_plan(GetFocusPlanRequest { team_id: String::new() })
            .await
            .unwrap_err();
    assert_eq!(violated_fields(&bad), ["team_id"]);
    let bad =
        w.sc.generate_template(GenerateTemplateRequest {
            team_id: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&bad), ["team_id"]);
    let none =
        w.sc.generate_template(GenerateTemplateRequest {
            team_id: w.ae_team.clone(),
            key: "ae_focus".into(),
            display_name: "AE focus".into(),
            assign: false,
        })
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::FailedPrecondition);
    let bad =
        w.sc.analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest {
            team_id: "x".into(),
            result_metric_key: "win_rate".into(),
            behaviour_metric_keys: vec!["nope".into()],
            lookback_weeks: 2,
            as_of: None,
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "behaviour_metric_keys[0]",
            "lookback_weeks",
            "result_metric_key",
            "team_id"
        ]
    );

    let team = w.sdr_team.clone();
    w.sc.set_focus_plan(SetFocusPlanRequest {
        focus_plan: Some(FocusPlan {
            team_id: team.clone(),
            key_results: vec![key_result("meetings_held", &BEHAVIOURS[..8])],
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let other = w.app.tenant("Globex").await;
    let mut sc = w.app.scorecard(&other.admin_key).await;
    let nf = |r: Result<(), tonic::Status>| assert_eq!(r.unwrap_err().code(), Code::NotFound);
    nf(sc
        .get_focus_plan(GetFocusPlanRequest { team_id: team.clone() })
        .await
        .map(|_| ()));
    nf(sc
        .set_focus_plan(SetFocusPlanRequest {
            focus_plan: Some(FocusPlan {
                team_id: team.clone(),
                key_results: vec![key_result("meetings_held", &["calls"])],
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()));
    nf(sc
        .generate_template(GenerateTemplateRequest {
            team_id: team.clone(),
            key: "stolen".into(),
            display_name: "Stolen".into(),
            assign: false,
        })
        .await
        .map(|_| ()));
    nf(sc
        .analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest {
            team_id: team.clone(),
            result_metric_key: "meetings_held".into(),
            ..Default::default()
        })
        .await
        .map(|_| ()));
}

/// Talk time drives pipeline two weeks later; expansion is noise. Seeded over 14 weeks for the
/// four SDRs and the three AEs of the sales org.
#[tokio::test]
async fn a_behaviour_with_a_two_week_lag_ranks_first_at_lag_two() {
    let mut w = world().await;
    let reps: Vec<String> = w.sdrs.iter().chain(&w.aes).cloned().collect();
    let mut seed = 11u64;
    let mut rnd = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as f64 / (1u64 << 31) as f64
    };
    // Weeks start on Monday 2 March 2026; the window is the 12 whole weeks before 8 June.
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let mut evs = Vec::new();
    for rep in &reps {
        let talk: Vec<i64> = (0..14).map(|_| (3600.0 * (2.0 + 8.0 * rnd())) as i64).collect();
        for week in 0..14usize {
            let day = monday + chrono::Days::new(7 * week as u64 + 1);
            let ymd = (
                chrono::Datelike::year(&day),
                chrono::Datelike::month(&day),
                chrono::Datelike::day(&day),
            );
            evs.extend(events(rep, "talk_time", ymd, 1, Some(talk[week])));
            evs.extend(events(
                rep,
                "expansion_amount",
                ymd,
                1,
                Some((100_000.0 * rnd()) as i64),
            ));
            let driven = if week >= 2 { talk[week - 2] * 10 } else { 50_000 };
            evs.extend(events(
                rep,
                "pipeline_amount",
                ymd,
                1,
                Some(driven + (20_000.0 * rnd()) as i64),
            ));
        }
    }
    ingest(&mut w.metrics, evs).await;
    let out =
        w.sc.analyze_leading_indicators(AnalyzeLeadingIndicatorsRequest {
            team_id: w.sales.clone(),
            result_metric_key: "pipeline_amount".into(),
            behaviour_metric_keys: vec!["expansion_amount".into(), "talk_time".into()],
            lookback_weeks: 12,
            as_of: date(2026, 6, 10),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(out.rep_count, 7);
    let r = out.range.unwrap();
    assert_eq!((r.start_date, r.end_date), (date(2026, 3, 16), date(2026, 6, 7)));
    assert_eq!(out.correlations.len(), 10);
    let best = &out.correlations[0];
    assert_eq!((best.metric_key.as_str(), best.lag_weeks), ("talk_time", 2));
    assert!(best.r.unwrap() > 0.8, "{best:?}");
    assert_eq!(best.sample_size, 7 * 10);
}

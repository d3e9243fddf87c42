//! Computed scorecards, with DESIGN.md's numbers checked exactly.

use attain_proto::{common::v1::Granularity, org::v1 as org};

use crate::*;

#[tokio::test]
async fn sdr_with_60_calls_a_day_has_300_a_week_and_a_month_of_working_days() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    // The built-in "sdr" template applies to SDRs with no assignment: 60 calls a day.
    let week = person_scorecard(&mut w.sc, &ana, calendar(Granularity::Week, (2026, 6, 3)), None)
        .await
        .unwrap();
    assert_eq!(week.template_name, "SDR");
    let calls = line_of(&week, "calls");
    assert_eq!(calls.target, Some(300.0));
    assert_eq!(calls.target_source, TargetSource::Template as i32);
    for (month, end) in [(6, 30), (2, 28)] {
        let card = person_scorecard(&mut w.sc, &ana, calendar(Granularity::Month, (2026, month, 10)), None)
            .await
            .unwrap();
        let days = weekdays((2026, month as u32, 1), (2026, month as u32, end));
        assert_eq!(
            line_of(&card, "calls").target,
            Some(60.0 * f64::from(days)),
            "month {month}"
        );
    }
    // June 2026 has 22 weekdays, February 20.
    assert_eq!(weekdays((2026, 6, 1), (2026, 6, 30)), 22);
    assert_eq!(weekdays((2026, 2, 1), (2026, 2, 28)), 20);
}

#[tokio::test]
async fn pace_projection_band_ratio_and_change_mid_week() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let mut evs = Vec::new();
    // Last week: 100 calls. This week, Monday to Wednesday: 50 calls and 5 conversations a day.
    evs.extend(events(&ana, "calls", (2026, 5, 27), 100, None));
    for d in 1..=3 {
        evs.extend(events(&ana, "calls", (2026, 6, d), 50, None));
        evs.extend(events(&ana, "conversations", (2026, 6, d), 5, None));
    }
    ingest(&mut w.metrics, evs).await;
    let card = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(Granularity::Week, (2026, 6, 3)),
        date(2026, 6, 3),
    )
    .await
    .unwrap();
    assert!(card.in_progress);
    let calls = line_of(&card, "calls");
    assert_eq!(calls.actual, Some(150.0));
    assert_eq!(calls.target, Some(300.0));
    assert_eq!(calls.attainment, Some(0.5));
    // Half the week's target by Wednesday evening is 83 % of what is due by then (180): amber
    // on pace, not red on attainment.
    assert_eq!(calls.band, Band::Amber as i32);
    assert!(calls.banded_on_pace);
    let pace = calls.pace.expect("pace for a period in progress");
    assert_eq!((pace.elapsed_working_days, pace.total_working_days), (3, 5));
    assert_eq!(pace.expected_to_date, 180.0);
    assert!(close(pace.pace.unwrap(), 150.0 / 180.0));
    assert_eq!(pace.projection, 250.0);
    assert_eq!(calls.previous, Some(100.0));
    assert_eq!(calls.change, Some(0.5));
    // A ratio over the period is sum / sum: 15 / 150 against a 12 % level.
    let ratio = line_of(&card, "call_to_conversation");
    assert_eq!(ratio.actual, Some(0.1));
    assert_eq!((ratio.numerator, ratio.denominator), (15, 150));
    assert_eq!(ratio.target, Some(0.12));
    assert!(close(ratio.attainment.unwrap(), 0.1 / 0.12));
    assert_eq!(ratio.band, Band::Amber as i32);
    assert!(ratio.pace.is_none(), "ratios have no pace");
    assert!(!ratio.banded_on_pace, "a ratio is banded on attainment");
    // No meetings at all: the set-to-held ratio has no value, not 0.
    assert_eq!(line_of(&card, "set_to_held").actual, None);
    assert_eq!(line_of(&card, "set_to_held").band, Band::Unspecified as i32);
    assert!(card.overall_score.is_some());
    // Lines come by section: activities first, results last.
    let sections: Vec<i32> = card.lines.iter().map(|l| l.section).collect();
    let mut sorted = sections.clone();
    sorted.sort();
    assert_eq!(sections, sorted);
}

#[tokio::test]
async fn a_period_that_is_over_has_no_pace() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let card = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(Granularity::Week, (2026, 6, 3)),
        date(2026, 6, 20),
    )
    .await
    .unwrap();
    assert!(!card.in_progress);
    assert!(line_of(&card, "calls").pace.is_none());
}

#[tokio::test]
async fn fiscal_year_from_february_puts_15_may_in_q2() {
    let mut w = world().await;
    let mut tenant = w
        .org
        .get_tenant(org::GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    tenant.calendar.as_mut().unwrap().fiscal_year_start_month = 2;
    tenant.etag.clear();
    w.org
        .update_tenant(org::UpdateTenantRequest {
            tenant: Some(tenant),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["calendar.fiscal_year_start_month".into()],
            }),
        })
        .await
        .unwrap();
    let ana = w.sdrs[0].clone();
    let card = person_scorecard(&mut w.sc, &ana, calendar(Granularity::Quarter, (2026, 5, 15)), None)
        .await
        .unwrap();
    let r = card.range.unwrap();
    // Q1 is February to April, so Q2 runs from 1 May to 31 July.
    assert_eq!((r.start_date, r.end_date), (date(2026, 5, 1), date(2026, 7, 31)));
    let p = card.previous_range.unwrap();
    assert_eq!((p.start_date, p.end_date), (date(2026, 2, 1), date(2026, 4, 30)));
    let days = weekdays((2026, 5, 1), (2026, 7, 31));
    assert_eq!(line_of(&card, "calls").target, Some(60.0 * f64::from(days)));
}

#[tokio::test]
async fn a_new_hire_in_month_two_of_a_25_50_75_100_ramp_carries_half_quota() {
    let mut w = world().await;
    // No ramp set up: every tenant starts with the built-in default, 25/50/75/100 %.
    let ae_team = w.ae_team.clone();
    let newbie = person(
        &mut w.org,
        "Newbie",
        org::SalesRole::InsideSalesAe,
        &ae_team,
        Some((2026, 5, 1)),
    )
    .await;
    w.sc.set_quota(SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(newbie.clone())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(attain_proto::common::v1::CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: date(2026, 6, 1),
            }),
            amount: 10_000_000,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let june = person_scorecard(&mut w.sc, &newbie, calendar(Granularity::Month, (2026, 6, 1)), None)
        .await
        .unwrap();
    assert_eq!(june.template_name, "Account executive");
    assert_eq!(june.ramp_factor, Some(0.5));
    let revenue = line_of(&june, "revenue_won");
    assert_eq!(revenue.target, Some(5_000_000.0));
    assert_eq!(revenue.target_source, TargetSource::PersonQuota as i32);
    // Template targets ramp too: 30 calls a day at half.
    let days = weekdays((2026, 6, 1), (2026, 6, 30));
    assert_eq!(line_of(&june, "calls").target, Some(30.0 * f64::from(days) * 0.5));
    // Month one is at 25 %; someone with no start date is fully ramped.
    let may = person_scorecard(&mut w.sc, &newbie, calendar(Granularity::Month, (2026, 5, 1)), None)
        .await
        .unwrap();
    assert_eq!(may.ramp_factor, Some(0.25));
    let star = w.aes[0].clone();
    let star_card = person_scorecard(&mut w.sc, &star, calendar(Granularity::Month, (2026, 6, 1)), None)
        .await
        .unwrap();
    assert_eq!(star_card.ramp_factor, Some(1.0));

    // Someone starting on Wednesday 10 June: June's 15 working days from the 10th carry 25 %
    // (30 × 15 × 0.25 = 112.5 calls) and the 7 before nothing; July blends 25 % for its 7
    // working days to the 9th with 50 % for the 16 from the 10th: 30 × (1.75 + 8) = 292.5.
    let late = person(
        &mut w.org,
        "Late Start",
        org::SalesRole::InsideSalesAe,
        &ae_team,
        Some((2026, 6, 10)),
    )
    .await;
    let june = person_scorecard(&mut w.sc, &late, calendar(Granularity::Month, (2026, 6, 1)), None)
        .await
        .unwrap();
    assert!(close(line_of(&june, "calls").target.unwrap(), 112.5));
    assert!(close(june.ramp_factor.unwrap(), 15.0 * 0.25 / 22.0));
    let july = person_scorecard(&mut w.sc, &late, calendar(Granularity::Month, (2026, 7, 1)), None)
        .await
        .unwrap();
    assert!(close(line_of(&july, "calls").target.unwrap(), 292.5));
}

#[tokio::test]
async fn time_off_prorates_and_overrides_replace_template_targets() {
    let mut w = world().await;
    let (ana, bo) = (w.sdrs[0].clone(), w.sdrs[1].clone());
    w.sc.create_time_off(CreateTimeOffRequest {
        time_off: Some(TimeOff {
            person_id: ana.clone(),
            range: Some(attain_proto::common::v1::DateRange {
                start_date: date(2026, 6, 1),
                end_date: date(2026, 6, 7),
            }),
            reason: "vacation".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let card = person_scorecard(&mut w.sc, &ana, calendar(Granularity::Month, (2026, 6, 1)), None)
        .await
        .unwrap();
    // Five working days off of June's 22 (the weekend costs nothing).
    assert_eq!(card.days_off, 5);
    assert_eq!(line_of(&card, "calls").target, Some(60.0 * 17.0));
    w.sc.set_target_override(SetTargetOverrideRequest {
        target_override: Some(TargetOverride {
            person_id: bo.clone(),
            metric_key: "calls".into(),
            target: Some(daily(50.0)),
        }),
    })
    .await
    .unwrap();
    let card = person_scorecard(&mut w.sc, &bo, calendar(Granularity::Week, (2026, 6, 1)), None)
        .await
        .unwrap();
    let calls = line_of(&card, "calls");
    assert_eq!(calls.target, Some(250.0));
    assert_eq!(calls.target_source, TargetSource::Override as i32);
    // Clearing it restores the template's.
    w.sc.set_target_override(SetTargetOverrideRequest {
        target_override: Some(TargetOverride {
            person_id: bo.clone(),
            metric_key: "calls".into(),
            target: None,
        }),
    })
    .await
    .unwrap();
    let card = person_scorecard(&mut w.sc, &bo, calendar(Granularity::Week, (2026, 6, 1)), None)
        .await
        .unwrap();
    assert_eq!(line_of(&card, "calls").target, Some(300.0));
}

#[tokio::test]
async fn team_scorecard_sums_members_and_pools_ratios() {
    let mut w = world().await;
    let mut evs = Vec::new();
    for (i, sdr) in w.sdrs.iter().enumerate() {
        evs.extend(events(sdr, "calls", (2026, 6, 2), 10 * (i + 1), None));
        evs.extend(events(sdr, "conversations", (2026, 6, 2), i + 1, None));
    }
    // Someone outside the team does not count.
    evs.extend(events(&w.aes[0], "calls", (2026, 6, 2), 500, None));
    ingest(&mut w.metrics, evs).await;
    let card =
        w.sc.get_scorecard(GetScorecardRequest {
            subject: Some(get_scorecard_request::Subject::TeamId(w.sdr_team.clone())),
            period: calendar(Granularity::Week, (2026, 6, 2)),
            as_of: date(2026, 6, 5),
        })
        .await
        .unwrap()
        .into_inner()
        .scorecard
        .unwrap();
    assert_eq!(card.member_count, 4);
    assert_eq!(card.display_name, "SDR East");
    let calls = line_of(&card, "calls");
    assert_eq!(calls.actual, Some(100.0));
    assert_eq!(calls.target, Some(4.0 * 300.0));
    assert_eq!(calls.target_source, TargetSource::Members as i32);
    let ratio = line_of(&card, "call_to_conversation");
    assert_eq!((ratio.numerator, ratio.denominator), (10, 100));
    assert_eq!(ratio.actual, Some(0.1));
    // The parent team's scorecard covers both teams' sellers, not the manager.
    let all =
        w.sc.get_scorecard(GetScorecardRequest {
            subject: Some(get_scorecard_request::Subject::TeamId(w.sales.clone())),
            period: calendar(Granularity::Week, (2026, 6, 2)),
            as_of: None,
        })
        .await
        .unwrap()
        .into_inner()
        .scorecard
        .unwrap();
    assert_eq!(all.member_count, 7);
    assert_eq!(line_of(&all, "calls").actual, Some(600.0));
}

#[tokio::test]
async fn actuals_stop_at_the_as_of_day_and_compare_with_the_previous_period_to_date() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let mut evs = Vec::new();
    // Last week: 30 calls on Monday, 70 on Thursday. This week: 40 on Monday, 500 on Thursday.
    evs.extend(events(&ana, "calls", (2026, 5, 25), 30, None));
    evs.extend(events(&ana, "calls", (2026, 5, 28), 70, None));
    evs.extend(events(&ana, "calls", (2026, 6, 1), 40, None));
    evs.extend(events(&ana, "calls", (2026, 6, 4), 500, None));
    ingest(&mut w.metrics, evs).await;
    let card = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(Granularity::Week, (2026, 6, 1)),
        date(2026, 6, 2),
    )
    .await
    .unwrap();
    let calls = line_of(&card, "calls");
    assert_eq!(calls.actual, Some(40.0), "Thursday is after the as-of day");
    assert_eq!(calls.previous, Some(30.0), "last Monday and Tuesday only");
    let p = card.previous_range.unwrap();
    assert_eq!((p.start_date, p.end_date), (date(2026, 5, 25), date(2026, 5, 26)));
    // A week that has not begun has no actuals yet.
    let ahead = person_scorecard(
        &mut w.sc,
        &ana,
        calendar(Granularity::Week, (2026, 6, 8)),
        date(2026, 6, 2),
    )
    .await
    .unwrap();
    assert_eq!(line_of(&ahead, "calls").actual, None);
    assert_eq!(line_of(&ahead, "calls").target, Some(300.0));
}

#[tokio::test]
async fn a_leader_without_a_team_or_template_gets_a_clear_precondition() {
    let mut w = world().await;
    let dana = person(&mut w.org, "Dana", org::SalesRole::SalesLeader, "", None).await;
    let status = person_scorecard(&mut w.sc, &dana, calendar(Granularity::Week, (2026, 6, 1)), None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert!(status.message().contains("AssignTemplate"), "{}", status.message());
}

/// A month in progress is banded on pace: on Wednesday 3 June (3 of June's 22 working days,
/// the day over), 178 calls against 60 a day is 178 / 180 = 98.9 % of what is due (amber),
/// though only 13.5 % of the month's 1,320 (red on attainment before). And nobody is red that
/// early: at half pace too the line is amber until 2 working days and a fifth of the month
/// (4.4 days) have passed.
#[tokio::test]
async fn a_rep_at_99_percent_pace_on_day_3_is_not_red() {
    let mut w = world().await;
    let (ana, bo) = (w.sdrs[0].clone(), w.sdrs[1].clone());
    let mut evs = Vec::new();
    for (d, n) in [(1, 60), (2, 60), (3, 58)] {
        evs.extend(events(&ana, "calls", (2026, 6, d), n, None));
    }
    for d in 1..=3 {
        evs.extend(events(&bo, "calls", (2026, 6, d), 30, None));
    }
    ingest(&mut w.metrics, evs).await;
    let june_3 = |who: String| {
        let mut sc = w.sc.clone();
        async move {
            person_scorecard(
                &mut sc,
                &who,
                calendar(Granularity::Month, (2026, 6, 3)),
                date(2026, 6, 3),
            )
            .await
            .unwrap()
        }
    };
    let card = june_3(ana).await;
    let calls = line_of(&card, "calls");
    assert_eq!((calls.actual, calls.target), (Some(178.0), Some(1320.0)));
    let pace = calls.pace.expect("a month in progress");
    assert_eq!(
        (pace.elapsed, pace.elapsed_working_days, pace.total_working_days),
        (3.0, 3, 22)
    );
    assert_eq!(pace.expected_to_date, 180.0);
    assert!(close(pace.pace.unwrap(), 178.0 / 180.0));
    assert_eq!(calls.band, Band::Amber as i32);
    assert!(calls.banded_on_pace);
    // Half pace on day 3: amber still, since under a fifth of the month has passed.
    let half = june_3(bo).await;
    let calls = line_of(&half, "calls");
    assert!(close(calls.pace.unwrap().pace.unwrap(), 0.5));
    assert_eq!(calls.band, Band::Amber as i32);
}

#[tokio::test]
async fn the_tenant_sets_how_much_of_a_period_passes_before_red() {
    let mut w = world().await;
    let bo = w.sdrs[1].clone();
    let mut evs = Vec::new();
    for d in 1..=5 {
        evs.extend(events(&bo, "calls", (2026, 6, d), 30, None));
    }
    ingest(&mut w.metrics, evs).await;
    let card = |sc: &Scorecards| {
        let (mut sc, bo) = (sc.clone(), bo.clone());
        async move {
            let card = person_scorecard(
                &mut sc,
                &bo,
                calendar(Granularity::Month, (2026, 6, 5)),
                date(2026, 6, 5),
            )
            .await
            .unwrap();
            line_of(&card, "calls").band
        }
    };
    // Friday 5 June: 5 of 22 working days (22.7 %), 150 of 300 calls due: half pace. Past 2 days
    // and a fifth of the month, so red by default.
    assert_eq!(card(&w.sc).await, Band::Red as i32);
    let settings =
        w.sc.get_scorecard_settings(GetScorecardSettingsRequest {})
            .await
            .unwrap()
            .into_inner()
            .settings
            .unwrap();
    assert_eq!((settings.red_after_working_days, settings.red_after_share), (2, 0.2));
    // A quarter of the month (5.5 working days) before red: amber on the 5th.
    let saved =
        w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
            settings: Some(ScorecardSettings {
                red_after_share: 0.25,
                etag: settings.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["red_after_share".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .settings
        .unwrap();
    assert_eq!((saved.red_after_working_days, saved.red_after_share), (2, 0.25));
    assert_eq!(card(&w.sc).await, Band::Amber as i32);
    // The KPIs' behind-pace list follows the same rule: nobody yet.
    let kpis =
        w.sc.get_manager_kpis(GetManagerKpisRequest {
            team_id: w.sdr_team.clone(),
            period: calendar(Granularity::Month, (2026, 6, 5)),
            as_of: date(2026, 6, 5),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .kpis
        .unwrap();
    assert!(kpis.behind_pace.is_empty(), "{:?}", kpis.behind_pace);

    // A stale etag, values out of range, and a rep are refused.
    let stale =
        w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
            settings: Some(ScorecardSettings {
                red_after_share: 0.3,
                etag: settings.etag,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["red_after_share".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), tonic::Code::Aborted);
    let bad =
        w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
            settings: Some(ScorecardSettings {
                red_after_working_days: -1,
                red_after_share: f64::NAN,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["red_after_working_days".into(), "red_after_share".into()],
            }),
        })
        .await
        .unwrap_err();
    let mut fields = attain_testing::violated_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["settings.red_after_share", "settings.red_after_working_days"]);
}

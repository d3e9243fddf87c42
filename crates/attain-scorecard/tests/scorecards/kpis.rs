//! Manager KPIs over DESIGN.md's examples.

use attain_proto::common::v1::Granularity;

use crate::*;

async fn kpis(sc: &mut Scorecards, team: &str, period: Option<Period>, as_of: Option<Date>) -> ManagerKpis {
    sc.get_manager_kpis(GetManagerKpisRequest {
        team_id: team.into(),
        period,
        as_of,
        ..Default::default()
    })
    .await
    .expect("kpis")
    .into_inner()
    .kpis
    .expect("kpis")
}

/// The SDR team on a template of 60 calls a day and 5 meetings set a week.
async fn calls_team(w: &mut World) {
    let lines = vec![
        line("calls", Section::Activities, daily(60.0)),
        line("meetings_set", Section::Objectives, weekly(5.0)),
    ];
    template_for(&mut w.sc, "sdr_calls", &w.sdr_team.clone(), lines).await;
}

#[tokio::test]
async fn three_of_four_reps_at_daily_goal_is_75_percent() {
    let mut w = world().await;
    calls_team(&mut w).await;
    let mut evs = Vec::new();
    for (sdr, calls) in w.sdrs.iter().zip([60, 61, 70, 59]) {
        evs.extend(events(sdr, "calls", (2026, 6, 1), calls, None));
    }
    ingest(&mut w.metrics, evs).await;
    let k = kpis(
        &mut w.sc,
        &w.sdr_team.clone(),
        calendar(Granularity::Day, (2026, 6, 1)),
        None,
    )
    .await;
    assert_eq!(k.rep_count, 4);
    assert_eq!(k.daily_activity_goal.len(), 1);
    let day = &k.daily_activity_goal[0];
    assert_eq!((day.met, day.counted, day.share), (3, 4, Some(0.75)));
    assert_eq!(k.daily_activity_goal_average, Some(0.75));
}

#[tokio::test]
async fn daily_shares_average_over_the_week_and_objective_goals_by_week() {
    let mut w = world().await;
    calls_team(&mut w).await;
    let (ana, bo, cy, di) = (
        w.sdrs[0].clone(),
        w.sdrs[1].clone(),
        w.sdrs[2].clone(),
        w.sdrs[3].clone(),
    );
    let mut evs = Vec::new();
    // Monday everyone makes 60 calls; Tuesday only Ana does.
    for sdr in [&ana, &bo, &cy, &di] {
        evs.extend(events(sdr, "calls", (2026, 6, 1), 60, None));
    }
    evs.extend(events(&ana, "calls", (2026, 6, 2), 60, None));
    // Meetings: Ana and Bo reach 5 in the week, Cy 2, Di none.
    evs.extend(events(&ana, "meetings_set", (2026, 6, 2), 5, None));
    evs.extend(events(&bo, "meetings_set", (2026, 6, 3), 6, None));
    evs.extend(events(&cy, "meetings_set", (2026, 6, 3), 2, None));
    ingest(&mut w.metrics, evs).await;
    let k = kpis(
        &mut w.sc,
        &w.sdr_team.clone(),
        calendar(Granularity::Week, (2026, 6, 1)),
        date(2026, 6, 2),
    )
    .await;
    let shares: Vec<Option<f64>> = k.daily_activity_goal.iter().map(|d| d.share).collect();
    assert_eq!(shares, [Some(1.0), Some(0.25)]);
    assert_eq!(k.daily_activity_goal_average, Some(0.625));
    // On Tuesday 2 of 5 days are gone: 2 meetings are due so far. Ana has 5; Bo, Cy, Di none yet.
    assert_eq!(k.weekly_objective_goal.len(), 1);
    assert_eq!(
        (k.weekly_objective_goal[0].met, k.weekly_objective_goal[0].counted),
        (1, 4)
    );
    // Behind pace on Tuesday: 120 calls were due; Bo, Cy and Di made 60.
    let calls = k
        .behind_pace
        .iter()
        .find(|b| b.metric_key == "calls")
        .expect("calls behind");
    let mut behind = calls.person_ids.clone();
    behind.sort();
    let mut expected = vec![bo.clone(), cy.clone(), di.clone()];
    expected.sort();
    assert_eq!(behind, expected);
    let ana_row = k.reps.iter().find(|r| r.person_id == ana).unwrap();
    assert!(ana_row.behind_pace.is_empty());
    assert_eq!(ana_row.daily_goal_days_met, 2);
    // The whole week, seen on Friday.
    let k = kpis(
        &mut w.sc,
        &w.sdr_team.clone(),
        calendar(Granularity::Week, (2026, 6, 1)),
        date(2026, 6, 5),
    )
    .await;
    assert_eq!(k.daily_activity_goal.len(), 5);
    assert_eq!(
        (k.weekly_objective_goal[0].met, k.weekly_objective_goal[0].counted),
        (2, 4),
        "Ana and Bo reached 5 meetings"
    );
}

#[tokio::test]
async fn percent_of_reps_to_quota_differs_from_team_attainment_when_one_star_carries_the_team() {
    let mut w = world().await;
    let aes = w.aes.clone();
    for ae in &aes {
        w.sc.set_quota(SetQuotaRequest {
            quota: Some(Quota {
                subject: Some(quota::Subject::PersonId(ae.clone())),
                kind: QuotaKind::Volume as i32,
                metric_key: "revenue_won".into(),
                period: Some(attain_proto::common::v1::CalendarPeriod {
                    granularity: Granularity::Quarter as i32,
                    date: date(2026, 4, 1),
                }),
                amount: 100_000,
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    }
    let mut evs = Vec::new();
    for (ae, won, created) in [
        (&aes[0], 250_000, 0),
        (&aes[1], 20_000, 160_000),
        (&aes[2], 10_000, 45_000),
    ] {
        evs.extend(events(ae, "revenue_won", (2026, 5, 12), 1, Some(won)));
        evs.extend(events(ae, "pipeline_amount", (2026, 5, 12), 1, Some(created)));
    }
    // Open pipeline snapshots from the CRM: Eve's latest by 30 June is 12 June's 160,000 (the
    // 2 July one comes after the as-of day); the third rep was never sent one.
    for (day, open) in [
        ((2026, 5, 5), 200_000),
        ((2026, 6, 12), 160_000),
        ((2026, 7, 2), 400_000),
    ] {
        evs.extend(events(&aes[1], "open_pipeline", day, 1, Some(open)));
    }
    evs.extend(events(&aes[0], "open_pipeline", (2026, 6, 1), 1, Some(50_000)));
    ingest(&mut w.metrics, evs).await;
    let k = kpis(
        &mut w.sc,
        &w.ae_team.clone(),
        calendar(Granularity::Quarter, (2026, 5, 1)),
        date(2026, 6, 30),
    )
    .await;
    let to_quota = k.reps_to_quota.unwrap();
    assert_eq!((to_quota.met, to_quota.counted), (1, 3));
    assert!(close(to_quota.share.unwrap(), 1.0 / 3.0));
    assert!(close(k.team_attainment.unwrap(), 280_000.0 / 300_000.0));
    assert_eq!(k.quota_metric_key, "revenue_won");
    assert_eq!(k.pipeline_metric_key, "open_pipeline");
    // Coverage: open pipeline 160,000 over the remaining 100,000 − 20,000 = 80,000: 2.0×.
    let eve = k.reps.iter().find(|r| r.person_id == aes[1]).unwrap();
    assert_eq!(eve.quota, Some(100_000.0));
    assert_eq!(eve.remaining_quota, 80_000.0);
    assert_eq!((eve.pipeline, eve.pipeline_known), (160_000.0, true));
    assert_eq!(eve.coverage, Some(2.0));
    let star = k.reps.iter().find(|r| r.person_id == aes[0]).unwrap();
    assert_eq!(star.quota_attainment, Some(2.5));
    assert_eq!(star.coverage, None, "quota met: no coverage");
    // No snapshot: no value, not 0×.
    let third = k.reps.iter().find(|r| r.person_id == aes[2]).unwrap();
    assert_eq!((third.pipeline_known, third.coverage), (false, None));
    // Pipeline created instead, when asked: 45,000 over the remaining 90,000.
    let created =
        w.sc.get_manager_kpis(GetManagerKpisRequest {
            team_id: w.ae_team.clone(),
            period: calendar(Granularity::Quarter, (2026, 5, 1)),
            as_of: date(2026, 6, 30),
            pipeline_metric_key: "pipeline_amount".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .kpis
        .unwrap();
    let third = created.reps.iter().find(|r| r.person_id == aes[2]).unwrap();
    assert_eq!(third.coverage, Some(0.5));
}

#[tokio::test]
async fn team_quota_is_shared_by_ramp_after_own_quotas() {
    let mut w = world().await;
    let aes = w.aes.clone();
    let q2 = Some(attain_proto::common::v1::CalendarPeriod {
        granularity: Granularity::Quarter as i32,
        date: date(2026, 4, 1),
    });
    let quota = |subject, amount| SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(subject),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: q2,
            amount,
            ..Default::default()
        }),
    };
    w.sc.set_quota(quota(quota::Subject::TeamId(w.ae_team.clone()), 300_000))
        .await
        .unwrap();
    w.sc.set_quota(quota(quota::Subject::PersonId(aes[1].clone()), 50_000))
        .await
        .unwrap();
    let k = kpis(
        &mut w.sc,
        &w.ae_team.clone(),
        calendar(Granularity::Quarter, (2026, 4, 1)),
        None,
    )
    .await;
    let quotas: Vec<Option<f64>> = aes
        .iter()
        .map(|ae| k.reps.iter().find(|r| &r.person_id == ae).unwrap().quota)
        .collect();
    // Eve keeps her own 50,000; Star and Fay share the other 250,000.
    assert_eq!(quotas, [Some(125_000.0), Some(50_000.0), Some(125_000.0)]);
    let card = person_scorecard(&mut w.sc, &aes[0], calendar(Granularity::Quarter, (2026, 4, 1)), None)
        .await
        .unwrap();
    let revenue = line_of(&card, "revenue_won");
    assert_eq!(revenue.target, Some(125_000.0));
    assert_eq!(revenue.target_source, TargetSource::TeamQuota as i32);
}

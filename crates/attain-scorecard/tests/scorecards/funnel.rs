//! Reverse-funnel planning through the API.

use attain_proto::common::v1::{CalendarPeriod, Granularity};
use attain_testing::violated_fields;
use tonic::Code;

use crate::*;

fn steps(plan: &FunnelPlan) -> Vec<(String, i64, i64)> {
    plan.steps
        .iter()
        .map(|s| (s.name.clone(), s.total, s.per_day))
        .collect()
}

#[tokio::test]
async fn the_worked_example_comes_out_exactly() {
    let mut w = world().await;
    let plan =
        w.sc.plan_funnel(PlanFunnelRequest {
            target_amount: 300_000,
            // 1 July to 24 September 2026: 62 working days.
            period: range((2026, 7, 1), (2026, 9, 24)),
            rates: Some(FunnelRates {
                average_deal_size: Some(25_000),
                win_rate: Some(0.25),
                held_to_qualified: Some(0.5),
                set_to_held: Some(0.8),
                conversation_to_meeting: Some(0.2),
                dial_to_conversation: Some(0.1),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    assert_eq!(plan.working_days, 62);
    let s = steps(&plan);
    let totals: Vec<(&str, i64)> = s.iter().map(|(n, t, _)| (n.as_str(), *t)).collect();
    assert_eq!(
        totals,
        [
            ("deals", 12),
            ("opportunities", 48),
            ("meetings_held", 96),
            ("meetings_set", 120),
            ("conversations", 600),
            ("dials", 6000)
        ]
    );
    assert_eq!(s[5].2, 97, "97 dials a day");
    assert_eq!(plan.steps[5].metric_key, "calls");
    assert!(plan.rates.iter().all(|r| r.source == RateSource::Caller as i32));
    assert!(plan.history_range.is_none());
}

#[tokio::test]
async fn missing_rates_come_from_the_teams_history_and_apply_writes_quotas() {
    let mut w = world().await;
    let (ana, bo) = (w.sdrs[0].clone(), w.sdrs[1].clone());
    let mut evs = Vec::new();
    // May 2026, for the two of them together: 1,000 calls, 100 conversations, 20 meetings set,
    // 16 held, 8 qualified, 8 opportunities, 2 deals worth 50,000.
    for (who, calls, conv, set, held, qual, opps, deals) in
        [(&ana, 600, 60, 12, 10, 5, 5, 1), (&bo, 400, 40, 8, 6, 3, 3, 1)]
    {
        evs.extend(events(who, "calls", (2026, 5, 12), calls, None));
        evs.extend(events(who, "conversations", (2026, 5, 12), conv, None));
        evs.extend(events(who, "meetings_set", (2026, 5, 13), set, None));
        evs.extend(events(who, "meetings_held", (2026, 5, 14), held, None));
        evs.extend(events(who, "meetings_qualified", (2026, 5, 14), qual, None));
        evs.extend(events(who, "opportunities_created", (2026, 5, 15), opps, None));
        evs.extend(events(who, "deals_won", (2026, 5, 20), deals, None));
        evs.extend(events(who, "revenue_won", (2026, 5, 20), 1, Some(25_000)));
    }
    // Outside the look-back window: ignored.
    evs.extend(events(&ana, "calls", (2026, 1, 5), 5000, None));
    ingest(&mut w.metrics, evs).await;
    let sdr_team = w.sdr_team.clone();
    let plan =
        w.sc.plan_funnel(PlanFunnelRequest {
            target_amount: 100_000,
            period: calendar(Granularity::Month, (2026, 6, 1)),
            rates: Some(FunnelRates {
                win_rate: Some(0.5),
                ..Default::default()
            }),
            history: Some(plan_funnel_request::History::HistoryTeamId(sdr_team.clone())),
            lookback_days: 31,
            apply_to: Some(plan_funnel_request::ApplyTo::ApplyToTeamId(sdr_team.clone())),
            as_of: date(2026, 6, 1),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    let rate = |name: &str| plan.rates.iter().find(|r| r.name == name).unwrap().clone();
    assert_eq!(rate("average_deal_size").value, 25_000.0);
    assert_eq!(
        (
            rate("average_deal_size").numerator,
            rate("average_deal_size").denominator
        ),
        (50_000, 2)
    );
    assert_eq!(rate("win_rate").source, RateSource::Caller as i32);
    assert_eq!(rate("held_to_qualified").source, RateSource::History as i32);
    assert_eq!(
        (
            rate("dial_to_conversation").numerator,
            rate("dial_to_conversation").denominator
        ),
        (100, 1000)
    );
    let h = plan.history_range.unwrap();
    assert_eq!((h.start_date, h.end_date), (date(2026, 5, 1), date(2026, 5, 31)));
    // 100,000 ÷ 25,000 = 4 deals; ÷ 0.5 = 8 opportunities; ÷ 8/16 = 16 held; ÷ 16/20 = 20 set;
    // ÷ 20/100 = 100 conversations; ÷ 100/1000 = 1,000 dials over June's 22 working days.
    let totals: Vec<i64> = plan.steps.iter().map(|s| s.total).collect();
    assert_eq!(totals, [4, 8, 16, 20, 100, 1000]);
    assert_eq!(plan.steps[5].per_day, 46);
    assert_eq!(plan.applied_on, date(2026, 6, 1));
    // Applied: the team's June quotas, shared by its four SDRs.
    let quotas =
        w.sc.list_quotas(ListQuotasRequest {
            subject: Some(list_quotas_request::Subject::TeamId(sdr_team.clone())),
            period: calendar(Granularity::Month, (2026, 6, 1)),
        })
        .await
        .unwrap()
        .into_inner()
        .quotas;
    let calls = quotas.iter().find(|q| q.metric_key == "calls").unwrap();
    assert_eq!((calls.amount, calls.kind), (1000, QuotaKind::Activity as i32));
    let revenue = quotas.iter().find(|q| q.metric_key == "revenue_won").unwrap();
    assert_eq!((revenue.amount, revenue.kind), (100_000, QuotaKind::Volume as i32));
    let card = person_scorecard(&mut w.sc, &ana, calendar(Granularity::Month, (2026, 6, 1)), None)
        .await
        .unwrap();
    let line = line_of(&card, "calls");
    assert_eq!(line.target, Some(250.0));
    assert_eq!(line.target_source, TargetSource::TeamQuota as i32);
}

#[tokio::test]
async fn plans_without_history_or_with_bad_input_are_refused() {
    let mut w = world().await;
    let bad =
        w.sc.plan_funnel(PlanFunnelRequest {
            target_amount: 0,
            target_metric_key: "calls".into(),
            rates: Some(FunnelRates {
                win_rate: Some(1.5),
                average_deal_size: Some(-3),
                ..Default::default()
            }),
            lookback_days: 1000,
            apply_to: Some(plan_funnel_request::ApplyTo::ApplyToPersonId(w.sdrs[0].clone())),
            period: range((2026, 7, 1), (2026, 7, 10)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(
        fields,
        [
            "history",
            "lookback_days",
            "period",
            "rates.average_deal_size",
            "rates.win_rate",
            "target_amount",
            "target_metric_key"
        ]
    );
    // History with no events: the missing rate is named.
    let empty =
        w.sc.plan_funnel(PlanFunnelRequest {
            target_amount: 10_000,
            period: calendar(Granularity::Month, (2026, 6, 1)),
            history: Some(plan_funnel_request::History::HistoryPersonId(w.sdrs[0].clone())),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::FailedPrecondition);
    assert!(empty.message().contains("average_deal_size"), "{}", empty.message());
    // Another tenant's team is not found.
    let other = w.app.tenant("Globex").await;
    let mut sc = w.app.scorecard(&other.admin_key).await;
    let status = sc
        .plan_funnel(PlanFunnelRequest {
            target_amount: 10_000,
            period: Some(attain_proto::common::v1::Period {
                kind: Some(attain_proto::common::v1::period::Kind::Calendar(CalendarPeriod {
                    granularity: Granularity::Month as i32,
                    date: date(2026, 6, 1),
                })),
            }),
            history: Some(plan_funnel_request::History::HistoryTeamId(w.sdr_team.clone())),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn a_history_conversion_above_100_percent_is_refused_with_its_reason() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let mut evs = Vec::new();
    evs.extend(events(&ana, "meetings_set", (2026, 5, 12), 5, None));
    evs.extend(events(&ana, "meetings_held", (2026, 5, 13), 8, None));
    ingest(&mut w.metrics, evs).await;
    let status =
        w.sc.plan_funnel(PlanFunnelRequest {
            target_amount: 100_000,
            period: calendar(Granularity::Month, (2026, 6, 1)),
            rates: Some(FunnelRates {
                average_deal_size: Some(10_000),
                win_rate: Some(0.5),
                held_to_qualified: Some(0.5),
                conversation_to_meeting: Some(0.2),
                dial_to_conversation: Some(0.1),
                ..Default::default()
            }),
            history: Some(plan_funnel_request::History::HistoryPersonId(ana)),
            as_of: date(2026, 6, 1),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status
            .message()
            .contains("set_to_held = 8 meetings_held of 5 meetings_set"),
        "{}",
        status.message()
    );
}

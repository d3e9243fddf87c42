//! Hiring KPIs that need the other services: onboarding reps to plan (ramped quota from the
//! scorecard service, revenue from the metrics service), retention, promotions and tenure (the
//! org directory).

use attain_proto::{
    common::v1::Granularity,
    scorecard::v1::{CreateRampRequest, QuotaKind, Ramp, SetQuotaRequest, quota},
};
use prost_types::FieldMask;

use crate::{
    flow::{quick, range},
    *,
};

#[tokio::test]
async fn hiring_scorecard_and_metrics_run_as_separate_servers_and_onboarding_to_plan_uses_ingested_results() {
    let mut w = world().await;
    // Three gRPC servers on three ports: every call below crosses real gRPC between them.
    let ports = [w.app.addr.port(), w.app.metrics_addr.port(), w.app.hiring_addr.port()];
    assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);

    let ramp =
        w.sc.create_ramp(CreateRampRequest {
            ramp: Some(Ramp {
                display_name: "AE ramp".into(),
                steps: vec![0.25, 0.5, 0.75, 1.0],
                is_default: false,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .ramp
        .unwrap()
        .id;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let mut people = Vec::new();
    for name in ["Gus", "Hal"] {
        let req = open(&mut w, &east, &maya, (2026, 3, 2)).await;
        let c = quick(&mut w.h, &req, name, &maya, at(2026, 3, 3), at(2026, 3, 20)).await;
        people.push(hire(&mut w.h, &c, (2026, 5, 1), &ramp).await);
    }
    // June is month two of the ramp: half of a 10,000,000 quota.
    for p in &people {
        w.sc.set_quota(SetQuotaRequest {
            quota: Some(attain_proto::scorecard::v1::Quota {
                subject: Some(quota::Subject::PersonId(p.clone())),
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
    }
    // Gus wins 6,000,000 (120 % of his ramped quota); Hal 4,000,000 (80 %), which would be
    // short of a full quota either way but is also short of the ramped one.
    ingest(
        &mut w.metrics,
        vec![
            revenue(&people[0], (2026, 6, 10), 6_000_000),
            revenue(&people[1], (2026, 6, 10), 4_000_000),
        ],
    )
    .await;
    let k = kpis_of(
        &mut w.h,
        get_hiring_kpis_request::Scope::TeamId(east.clone()),
        month(2026, 6),
    )
    .await;
    assert_eq!((k.onboarding_reps, k.onboarding_reps_to_plan), (2, 1));
    assert_eq!(k.onboarding_to_plan, Some(0.5));
    assert_eq!(k.quota_metric_key, "revenue_won");

    // Once ramped (status ACTIVE), a rep no longer counts as onboarding.
    w.org
        .update_person(org::UpdatePersonRequest {
            person: Some(org::Person {
                id: people[1].clone(),
                status: org::PersonStatus::Active as i32,
                ..Default::default()
            }),
            update_mask: Some(FieldMask {
                paths: vec!["status".into()],
            }),
        })
        .await
        .unwrap();
    let k = kpis_of(&mut w.h, get_hiring_kpis_request::Scope::TeamId(east), month(2026, 6)).await;
    assert_eq!((k.onboarding_reps, k.onboarding_reps_to_plan), (1, 1));
}

#[tokio::test]
async fn retention_promotions_and_tenure_on_a_seeded_history() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    // Eve (from the world) started 2024-01-08: tenured and staying. Two more tenured reps, one
    // of whom leaves during 2026; one who left before 2026; one too new to be tenured.
    let stays = person(&mut w.org, "Ivy", org::SalesRole::Sdr, &east, Some((2024, 6, 3))).await;
    leaver(&mut w.org, "Jon", &east, (2023, 2, 1), (2026, 4, 30)).await;
    leaver(&mut w.org, "Kim", &east, (2022, 2, 1), (2025, 10, 31)).await;
    person(
        &mut w.org,
        "Lou",
        org::SalesRole::InsideSalesAe,
        &east,
        Some((2025, 9, 1)),
    )
    .await;
    // Ivy is promoted from SDR to AE in March 2026.
    w.org
        .change_person_role(org::ChangePersonRoleRequest {
            person_id: stays,
            sales_role: org::SalesRole::InsideSalesAe as i32,
            effective_date: date(2026, 3, 1),
            ..Default::default()
        })
        .await
        .unwrap();
    // Maya hired two reps: one stayed, one left after six months.
    let mut hired = Vec::new();
    for (name, start) in [("Max", (2025, 1, 6)), ("Nia", (2025, 1, 6))] {
        let req = open(&mut w, &east, &maya, (2024, 11, 4)).await;
        let c = quick(&mut w.h, &req, name, &maya, at(2024, 11, 5), at(2024, 12, 2)).await;
        hired.push(hire(&mut w.h, &c, start, "").await);
    }
    w.org
        .update_person(org::UpdatePersonRequest {
            person: Some(org::Person {
                id: hired[1].clone(),
                end_date: date(2025, 7, 6),
                status: org::PersonStatus::Left as i32,
                ..Default::default()
            }),
            update_mask: Some(FieldMask {
                paths: vec!["end_date".into(), "status".into()],
            }),
        })
        .await
        .unwrap();

    let k = kpis_of(
        &mut w.h,
        get_hiring_kpis_request::Scope::TeamId(east.clone()),
        calendar(Granularity::Year, 2026, 1),
    )
    .await;
    // Tenured on 2026-01-01: Eve, Ivy and Jon. Max started 2025-01-06, five days short of 12
    // months; Kim had left. Jon leaves in April, so two of three are retained.
    assert_eq!((k.tenured_reps, k.tenured_reps_retained), (3, 2));
    assert!(close(k.tenured_retention.unwrap(), 2.0 / 3.0));
    assert_eq!(k.promotions, 1);
    let tenure = &k.tenure_by_hiring_manager;
    assert_eq!(tenure.len(), 1);
    assert_eq!(tenure[0].hiring_manager_id, maya);
    assert_eq!((tenure[0].hires, tenure[0].still_here), (2, 1));
    // Max: 2025-01-06 to 2026-12-31 (724 days); Nia: to 2025-07-06 (181 days).
    let expected = (724.0 / 30.44 + 181.0 / 30.44) / 2.0;
    assert!(close(tenure[0].mean_tenure_months.unwrap(), expected), "{tenure:?}");
}

#[tokio::test]
async fn offers_scorecards_and_sources_over_a_period() {
    let mut w = world().await;
    let (east, maya) = (w.east.clone(), w.maya.clone());
    let req = open(&mut w, &east, &maya, (2026, 4, 1)).await;
    let referral = candidate(&mut w.h, &req, "Ola", CandidateSource::Referral, at(2026, 4, 2)).await;
    let agency = candidate(&mut w.h, &req, "Pat", CandidateSource::Agency, at(2026, 4, 2)).await;
    candidate(&mut w.h, &req, "Quinn", CandidateSource::Agency, at(2026, 4, 3)).await;
    for (c, submitted) in [(&referral, true), (&agency, false)] {
        move_to(&mut w.h, c, "manager", at(2026, 4, 5)).await;
        w.h.record_interview(interview_of(c, "manager", &maya, at(2026, 4, 6), submitted))
            .await
            .unwrap();
    }
    w.h.record_offer(RecordOfferRequest {
        candidate_id: agency.clone(),
        outcome: OfferOutcome::Declined as i32,
        make_time: ts(at(2026, 4, 8)),
        outcome_time: ts(at(2026, 4, 9)),
    })
    .await
    .unwrap();
    accept(&mut w.h, &referral, at(2026, 4, 10)).await;
    hire(&mut w.h, &referral, (2026, 5, 4), "").await;
    let k = kpis_of(
        &mut w.h,
        get_hiring_kpis_request::Scope::HiringManagerId(maya),
        range((2026, 4, 1), (2026, 4, 30)),
    )
    .await;
    assert_eq!((k.interviews, k.scorecards_submitted), (2, 1));
    assert_eq!(k.scorecard_submission_rate, Some(0.5));
    assert_eq!((k.offers_accepted, k.offers_declined), (1, 1));
    assert_eq!(k.offer_acceptance_rate, Some(0.5));
    let source = |s: CandidateSource| k.sources.iter().find(|x| x.source == s as i32).unwrap();
    assert_eq!(
        (
            source(CandidateSource::Referral).candidates,
            source(CandidateSource::Referral).hires
        ),
        (1, 1)
    );
    assert_eq!(source(CandidateSource::Referral).mean_time_to_fill_days, Some(9.0));
    assert_eq!(
        (
            source(CandidateSource::Agency).candidates,
            source(CandidateSource::Agency).hires
        ),
        (2, 0)
    );
    assert_eq!(source(CandidateSource::Agency).hire_rate, Some(0.0));
    assert_eq!(source(CandidateSource::Inbound).hire_rate, None);
}

//! Incentive plans and earnings with numbers worked out by hand: $100,000.00 a month of revenue
//! won; 0 % below 50 %, 10 % from 50 % to 100 %, 15 % above; $1,000.00 at 100 %.

use attain_domain::org::AccessRole;
use attain_proto::common::v1::Granularity;
use tonic::Code;
use uuid::Uuid;

use crate::*;

const QUOTA: i64 = 10_000_000;

fn plan(subject: incentive_plan::Subject) -> IncentivePlan {
    IncentivePlan {
        subject: Some(subject),
        metric_key: "revenue_won".into(),
        effective_date: date(2026, 1, 1),
        tiers: vec![
            CommissionTier { from_bp: 0, rate_bp: 0 },
            CommissionTier {
                from_bp: 5_000,
                rate_bp: 1_000,
            },
            CommissionTier {
                from_bp: 10_000,
                rate_bp: 1_500,
            },
        ],
        quota_bonuses: vec![QuotaBonus {
            at_bp: 10_000,
            amount: 100_000,
        }],
        ..Default::default()
    }
}

async fn june_quota(sc: &mut Scorecards, person: &str) {
    sc.set_quota(SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(person.into())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(attain_proto::common::v1::CalendarPeriod {
                granularity: Granularity::Month as i32,
                date: date(2026, 6, 1),
            }),
            amount: QUOTA,
            ..Default::default()
        }),
    })
    .await
    .unwrap();
}

fn totals(s: &Option<EarningsScenario>) -> (i64, Vec<i64>) {
    let s = s.as_ref().expect("a scenario");
    (s.total, s.lines.iter().map(|l| l.amount).collect())
}

#[tokio::test]
async fn earnings_are_tiered_bonused_projected_and_what_if_by_hand() {
    let mut w = world().await;
    let (eve, fay) = (w.aes[0].clone(), w.aes[1].clone());
    let role = attain_proto::org::v1::SalesRole::InsideSalesAe as i32;
    let saved =
        w.sc.set_incentive_plan(SetIncentivePlanRequest {
            plan: Some(plan(incentive_plan::Subject::SalesRole(role))),
        })
        .await
        .unwrap()
        .into_inner()
        .plan
        .unwrap();
    assert_eq!(saved.version, 1);
    for p in [&eve, &fay] {
        june_quota(&mut w.sc, p).await;
    }
    // Eve: $60,000 by Monday 15 June (11 of June's 22 working days) and $60,000 more on the 22nd.
    // Fay: $80,000 in June.
    let mut evs = events(&eve, "revenue_won", (2026, 6, 10), 1, Some(6_000_000));
    evs.extend(events(&eve, "revenue_won", (2026, 6, 22), 1, Some(6_000_000)));
    evs.extend(events(&fay, "revenue_won", (2026, 6, 11), 1, Some(8_000_000)));
    ingest(&mut w.metrics, evs).await;
    let ask = |person: &str, as_of: (i32, i32, i32), more: i64| GetEarningsRequest {
        person_id: person.into(),
        period: calendar(Granularity::Month, (2026, 6, 1)),
        as_of: date(as_of.0, as_of.1, as_of.2),
        what_if_more: more,
        ..Default::default()
    };

    // Mid-month: earned on $60,000 = $10,000 at 10 % over the 50 % line = $1,000.00; projected
    // at pace, $60,000 in 11 of 22 days is $120,000 by month end: $5,000 + $3,000 + the
    // $1,000 bonus at 100 % (reached only in the projection) = $9,000.00.
    let mid =
        w.sc.get_earnings(ask(&eve, (2026, 6, 15), 0))
            .await
            .unwrap()
            .into_inner();
    assert_eq!((mid.quota, mid.currency_code.as_str()), (QUOTA, "USD"));
    assert_eq!(totals(&mid.earned), (100_000, vec![0, 100_000]));
    assert_eq!(totals(&mid.projected), (900_000, vec![0, 500_000, 300_000, 100_000]));
    assert!(mid.what_if.is_none());
    let earned = mid.earned.unwrap();
    assert_eq!(earned.attainment_bp, Some(6_000));
    assert_eq!(
        earned.lines[1].description,
        "Commission 10 % on USD 10,000.00 of revenue won between 50 % and 100 % of quota"
    );

    // The month closed: $120,000 across the 100 % boundary, and the bonus reached mid-period.
    let closed =
        w.sc.get_earnings(ask(&eve, (2026, 7, 15), 0))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(totals(&closed.earned), (900_000, vec![0, 500_000, 300_000, 100_000]));
    assert_eq!(
        closed.projected, closed.earned,
        "a closed period projects what it earned"
    );

    // Fay: $80,000 earns $3,000; "if I close $40,000 more" crosses into the accelerator:
    // $120,000 earns $9,000.00.
    let fay_now =
        w.sc.get_earnings(ask(&fay, (2026, 7, 15), 4_000_000))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(totals(&fay_now.earned), (300_000, vec![0, 300_000]));
    assert_eq!(totals(&fay_now.what_if), (900_000, vec![0, 500_000, 300_000, 100_000]));

    // A cap below the total: a person plan for Fay outranks the role's and caps at $5,000.
    let mut capped = plan(incentive_plan::Subject::PersonId(fay.clone()));
    capped.cap = Some(500_000);
    w.sc.set_incentive_plan(SetIncentivePlanRequest { plan: Some(capped) })
        .await
        .unwrap();
    let fay_capped =
        w.sc.get_earnings(ask(&fay, (2026, 7, 15), 4_000_000))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(
        totals(&fay_capped.what_if),
        (500_000, vec![0, 500_000, 300_000, 100_000, -400_000])
    );
    assert!(matches!(
        fay_capped.plan.and_then(|p| p.subject),
        Some(incentive_plan::Subject::PersonId(_))
    ));

    // The team's earnings for the closed month: Eve $9,000, Fay $3,000 (her own plan's cap is
    // not reached), the other AEs, with a plan but no quota, nothing at the 0 % first tier.
    let team =
        w.sc.get_team_earnings(GetTeamEarningsRequest {
            team_id: w.ae_team.clone(),
            period: calendar(Granularity::Month, (2026, 6, 1)),
            as_of: date(2026, 7, 15),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let rows: Vec<(&str, bool, i64)> = team
        .rows
        .iter()
        .filter(|r| r.earned > 0)
        .map(|r| (r.person_id.as_str(), r.has_plan, r.earned))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.contains(&(eve.as_str(), true, 900_000)) && rows.contains(&(fay.as_str(), true, 300_000)));
    assert_eq!(team.earned_total, 1_200_000);
    assert!(team.rows.iter().all(|r| r.has_plan));

    // A rep sees their own earnings; another rep's are NOT_FOUND.
    let key = w
        .app
        .api_key(w.tenant.id, AccessRole::Rep, Uuid::parse_str(&eve).ok())
        .await;
    let mut as_eve = w.app.scorecard(&key).await;
    as_eve
        .get_earnings(ask(&eve, (2026, 7, 15), 0))
        .await
        .expect("own earnings");
    let other = as_eve.get_earnings(ask(&fay, (2026, 7, 15), 0)).await.unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    let set = as_eve
        .set_incentive_plan(SetIncentivePlanRequest {
            plan: Some(plan(incentive_plan::Subject::PersonId(eve.clone()))),
        })
        .await
        .unwrap_err();
    assert_eq!(set.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn bad_plans_name_their_fields_and_versions_count_up() {
    let mut w = world().await;
    let eve = w.aes[0].clone();
    let mut bad = plan(incentive_plan::Subject::PersonId(eve.clone()));
    bad.tiers[2].from_bp = 4_000; // below the tier before
    bad.tiers[1].rate_bp = -100;
    bad.cap = Some(50_000); // below the $1,000 bonus
    bad.metric_key = "calls".into();
    let err =
        w.sc.set_incentive_plan(SetIncentivePlanRequest { plan: Some(bad) })
            .await
            .unwrap_err();
    let mut fields = attain_testing::violated_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        [
            "plan.cap",
            "plan.metric_key",
            "plan.tiers[1].rate_bp",
            "plan.tiers[2].from_bp"
        ]
    );
    for version in 1..=2 {
        let saved =
            w.sc.set_incentive_plan(SetIncentivePlanRequest {
                plan: Some(plan(incentive_plan::Subject::PersonId(eve.clone()))),
            })
            .await
            .unwrap()
            .into_inner()
            .plan
            .unwrap();
        assert_eq!(saved.version, version);
    }
    let listed =
        w.sc.list_incentive_plans(ListIncentivePlansRequest::default())
            .await
            .unwrap()
            .into_inner()
            .plans;
    assert_eq!(
        listed.iter().map(|p| p.version).collect::<Vec<_>>(),
        [2, 1],
        "newest first"
    );
    // No plan for the period: a precondition, not an error of the server.
    let sdr = w.sdrs[0].clone();
    let none =
        w.sc.get_earnings(GetEarningsRequest {
            person_id: sdr,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::FailedPrecondition);
    // Another tenant's admin finds nobody.
    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.scorecard(&other.admin_key).await;
    let err = theirs
        .get_earnings(GetEarningsRequest {
            person_id: eve,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn earnings_reach_a_leaderboard_only_when_the_tenant_turns_it_on() {
    let mut w = world().await;
    let (eve, fay) = (w.aes[0].clone(), w.aes[1].clone());
    let role = attain_proto::org::v1::SalesRole::InsideSalesAe as i32;
    w.sc.set_incentive_plan(SetIncentivePlanRequest {
        plan: Some(plan(incentive_plan::Subject::SalesRole(role))),
    })
    .await
    .unwrap();
    for p in [&eve, &fay] {
        june_quota(&mut w.sc, p).await;
    }
    let mut evs = events(&eve, "revenue_won", (2026, 6, 10), 1, Some(12_000_000));
    evs.extend(events(&fay, "revenue_won", (2026, 6, 11), 1, Some(8_000_000)));
    ingest(&mut w.metrics, evs).await;
    let board = || GetStandingsRequest {
        board: Some(get_standings_request::Board::Spec(Leaderboard {
            metric_key: "earnings".into(),
            granularity: Granularity::Month as i32,
            ..Default::default()
        })),
        period: calendar(Granularity::Month, (2026, 6, 1)),
        as_of: date(2026, 7, 15),
        limit: 2,
    };
    let off = w.sc.get_standings(board()).await.unwrap_err();
    assert_eq!(off.code(), Code::FailedPrecondition, "pay is private by default");

    let settings =
        w.sc.get_scorecard_settings(GetScorecardSettingsRequest {})
            .await
            .unwrap()
            .into_inner()
            .settings
            .unwrap();
    assert!(!settings.earnings_on_boards);
    w.sc.update_scorecard_settings(UpdateScorecardSettingsRequest {
        settings: Some(ScorecardSettings {
            earnings_on_boards: true,
            etag: settings.etag,
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["earnings_on_boards".into()],
        }),
    })
    .await
    .unwrap();
    // Eve $9,000.00 (across the 100 % line, with the bonus), Fay $3,000.00.
    let standings =
        w.sc.get_standings(board())
            .await
            .unwrap()
            .into_inner()
            .standings
            .unwrap();
    let rows: Vec<(i32, &str, Option<i64>)> = standings
        .rows
        .iter()
        .map(|r| {
            let total = match r.value.as_ref().and_then(|v| v.value) {
                Some(attain_proto::metrics::v1::metric_value::Value::Total(t)) => Some(t),
                _ => None,
            };
            (r.rank, r.person_id.as_str(), total)
        })
        .collect();
    assert_eq!(
        rows,
        [(1, eve.as_str(), Some(900_000)), (2, fay.as_str(), Some(300_000))]
    );
}

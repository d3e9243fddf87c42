//! The bench and bench strength against expected openings.

use attain_proto::org::v1::SalesRole;

use crate::*;

fn entry(team: &str, kind: BenchKind, name: &str, person: &str, readiness: Readiness) -> CreateBenchEntryRequest {
    CreateBenchEntryRequest {
        entry: Some(BenchEntry {
            kind: kind as i32,
            team_id: team.into(),
            display_name: name.into(),
            person_id: person.into(),
            readiness: readiness as i32,
            target_roles: vec![SalesRole::InsideSalesAe as i32],
            notes: "Strong discovery".into(),
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn bench_strength_compares_ready_now_with_open_seats_and_last_years_attrition() {
    let mut w = world().await;
    let (east, west, maya) = (w.east.clone(), w.west.clone(), w.maya.clone());
    // A sub-team of East counts for East.
    let east_sub = team(&mut w.org, "AE East 2", "").await;
    w.org
        .update_team(org::UpdateTeamRequest {
            team: Some(org::Team {
                id: east_sub.clone(),
                parent_team_id: east.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["parent_team_id".into()],
            }),
        })
        .await
        .unwrap();
    open(&mut w, &east, &maya, (2026, 5, 4)).await;
    let held = open(&mut w, &east_sub, &maya, (2026, 5, 4)).await;
    w.h.set_requisition_status(SetRequisitionStatusRequest {
        requisition_id: held,
        status: RequisitionStatus::OnHold as i32,
        etag: String::new(),
    })
    .await
    .unwrap();
    let cancelled = open(&mut w, &east, &maya, (2026, 5, 4)).await;
    w.h.set_requisition_status(SetRequisitionStatusRequest {
        requisition_id: cancelled,
        status: RequisitionStatus::Cancelled as i32,
        etag: String::new(),
    })
    .await
    .unwrap();
    // Two left in the 12 months to 2026-06-30, one before.
    leaver(&mut w.org, "Ron", &east, (2024, 1, 1), (2025, 9, 30)).await;
    leaver(&mut w.org, "Sue", &east_sub, (2024, 1, 1), (2026, 2, 28)).await;
    leaver(&mut w.org, "Tom", &east, (2023, 1, 1), (2025, 6, 1)).await;

    let eve = w.east_ae.clone();
    for req in [
        entry(&east, BenchKind::External, "Uma", "", Readiness::ReadyNow),
        entry(&east_sub, BenchKind::External, "Val", "", Readiness::ReadyNow),
        entry(&east, BenchKind::Internal, "", &eve, Readiness::Ready6Months),
        entry(&west, BenchKind::External, "Wes", "", Readiness::ReadyNow),
    ] {
        w.h.create_bench_entry(req).await.unwrap();
    }
    let s =
        w.h.get_bench_strength(GetBenchStrengthRequest {
            team_id: east.clone(),
            as_of: date(2026, 6, 30),
        })
        .await
        .unwrap()
        .into_inner()
        .strength
        .unwrap();
    assert_eq!((s.ready_now, s.ready_6_months, s.ready_12_months), (2, 1, 0));
    assert_eq!((s.open_requisitions, s.attrition_last_12_months), (2, 2));
    assert_eq!(s.expected_openings, 4);
    assert_eq!(s.coverage, Some(0.5));

    let bench =
        w.h.list_bench_entries(ListBenchEntriesRequest {
            team_id: east.clone(),
            target_role: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    let names: Vec<_> = bench.iter().map(|b| b.display_name.as_str()).collect();
    assert_eq!(
        names,
        ["Uma", "Val", "Eve"],
        "ready now first; internal names from the directory"
    );
}

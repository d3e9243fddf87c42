//! Ramps, quotas and time off as stored and listed.

use attain_proto::common::v1::{self as common, Granularity};
use tonic::Code;

use crate::*;

#[tokio::test]
async fn ramps_have_one_default_and_can_be_assigned() {
    let mut w = world().await;
    let create = |name: &str, steps: Vec<f64>, is_default| CreateRampRequest {
        ramp: Some(Ramp {
            display_name: name.into(),
            steps,
            is_default,
            ..Default::default()
        }),
    };
    w.sc.create_ramp(create("Standard", vec![0.25, 0.5, 0.75, 1.0], true))
        .await
        .unwrap();
    let fast =
        w.sc.create_ramp(create("Fast", vec![0.5, 1.0], true))
            .await
            .unwrap()
            .into_inner()
            .ramp
            .unwrap();
    let ramps =
        w.sc.list_ramps(ListRampsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .ramps;
    let defaults: Vec<&str> = ramps
        .iter()
        .filter(|r| r.is_default)
        .map(|r| r.display_name.as_str())
        .collect();
    assert_eq!(defaults, ["Fast"]);
    let dup = w.sc.create_ramp(create("Fast", vec![1.0], false)).await.unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    let slow =
        w.sc.create_ramp(create("Slow", vec![0.1, 0.2], false))
            .await
            .unwrap()
            .into_inner()
            .ramp
            .unwrap();
    let ae_team = w.ae_team.clone();
    let newbie = person(
        &mut w.org,
        "Newbie",
        attain_proto::org::v1::SalesRole::InsideSalesAe,
        &ae_team,
        Some((2026, 6, 1)),
    )
    .await;
    let card = |sc: &mut Scorecards| {
        let id = newbie.clone();
        let sc = sc.clone();
        async move {
            let mut sc = sc;
            person_scorecard(&mut sc, &id, calendar(Granularity::Month, (2026, 6, 1)), None)
                .await
                .unwrap()
                .ramp_factor
        }
    };
    assert_eq!(card(&mut w.sc).await, Some(0.5), "the default ramp");
    w.sc.assign_ramp(AssignRampRequest {
        person_id: newbie.clone(),
        ramp_id: slow.id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(card(&mut w.sc).await, Some(0.1));
    w.sc.assign_ramp(AssignRampRequest {
        person_id: newbie.clone(),
        ramp_id: String::new(),
    })
    .await
    .unwrap();
    assert_eq!(card(&mut w.sc).await, Some(0.5));
    let missing =
        w.sc.assign_ramp(AssignRampRequest {
            person_id: newbie.clone(),
            ramp_id: uuid::Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let _ = fast;
}

#[tokio::test]
async fn quotas_upsert_list_and_delete() {
    let mut w = world().await;
    let star = w.aes[0].clone();
    let set = |amount| SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(quota::Subject::PersonId(star.clone())),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period: Some(common::CalendarPeriod {
                granularity: Granularity::Quarter as i32,
                date: date(2026, 5, 20),
            }),
            amount,
            ..Default::default()
        }),
    };
    let first = w.sc.set_quota(set(100)).await.unwrap().into_inner().quota.unwrap();
    let range = first.range.unwrap();
    assert_eq!(
        (range.start_date, range.end_date),
        (date(2026, 4, 1), date(2026, 6, 30))
    );
    let second = w.sc.set_quota(set(200)).await.unwrap().into_inner().quota.unwrap();
    assert_eq!(first.id, second.id, "same person, metric and period: replaced");
    let listed =
        w.sc.list_quotas(ListQuotasRequest {
            subject: Some(list_quotas_request::Subject::PersonId(star.clone())),
            period: calendar(Granularity::Year, (2026, 1, 1)),
        })
        .await
        .unwrap()
        .into_inner()
        .quotas;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].amount, 200);
    w.sc.delete_quota(DeleteQuotaRequest { id: second.id.clone() })
        .await
        .unwrap();
    let listed =
        w.sc.list_quotas(ListQuotasRequest {
            subject: Some(list_quotas_request::Subject::PersonId(star.clone())),
            period: calendar(Granularity::Year, (2026, 1, 1)),
        })
        .await
        .unwrap()
        .into_inner()
        .quotas;
    assert!(listed.is_empty());
}

#[tokio::test]
async fn time_off_is_listed_by_period_and_deleted() {
    let mut w = world().await;
    let ana = w.sdrs[0].clone();
    let entry =
        w.sc.create_time_off(CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: ana.clone(),
                range: Some(common::DateRange {
                    start_date: date(2026, 6, 29),
                    end_date: date(2026, 7, 3),
                }),
                reason: "vacation".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .time_off
        .unwrap();
    let list = |period| ListTimeOffRequest {
        person_id: ana.clone(),
        period,
    };
    let july =
        w.sc.list_time_off(list(calendar(Granularity::Month, (2026, 7, 1))))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(july.time_off, std::slice::from_ref(&entry));
    let may =
        w.sc.list_time_off(list(calendar(Granularity::Month, (2026, 5, 1))))
            .await
            .unwrap()
            .into_inner();
    assert!(may.time_off.is_empty());
    w.sc.delete_time_off(DeleteTimeOffRequest { id: entry.id.clone() })
        .await
        .unwrap();
    let again =
        w.sc.delete_time_off(DeleteTimeOffRequest { id: entry.id })
            .await
            .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
}

#[tokio::test]
async fn every_tenant_starts_with_a_default_ramp_that_an_admin_edits() {
    let mut w = world().await;
    let ramps =
        w.sc.list_ramps(ListRampsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .ramps;
    assert_eq!(ramps.len(), 1);
    let builtin = ramps[0].clone();
    assert_eq!(builtin.display_name, "Standard ramp");
    assert_eq!(builtin.steps, [0.25, 0.5, 0.75, 1.0]);
    assert!(builtin.is_default);

    // A rep who starts on 10 June is in month 1 until 9 July, month 2 from 10 July.
    let ae_team = w.ae_team.clone();
    let newbie = person(
        &mut w.org,
        "Newbie",
        attain_proto::org::v1::SalesRole::InsideSalesAe,
        &ae_team,
        Some((2026, 6, 10)),
    )
    .await;
    let ask = |on: (i32, i32, i32)| GetPersonRampRequest {
        person_id: newbie.clone(),
        as_of: date(on.0, on.1, on.2),
    };
    let before = w.sc.get_person_ramp(ask((2026, 6, 9))).await.unwrap().into_inner();
    assert_eq!((before.month, before.factor, before.assigned), (0, 0.0, false));
    let second = w.sc.get_person_ramp(ask((2026, 7, 10))).await.unwrap().into_inner();
    assert_eq!((second.month, second.factor), (2, 0.5));
    assert_eq!(second.ramp.unwrap().id, builtin.id);

    // Edited: the person follows at once.
    let edited =
        w.sc.update_ramp(UpdateRampRequest {
            ramp: Some(Ramp {
                id: builtin.id.clone(),
                steps: vec![0.4, 0.8, 1.0],
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["steps".into()],
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .ramp
        .unwrap();
    assert_eq!(
        (edited.display_name.as_str(), edited.is_default),
        ("Standard ramp", true)
    );
    let now = w.sc.get_person_ramp(ask((2026, 7, 10))).await.unwrap().into_inner();
    assert_eq!(now.factor, 0.8);

    // A tenant always keeps a default; bad steps name the field.
    let mut unset = UpdateRampRequest {
        ramp: Some(Ramp {
            id: builtin.id.clone(),
            is_default: false,
            steps: vec![0.9, 0.1],
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["is_default".into()],
        }),
    };
    let err = w.sc.update_ramp(unset.clone()).await.unwrap_err();
    assert_eq!(attain_testing::violated_fields(&err), ["ramp.is_default"]);
    unset.update_mask = Some(prost_types::FieldMask {
        paths: vec!["steps".into()],
    });
    let err = w.sc.update_ramp(unset).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("ramp.steps"), "{err:?}");

    // Another tenant finds neither the ramp nor the person.
    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.scorecard(&other.admin_key).await;
    let err = theirs
        .update_ramp(UpdateRampRequest {
            ramp: Some(Ramp {
                id: builtin.id.clone(),
                display_name: "Mine".into(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = theirs.get_person_ramp(ask((2026, 7, 10))).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

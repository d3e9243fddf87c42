//! GetMetricValues: totals for the other services, within the caller's view.

use attain_domain::org::AccessRole;
use attain_proto::common::v1::Granularity;
use attain_testing::violated_fields;
use tonic::Code;
use uuid::Uuid;

use crate::*;

fn values_of(people: &[&String], combined: bool) -> GetMetricValuesRequest {
    GetMetricValuesRequest {
        person_ids: people.iter().map(|p| p.to_string()).collect(),
        metric_keys: vec!["calls".into(), "call_to_conversation".into()],
        period: calendar(Granularity::Month, (2026, 6, 1)),
        combined,
    }
}

#[tokio::test]
async fn values_per_person_and_combined_within_the_callers_view() {
    let mut w = world().await;
    let (ana, bo) = (w.sdrs[0].clone(), w.sdrs[1].clone());
    let mut evs = events(&ana, "calls", (2026, 6, 2), 10, None);
    evs.extend(events(&ana, "conversations", (2026, 6, 2), 2, None));
    evs.extend(events(&bo, "calls", (2026, 6, 3), 30, None));
    ingest(&mut w.metrics, evs).await;
    let per =
        w.sc.get_metric_values(values_of(&[&ana, &bo], false))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(per.rows.len(), 2);
    assert_eq!(per.rows[0].person_id, ana);
    assert_eq!(per.rows[0].values[1].numerator, 2);
    let all =
        w.sc.get_metric_values(values_of(&[&ana, &bo], true))
            .await
            .unwrap()
            .into_inner();
    assert_eq!(all.rows.len(), 1);
    assert_eq!(
        (all.rows[0].values[1].numerator, all.rows[0].values[1].denominator),
        (2, 40)
    );

    // A rep may ask for themself only; another tenant for nobody here.
    let key = w
        .app
        .api_key(w.tenant.id, AccessRole::Rep, Uuid::parse_str(&ana).ok())
        .await;
    let mut rep = w.app.scorecard(&key).await;
    rep.get_metric_values(values_of(&[&ana], false))
        .await
        .expect("own values");
    let hidden = rep.get_metric_values(values_of(&[&ana, &bo], false)).await.unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.scorecard(&other.admin_key).await;
    let status = theirs.get_metric_values(values_of(&[&ana], false)).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let bad =
        w.sc.get_metric_values(GetMetricValuesRequest {
            person_ids: vec!["x".into()],
            metric_keys: vec![],
            period: None,
            combined: false,
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["metric_keys", "period", "person_ids[0]"]);
}

/// Per-person reads are asked in slices of people so no answer outgrows a gRPC message (a year
/// of days for a thousand reps does); the slices must add up to exactly the one big answer.
#[tokio::test]
async fn per_person_totals_asked_in_slices_equal_the_whole() {
    let mut w = world().await;
    let people: Vec<String> = w.sdrs.iter().chain(&w.aes).cloned().collect();
    let mut sent = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for day in 1..=(3 + i as u32) {
            sent.extend(events(p, "calls", (2026, 6, day), 1 + i % 3, None));
            sent.extend(events(p, "emails", (2026, 6, day), 1, Some(2)));
        }
    }
    ingest(&mut w.metrics, sent).await;
    let url = format!("http://{}", w.app.metrics_addr);
    let whole = attain_scorecard::scorecards::Metrics::new(&url).expect("client");
    // Two values per person and day over 30 days: every slice holds one person.
    let sliced = attain_scorecard::scorecards::Metrics::new(&url)
        .expect("client")
        .with_values_per_call(7);
    let ids: Vec<Uuid> = people.iter().map(|p| p.parse().unwrap()).collect();
    let keys = vec!["calls".to_string(), "emails".to_string()];
    let june = attain_domain::period::DateRange {
        start: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        end: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
    };
    for grouping in [
        attain_proto::metrics::v1::Grouping::PerPersonDay,
        attain_proto::metrics::v1::Grouping::PerPerson,
    ] {
        let admin = attain_runtime::Caller {
            tenant_id: w.tenant.id,
            person_id: None,
            role: attain_domain::org::AccessRole::Admin,
        };
        let ctx = attain_runtime::Ctx::background(admin, w.tenant.admin_key.clone());
        let one = whole.totals(&ctx, &ids, &keys, june, grouping).await.unwrap();
        let many = sliced.totals(&ctx, &ids, &keys, june, grouping).await.unwrap();
        assert!(!one.rows.is_empty());
        let key = |r: &attain_proto::metrics::v1::PersonTotals| format!("{r:?}");
        let mut one_rows: Vec<String> = one.rows.iter().map(key).collect();
        let mut many_rows: Vec<String> = many.rows.iter().map(key).collect();
        one_rows.sort();
        many_rows.sort();
        assert_eq!(many_rows, one_rows, "{grouping:?}");
        assert_eq!(many.range, one.range);
    }
}

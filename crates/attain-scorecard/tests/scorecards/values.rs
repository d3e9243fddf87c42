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

//! Praise: given by a person, public or private, announced as `praise.given` when public, seen
//! by the recipient's team, and counted as the recipient's `praise_received` metric that
//! leaderboards rank.

use attain_domain::org::AccessRole;
use attain_proto::{
    common::v1::{Date, DateRange, Granularity, Period, period},
    metrics::v1::{GetTotalsRequest, Grouping, metric_value},
    scorecard::v1::*,
    webhooks::v1::Format,
};
use chrono::{Datelike, Utc};
use tonic::Code;

use crate::{milestone_world::*, *};

async fn key(w: &World, role: AccessRole, person: Option<&str>) -> String {
    attain_scorecard::org::admin::create_api_key(&w.app.db.owner, w.tenant.id, role, person.map(id), "test")
        .await
        .expect("key")
        .1
}

fn praise(to: &str, category: &str, message: &str, private: bool) -> GivePraiseRequest {
    GivePraiseRequest {
        praise: Some(Praise {
            recipient_id: to.into(),
            category: category.into(),
            message: message.into(),
            private,
            ..Default::default()
        }),
    }
}

#[tokio::test]
async fn praise_is_announced_seen_by_the_team_and_ranked() {
    let w = world().await;
    let receiver = Receiver::start().await;
    let mut hooks = w.app.webhooks(&w.tenant.admin_key).await;
    let mut wanted = subscription("kudos", &receiver.url, Format::Slack);
    wanted.event_types = vec!["praise.given".into()];
    create(&mut hooks, wanted).await;

    let mut as_ana = w.app.scorecard(&key(&w, AccessRole::Rep, Some(&w.ana)).await).await;
    let public = as_ana
        .give_praise(praise(&w.bo, "teamwork", "Covered my calls all week", false))
        .await
        .unwrap()
        .into_inner()
        .praise
        .unwrap();
    assert_eq!(
        (public.giver_id.as_str(), public.recipient_id.as_str()),
        (w.ana.as_str(), w.bo.as_str())
    );
    as_ana
        .give_praise(praise(&w.star, "above_and_beyond", "Thanks for the intro", true))
        .await
        .unwrap();
    // Only the public praise is announced, in the transaction that stored it.
    assert_eq!(
        w.outbox().await,
        [(
            "praise.given".to_string(),
            "Ana Ruiz praised Bo for teamwork: Covered my calls all week".to_string()
        )]
    );

    // Bo sees the praise of his team; Eve (another team) sees neither; Star sees the private
    // praise she received, Bo does not.
    let list = |k: String| {
        let app = &w.app;
        async move {
            let mut c = app.scorecard(&k).await;
            let got = c
                .list_praise(ListPraiseRequest::default())
                .await
                .unwrap()
                .into_inner()
                .praise;
            got.into_iter().map(|p| (p.recipient_id, p.private)).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(key(&w, AccessRole::Rep, Some(&w.bo)).await).await,
        [(w.bo.clone(), false)]
    );
    assert!(list(key(&w, AccessRole::Rep, Some(&w.eve)).await).await.is_empty());
    assert_eq!(
        list(key(&w, AccessRole::Rep, Some(&w.star)).await).await,
        [(w.star.clone(), true)]
    );
    assert_eq!(list(w.tenant.admin_key.clone()).await.len(), 2, "an admin sees all");

    // Counted as `praise_received` by the detector's next run, once however often it runs.
    let detector = w.detector().await;
    for _ in 0..2 {
        detector.detect_at(Utc::now()).await.expect("detect");
    }
    let today = Utc::now().date_naive();
    let this_month = Period {
        kind: Some(period::Kind::Range(DateRange {
            start_date: Some(Date {
                year: today.year(),
                month: today.month() as i32,
                day: 1,
            }),
            end_date: Some(Date {
                year: today.year(),
                month: today.month() as i32,
                day: today.day() as i32,
            }),
        })),
    };
    let mut metrics = w.metrics.clone();
    let totals = metrics
        .get_totals(GetTotalsRequest {
            person_ids: vec![w.bo.clone(), w.star.clone(), w.eve.clone()],
            metric_keys: vec!["praise_received".into()],
            period: Some(this_month),
            grouping: Grouping::PerPerson as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let counts: Vec<i64> = totals
        .rows
        .iter()
        .map(|r| match r.values[0].value {
            Some(metric_value::Value::Total(t)) => t,
            _ => -1,
        })
        .collect();
    assert_eq!(counts, [1, 1, 0]);
    // A leaderboard ranks it: Bo and Star tie for first.
    let mut sc = w.sc.clone();
    let standings = sc
        .get_standings(GetStandingsRequest {
            board: Some(get_standings_request::Board::Spec(Leaderboard {
                metric_key: "praise_received".into(),
                granularity: Granularity::Month as i32,
                ..Default::default()
            })),
            period: None,
            as_of: None,
            limit: 10,
        })
        .await
        .unwrap()
        .into_inner()
        .standings
        .unwrap();
    let ranks: Vec<i32> = standings.rows.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [1, 1]);
}

#[tokio::test]
async fn praise_needs_a_person_another_person_and_a_tidy_category() {
    let w = world().await;
    let mut admin = w.sc.clone();
    let err = admin
        .give_praise(praise(&w.bo, "teamwork", "Great", false))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "a key without a person gives no praise"
    );
    let mut as_ana = w.app.scorecard(&key(&w, AccessRole::Rep, Some(&w.ana)).await).await;
    let own = as_ana
        .give_praise(praise(&w.ana, "teamwork", "Me", false))
        .await
        .unwrap_err();
    assert_eq!(attain_testing::violated_fields(&own), ["praise.recipient_id"]);
    let bad = as_ana
        .give_praise(praise(&w.bo, "Team Work!", "", false))
        .await
        .unwrap_err();
    let mut fields = attain_testing::violated_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["praise.category", "praise.message"]);
    let other = w.app.tenant("Globex").await;
    let mut org = w.app.org(&other.admin_key).await;
    let stranger = person(&mut org, "Gus", attain_proto::org::v1::SalesRole::Sdr, "", None).await;
    let err = as_ana
        .give_praise(praise(&stranger, "teamwork", "Hi", false))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

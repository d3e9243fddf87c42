//! `attain.webhooks.v1.MilestoneService` over real gRPC: listing with filters, pages and
//! scopes, settings with etags and their effect on detection, bad input named by field, and
//! nothing of one tenant visible to another.

use attain_domain::org::AccessRole;
use attain_proto::{
    org::v1 as org,
    webhooks::v1::{milestone_service_client::MilestoneServiceClient, *},
};
use attain_testing::{Bearer, violated_fields};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

use crate::milestone_world::{World, events, id, ingest, june_quota, noon, person, world};

type Client = MilestoneServiceClient<InterceptedService<Channel, Bearer>>;

/// Star at 110 % and Eve at 160 % of a June quota, detected on 15 June: five milestones.
async fn recorded() -> World {
    let mut w = world().await;
    june_quota(&mut w.sc, &w.star, 10_000).await;
    june_quota(&mut w.sc, &w.eve, 10_000).await;
    let sent = [
        events("l", &w.star, "revenue_won", (2026, 6, 3), 1, Some(11_000)),
        events("l", &w.eve, "revenue_won", (2026, 6, 3), 1, Some(16_000)),
    ]
    .concat();
    ingest(&mut w.metrics, sent).await;
    w.detector().await.detect_at(noon((2026, 6, 15))).await.expect("detect");
    w
}

async fn list(c: &mut Client, req: ListMilestonesRequest) -> Result<ListMilestonesResponse, tonic::Status> {
    c.list_milestones(req).await.map(|r| r.into_inner())
}

/// One person's milestones.
fn of(person: &str) -> ListMilestonesRequest {
    ListMilestonesRequest {
        person_id: person.into(),
        ..Default::default()
    }
}

async fn key_for(w: &World, role: AccessRole, person: &str) -> String {
    attain_scorecard::org::admin::create_api_key(&w.app.db.owner, w.tenant.id, role, Some(id(person)), "test")
        .await
        .expect("key")
        .1
}

#[tokio::test]
async fn milestones_list_newest_first_by_person_kind_time_and_page() {
    let mut w = recorded().await;
    // Found last but achieved earliest: a deal of 2 June that the detector sees on a run for
    // 3 June, after the run for 15 June. Newest first is by the day achieved.
    ingest(
        &mut w.metrics,
        events("late", &w.eve, "largest_deal", (2026, 6, 2), 1, Some(7_000)),
    )
    .await;
    w.detector().await.detect_at(noon((2026, 6, 3))).await.expect("detect");
    let mut c = w.app.milestones(&w.tenant.admin_key).await;
    let all = list(&mut c, ListMilestonesRequest::default()).await.expect("list");
    assert_eq!(all.milestones.len(), 6, "{:?}", all.milestones);
    let ids: Vec<&str> = all.milestones.iter().map(|m| m.id.as_str()).collect();
    let keys: Vec<((i32, i32, i32), &str)> = all
        .milestones
        .iter()
        .map(|m| {
            let d = m.day.unwrap_or_default();
            ((d.year, d.month, d.day), m.id.as_str())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted, "newest day first, then newest found");
    let last = all.milestones.last().unwrap();
    assert_eq!(last.kind, MilestoneKind::BiggestDeal as i32);
    assert!(ids.iter().all(|id| *id <= last.id.as_str()), "found last, listed last");
    let star = list(&mut c, of(&w.star)).await.expect("list");
    let mut steps: Vec<f64> = star.milestones.iter().map(|m| m.amount).collect();
    steps.sort_by(f64::total_cmp);
    assert_eq!(steps, [50.0, 100.0]);
    assert!(
        star.milestones
            .iter()
            .all(|m| m.kind == MilestoneKind::QuotaAttained as i32
                && m.metric_key == "revenue_won"
                && m.person_id == w.star)
    );
    let streaks = list(
        &mut c,
        ListMilestonesRequest {
            kind: MilestoneKind::Streak as i32,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert!(streaks.milestones.is_empty());
    let later = list(
        &mut c,
        ListMilestonesRequest {
            start_time: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 3600,
                nanos: 0,
            }),
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert!(later.milestones.is_empty(), "nothing recorded in the future");
    // Pages of two: 2 + 2 + 2, each id once, in the same order.
    let (mut seen, mut token) = (Vec::new(), String::new());
    loop {
        let page = list(
            &mut c,
            ListMilestonesRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("page");
        seen.extend(page.milestones.into_iter().map(|m| m.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn a_rep_sees_their_own_milestones_and_others_are_not_found() {
    let w = recorded().await;
    let key = key_for(&w, AccessRole::Rep, &w.star).await;
    let mut c = w.app.milestones(&key).await;
    let mine = list(&mut c, ListMilestonesRequest::default()).await.expect("list");
    assert_eq!(mine.milestones.len(), 2);
    assert!(mine.milestones.iter().all(|m| m.person_id == w.star));
    let eve = list(&mut c, of(&w.eve)).await.unwrap_err();
    assert_eq!(eve.code(), Code::NotFound);
    // Reading settings is open to every role; changing them is not.
    c.get_milestone_settings(GetMilestoneSettingsRequest {})
        .await
        .expect("settings");
    let denied = c
        .update_milestone_settings(UpdateMilestoneSettingsRequest {
            settings: Some(MilestoneSettings {
                streak_days: 3,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["streak_days".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

/// A sales manager on `team` who manages it, and their MANAGER key.
async fn manager_of(w: &mut World, name: &str, team: &str) -> String {
    let manager = person(&mut w.org, name, org::SalesRole::SalesManager, team, None).await;
    sqlx::query("UPDATE org.teams SET manager_person_id = $1 WHERE team_id = $2")
        .bind(id(&manager))
        .bind(id(team))
        .execute(&w.app.db.owner)
        .await
        .expect("manage the team");
    key_for(w, AccessRole::Manager, &manager).await
}

#[tokio::test]
async fn a_manager_sees_the_milestones_of_the_teams_they_manage_only() {
    let mut w = recorded().await;
    let ae_team: uuid::Uuid = sqlx::query_scalar("SELECT team_id FROM org.people WHERE person_id = $1")
        .bind(id(&w.star))
        .fetch_one(&w.app.db.owner)
        .await
        .expect("Star's team");
    let everyone = list(
        &mut w.app.milestones(&w.tenant.admin_key).await,
        ListMilestonesRequest::default(),
    )
    .await
    .expect("list as admin");
    let ae_key = manager_of(&mut w, "Mo", &ae_team.to_string()).await;
    let seen = list(&mut w.app.milestones(&ae_key).await, ListMilestonesRequest::default())
        .await
        .expect("list as the AE manager");
    assert_eq!(seen.milestones.len(), 5, "Star's two quota steps and Eve's three");
    assert_eq!(
        seen.milestones, everyone.milestones,
        "everything recorded is on the AE team"
    );

    let sdr_team = w.sdr_team.clone();
    let sdr_key = manager_of(&mut w, "Sam", &sdr_team).await;
    let mut sdr = w.app.milestones(&sdr_key).await;
    let none = list(&mut sdr, ListMilestonesRequest::default())
        .await
        .expect("list as the SDR manager");
    assert!(none.milestones.is_empty(), "{:?}", none.milestones);
    let star = list(&mut sdr, of(&w.star)).await.unwrap_err();
    assert_eq!(star.code(), Code::NotFound, "a rep outside the manager's teams");
}

#[tokio::test]
async fn another_tenant_sees_no_milestones_and_its_own_settings() {
    let w = recorded().await;
    let other = w.app.tenant("Globex").await;
    let mut theirs = w.app.milestones(&other.admin_key).await;
    let none = list(&mut theirs, ListMilestonesRequest::default()).await.expect("list");
    assert!(none.milestones.is_empty());
    let forged = list(&mut theirs, of(&w.star)).await.unwrap_err();
    assert_eq!(forged.code(), Code::NotFound, "a person of another tenant");
    let mut ours = w.app.milestones(&w.tenant.admin_key).await;
    ours.update_milestone_settings(UpdateMilestoneSettingsRequest {
        settings: Some(MilestoneSettings {
            quota_steps: vec![100],
            ..Default::default()
        }),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["quota_steps".into()],
        }),
    })
    .await
    .expect("update");
    let s = theirs
        .get_milestone_settings(GetMilestoneSettingsRequest {})
        .await
        .expect("settings")
        .into_inner()
        .settings
        .expect("settings");
    assert_eq!(s.quota_steps, [50, 100, 150], "the other tenant keeps the defaults");
}

#[tokio::test]
async fn bad_input_names_the_field_on_every_rpc() {
    let w = world().await;
    let mut c = w.app.milestones(&w.tenant.admin_key).await;
    let bad = list(
        &mut c,
        ListMilestonesRequest {
            person_id: "nope".into(),
            kind: 99,
            start_time: Some(prost_types::Timestamp {
                seconds: 2_000_000_000,
                nanos: 0,
            }),
            end_time: Some(prost_types::Timestamp {
                seconds: 1_000_000_000,
                nanos: 0,
            }),
            page_size: -1,
            page_token: "!!".into(),
        },
    )
    .await
    .unwrap_err();
    let mut fields = violated_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["end_time", "kind", "page_size", "page_token", "person_id"]);

    let update = |settings: MilestoneSettings, paths: &[&str]| UpdateMilestoneSettingsRequest {
        settings: Some(settings),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
    };
    for (steps, why) in [
        (vec![0], "step 0"),
        (vec![1001], "step above 1000"),
        (vec![100, 50], "unsorted"),
        (vec![100, 100], "duplicate"),
        (vec![], "empty"),
        (vec![-5], "negative"),
    ] {
        let err = c
            .update_milestone_settings(update(
                MilestoneSettings {
                    quota_steps: steps,
                    ..Default::default()
                },
                &["quota_steps"],
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{why}");
        assert!(
            violated_fields(&err).contains(&"settings.quota_steps".to_string()),
            "{why}"
        );
    }
    let err = c
        .update_milestone_settings(update(
            MilestoneSettings {
                streak_days: 1,
                personal_best_min_history: 251,
                ..Default::default()
            },
            &["streak_days", "personal_best_min_history", "nonsense"],
        ))
        .await
        .unwrap_err();
    let mut fields = violated_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        ["update_mask"],
        "an unknown path is refused before anything else"
    );
    let err = c
        .update_milestone_settings(update(
            MilestoneSettings {
                streak_days: 1,
                personal_best_min_history: 251,
                etag: "garbage".into(),
                ..Default::default()
            },
            &["streak_days", "personal_best_min_history"],
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["settings.etag"]);
    let err = c
        .update_milestone_settings(update(
            MilestoneSettings {
                streak_days: 1,
                personal_best_min_history: 251,
                ..Default::default()
            },
            &["streak_days", "personal_best_min_history"],
        ))
        .await
        .unwrap_err();
    let mut fields = violated_fields(&err);
    fields.sort();
    assert_eq!(fields, ["settings.personal_best_min_history", "settings.streak_days"]);
    // GetMilestoneSettings takes no input; what it returns are the defaults, untouched by the
    // refused updates.
    let s = c
        .get_milestone_settings(GetMilestoneSettingsRequest {})
        .await
        .expect("settings")
        .into_inner()
        .settings
        .expect("settings");
    assert_eq!(
        (
            s.quota_steps,
            s.streak_days,
            s.personal_best_enabled,
            s.personal_best_min_history
        ),
        (vec![50, 100, 150], 5, true, 10)
    );
}

#[tokio::test]
async fn settings_update_with_etags_and_change_what_detection_finds() {
    let mut w = world().await;
    let mut c = w.app.milestones(&w.tenant.admin_key).await;
    let first = c
        .get_milestone_settings(GetMilestoneSettingsRequest {})
        .await
        .expect("settings")
        .into_inner()
        .settings
        .expect("settings");
    let changed = c
        .update_milestone_settings(UpdateMilestoneSettingsRequest {
            settings: Some(MilestoneSettings {
                quota_steps: vec![25, 75],
                etag: first.etag.clone(),
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["quota_steps".into()],
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .settings
        .expect("settings");
    assert_eq!(changed.quota_steps, [25, 75]);
    assert_eq!(changed.streak_days, 5, "fields outside the mask keep their value");
    assert_ne!(changed.etag, first.etag);
    let stale = c
        .update_milestone_settings(UpdateMilestoneSettingsRequest {
            settings: Some(MilestoneSettings {
                streak_days: 3,
                etag: first.etag,
                ..Default::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["streak_days".into()],
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);
    // Star at 30 %: the 25 % step, which the defaults do not have.
    june_quota(&mut w.sc, &w.star, 10_000).await;
    ingest(
        &mut w.metrics,
        events("s", &w.star, "revenue_won", (2026, 6, 3), 1, Some(3_000)),
    )
    .await;
    w.detector().await.detect_at(noon((2026, 6, 15))).await.expect("detect");
    let found = list(&mut c, ListMilestonesRequest::default()).await.expect("list");
    let keys: Vec<&str> = found.milestones.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, [format!("quota:{}:2026-06-01:25", w.star)]);
}

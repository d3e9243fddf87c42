//! Who sees and changes what: a manager their subtree, a rep themself, another tenant nothing.

use attain_domain::org::AccessRole;
use attain_proto::common::v1::{self as common, Granularity};
use tonic::Code;
use uuid::Uuid;

use crate::*;

fn person_card(person: &str) -> GetScorecardRequest {
    GetScorecardRequest {
        subject: Some(get_scorecard_request::Subject::PersonId(person.into())),
        period: calendar(Granularity::Week, (2026, 6, 1)),
        as_of: None,
    }
}

fn team_card(team: &str) -> GetScorecardRequest {
    GetScorecardRequest {
        subject: Some(get_scorecard_request::Subject::TeamId(team.into())),
        period: calendar(Granularity::Week, (2026, 6, 1)),
        as_of: None,
    }
}

fn team_kpis(team: &str) -> GetManagerKpisRequest {
    GetManagerKpisRequest {
        team_id: team.into(),
        period: calendar(Granularity::Week, (2026, 6, 1)),
        ..Default::default()
    }
}

fn tenant_uuid(w: &World) -> Uuid {
    w.tenant.id
}

#[tokio::test]
async fn a_manager_sees_their_subtree_only() {
    let w = world().await;
    let key = w
        .app
        .api_key(tenant_uuid(&w), AccessRole::Manager, Uuid::parse_str(&w.maya).ok())
        .await;
    let mut sc = w.app.scorecard(&key).await;
    sc.get_scorecard(person_card(&w.sdrs[0]))
        .await
        .expect("an SDR of Maya's team");
    sc.get_scorecard(team_card(&w.sdr_team)).await.expect("Maya's team");
    sc.get_manager_kpis(team_kpis(&w.sdr_team)).await.expect("Maya's KPIs");
    for status in [
        sc.get_scorecard(person_card(&w.aes[0])).await.unwrap_err(),
        sc.get_scorecard(team_card(&w.ae_team)).await.unwrap_err(),
        sc.get_manager_kpis(team_kpis(&w.ae_team)).await.unwrap_err(),
        sc.get_manager_kpis(team_kpis(&w.sales)).await.unwrap_err(),
    ] {
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
    }
    // Managers set targets for their people, not for others or themselves.
    let over = |person: &str| SetTargetOverrideRequest {
        target_override: Some(TargetOverride {
            person_id: person.into(),
            metric_key: "calls".into(),
            target: Some(daily(40.0)),
        }),
    };
    sc.set_target_override(over(&w.sdrs[1])).await.expect("own report");
    assert_eq!(
        sc.set_target_override(over(&w.aes[1])).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        sc.set_target_override(over(&w.maya)).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    // Templates are the admin's.
    let status = sc
        .delete_template(DeleteTemplateRequest {
            id: Uuid::now_v7().to_string(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn a_rep_sees_only_themself() {
    let w = world().await;
    let ana = w.sdrs[0].clone();
    let key = w
        .app
        .api_key(tenant_uuid(&w), AccessRole::Rep, Uuid::parse_str(&ana).ok())
        .await;
    let mut sc = w.app.scorecard(&key).await;
    sc.get_scorecard(person_card(&ana)).await.expect("own scorecard");
    let other = sc.get_scorecard(person_card(&w.sdrs[1])).await.unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    let team = sc.get_scorecard(team_card(&w.sdr_team)).await.unwrap_err();
    assert_eq!(team.code(), Code::PermissionDenied);
    let kpis = sc.get_manager_kpis(team_kpis(&w.sdr_team)).await.unwrap_err();
    assert_eq!(kpis.code(), Code::PermissionDenied);
    let own_time_off = sc
        .create_time_off(CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: ana.clone(),
                range: Some(common::DateRange {
                    start_date: date(2026, 6, 1),
                    end_date: date(2026, 6, 1),
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(own_time_off.code(), Code::PermissionDenied);
    // Templates are readable by everyone in the tenant.
    let list = sc
        .list_templates(ListTemplatesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(list.templates.iter().any(|t| t.key == "sdr"));
}

/// Every RPC, called by another tenant's admin with this tenant's ids, finds nothing.
#[tokio::test]
async fn another_tenant_sees_and_changes_nothing() {
    let mut w = world().await;
    let template = template_for(
        &mut w.sc,
        "mine",
        &w.sdr_team.clone(),
        vec![line("calls", Section::Activities, daily(10.0))],
    )
    .await;
    let ramp =
        w.sc.create_ramp(CreateRampRequest {
            ramp: Some(Ramp {
                display_name: "Ramp".into(),
                steps: vec![0.5, 1.0],
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .ramp
        .unwrap();
    let ana = w.sdrs[0].clone();
    let month = Some(common::CalendarPeriod {
        granularity: Granularity::Month as i32,
        date: date(2026, 6, 1),
    });
    let quota =
        w.sc.set_quota(SetQuotaRequest {
            quota: Some(Quota {
                subject: Some(quota::Subject::PersonId(ana.clone())),
                kind: QuotaKind::Activity as i32,
                metric_key: "calls".into(),
                period: month,
                amount: 1000,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .quota
        .unwrap();
    let time_off =
        w.sc.create_time_off(CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: ana.clone(),
                range: Some(common::DateRange {
                    start_date: date(2026, 6, 1),
                    end_date: date(2026, 6, 2),
                }),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .time_off
        .unwrap();

    let other = w.app.tenant("Globex").await;
    let mut sc = w.app.scorecard(&other.admin_key).await;
    let june = calendar(Granularity::Month, (2026, 6, 1));
    let nf = |r: Result<(), tonic::Status>, what: &str| {
        let status = r.expect_err(what);
        assert_eq!(status.code(), Code::NotFound, "{what}: {status:?}");
    };
    nf(
        sc.get_template(GetTemplateRequest {
            id: template.id.clone(),
        })
        .await
        .map(|_| ()),
        "GetTemplate",
    );
    let mut changed = template.clone();
    changed.display_name = "Hijacked".into();
    nf(
        sc.update_template(UpdateTemplateRequest {
            template: Some(changed),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["display_name".into()],
            }),
        })
        .await
        .map(|_| ()),
        "UpdateTemplate",
    );
    nf(
        sc.delete_template(DeleteTemplateRequest {
            id: template.id.clone(),
        })
        .await
        .map(|_| ()),
        "DeleteTemplate",
    );
    nf(
        sc.assign_template(AssignTemplateRequest {
            subject: Some(assign_template_request::Subject::TeamId(w.sdr_team.clone())),
            template_id: String::new(),
        })
        .await
        .map(|_| ()),
        "AssignTemplate",
    );
    nf(
        sc.assign_ramp(AssignRampRequest {
            person_id: ana.clone(),
            ramp_id: String::new(),
        })
        .await
        .map(|_| ()),
        "AssignRamp",
    );
    nf(
        sc.set_quota(SetQuotaRequest {
            quota: Some(Quota {
                subject: Some(quota::Subject::PersonId(ana.clone())),
                kind: QuotaKind::Activity as i32,
                metric_key: "calls".into(),
                period: month,
                amount: 1,
                ..Default::default()
            }),
        })
        .await
        .map(|_| ()),
        "SetQuota",
    );
    nf(
        sc.list_quotas(ListQuotasRequest {
            subject: Some(list_quotas_request::Subject::PersonId(ana.clone())),
            period: june,
        })
        .await
        .map(|_| ()),
        "ListQuotas",
    );
    nf(
        sc.delete_quota(DeleteQuotaRequest { id: quota.id.clone() })
            .await
            .map(|_| ()),
        "DeleteQuota",
    );
    nf(
        sc.set_target_override(SetTargetOverrideRequest {
            target_override: Some(TargetOverride {
                person_id: ana.clone(),
                metric_key: "calls".into(),
                target: Some(daily(1.0)),
            }),
        })
        .await
        .map(|_| ()),
        "SetTargetOverride",
    );
    nf(
        sc.create_time_off(CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: ana.clone(),
                ..time_off.clone()
            }),
        })
        .await
        .map(|_| ()),
        "CreateTimeOff",
    );
    nf(
        sc.list_time_off(ListTimeOffRequest {
            person_id: ana.clone(),
            period: june,
        })
        .await
        .map(|_| ()),
        "ListTimeOff",
    );
    nf(
        sc.delete_time_off(DeleteTimeOffRequest {
            id: time_off.id.clone(),
        })
        .await
        .map(|_| ()),
        "DeleteTimeOff",
    );
    nf(
        sc.get_scorecard(person_card(&ana)).await.map(|_| ()),
        "GetScorecard (person)",
    );
    nf(
        sc.get_scorecard(team_card(&w.sdr_team)).await.map(|_| ()),
        "GetScorecard (team)",
    );
    nf(
        sc.get_manager_kpis(team_kpis(&w.sdr_team)).await.map(|_| ()),
        "GetManagerKpis",
    );

    // Lists show only the caller's own tenant: its own built-ins, not "mine" or "Ramp".
    let templates = sc
        .list_templates(ListTemplatesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .templates;
    assert_eq!(
        templates.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["ae", "sdr"]
    );
    assert!(templates.iter().all(|t| t.id != template.id));
    let ramps = sc
        .list_ramps(ListRampsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .ramps;
    // Only its own built-in default.
    let names: Vec<&str> = ramps.iter().map(|r| r.display_name.as_str()).collect();
    assert_eq!(names, ["Standard ramp"]);
    assert!(ramps.iter().all(|r| r.id != ramp.id), "{ramps:?} / {}", ramp.id);
    // A ramp that exists in another tenant is not found either.
    let other_person = person(
        &mut w.app.org(&other.admin_key).await,
        "Gus",
        attain_proto::org::v1::SalesRole::Sdr,
        "",
        None,
    )
    .await;
    nf(
        sc.assign_ramp(AssignRampRequest {
            person_id: other_person,
            ramp_id: ramp.id.clone(),
        })
        .await
        .map(|_| ()),
        "AssignRamp with another tenant's ramp",
    );
    // Keys and names are per tenant: the other tenant may use the same ones.
    sc.create_template(CreateTemplateRequest {
        template: Some(Template {
            key: "mine".into(),
            display_name: "Theirs".into(),
            lines: vec![line("calls", Section::Activities, daily(1.0))],
            ..Default::default()
        }),
        request_id: String::new(),
    })
    .await
    .expect("same key in another tenant");
    sc.create_ramp(CreateRampRequest {
        ramp: Some(Ramp {
            display_name: "Ramp".into(),
            steps: vec![1.0],
            ..Default::default()
        }),
    })
    .await
    .expect("same ramp name in another tenant");
    // And nothing changed for the owner.
    let still =
        w.sc.get_template(GetTemplateRequest {
            id: template.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still.template.unwrap().display_name, "MINE");
}

/// Row-level security on the scorecard schema, checked in SQL as the service's own role.
#[tokio::test]
async fn the_scorecard_schema_keeps_tenants_apart_in_the_database() {
    let mut w = world().await;
    let other = w.app.tenant("Globex").await;
    let ana = w.sdrs[0].clone();
    w.sc.create_time_off(CreateTimeOffRequest {
        time_off: Some(TimeOff {
            person_id: ana.clone(),
            range: Some(common::DateRange {
                start_date: date(2026, 6, 1),
                end_date: date(2026, 6, 1),
            }),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    let pool = w.app.db.service_pool("attain_scorecard").await;
    for table in [
        "templates",
        "template_lines",
        "team_templates",
        "person_templates",
        "ramps",
        "person_ramps",
        "quotas",
        "target_overrides",
        "time_off",
    ] {
        let unscoped: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM scorecard.{table}")))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(unscoped, 0, "scorecard.{table} without app.tenant_id");
    }
    let mut tx = attain_runtime::db::begin_tenant(&pool, other.id).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM scorecard.time_off")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0, "another tenant's time off is invisible");
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM scorecard.templates ORDER BY key")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(keys, ["ae", "sdr"], "only the tenant's own built-ins");
    let insert = sqlx::query(
        "INSERT INTO scorecard.ramps (tenant_id, ramp_id, display_name, steps) VALUES ($1, gen_random_uuid(), 'x', '{1}')",
    )
    .bind(w.tenant.id)
    .execute(&mut *tx)
    .await;
    assert!(insert.is_err(), "writing into another tenant is refused");
}

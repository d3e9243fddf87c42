use attain_proto::{common::v1::DayOfWeek, org::v1::*};
use attain_testing::violated_fields;
use tonic::Code;

use crate::{mask, two_tenants};

#[tokio::test]
async fn admin_changes_the_calendar_and_the_etag_moves() {
    let mut t = two_tenants().await;
    let before =
        t.a.get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap();
    assert_eq!(before.display_name, "Acme");
    let mut change = before.clone();
    let cal = change.calendar.as_mut().unwrap();
    cal.time_zone = "America/New_York".into();
    cal.fiscal_year_start_month = 2;
    cal.working_days = vec![
        DayOfWeek::Monday as i32,
        DayOfWeek::Tuesday as i32,
        DayOfWeek::Wednesday as i32,
        DayOfWeek::Thursday as i32,
    ];
    let after =
        t.a.update_tenant(UpdateTenantRequest {
            tenant: Some(change),
            update_mask: mask(&[
                "calendar.time_zone",
                "calendar.fiscal_year_start_month",
                "calendar.working_days",
            ]),
        })
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    let cal = after.calendar.unwrap();
    assert_eq!(cal.time_zone, "America/New_York");
    assert_eq!(cal.fiscal_year_start_month, 2);
    assert_eq!(cal.working_days.len(), 4);
    assert_eq!(after.display_name, "Acme", "fields outside the mask stay");
    assert_ne!(after.etag, before.etag);
}

#[tokio::test]
async fn stale_etag_is_aborted_and_changes_nothing() {
    let mut t = two_tenants().await;
    let read =
        t.a.get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap();
    let rename = |name: &str| UpdateTenantRequest {
        tenant: Some(Tenant {
            display_name: name.into(),
            ..read.clone()
        }),
        update_mask: mask(&["display_name"]),
    };
    t.a.update_tenant(rename("Acme Corp")).await.unwrap();
    let err = t.a.update_tenant(rename("Acme Inc")).await.unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    let now =
        t.a.get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap();
    assert_eq!(now.display_name, "Acme Corp");
}

#[tokio::test]
async fn bad_calendar_and_currency_name_every_field() {
    let mut t = two_tenants().await;
    let bad = Tenant {
        display_name: String::new(),
        currency_code: "usd".into(),
        calendar: Some(Calendar {
            time_zone: "Mars/Olympus_Mons".into(),
            first_day_of_week: 0,
            fiscal_year_start_month: 13,
            working_days: vec![],
        }),
        ..Default::default()
    };
    let err =
        t.a.update_tenant(UpdateTenantRequest {
            tenant: Some(bad),
            update_mask: mask(&["*"]),
        })
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&err),
        [
            "tenant.display_name",
            "tenant.currency_code",
            "tenant.calendar.time_zone",
            "tenant.calendar.first_day_of_week",
            "tenant.calendar.fiscal_year_start_month",
            "tenant.calendar.working_days"
        ]
    );
}

#[tokio::test]
async fn update_mask_is_required_and_checked() {
    let mut t = two_tenants().await;
    let err =
        t.a.update_tenant(UpdateTenantRequest {
            tenant: Some(Tenant::default()),
            update_mask: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["update_mask"]);
    let err =
        t.a.update_tenant(UpdateTenantRequest {
            tenant: Some(Tenant::default()),
            update_mask: mask(&["id"]),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&err), ["update_mask"]);
}

#[tokio::test]
async fn each_tenant_reads_and_changes_only_itself() {
    let mut t = two_tenants().await;
    let b =
        t.b.get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap();
    assert_eq!(b.display_name, "Globex");
    // B forges A's id into an update: the id is not an input, B changes only itself.
    let forged = Tenant {
        id: t.a_id.to_string(),
        display_name: "Hijacked".into(),
        ..b
    };
    t.b.update_tenant(UpdateTenantRequest {
        tenant: Some(forged),
        update_mask: mask(&["display_name"]),
    })
    .await
    .unwrap();
    let a =
        t.a.get_tenant(GetTenantRequest {})
            .await
            .unwrap()
            .into_inner()
            .tenant
            .unwrap();
    assert_eq!(a.display_name, "Acme");
}

#[tokio::test]
async fn only_admins_change_the_tenant() {
    let t = two_tenants().await;
    let key = t
        .app
        .api_key(t.a_id, attain_domain::org::AccessRole::Integration, None)
        .await;
    let mut integration = t.app.org(&key).await;
    let tenant = integration
        .get_tenant(GetTenantRequest {})
        .await
        .unwrap()
        .into_inner()
        .tenant
        .unwrap();
    let err = integration
        .update_tenant(UpdateTenantRequest {
            tenant: Some(tenant),
            update_mask: mask(&["display_name"]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

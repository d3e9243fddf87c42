//! `attain.webhooks.v1.MilestoneService`: milestones as recorded, and the tenant's milestone
//! settings. Reading milestones follows the org directory's scopes (ADMIN and INTEGRATION
//! everyone, a MANAGER their subtree, a REP themself); only ADMIN changes settings.

use attain_domain::{
    Violations,
    milestone::{self, Kind, Settings},
    org::AccessRole,
};
use attain_proto::webhooks::v1::{self as pb, milestone_service_server::MilestoneService};
use std::sync::Arc;

use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page, tenant_directory::TenantDirectories,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::store::{self, Filter, MilestoneRecord};

const UPDATABLE: &[&str] = &[
    "quota_steps",
    "streak_days",
    "personal_best_enabled",
    "personal_best_min_history",
];

#[derive(Clone)]
pub struct MilestoneApi {
    pool: PgPool,
    directory: Arc<TenantDirectories>,
}

impl MilestoneApi {
    pub fn new(pool: PgPool, directory: Arc<TenantDirectories>) -> Self {
        Self { pool, directory }
    }

    pub fn into_server(
        self,
        max_message_bytes: usize,
    ) -> pb::milestone_service_server::MilestoneServiceServer<MilestoneApi> {
        pb::milestone_service_server::MilestoneServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

/// A milestone kind to filter by; an unset kind filters nothing, and a value this build does
/// not know is refused.
fn kind_from_proto(v: &mut Violations, value: i32) -> Option<Kind> {
    let kind = from_wire::<Kind>(value);
    if kind.is_none() && value != 0 {
        v.add("kind", "is not a known MILESTONE_KIND_ value");
    }
    kind
}

fn to_proto(r: &MilestoneRecord) -> pb::Milestone {
    let data = &r.data.0;
    // The amount each kind is about, under the name the detector stored it.
    let amount = ["step_percent", "days", "value", "deals_won"]
        .iter()
        .find_map(|k| data.get(k).and_then(serde_json::Value::as_f64))
        .unwrap_or(0.0);
    pb::Milestone {
        id: r.milestone_id.to_string(),
        kind: to_wire(r.kind),
        person_id: r.person_id.to_string(),
        title: r.title.clone(),
        day: Some(convert::date_to_proto(r.day)),
        create_time: Some(convert::timestamp(r.occurred_at)),
        key: r.dedup_key.clone(),
        metric_key: data
            .get("metric_key")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
        amount,
    }
}

fn settings_to_proto(s: &Settings, revision: i64) -> pb::MilestoneSettings {
    pb::MilestoneSettings {
        quota_steps: s.quota_steps.iter().map(|x| *x as i32).collect(),
        streak_days: s.streak_days as i32,
        personal_best_enabled: s.personal_best,
        personal_best_min_history: s.personal_best_min_history as i32,
        etag: convert::etag(revision),
    }
}

/// A non-negative setting as given, or a violation (negative numbers would wrap).
fn unsigned(v: &mut Violations, field: &str, value: i32) -> u32 {
    u32::try_from(value).unwrap_or_else(|_| {
        v.add(field, "must not be negative");
        0
    })
}

fn time(v: &mut Violations, field: &str, t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let at = convert::from_timestamp_opt(t?);
    if at.is_none() {
        v.add(field, "is not a valid timestamp");
    }
    at
}

impl MilestoneApi {
    async fn list(&self, ctx: &Ctx, req: pb::ListMilestonesRequest) -> ApiResult<pb::ListMilestonesResponse> {
        let mut v = Violations::new();
        let person = convert::optional_id(&mut v, "person_id", &req.person_id);
        let kind = kind_from_proto(&mut v, req.kind);
        let since = time(&mut v, "start_time", req.start_time.as_ref());
        let until = time(&mut v, "end_time", req.end_time.as_ref());
        if let (Some(a), Some(b)) = (since, until)
            && b <= a
        {
            v.add("end_time", "must be after start_time");
        }
        let page = Page::of(&mut v, ctx.tenant_id, &req);
        let before = page.after.as_deref().and_then(|cursor| {
            let parsed = cursor
                .split_once('|')
                .and_then(|(day, id)| Some((day.parse::<NaiveDate>().ok()?, Uuid::try_parse(id).ok()?)));
            if parsed.is_none() {
                v.add("page_token", "is not a token of this list");
            }
            parsed
        });
        v.into_result(())?;
        let tenant = ctx.tenant_id;
        let view = self.directory.view(ctx).await?;
        // Whom the list may show: a named person only if visible (NOT_FOUND otherwise, so
        // other tenants' ids and hidden people look alike); everyone visible otherwise.
        let people = match person {
            Some(p) => {
                if view.visible_person(p).is_none() {
                    return Err(ApiError::not_found(format!("person {p}")));
                }
                Some(vec![p])
            }
            None if view.scope.all => None,
            None => {
                let mut ids: Vec<Uuid> = view.scope.people.iter().copied().collect();
                ids.sort_unstable();
                Some(ids)
            }
        };
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let filter = Filter {
            people,
            kind: kind.map(|k| k.as_str().to_string()),
            since,
            until,
        };
        let mut records = store::list(&mut tx, tenant, &filter, before, page.fetch_limit()).await?;
        tx.commit().await?;
        let next_page_token = page.finish(&mut records, |r| format!("{}|{}", r.day, r.milestone_id));
        Ok(pb::ListMilestonesResponse {
            milestones: records.iter().map(to_proto).collect(),
            next_page_token,
        })
    }

    async fn get_settings(
        &self,
        ctx: &Ctx,
        _: pb::GetMilestoneSettingsRequest,
    ) -> ApiResult<pb::GetMilestoneSettingsResponse> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let (settings, revision) = store::settings(&mut tx, ctx.tenant_id, false).await?;
        tx.commit().await?;
        Ok(pb::GetMilestoneSettingsResponse {
            settings: Some(settings_to_proto(&settings, revision)),
        })
    }

    async fn update_settings(
        &self,
        ctx: &Ctx,
        req: pb::UpdateMilestoneSettingsRequest,
    ) -> ApiResult<pb::UpdateMilestoneSettingsResponse> {
        ctx.require(&[AccessRole::Admin], "change milestone settings")?;
        let mut v = Violations::new();
        let input = req.settings.unwrap_or_default();
        let expected = convert::parse_etag(&mut v, "settings.etag", &input.etag);
        let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
        v.clone().into_result(())?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let (mut merged, revision) = store::settings(&mut tx, tenant, true).await?;
        convert::check_revision(expected, revision, "milestone settings")?;
        for path in &paths {
            match *path {
                "quota_steps" => {
                    merged.quota_steps = input
                        .quota_steps
                        .iter()
                        .map(|s| unsigned(&mut v, "settings.quota_steps", *s))
                        .collect();
                }
                "streak_days" => merged.streak_days = unsigned(&mut v, "settings.streak_days", input.streak_days),
                "personal_best_enabled" => merged.personal_best = input.personal_best_enabled,
                _ => {
                    merged.personal_best_min_history = unsigned(
                        &mut v,
                        "settings.personal_best_min_history",
                        input.personal_best_min_history,
                    );
                }
            }
        }
        // The merged settings are checked as a whole, so an update cannot leave them invalid.
        milestone::check_settings(&mut v, &merged);
        v.into_result(())?;
        let revision = store::save_settings(&mut tx, tenant, &merged).await?;
        tx.commit().await?;
        Ok(pb::UpdateMilestoneSettingsResponse {
            settings: Some(settings_to_proto(&merged, revision)),
        })
    }
}

attain_runtime::rpcs! {
    MilestoneService for MilestoneApi {
        list_milestones(pb::ListMilestonesRequest) -> pb::ListMilestonesResponse => MilestoneApi::list;
        get_milestone_settings(pb::GetMilestoneSettingsRequest) -> pb::GetMilestoneSettingsResponse => MilestoneApi::get_settings;
        update_milestone_settings(pb::UpdateMilestoneSettingsRequest) -> pb::UpdateMilestoneSettingsResponse => MilestoneApi::update_settings;
    }
}

//! `attain.webhooks.v1.MilestoneService` on the wire: each RPC's request decoded into the
//! typed input of one use case of [`MilestoneApi`] (`app.rs`), and its answer encoded.

use attain_domain::{
    Violations,
    milestone::{Kind, Settings},
};
use attain_proto::webhooks::v1::{self as pb, milestone_service_server::MilestoneService};

use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{ApiResult, Ctx, convert, paging::Page};
use chrono::{DateTime, Utc};

use super::{
    app::{MilestoneApi, MilestoneQuery, SettingsUpdate, parse_position},
    store::MilestoneRecord,
};

const UPDATABLE: &[&str] = &[
    "quota_steps",
    "streak_days",
    "personal_best_enabled",
    "personal_best_min_history",
];

impl MilestoneApi {
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

fn milestone_query(ctx: &Ctx, req: &pb::ListMilestonesRequest) -> ApiResult<MilestoneQuery> {
    let mut v = Violations::new();
    let person_id = convert::optional_id(&mut v, "person_id", &req.person_id);
    let kind = kind_from_proto(&mut v, req.kind);
    let since = time(&mut v, "start_time", req.start_time.as_ref());
    let until = time(&mut v, "end_time", req.end_time.as_ref());
    if let (Some(a), Some(b)) = (since, until)
        && b <= a
    {
        v.add("end_time", "must be after start_time");
    }
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let before = page.after.as_deref().and_then(|cursor| {
        let parsed = parse_position(cursor);
        if parsed.is_none() {
            v.add("page_token", "is not a token of this list");
        }
        parsed
    });
    Ok(v.into_result(MilestoneQuery {
        person_id,
        kind,
        since,
        until,
        page,
        before,
    })?)
}

/// The change an UpdateMilestoneSettings request asks for: the masked fields over the stored
/// settings; a negative value is recorded as a violation when applied.
fn settings_update(req: pb::UpdateMilestoneSettingsRequest) -> ApiResult<SettingsUpdate> {
    let mut v = Violations::new();
    let input = req.settings.unwrap_or_default();
    let revision = convert::parse_etag(&mut v, "settings.etag", &input.etag);
    let paths = convert::update_paths(&mut v, req.update_mask.as_ref(), UPDATABLE);
    v.into_result(())?;
    let apply = move |merged: &mut Settings, v: &mut Violations| {
        for path in &paths {
            match *path {
                "quota_steps" => {
                    merged.quota_steps = input
                        .quota_steps
                        .iter()
                        .map(|s| unsigned(v, "settings.quota_steps", *s))
                        .collect();
                }
                "streak_days" => merged.streak_days = unsigned(v, "settings.streak_days", input.streak_days),
                "personal_best_enabled" => merged.personal_best = input.personal_best_enabled,
                _ => {
                    merged.personal_best_min_history =
                        unsigned(v, "settings.personal_best_min_history", input.personal_best_min_history);
                }
            }
        }
    };
    Ok(SettingsUpdate {
        revision,
        apply: Box::new(apply),
    })
}

impl MilestoneApi {
    async fn list(&self, ctx: &Ctx, req: pb::ListMilestonesRequest) -> ApiResult<pb::ListMilestonesResponse> {
        let listed = self.list_milestones(ctx, milestone_query(ctx, &req)?).await?;
        Ok(pb::ListMilestonesResponse {
            milestones: listed.items.iter().map(to_proto).collect(),
            next_page_token: listed.next_page_token,
        })
    }

    async fn get_settings(
        &self,
        ctx: &Ctx,
        _: pb::GetMilestoneSettingsRequest,
    ) -> ApiResult<pb::GetMilestoneSettingsResponse> {
        let (settings, revision) = self.milestone_settings(ctx).await?;
        Ok(pb::GetMilestoneSettingsResponse {
            settings: Some(settings_to_proto(&settings, revision)),
        })
    }

    async fn update_settings(
        &self,
        ctx: &Ctx,
        req: pb::UpdateMilestoneSettingsRequest,
    ) -> ApiResult<pb::UpdateMilestoneSettingsResponse> {
        let (settings, revision) = self.update_milestone_settings(ctx, settings_update(req).into()).await?;
        Ok(pb::UpdateMilestoneSettingsResponse {
            settings: Some(settings_to_proto(&settings, revision)),
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

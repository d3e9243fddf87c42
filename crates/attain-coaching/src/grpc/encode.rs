//! The coaching service's records as protobuf messages.

use attain_proto::coaching::v1 as pb;
use attain_runtime::{convert, enums::to_wire};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    app::sessions::is_overdue,
    store::{
        cadences::CadenceRecord,
        sessions::{ActionItemRecord, SessionRecord, StoredLink},
    },
};

/// A link's kind as stored: `call_recording`, `deal` or `other`.
pub fn link_kind(value: i32) -> &'static str {
    match pb::LinkKind::try_from(value) {
        Ok(pb::LinkKind::CallRecording) => "call_recording",
        Ok(pb::LinkKind::Deal) => "deal",
        _ => "other",
    }
}

fn link_kind_to_proto(text: &str) -> i32 {
    (match text {
        "call_recording" => pb::LinkKind::CallRecording,
        "deal" => pb::LinkKind::Deal,
        _ => pb::LinkKind::Unspecified,
    }) as i32
}

pub fn item(i: &ActionItemRecord) -> pb::ActionItem {
    pb::ActionItem {
        id: i.action_item_id.to_string(),
        session_id: i.session_id.to_string(),
        description: i.description.clone(),
        owner_id: i.owner_id.to_string(),
        due_date: Some(convert::date_to_proto(i.due_date)),
        done: i.done_at.is_some(),
        done_time: i.done_at.map(convert::timestamp),
    }
}

/// A session with its action items (any sessions' items may be passed; only its own are
/// used); `now` decides whether a scheduled one is overdue.
pub fn session(s: &SessionRecord, items: &[ActionItemRecord], now: DateTime<Utc>) -> pb::Session {
    pb::Session {
        id: s.session_id.to_string(),
        kind: to_wire(s.kind),
        coach_id: s.coach_id.to_string(),
        coachee_ids: s.coachee_ids.iter().map(|p| p.to_string()).collect(),
        expert_ids: s.expert_ids.iter().map(|p| p.to_string()).collect(),
        start_time: Some(convert::timestamp(s.start_time)),
        duration_minutes: s.duration_minutes,
        status: to_wire(s.status),
        agenda: s.agenda.clone(),
        notes: s.notes.clone(),
        went_well: s.went_well.clone(),
        to_improve: s.to_improve.clone(),
        focus_metric_keys: s.focus_metric_keys.clone(),
        links: s
            .links
            .0
            .iter()
            .map(|l: &StoredLink| pb::Link {
                kind: link_kind_to_proto(&l.kind),
                target: l.target.clone(),
                label: l.label.clone(),
            })
            .collect(),
        action_items: items
            .iter()
            .filter(|i| i.session_id == s.session_id)
            .map(item)
            .collect(),
        follow_up_session_id: s.follow_up_session_id.map(|id| id.to_string()).unwrap_or_default(),
        cadence_id: s.cadence_id.map(|id| id.to_string()).unwrap_or_default(),
        overdue: is_overdue(s, now),
        create_time: Some(convert::timestamp(s.created_at)),
        update_time: Some(convert::timestamp(s.updated_at)),
        etag: convert::etag(s.revision),
    }
}

pub fn cadence(c: &CadenceRecord) -> pb::Cadence {
    pb::Cadence {
        id: c.cadence_id.to_string(),
        kind: to_wire(c.kind),
        coach_id: c.coach_id.to_string(),
        coachee_ids: c.coachee_ids.iter().map(Uuid::to_string).collect(),
        one_per_coachee: c.one_per_coachee,
        frequency: to_wire(c.frequency),
        day_of_week: i32::from(c.weekday),
        start_minute: c.start_minute,
        time_zone: c.time_zone.clone(),
        duration_minutes: c.duration_minutes,
        start_date: Some(convert::date_to_proto(c.start_date)),
        end_date: c.end_date.map(convert::date_to_proto),
    }
}

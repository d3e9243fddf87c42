//! Protobuf enums and messages to and from the domain and store types.

use attain_domain::Violations;
use attain_domain::coaching::SessionStatus;
use attain_proto::coaching::v1 as pb;
use attain_runtime::convert;
use attain_runtime::enums::to_wire;
use chrono::{DateTime, Utc};

use crate::store::sessions::{ActionItemRecord, SessionRecord, StoredLink};

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

pub fn item_to_proto(i: &ActionItemRecord) -> pb::ActionItem {
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

/// A session with its action items; `now` decides whether a scheduled one is overdue.
pub fn session_to_proto(s: &SessionRecord, items: &[ActionItemRecord], now: DateTime<Utc>) -> pb::Session {
    let end = s.start_time + chrono::Duration::minutes(i64::from(s.duration_minutes));
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
            .map(item_to_proto)
            .collect(),
        follow_up_session_id: s.follow_up_session_id.map(|id| id.to_string()).unwrap_or_default(),
        cadence_id: s.cadence_id.map(|id| id.to_string()).unwrap_or_default(),
        overdue: s.status == SessionStatus::Scheduled && end < now,
        create_time: Some(convert::timestamp(s.created_at)),
        update_time: Some(convert::timestamp(s.updated_at)),
        etag: convert::etag(s.revision),
    }
}

/// A session's length when none is given.
const DEFAULT_MINUTES: i32 = 30;

/// A session's length in minutes, checked; 0 means the default.
pub fn duration(v: &mut Violations, field: &str, minutes: i32) -> i32 {
    match minutes {
        0 => DEFAULT_MINUTES,
        5..=480 => minutes,
        _ => {
            v.add(field, "must be from 5 to 480 minutes (0 for 30)");
            DEFAULT_MINUTES
        }
    }
}

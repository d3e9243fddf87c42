//! Protobuf enums and messages to and from the domain and store types.

use attain_domain::coaching::{Frequency, PlanStatus, SessionKind, SessionStatus};
use attain_domain::{Violations, calendar::Calendar};
use attain_proto::coaching::v1 as pb;
use attain_runtime::convert;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::store::sessions::{ActionItemRecord, SessionRecord, StoredLink};

pub fn kind(value: i32) -> Option<SessionKind> {
    Some(match pb::SessionKind::try_from(value).ok()? {
        pb::SessionKind::Unspecified => return None,
        pb::SessionKind::OneOnOne => SessionKind::OneOnOne,
        pb::SessionKind::CallReview => SessionKind::CallReview,
        pb::SessionKind::PeerCallCoaching => SessionKind::PeerCallCoaching,
        pb::SessionKind::TeamCoaching => SessionKind::TeamCoaching,
        pb::SessionKind::PipelineReview => SessionKind::PipelineReview,
        pb::SessionKind::DealReview => SessionKind::DealReview,
        pb::SessionKind::WeeklyMetricsReview => SessionKind::WeeklyMetricsReview,
        pb::SessionKind::RideAlong => SessionKind::RideAlong,
    })
}

pub fn kind_to_proto(k: SessionKind) -> i32 {
    (match k {
        SessionKind::OneOnOne => pb::SessionKind::OneOnOne,
        SessionKind::CallReview => pb::SessionKind::CallReview,
        SessionKind::PeerCallCoaching => pb::SessionKind::PeerCallCoaching,
        SessionKind::TeamCoaching => pb::SessionKind::TeamCoaching,
        SessionKind::PipelineReview => pb::SessionKind::PipelineReview,
        SessionKind::DealReview => pb::SessionKind::DealReview,
        SessionKind::WeeklyMetricsReview => pb::SessionKind::WeeklyMetricsReview,
        SessionKind::RideAlong => pb::SessionKind::RideAlong,
    }) as i32
}

pub fn kind_text_to_proto(text: &str) -> i32 {
    SessionKind::parse(text).map_or(0, kind_to_proto)
}

pub fn status(value: i32) -> Option<SessionStatus> {
    Some(match pb::SessionStatus::try_from(value).ok()? {
        pb::SessionStatus::Unspecified => return None,
        pb::SessionStatus::Scheduled => SessionStatus::Scheduled,
        pb::SessionStatus::Completed => SessionStatus::Completed,
        pb::SessionStatus::Cancelled => SessionStatus::Cancelled,
        pb::SessionStatus::NoShow => SessionStatus::NoShow,
    })
}

pub fn status_to_proto(text: &str) -> i32 {
    (match SessionStatus::parse(text) {
        Some(SessionStatus::Scheduled) => pb::SessionStatus::Scheduled,
        Some(SessionStatus::Completed) => pb::SessionStatus::Completed,
        Some(SessionStatus::Cancelled) => pb::SessionStatus::Cancelled,
        Some(SessionStatus::NoShow) => pb::SessionStatus::NoShow,
        None => pb::SessionStatus::Unspecified,
    }) as i32
}

pub fn frequency(value: i32) -> Option<Frequency> {
    Some(match pb::Frequency::try_from(value).ok()? {
        pb::Frequency::Unspecified => return None,
        pb::Frequency::Weekly => Frequency::Weekly,
        pb::Frequency::Biweekly => Frequency::Biweekly,
        pb::Frequency::Monthly => Frequency::Monthly,
    })
}

pub fn frequency_to_proto(text: &str) -> i32 {
    (match Frequency::parse(text) {
        Some(Frequency::Weekly) => pb::Frequency::Weekly,
        Some(Frequency::Biweekly) => pb::Frequency::Biweekly,
        Some(Frequency::Monthly) => pb::Frequency::Monthly,
        None => pb::Frequency::Unspecified,
    }) as i32
}

pub fn plan_status(value: i32) -> Option<PlanStatus> {
    Some(match pb::PlanStatus::try_from(value).ok()? {
        pb::PlanStatus::Unspecified => return None,
        pb::PlanStatus::Active => PlanStatus::Active,
        pb::PlanStatus::Completed => PlanStatus::Completed,
        pb::PlanStatus::Abandoned => PlanStatus::Abandoned,
        pb::PlanStatus::Ended => PlanStatus::Ended,
    })
}

pub fn plan_status_to_proto(text: &str) -> i32 {
    (match PlanStatus::parse(text) {
        Some(PlanStatus::Active) => pb::PlanStatus::Active,
        Some(PlanStatus::Completed) => pb::PlanStatus::Completed,
        Some(PlanStatus::Abandoned) => pb::PlanStatus::Abandoned,
        Some(PlanStatus::Ended) => pb::PlanStatus::Ended,
        None => pb::PlanStatus::Unspecified,
    }) as i32
}

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
        kind: kind_text_to_proto(&s.kind),
        coach_id: s.coach_id.to_string(),
        coachee_ids: s.coachee_ids.iter().map(|p| p.to_string()).collect(),
        expert_ids: s.expert_ids.iter().map(|p| p.to_string()).collect(),
        start_time: Some(convert::timestamp(s.start_time)),
        duration_minutes: s.duration_minutes,
        status: status_to_proto(&s.status),
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
        overdue: s.status == SessionStatus::Scheduled.as_str() && end < now,
        create_time: Some(convert::timestamp(s.created_at)),
        update_time: Some(convert::timestamp(s.updated_at)),
        etag: convert::etag(s.revision),
    }
}

/// The first instant of local `day` in the calendar's zone.
pub fn day_start(calendar: &Calendar, day: NaiveDate) -> DateTime<Utc> {
    zone_day_start(calendar.time_zone(), day)
}

pub fn zone_day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // Midnight skipped by a clock change: the day starts an hour later.
        LocalResult::None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
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

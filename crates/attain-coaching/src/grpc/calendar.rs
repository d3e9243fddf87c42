//! Cadences, the coaching calendar and the coaching load on the wire.

use attain_domain::{
    Violations,
    calendar::parse_time_zone,
    coaching::{Frequency, SessionKind, cadence::check_cadence_dates},
    period::DateRange,
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::from_wire};

use super::{
    encode,
    fields::{duration, ids, required_id},
};
use crate::app::{
    CoachingApi,
    calendar::{CalendarQuery, CalendarScope, NewCadence},
};

const MAX_CALENDAR_DAYS: i64 = 366;
const MAX_COACHEES: usize = 50;

fn new_cadence(req: pb::CreateCadenceRequest) -> ApiResult<NewCadence> {
    let c = req.cadence.unwrap_or_default();
    let mut v = Violations::new();
    let kind = from_wire::<SessionKind>(c.kind);
    if kind.is_none() {
        v.add(
            "cadence.kind",
            "must be one of the SESSION_KIND_ values other than UNSPECIFIED",
        );
    }
    let coach = convert::required_id(&mut v, "cadence.coach_id", &c.coach_id);
    if c.coachee_ids.is_empty() || c.coachee_ids.len() > MAX_COACHEES {
        v.add("cadence.coachee_ids", format!("give 1 to {MAX_COACHEES} coachees"));
    }
    let coachee_ids = ids(&mut v, "cadence.coachee_ids", &c.coachee_ids);
    let frequency = from_wire::<Frequency>(c.frequency);
    if frequency.is_none() {
        v.add(
            "cadence.frequency",
            "must be one of the FREQUENCY_ values other than UNSPECIFIED",
        );
    }
    let weekday = from_wire::<chrono::Weekday>(c.day_of_week);
    if weekday.is_none() {
        v.add(
            "cadence.day_of_week",
            "must be a DAY_OF_WEEK_ value other than UNSPECIFIED",
        );
    }
    if !(0..1440).contains(&c.start_minute) {
        v.add("cadence.start_minute", "must be minutes after midnight, 0 to 1439");
    }
    let minutes = duration(&mut v, "cadence.duration_minutes", c.duration_minutes);
    let start = convert::required_date(&mut v, "cadence.start_date", c.start_date.as_ref());
    let end = convert::optional_date(&mut v, "cadence.end_date", c.end_date.as_ref());
    if let Some(s) = start {
        v.extend_prefixed("cadence", check_cadence_dates(s, end));
    }
    let time_zone = if c.time_zone.is_empty() {
        None
    } else {
        v.check("cadence.time_zone", parse_time_zone(&c.time_zone))
    };
    let (Some(kind), Some(coach_id), Some(frequency), Some(weekday), Some(start_date)) =
        v.into_result((kind, coach, frequency, weekday, start))?
    else {
        return Err(ApiError::invalid("cadence", "is required"));
    };
    Ok(NewCadence {
        kind,
        coach_id,
        coachee_ids,
        one_per_coachee: c.one_per_coachee,
        frequency,
        weekday,
        start_minute: c.start_minute,
        time_zone,
        duration_minutes: minutes,
        start_date,
        end_date: end,
    })
}

pub async fn create_cadence(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateCadenceRequest,
) -> ApiResult<pb::CreateCadenceResponse> {
    let saved = api.create_cadence(ctx, new_cadence(req).into()).await?;
    Ok(pb::CreateCadenceResponse {
        cadence: Some(encode::cadence(&saved)),
    })
}

pub async fn list_cadences(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListCadencesRequest,
) -> ApiResult<pb::ListCadencesResponse> {
    let mut v = Violations::new();
    let coach = convert::optional_id(&mut v, "coach_id", &req.coach_id);
    let coach = v.into_result(coach)?;
    let cadences = api.list_cadences(ctx, coach).await?;
    Ok(pb::ListCadencesResponse {
        cadences: cadences.iter().map(encode::cadence).collect(),
    })
}

pub async fn delete_cadence(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::DeleteCadenceRequest,
) -> ApiResult<pb::DeleteCadenceResponse> {
    let id = required_id("id", &req.id)?;
    let removed = api.delete_cadence(ctx, id).await?;
    Ok(pb::DeleteCadenceResponse {
        removed_sessions: removed as i32,
    })
}

fn calendar_query(req: pb::GetCalendarRequest) -> ApiResult<CalendarQuery> {
    use pb::get_calendar_request::Scope as S;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(S::CoachId(id)) => convert::required_id(&mut v, "coach_id", id).map(CalendarScope::Coach),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(CalendarScope::Team),
        None => {
            v.add("scope", "give coach_id or team_id");
            None
        }
    };
    let r = req.range.unwrap_or_default();
    let start = convert::required_date(&mut v, "range.start_date", r.start_date.as_ref());
    let end = convert::required_date(&mut v, "range.end_date", r.end_date.as_ref());
    let range = match (start, end) {
        (Some(s), Some(e)) => v.check("range", DateRange::new(s, e)),
        _ => None,
    };
    if range.is_some_and(|r| r.days() > MAX_CALENDAR_DAYS) {
        v.add("range", format!("at most {MAX_CALENDAR_DAYS} days"));
    }
    let time_zone = if req.time_zone.is_empty() {
        None
    } else {
        v.check("time_zone", parse_time_zone(&req.time_zone))
    };
    let (Some(scope), Some(range)) = v.into_result((scope, range))? else {
        return Err(ApiError::invalid("range", "is required"));
    };
    Ok(CalendarQuery {
        scope,
        range,
        time_zone,
    })
}

pub async fn calendar(api: &CoachingApi, ctx: &Ctx, req: pb::GetCalendarRequest) -> ApiResult<pb::GetCalendarResponse> {
    let query = calendar_query(req)?;
    let c = api.coaching_calendar(ctx, query).await?;
    Ok(pb::GetCalendarResponse {
        sessions: c
            .sessions
            .iter()
            .map(|s| encode::session(s, &c.items, c.as_of))
            .collect(),
        overdue_count: c.overdue_count as i32,
        no_show_count: c.no_show_count as i32,
    })
}

pub async fn load(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetCoachingLoadRequest,
) -> ApiResult<pb::GetCoachingLoadResponse> {
    let mut v = Violations::new();
    let team = convert::optional_id(&mut v, "team_id", &req.team_id);
    let period = convert::period_spec(&mut v, "period", req.period.as_ref());
    let (team, Some(period)) = v.into_result((team, period))? else {
        return Err(ApiError::invalid("period", "is required"));
    };
    let load = api.coaching_load(ctx, team, period).await?;
    Ok(pb::GetCoachingLoadResponse {
        range: Some(convert::range_to_proto(load.range)),
        coaches: load
            .coaches
            .iter()
            .map(|c| pb::CoachLoad {
                coach_id: c.coach_id.to_string(),
                sessions: c.sessions as i32,
                minutes: c.minutes,
                coachees: c.coachees as i32,
            })
            .collect(),
    })
}

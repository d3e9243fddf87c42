//! Cadences and the coaching calendar: cadences generate sessions (idempotently, for the days
//! someone looks at), the calendar lists a coach's or a team's sessions, and the load view
//! counts sessions and hours per coach.

use std::collections::{HashMap, HashSet};

use attain_domain::{
    Violations,
    calendar::{parse_time_zone, zone_day_start},
    coaching::{
        Frequency, SessionKind, SessionStatus,
        cadence::{self as cadence, Cadence, check_cadence_dates},
    },
    org::AccessRole,
    period::DateRange,
};
use attain_proto::coaching::v1 as pb;
use attain_runtime::enums::{from_wire, to_wire};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    CoachingApi,
    access::View,
    convert::{self as cv, duration},
};
use crate::store::{
    Conn,
    cadences::{self as store, CadenceRecord},
    sessions::{self, Filter, NewSession},
};

const MAX_CALENDAR_DAYS: i64 = 366;

fn to_proto(c: &CadenceRecord) -> pb::Cadence {
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

fn domain(c: &CadenceRecord) -> Option<Cadence> {
    Some(Cadence {
        frequency: c.frequency,
        weekday: chrono::Weekday::try_from(u8::try_from(c.weekday - 1).ok()?).ok()?,
        local_time: NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(c.start_minute).ok()? * 60, 0)?,
        time_zone: c.time_zone.parse().ok()?,
        start_date: c.start_date,
        end_date: c.end_date,
    })
}

/// Creates the sessions `cadences` have in `[from, to)` that do not exist yet.
pub async fn generate(
    c: &mut Conn,
    tenant: Uuid,
    cadences: &[CadenceRecord],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<()> {
    for cad in cadences {
        let Some(rule) = domain(cad) else {
            tracing::warn!(cadence = %cad.cadence_id, "cadence with an unreadable rule skipped");
            continue;
        };
        for start in cadence::occurrences(&rule, from, to) {
            let groups: Vec<(String, Vec<Uuid>)> = if cad.one_per_coachee {
                cad.coachee_ids
                    .iter()
                    .map(|p| (format!("{}|{p}", start.to_rfc3339()), vec![*p]))
                    .collect()
            } else {
                vec![(format!("{}|*", start.to_rfc3339()), cad.coachee_ids.clone())]
            };
            for (slot, coachees) in groups {
                let new = NewSession {
                    kind: cad.kind,
                    coach_id: cad.coach_id,
                    coachee_ids: &coachees,
                    expert_ids: &[],
                    start_time: start,
                    duration_minutes: cad.duration_minutes,
                    agenda: "",
                    focus_metric_keys: &[],
                    links: &[],
                    cadence: Some((cad.cadence_id, slot)),
                };
                sessions::insert(c, tenant, &new, None).await?;
            }
        }
    }
    Ok(())
}

pub async fn create_cadence(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::CreateCadenceRequest,
) -> ApiResult<pb::CreateCadenceResponse> {
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create coaching cadences")?;
    let c = req.cadence.unwrap_or_default();
    let view = View::naming(&api.peers, ctx, [&c.coach_id].into_iter().chain(&c.coachee_ids)).await?;
    let mut v = Violations::new();
    let kind = from_wire::<SessionKind>(c.kind);
    if kind.is_none() {
        v.add(
            "cadence.kind",
            "must be one of the SESSION_KIND_ values other than UNSPECIFIED",
        );
    }
    let coach = convert::required_id(&mut v, "cadence.coach_id", &c.coach_id);
    if let Some(id) = coach
        && !view.sees(id)
    {
        v.add("cadence.coach_id", "no person with this id that you may see");
    }
    if c.coachee_ids.is_empty() || c.coachee_ids.len() > 50 {
        v.add("cadence.coachee_ids", "give 1 to 50 coachees");
    }
    let mut coachees = Vec::new();
    for (i, id) in c.coachee_ids.iter().enumerate() {
        let field = format!("cadence.coachee_ids[{i}]");
        if let Some(p) = convert::required_id(&mut v, &field, id) {
            if view.sees(p) {
                coachees.push(p);
            } else {
                v.add(field, "no person with this id that you may coach");
            }
        }
    }
    coachees.sort_unstable();
    coachees.dedup();
    let frequency = from_wire::<Frequency>(c.frequency);
    if frequency.is_none() {
        v.add(
            "cadence.frequency",
            "must be one of the FREQUENCY_ values other than UNSPECIFIED",
        );
    }
    let weekday = attain_runtime::enums::from_wire::<chrono::Weekday>(c.day_of_week);
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
    let zone = if c.time_zone.is_empty() {
        None
    } else {
        v.check("cadence.time_zone", parse_time_zone(&c.time_zone))
    };
    let (kind, coach, frequency, weekday, start) = match v.into_result((kind, coach, frequency, weekday, start))? {
        (Some(k), Some(c), Some(f), Some(w), Some(s)) => (k, c, f, w, s),
        _ => return Err(ApiError::invalid("cadence", "is required")),
    };
    // The coach's own zone, else the tenant's.
    let zone = match zone {
        Some(z) => z,
        None => {
            let own = api
                .peers
                .org
                .person(ctx, coach)
                .await?
                .map(|p| p.time_zone)
                .unwrap_or_default();
            match own.parse::<Tz>() {
                Ok(z) if !own.is_empty() => z,
                _ => api.peers.directory.calendar(ctx).await?.time_zone(),
            }
        }
    };
    let record = CadenceRecord {
        cadence_id: Uuid::now_v7(),
        kind,
        coach_id: coach,
        coachee_ids: coachees,
        one_per_coachee: c.one_per_coachee,
        frequency,
        weekday: weekday.number_from_monday() as i16,
        start_minute: c.start_minute,
        time_zone: zone.name().to_string(),
        duration_minutes: minutes,
        start_date: start,
        end_date: end,
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let saved = store::insert(&mut tx, ctx.tenant_id, &record).await?;
    tx.commit().await?;
    Ok(pb::CreateCadenceResponse {
        cadence: Some(to_proto(&saved)),
    })
}

pub async fn list_cadences(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::ListCadencesRequest,
) -> ApiResult<pb::ListCadencesResponse> {
    let mut v = Violations::new();
    let coach = convert::optional_id(&mut v, "coach_id", &req.coach_id);
    v.into_result(())?;
    let view = View::of(api, ctx).await?;
    let involving = view.involving();
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let cadences = store::list(&mut tx, ctx.tenant_id, coach, involving.as_deref()).await?;
    tx.commit().await?;
    Ok(pb::ListCadencesResponse {
        cadences: cadences.iter().map(to_proto).collect(),
    })
}

pub async fn delete_cadence(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::DeleteCadenceRequest,
) -> ApiResult<pb::DeleteCadenceResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "id", &req.id);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("id", "is required"))?;
    let view = View::of(api, ctx).await?;
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cadence = store::get(&mut tx, tenant, id)
        .await?
        .filter(|c| {
            ctx.role.sees_whole_tenant() || view.sees(c.coach_id) || c.coachee_ids.iter().any(|p| view.sees(*p))
        })
        .ok_or_else(|| ApiError::not_found(format!("cadence {id}")))?;
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "delete coaching cadences")?;
    let removed = sessions::delete_future_of_cadence(&mut tx, tenant, cadence.cadence_id, Utc::now()).await?;
    store::delete(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(pb::DeleteCadenceResponse {
        removed_sessions: removed as i32,
    })
}

/// The coaching calendar's scope: a coach, or the sellers of a team subtree.
enum Scope {
    Coach(Uuid),
    Team(Vec<Uuid>),
}

pub async fn calendar(api: &CoachingApi, ctx: &Ctx, req: pb::GetCalendarRequest) -> ApiResult<pb::GetCalendarResponse> {
    use pb::get_calendar_request::Scope as S;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(S::CoachId(id)) => convert::required_id(&mut v, "coach_id", id).map(|id| (true, id)),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(|id| (false, id)),
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
    let zone = if req.time_zone.is_empty() {
        None
    } else {
        v.check("time_zone", parse_time_zone(&req.time_zone))
    };
    let (scope, range) = match v.into_result((scope, range))? {
        (Some(s), Some(r)) => (s, r),
        _ => return Err(ApiError::invalid("range", "is required")),
    };
    let zone = match zone {
        Some(z) => z,
        None => api.peers.directory.calendar(ctx).await?.time_zone(),
    };
    let view = View::of(api, ctx).await?;
    let scope = match scope {
        (true, coach) => {
            view.see(coach).await?;
            Scope::Coach(coach)
        }
        (false, team) => {
            let reps: Vec<Uuid> = api
                .peers
                .org
                .team_sellers(ctx, team)
                .await?
                .iter()
                .filter_map(|p| Uuid::parse_str(&p.id).ok())
                .collect();
            Scope::Team(reps)
        }
    };
    let from = zone_day_start(zone, range.start);
    let to = zone_day_start(zone, range.end.succ_opt().unwrap_or(range.end));
    let (coach, involving) = match &scope {
        Scope::Coach(c) => (Some(*c), None),
        Scope::Team(reps) => (None, Some(reps.clone())),
    };
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cadences = store::list(&mut tx, tenant, coach, involving.as_deref()).await?;
    generate(&mut tx, tenant, &cadences, from, to).await?;
    let filter = Filter {
        coach,
        involving,
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    let found = sessions::list(&mut tx, tenant, &filter, 10_000).await?;
    let ids: Vec<Uuid> = found.iter().map(|s| s.session_id).collect();
    let items = sessions::items_of_sessions(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    let now = Utc::now();
    let visible: Vec<pb::Session> = found
        .iter()
        .filter(|s| view.sees_session(s))
        .map(|s| cv::session_to_proto(s, &items, now))
        .collect();
    Ok(pb::GetCalendarResponse {
        overdue_count: visible.iter().filter(|s| s.overdue).count() as i32,
        no_show_count: visible
            .iter()
            .filter(|s| s.status == pb::SessionStatus::NoShow as i32)
            .count() as i32,
        sessions: visible,
    })
}

pub async fn load(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetCoachingLoadRequest,
) -> ApiResult<pb::GetCoachingLoadResponse> {
    let mut v = Violations::new();
    let team = convert::optional_id(&mut v, "team_id", &req.team_id);
    let cal = api.peers.directory.calendar(ctx).await?;
    let range = convert::resolve_period(&mut v, "period", req.period.as_ref(), &cal);
    let range = v
        .into_result(range)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    let view = View::of(api, ctx).await?;
    let involving = match team {
        Some(t) => Some(
            api.peers
                .org
                .team_sellers(ctx, t)
                .await?
                .iter()
                .filter_map(|p| Uuid::parse_str(&p.id).ok())
                .collect(),
        ),
        None => view.involving(),
    };
    let (from, to) = (
        cal.day_start(range.start),
        cal.day_start(range.end.succ_opt().unwrap_or(range.end)),
    );
    let tenant = ctx.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cadences = store::list(&mut tx, tenant, None, involving.as_deref()).await?;
    generate(&mut tx, tenant, &cadences, from, to).await?;
    let filter = Filter {
        involving,
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    let found = sessions::list(&mut tx, tenant, &filter, 100_000).await?;
    tx.commit().await?;
    let mut by_coach: HashMap<Uuid, (i32, i32, HashSet<Uuid>)> = HashMap::new();
    for s in found
        .iter()
        .filter(|s| s.status != SessionStatus::Cancelled && view.sees_session(s))
    {
        let entry = by_coach.entry(s.coach_id).or_default();
        entry.0 += 1;
        entry.1 += s.duration_minutes;
        entry.2.extend(s.coachee_ids.iter().copied());
    }
    let mut coaches: Vec<pb::CoachLoad> = by_coach
        .into_iter()
        .map(|(coach, (sessions, minutes, coachees))| pb::CoachLoad {
            coach_id: coach.to_string(),
            sessions,
            minutes,
            coachees: coachees.len() as i32,
        })
        .collect();
    coaches.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.coach_id.cmp(&b.coach_id)));
    Ok(pb::GetCoachingLoadResponse {
        range: Some(convert::range_to_proto(range)),
        coaches,
    })
}

//! Cadences and the coaching calendar: cadences generate sessions (idempotently, for the days
//! someone looks at), the calendar lists a coach's or a team's sessions, and the load view
//! counts sessions and hours per coach.

use std::collections::{HashMap, HashSet};

use attain_domain::{
    Violations,
    calendar::zone_day_start,
    coaching::{
        Frequency, SessionKind, SessionStatus,
        cadence::{self as cadence, Cadence},
    },
    org::AccessRole,
    period::{DateRange, PeriodSpec},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{CoachingApi, access::View, sessions::is_overdue};
use crate::store::{
    Conn,
    cadences::{self as store, CadenceRecord},
    sessions::{self, ActionItemRecord, Filter, NewSession, SessionRecord},
};

/// A cadence to create, its fields checked; whether the caller may see the coach and coach the
/// coachees is the use case's to check.
pub struct NewCadence {
    pub kind: SessionKind,
    pub coach_id: Uuid,
    /// As given (1 to 50, possibly repeated).
    pub coachee_ids: Vec<Uuid>,
    pub one_per_coachee: bool,
    pub frequency: Frequency,
    pub weekday: Weekday,
    /// Minutes after midnight, 0 to 1439.
    pub start_minute: i32,
    /// `None`: the coach's own zone, else the tenant's.
    pub time_zone: Option<Tz>,
    pub duration_minutes: i32,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// Whose coaching calendar: a coach's, or the sellers' of a team subtree.
pub enum CalendarScope {
    Coach(Uuid),
    Team(Uuid),
}

/// A GetCalendar request, checked.
pub struct CalendarQuery {
    pub scope: CalendarScope,
    /// At most 366 days.
    pub range: DateRange,
    /// The zone whose days the range means; `None`: the tenant's.
    pub time_zone: Option<Tz>,
}

/// The sessions of a calendar the caller sees, with their action items, as of a moment.
pub struct CalendarView {
    pub sessions: Vec<SessionRecord>,
    pub items: Vec<ActionItemRecord>,
    /// When the calendar was read: what decides whether a scheduled session is overdue.
    pub as_of: DateTime<Utc>,
    pub overdue_count: u32,
    pub no_show_count: u32,
}

/// One coach's load over a period.
pub struct CoachLoad {
    pub coach_id: Uuid,
    pub sessions: u32,
    pub minutes: i32,
    /// Distinct people coached.
    pub coachees: u32,
}

/// The coaching load of a period: coaches by minutes, most first.
pub struct CoachingLoad {
    pub range: DateRange,
    pub coaches: Vec<CoachLoad>,
}

/// The ids among a team's sellers.
async fn team_sellers(api: &CoachingApi, ctx: &Ctx, team: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(api
        .peers
        .org
        .team_sellers(ctx, team)
        .await?
        .iter()
        .filter_map(|p| Uuid::parse_str(&p.id).ok())
        .collect())
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

impl CoachingApi {
    pub async fn create_cadence(&self, ctx: &Ctx, input: Decoded<NewCadence>) -> ApiResult<CadenceRecord> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create coaching cadences")?;
        let named: Vec<Uuid> = input
            .peek()
            .map(|c| {
                std::iter::once(c.coach_id)
                    .chain(c.coachee_ids.iter().copied())
                    .collect()
            })
            .unwrap_or_default();
        let view = View::naming(&self.peers, ctx, &named).await?;
        let c = input.get()?;
        // Whom the caller may see and coach, now that the ids themselves are valid.
        let mut v = Violations::new();
        if !view.sees(c.coach_id) {
            v.add("cadence.coach_id", "no person with this id that you may see");
        }
        for (i, p) in c.coachee_ids.iter().enumerate() {
            if !view.sees(*p) {
                v.add(
                    format!("cadence.coachee_ids[{i}]"),
                    "no person with this id that you may coach",
                );
            }
        }
        v.into_result(())?;
        let mut coachees = c.coachee_ids;
        coachees.sort_unstable();
        coachees.dedup();
        // The coach's own zone, else the tenant's.
        let zone = match c.time_zone {
            Some(z) => z,
            None => {
                let own = self
                    .peers
                    .org
                    .person(ctx, c.coach_id)
                    .await?
                    .map(|p| p.time_zone)
                    .unwrap_or_default();
                match own.parse::<Tz>() {
                    Ok(z) if !own.is_empty() => z,
                    _ => self.peers.directory.calendar(ctx).await?.time_zone(),
                }
            }
        };
        let record = CadenceRecord {
            cadence_id: Uuid::now_v7(),
            kind: c.kind,
            coach_id: c.coach_id,
            coachee_ids: coachees,
            one_per_coachee: c.one_per_coachee,
            frequency: c.frequency,
            weekday: c.weekday.number_from_monday() as i16,
            start_minute: c.start_minute,
            time_zone: zone.name().to_string(),
            duration_minutes: c.duration_minutes,
            start_date: c.start_date,
            end_date: c.end_date,
        };
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let saved = store::insert(&mut tx, ctx.tenant_id, &record).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The cadences the caller sees, optionally of one coach.
    pub async fn list_cadences(&self, ctx: &Ctx, coach: Option<Uuid>) -> ApiResult<Vec<CadenceRecord>> {
        let view = View::of(self, ctx).await?;
        let involving = view.involving();
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let cadences = store::list(&mut tx, ctx.tenant_id, coach, involving.as_deref()).await?;
        tx.commit().await?;
        Ok(cadences)
    }

    /// Deletes a cadence and its sessions still to come; how many sessions went.
    pub async fn delete_cadence(&self, ctx: &Ctx, id: Uuid) -> ApiResult<u64> {
        let view = View::of(self, ctx).await?;
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
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
        Ok(removed)
    }

    pub async fn coaching_calendar(&self, ctx: &Ctx, q: CalendarQuery) -> ApiResult<CalendarView> {
        let CalendarQuery {
            scope,
            range,
            time_zone,
        } = q;
        let zone = match time_zone {
            Some(z) => z,
            None => self.peers.directory.calendar(ctx).await?.time_zone(),
        };
        let view = View::of(self, ctx).await?;
        // A coach's sessions, or the sessions involving a team's sellers.
        let (coach, involving) = match scope {
            CalendarScope::Coach(coach) => {
                view.see(coach).await?;
                (Some(coach), None)
            }
            CalendarScope::Team(team) => (None, Some(team_sellers(self, ctx, team).await?)),
        };
        let from = zone_day_start(zone, range.start);
        let to = zone_day_start(zone, range.end.succ_opt().unwrap_or(range.end));
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
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
        let as_of = Utc::now();
        let visible: Vec<SessionRecord> = found.into_iter().filter(|s| view.sees_session(s)).collect();
        Ok(CalendarView {
            overdue_count: visible.iter().filter(|s| is_overdue(s, as_of)).count() as u32,
            no_show_count: visible.iter().filter(|s| s.status == SessionStatus::NoShow).count() as u32,
            sessions: visible,
            items,
            as_of,
        })
    }

    /// Sessions, minutes and people coached per coach over a period, of a team's sellers or of
    /// everyone the caller sees.
    pub async fn coaching_load(&self, ctx: &Ctx, team: Option<Uuid>, period: PeriodSpec) -> ApiResult<CoachingLoad> {
        let cal = self.peers.directory.calendar(ctx).await?;
        let range = period.resolve(&cal, cal.local_date(Utc::now()));
        let view = View::of(self, ctx).await?;
        let involving = match team {
            Some(t) => Some(team_sellers(self, ctx, t).await?),
            None => view.involving(),
        };
        let (from, to) = (
            cal.day_start(range.start),
            cal.day_start(range.end.succ_opt().unwrap_or(range.end)),
        );
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
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
        let mut by_coach: HashMap<Uuid, (u32, i32, HashSet<Uuid>)> = HashMap::new();
        for s in found
            .iter()
            .filter(|s| s.status != SessionStatus::Cancelled && view.sees_session(s))
        {
            let entry = by_coach.entry(s.coach_id).or_default();
            entry.0 += 1;
            entry.1 += s.duration_minutes;
            entry.2.extend(s.coachee_ids.iter().copied());
        }
        let mut coaches: Vec<CoachLoad> = by_coach
            .into_iter()
            .map(|(coach_id, (sessions, minutes, coachees))| CoachLoad {
                coach_id,
                sessions,
                minutes,
                coachees: coachees.len() as u32,
            })
            .collect();
        // Ids compare as their text does (lowercase hex, hyphens in fixed places).
        coaches.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.coach_id.cmp(&b.coach_id)));
        Ok(CoachingLoad { range, coaches })
    }
}

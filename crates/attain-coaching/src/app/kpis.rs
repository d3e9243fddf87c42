//! Coaching KPIs for a coach or a team, and metric-based suggestions of whom to coach on what.

use attain_runtime::clients::scorecard::KpiQuery;
use attain_runtime::enums::to_wire;
use std::collections::{HashMap, HashSet};

use attain_domain::{
    Violations,
    coaching::{
        SessionKind, SessionStatus,
        kpi::{self, Candidate},
        plans::{MetricGoal, progress},
    },
    period::{DateRange, Granularity},
};
use attain_proto::{coaching::v1 as pb, metrics::v1::metric_value::Value};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{CoachingApi, access::View, calendar::generate};
use crate::store::{
    cadences, plans as plan_store,
    sessions::{self, Filter},
};

fn completed(s: &sessions::SessionRecord) -> bool {
    s.status == SessionStatus::Completed
}

/// Planned: anything not called off.
fn planned(s: &sessions::SessionRecord) -> bool {
    s.status != SessionStatus::Cancelled
}

/// Conversion rates compared with the team median for suggestions.
const RATES: &[&str] = &[
    "call_to_conversation",
    "conversation_to_meeting_set",
    "set_to_held",
    "held_to_qualified",
    "win_rate",
];

pub async fn kpis(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::GetCoachingKpisRequest,
) -> ApiResult<pb::GetCoachingKpisResponse> {
    use pb::get_coaching_kpis_request::Scope;
    let mut v = Violations::new();
    let scope = match req.scope.as_ref() {
        Some(Scope::CoachId(id)) => convert::required_id(&mut v, "coach_id", id).map(|id| (true, id)),
        Some(Scope::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(|id| (false, id)),
        None => {
            v.add("scope", "give coach_id or team_id");
            None
        }
    };
    let cal = api.peers.directory.calendar(ctx).await?;
    let range = convert::resolve_period(&mut v, "period", req.period.as_ref(), &cal);
    let ((is_coach, id), range) = match v.into_result((scope, range))? {
        (Some(s), Some(r)) => (s, r),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
    let view = View::of(api, ctx).await?;
    let (from, to) = (
        cal.day_start(range.start),
        cal.day_start(range.end.succ_opt().unwrap_or(range.end)),
    );
    let tenant = ctx.tenant_id;
    // The reps in scope: a team subtree's sellers, or the people a coach coaches.
    let team_reps: Option<Vec<Uuid>> = if is_coach {
        view.see(id).await?;
        None
    } else {
        Some(
            api.peers
                .org
                .team_sellers(ctx, id)
                .await?
                .iter()
                .filter_map(|p| Uuid::parse_str(&p.id).ok())
                .collect(),
        )
    };
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let coach = is_coach.then_some(id);
    let cads = cadences::list(&mut tx, tenant, coach, team_reps.as_deref()).await?;
    generate(&mut tx, tenant, &cads, from, to).await?;
    let filter = Filter {
        coach,
        involving: team_reps.clone(),
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    let found: Vec<_> = sessions::list(&mut tx, tenant, &filter, 100_000)
        .await?
        .into_iter()
        .filter(|s| view.sees_session(s))
        .collect();
    let reps: Vec<Uuid> = match &team_reps {
        Some(r) => r.clone(),
        None => {
            let mut people: HashSet<Uuid> = cads.iter().flat_map(|c| c.coachee_ids.iter().copied()).collect();
            people.extend(found.iter().flat_map(|s| s.coachee_ids.iter().copied()));
            people.into_iter().collect()
        }
    };
    let plans = plan_store::action_plans_of(&mut tx, tenant, &reps, Some((range.start, range.end))).await?;
    tx.commit().await?;

    let now = Utc::now();
    let by_kind = SessionKind::ALL
        .iter()
        .map(|k| {
            let of_kind: Vec<_> = found.iter().filter(|s| s.kind == *k).collect();
            pb::KindCount {
                kind: to_wire(*k),
                completed: of_kind.iter().filter(|s| completed(s)).count() as i32,
                planned: of_kind.iter().filter(|s| planned(s)).count() as i32,
            }
        })
        .filter(|k| k.planned > 0)
        .collect();
    // Adherence: of the cadence sessions due by now (not cancelled), how many were held.
    let due: Vec<_> = found
        .iter()
        .filter(|s| s.cadence_id.is_some() && s.start_time <= now)
        .filter(|s| planned(s))
        .collect();
    let held_due = due.iter().filter(|s| completed(s)).count() as u32;
    let coached: HashSet<Uuid> = found
        .iter()
        .filter(|s| completed(s))
        .flat_map(|s| s.coachee_ids.iter().copied())
        .filter(|p| reps.contains(p))
        .collect();
    let mut one_on_ones: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for s in found
        .iter()
        .filter(|s| completed(s))
        .filter(|s| s.kind == SessionKind::OneOnOne)
    {
        for p in &s.coachee_ids {
            one_on_ones.entry(*p).or_default().push(cal.local_date(s.start_time));
        }
    }
    let gaps: Vec<f64> = one_on_ones.values().filter_map(|d| kpi::average_gap_days(d)).collect();
    let reps_to_quota = match (&team_reps, is_coach) {
        (Some(_), false) => api
            .peers
            .scorecards
            .manager_kpis(
                ctx,
                KpiQuery {
                    team: id,
                    range,
                    as_of: None,
                    quota_metric_key: "",
                },
            )
            .await?
            .reps_to_quota
            .and_then(|s| s.share),
        _ => None,
    };
    let focus_improvement = improvement(api, ctx, &plans, range).await?;
    // Coaching quality: what the coach's (or the team manager's) reps said in the survey.
    let coach_of_scope = if is_coach {
        Some(id)
    } else {
        Uuid::parse_str(&api.peers.org.visible_team(ctx, id).await?.manager_id).ok()
    };
    let (coaching_quality, coaching_quality_responses) = match coach_of_scope {
        Some(c) => super::survey_api::coaching_quality(&api.surveys, tenant, c).await?,
        None => (None, 0),
    };
    Ok(pb::GetCoachingKpisResponse {
        kpis: Some(pb::CoachingKpis {
            range: Some(convert::range_to_proto(range)),
            by_kind,
            completed: found.iter().filter(|s| completed(s)).count() as i32,
            planned: found.iter().filter(|s| planned(s)).count() as i32,
            adherence: kpi::adherence(held_due, due.len() as u32),
            rep_count: reps.len() as i32,
            reps_coached: coached.len() as i32,
            share_coached: kpi::share(coached.len() as u32, reps.len() as u32),
            average_days_between_one_on_ones: (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64),
            reps_to_quota,
            focus_improvement,
            coaching_quality,
            coaching_quality_responses,
        }),
    })
}

fn number(v: Option<&attain_proto::metrics::v1::MetricValue>) -> Option<f64> {
    match v?.value.as_ref()? {
        Value::Total(t) => Some(*t as f64),
        Value::Ratio(r) => Some(*r),
    }
}

/// Mean change of each coached metric over the action plans active in `range`: the value from
/// the plan's start to the end of `range` against the baseline taken when it was created.
async fn improvement(
    api: &CoachingApi,
    ctx: &Ctx,
    plans: &[plan_store::ActionPlanRecord],
    range: DateRange,
) -> ApiResult<Vec<pb::FocusImprovement>> {
    let mut changes: Vec<(String, Vec<f64>)> = Vec::new();
    for p in plans {
        let keys: Vec<String> = p.metric_goals.0.iter().map(|g| g.metric_key.clone()).collect();
        let end = range.end.min(p.end_date);
        if keys.is_empty() || end < p.start_date {
            continue;
        }
        let rows = api
            .peers
            .scorecards
            .metric_values(
                ctx,
                &[p.person_id],
                &keys,
                DateRange {
                    start: p.start_date,
                    end,
                },
                false,
            )
            .await?
            .rows;
        let values = rows.into_iter().next().map(|r| r.values).unwrap_or_default();
        for g in &p.metric_goals.0 {
            let now = number(values.iter().find(|v| v.metric_key == g.metric_key));
            let goal = MetricGoal {
                metric_key: g.metric_key.clone(),
                from: g.from,
                to: g.to,
            };
            if let Some(change) = progress(&goal, g.baseline, now).change {
                match changes.iter_mut().find(|(k, _)| *k == g.metric_key) {
                    Some((_, list)) => list.push(change),
                    None => changes.push((g.metric_key.clone(), vec![change])),
                }
            }
        }
    }
    Ok(changes
        .into_iter()
        .map(|(metric_key, list)| pb::FocusImprovement {
            metric_key,
            plans: list.len() as i32,
            mean_change: (!list.is_empty()).then(|| list.iter().sum::<f64>() / list.len() as f64),
        })
        .collect())
}

pub async fn suggest(
    api: &CoachingApi,
    ctx: &Ctx,
    req: pb::SuggestCoachingRequest,
) -> ApiResult<pb::SuggestCoachingResponse> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let min_working_days =
        minimum(&mut v, "min_working_days", req.min_working_days, 366).unwrap_or(kpi::DEFAULT_MIN_WORKING_DAYS);
    let min_sample =
        minimum(&mut v, "min_sample", req.min_sample, 1_000_000).map_or(kpi::DEFAULT_MIN_SAMPLE, u64::from);
    let cal = api.peers.directory.calendar(ctx).await?;
    let today = as_of.unwrap_or_else(|| cal.local_date(Utc::now()));
    let range = match req.period.as_ref() {
        Some(p) => convert::resolve_period(&mut v, "period", Some(p), &cal),
        None => Some(cal.period_containing(Granularity::Month, today)),
    };
    let (team, range) = match v.into_result((team, range))? {
        (Some(t), Some(r)) => (t, r),
        _ => return Err(ApiError::invalid("team_id", "is required")),
    };
    let to_date = DateRange {
        start: range.start,
        end: today.clamp(range.start, range.end),
    };
    // Before the period starts nothing has been worked.
    let working_days = if today < range.start {
        0
    } else {
        cal.working_days_between(to_date.start, to_date.end)
    };
    let mut out = pb::SuggestCoachingResponse {
        suggestions: Vec::new(),
        working_days: working_days as i32,
        min_working_days: min_working_days as i32,
        min_sample: min_sample as i32,
    };
    let reps = api.peers.org.team_sellers(ctx, team).await?;
    if reps.is_empty() || working_days < min_working_days {
        return Ok(out);
    }
    let kpis = api
        .peers
        .scorecards
        .manager_kpis(
            ctx,
            KpiQuery {
                team,
                range,
                as_of: Some(today),
                quota_metric_key: "",
            },
        )
        .await?;
    let ids: Vec<Uuid> = reps.iter().filter_map(|p| Uuid::parse_str(&p.id).ok()).collect();
    let keys: Vec<String> = RATES.iter().map(|k| k.to_string()).collect();
    let answer = api
        .peers
        .scorecards
        .metric_values(ctx, &ids, &keys, to_date, false)
        .await?;
    let name_of = |key: &str| answer.display_names.get(key).cloned().unwrap_or_else(|| key.to_owned());
    let candidates: Vec<Candidate> = reps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let behind = kpis
                .behind_pace
                .iter()
                .filter(|b| b.person_ids.contains(&p.id))
                .map(|b| (b.metric_key.clone(), b.display_name.clone()))
                .collect();
            let values = answer
                .rows
                .iter()
                .find(|r| r.person_id == p.id)
                .map(|r| r.values.as_slice())
                .unwrap_or(&[]);
            Candidate {
                person: i,
                behind_pace: behind,
                rates: keys
                    .iter()
                    .map(|k| {
                        let value = values.iter().find(|v| &v.metric_key == k);
                        kpi::Rate {
                            key: k.clone(),
                            name: name_of(k),
                            value: number(value),
                            sample: value.map_or(0, |v| u64::try_from(v.denominator).unwrap_or(0)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let evidence = kpi::Evidence {
        working_days,
        min_working_days,
        min_sample,
        lag_threshold: kpi::DEFAULT_LAG_THRESHOLD,
    };
    out.suggestions = kpi::suggest(&candidates, evidence)
        .into_iter()
        .filter_map(|s| {
            let person = reps.get(s.person)?;
            Some(pb::Suggestion {
                person_id: person.id.clone(),
                display_name: person.display_name.clone(),
                kind: to_wire(s.kind),
                focus_metric_keys: s.focus_metric_keys,
                reasons: s.reasons,
                rate_gaps: s
                    .lags
                    .into_iter()
                    .map(|l| pb::RateGap {
                        metric_key: l.key,
                        display_name: l.name,
                        value: l.value,
                        team_median: l.median,
                        gap: l.gap,
                        sample: i64::try_from(l.sample).unwrap_or(i64::MAX),
                        confidence: l.confidence,
                    })
                    .collect(),
                score: s.score,
            })
        })
        .collect();
    Ok(out)
}

/// A request's minimum: 0 for the default (`None`), else 1 to `max`.
fn minimum(v: &mut Violations, field: &str, value: i32, max: u32) -> Option<u32> {
    match u32::try_from(value) {
        Ok(0) => None,
        Ok(n) if n <= max => Some(n),
        _ => {
            v.add(field, format!("must be 0 (the default) to {max}"));
            None
        }
    }
}

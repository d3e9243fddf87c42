//! Coaching KPIs for a coach or a team, and metric-based suggestions of whom to coach on what.

use attain_runtime::clients::scorecard::KpiQuery;
use std::collections::{HashMap, HashSet};

use attain_domain::{
    coaching::{
        SessionKind, SessionStatus,
        kpi::{self, Candidate, Suggestion},
        plans::{MetricGoal, progress},
    },
    period::{DateRange, Granularity, PeriodSpec},
};
use attain_runtime::convert::metric_number as number;
use attain_runtime::{ApiResult, Ctx, db::begin_tenant};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{CoachingApi, access::View, calendar::generate};
use crate::store::{
    cadences, plans as plan_store,
    sessions::{self, Filter},
};

/// Whose coaching the KPIs cover: a coach's, or a team subtree's sellers'.
pub enum KpiScope {
    Coach(Uuid),
    Team(Uuid),
}

/// Sessions of one kind: held, and planned (not called off).
pub struct KindCount {
    pub kind: SessionKind,
    pub completed: u32,
    pub planned: u32,
}

/// The mean change of one coached metric over the action plans that target it.
pub struct FocusImprovement {
    pub metric_key: String,
    pub plans: u32,
    pub mean_change: Option<f64>,
}

/// The coaching KPIs of a period.
pub struct CoachingKpis {
    pub range: DateRange,
    /// The kinds with sessions planned.
    pub by_kind: Vec<KindCount>,
    pub completed: u32,
    pub planned: u32,
    pub adherence: Option<f64>,
    pub rep_count: u32,
    pub reps_coached: u32,
    pub share_coached: Option<f64>,
    pub average_days_between_one_on_ones: Option<f64>,
    pub reps_to_quota: Option<f64>,
    pub focus_improvement: Vec<FocusImprovement>,
    pub coaching_quality: Option<f64>,
    pub coaching_quality_responses: i32,
}

/// A SuggestCoaching request, checked.
pub struct SuggestQuery {
    pub team_id: Uuid,
    /// The day the suggestions are for; today in the tenant's calendar when unset.
    pub as_of: Option<NaiveDate>,
    /// The period whose metrics count; the month of the as-of day when unset.
    pub period: Option<PeriodSpec>,
    pub min_working_days: u32,
    pub min_sample: u64,
}

/// A suggestion for one rep of the team, as the directory names them.
pub struct RepSuggestion {
    pub person_id: String,
    pub display_name: String,
    pub suggestion: Suggestion,
}

/// Whom to coach on what, with the evidence thresholds applied.
pub struct Suggestions {
    pub suggestions: Vec<RepSuggestion>,
    /// Working days of the period completed by the as-of day.
    pub working_days: u32,
    pub min_working_days: u32,
    pub min_sample: u64,
}

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

/// Mean change of each coached metric over the action plans active in `range`: the value from
/// the plan's start to the end of `range` against the baseline taken when it was created.
async fn improvement(
    api: &CoachingApi,
    ctx: &Ctx,
    plans: &[plan_store::ActionPlanRecord],
    range: DateRange,
) -> ApiResult<Vec<FocusImprovement>> {
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
        .map(|(metric_key, list)| FocusImprovement {
            metric_key,
            plans: list.len() as u32,
            mean_change: (!list.is_empty()).then(|| list.iter().sum::<f64>() / list.len() as f64),
        })
        .collect())
}

impl CoachingApi {
    /// A coach's or a team's coaching over a period: sessions held and planned, cadence
    /// adherence, reps coached, one-on-one rhythm, reps to quota, what the action plans moved,
    /// and the coaching-quality score of the survey.
    pub async fn coaching_kpis(&self, ctx: &Ctx, scope: KpiScope, period: PeriodSpec) -> ApiResult<CoachingKpis> {
        let api = self;
        let cal = api.peers.directory.calendar(ctx).await?;
        let range = period.resolve(&cal, cal.local_date(Utc::now()));
        let (is_coach, id) = match scope {
            KpiScope::Coach(id) => (true, id),
            KpiScope::Team(id) => (false, id),
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
                KindCount {
                    kind: *k,
                    completed: of_kind.iter().filter(|s| completed(s)).count() as u32,
                    planned: of_kind.iter().filter(|s| planned(s)).count() as u32,
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
        Ok(CoachingKpis {
            range,
            by_kind,
            completed: found.iter().filter(|s| completed(s)).count() as u32,
            planned: found.iter().filter(|s| planned(s)).count() as u32,
            adherence: kpi::adherence(held_due, due.len() as u32),
            rep_count: reps.len() as u32,
            reps_coached: coached.len() as u32,
            share_coached: kpi::share(coached.len() as u32, reps.len() as u32),
            average_days_between_one_on_ones: (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64),
            reps_to_quota,
            focus_improvement,
            coaching_quality,
            coaching_quality_responses,
        })
    }

    /// Whom of a team's sellers to coach on what: reps behind pace or whose conversion rates lag
    /// the team median, once enough of the period has been worked.
    pub async fn suggest_coaching(&self, ctx: &Ctx, q: SuggestQuery) -> ApiResult<Suggestions> {
        let api = self;
        let SuggestQuery {
            team_id: team,
            as_of,
            period,
            min_working_days,
            min_sample,
        } = q;
        let cal = api.peers.directory.calendar(ctx).await?;
        let today = as_of.unwrap_or_else(|| cal.local_date(Utc::now()));
        // A calendar period without a date is the one containing today, whatever the as-of day.
        let range = match period {
            Some(spec) => spec.resolve(&cal, cal.local_date(Utc::now())),
            None => cal.period_containing(Granularity::Month, today),
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
        let mut out = Suggestions {
            suggestions: Vec::new(),
            working_days,
            min_working_days,
            min_sample,
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
                Some(RepSuggestion {
                    person_id: person.id.clone(),
                    display_name: person.display_name.clone(),
                    suggestion: s,
                })
            })
            .collect();
        Ok(out)
    }
}

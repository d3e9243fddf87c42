//! GetManagerKpis: percent of team to daily activity goal, to weekly and monthly objective
//! goals, percent of reps to quota next to team attainment, pipeline coverage, and who is
//! behind pace on which leading indicator.

use std::collections::{BTreeMap, HashMap};

use attain_domain::{
    Violations,
    calendar::Calendar,
    period::{DateRange, Granularity},
    scorecard::{
        self as math,
        kpi::{self, GoalShare},
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, Shape, TemplateLine},
    },
};
use attain_proto::{metrics::v1::Grouping, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    ScorecardApi, access,
    compute::{Span, by_key, number, range_to_proto, span},
    context::Context,
};
use crate::scorecards::{
    metrics::Catalog,
    plan_store::{self as plans, Member},
    settings_store,
};

const DEFAULT_QUOTA_METRIC: &str = "revenue_won";
/// Coverage is what is still open now over the quota still to reach: the open-pipeline state,
/// not the pipeline created (a flow), which ran at 11×–45× on the demo data.
const DEFAULT_PIPELINE_METRIC: &str = "open_pipeline";

/// Per-day actuals: person → metric → day → value. Nested so a lookup borrows the key, and
/// ordered by day so a week or month is a range read: the KPIs look up every rep's every
/// leading metric on every working day of the period.
type Daily = HashMap<Uuid, HashMap<String, BTreeMap<NaiveDate, f64>>>;

/// The quota metric adds up over days (COUNT or SUM); the pipeline metric may also be a state
/// (open pipeline as of the day).
fn check_metric(v: &mut Violations, catalog: &Catalog, field: &str, key: &str, state_too: bool) {
    match catalog.get(key) {
        None => v.add(field, format!("no metric \"{}\" in the catalog", key.escape_debug())),
        Some(m) if m.is_state && state_too => {}
        Some(m) if m.shape != Shape::Additive => v.add(
            field,
            if state_too {
                "must be a COUNT, SUM or LATEST (state) metric"
            } else {
                "must be a COUNT or SUM metric"
            },
        ),
        Some(_) => {}
    }
}

/// A rep's additive lines of the given sections.
fn leading<'a>(context: &'a Context, catalog: &Catalog, m: &Member, sections: &[Section]) -> Vec<&'a TemplateLine> {
    context.template_of(m.person_id).map_or(Vec::new(), |t| {
        t.lines
            .iter()
            .filter(|l| sections.contains(&l.section))
            .filter(|l| catalog.get(&l.metric_key).is_some_and(|i| i.shape == Shape::Additive))
            .collect()
    })
}

fn actual_over(daily: &Daily, person: Uuid, key: &str, range: DateRange) -> f64 {
    daily
        .get(&person)
        .and_then(|metrics| metrics.get(key))
        .map_or(0.0, |days| days.range(range.start..=range.end).map(|(_, v)| v).sum())
}

fn share_to_proto(range: DateRange, s: GoalShare) -> pb::GoalShare {
    pb::GoalShare {
        range: Some(range_to_proto(range)),
        met: s.met as i32,
        counted: s.counted as i32,
        share: s.share(),
    }
}

pub async fn get(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetManagerKpisRequest,
) -> ApiResult<pb::GetManagerKpisResponse> {
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "team_id", &req.team_id);
    let quota_key = if req.quota_metric_key.is_empty() {
        DEFAULT_QUOTA_METRIC
    } else {
        &req.quota_metric_key
    }
    .to_string();
    let pipeline_key = if req.pipeline_metric_key.is_empty() {
        DEFAULT_PIPELINE_METRIC
    } else {
        &req.pipeline_metric_key
    }
    .to_string();
    let catalog = api.metrics.catalog(ctx, false).await?;
    check_metric(&mut v, &catalog, "quota_metric_key", &quota_key, false);
    check_metric(&mut v, &catalog, "pipeline_metric_key", &pipeline_key, true);
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let calendar = view.directory.calendar.clone();
    let span = span(&mut v, req.period.as_ref(), req.as_of.as_ref(), &calendar);
    let (team, mut span) = match v.into_result((team, span))? {
        (Some(t), Some(s)) => (t, s),
        _ => return Err(ApiError::invalid("period", "is required")),
    };
    span.red_after = settings_store::red_after(&mut tx, tenant, false).await?.0;
    access::see_team_members(&view, team)?;
    let reps = plans::sellers_in(&view.directory, &view.directory.subtree(&[team]));
    let mut context = Context::templates(&mut tx, &view.directory, reps, &[]).await?;

    let reps: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
    let mut leading_keys: Vec<String> = Vec::new();
    for m in &context.people {
        for l in leading(&context, &catalog, m, &[Section::Activities, Section::Objectives]) {
            if !leading_keys.contains(&l.metric_key) {
                leading_keys.push(l.metric_key.clone());
            }
        }
    }
    // Days elapsed so far; nothing when the period has not begun.
    let elapsed = (span.as_of >= span.range.start).then(|| DateRange {
        start: span.range.start,
        end: span.as_of.min(span.range.end),
    });
    let quota_totals = async {
        let Some(to_date) = elapsed.filter(|_| !reps.is_empty()) else {
            return Ok(HashMap::new());
        };
        let keys = [quota_key.clone(), pipeline_key.clone()];
        let response = api
            .metrics
            .totals(ctx, &reps, &keys, to_date, Grouping::PerPerson)
            .await?;
        Ok::<_, ApiError>(
            response
                .rows
                .iter()
                .filter_map(|r| {
                    let id = Uuid::parse_str(&r.person_id).ok()?;
                    let values = by_key(&r.values);
                    let get = |k: &str| number(values.get(k).copied());
                    Some((id, (get(&quota_key).unwrap_or(0.0), get(&pipeline_key))))
                })
                .collect::<HashMap<Uuid, (f64, Option<f64>)>>(),
        )
    };
    let fetch = async { tokio::try_join!(fetch_daily(api, ctx, &reps, &leading_keys, elapsed), quota_totals) };
    let (daily, totals) = context
        .load_plans_beside(tx, &view.directory, span.range, fetch)
        .await?;

    let k = Kpis {
        context: &context,
        catalog: &catalog,
        calendar: &calendar,
        span: &span,
        daily: &daily,
    };
    // Whether each rep (in `context.people` order) met every activity goal, per working day.
    let met_by_day: Vec<(DateRange, Vec<Option<bool>>)> = elapsed
        .map(|e| {
            e.start
                .iter_days()
                .take_while(|d| *d <= e.end)
                .filter(|d| calendar.is_working_day(*d))
                .map(|d| {
                    let day = DateRange { start: d, end: d };
                    (day, k.met_each(&[Section::Activities], day, Granularity::Day))
                })
                .collect()
        })
        .unwrap_or_default();
    let daily_activity_goal: Vec<(DateRange, GoalShare)> = met_by_day
        .iter()
        .map(|(day, met)| (*day, GoalShare::of(met.iter().copied())))
        .collect();
    let shares: Vec<GoalShare> = daily_activity_goal.iter().map(|(_, s)| *s).collect();
    let objective = |g: Granularity| -> Vec<pb::GoalShare> {
        calendar
            .buckets(g, span.range)
            .into_iter()
            .filter(|b| b.start <= span.as_of)
            .map(|b| {
                let so_far = DateRange {
                    start: b.start,
                    end: b.end.min(span.as_of),
                };
                share_to_proto(b, k.share(&[Section::Objectives], so_far, g))
            })
            .collect()
    };
    let quota_line = TemplateLine {
        metric_key: quota_key.clone(),
        section: Section::Results,
        target: LineTarget::default(),
        weight: 0.0,
        thresholds: DEFAULT_THRESHOLDS,
    };
    let mut rep_rows = Vec::new();
    let mut quota_pairs = Vec::new();
    let mut behind: Vec<(String, Vec<(f64, Uuid)>)> = leading_keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    // The same rule as a scorecard's red: nobody is behind pace before the tenant's minimum of
    // the period (by default 2 working days and a fifth) has passed.
    let elapsed = math::pace(0.0, 0.0, &calendar, span.range, span.as_of, span.day_done);
    let judge_pace = span.in_progress() && span.red_after.passed(&elapsed);
    for (i, m) in context.people.iter().enumerate() {
        // A state with no snapshot by the as-of day has no value: no coverage, not 0×.
        let (actual, pipeline) = totals.get(&m.person_id).copied().unwrap_or((0.0, None));
        let own_line = context
            .template_of(m.person_id)
            .and_then(|t| t.lines.iter().find(|l| l.metric_key == quota_key))
            .unwrap_or(&quota_line);
        let quota = context
            .target(m, own_line, Shape::Additive, &calendar, span.range, span.granularity)
            .map(|(q, _)| q)
            .filter(|q| *q > 0.0);
        if let Some(q) = quota {
            quota_pairs.push((actual, q));
        }
        let remaining = quota.map_or(0.0, |q| (q - actual).max(0.0));
        let mut behind_keys = Vec::new();
        if judge_pace {
            let to_date = DateRange {
                start: span.range.start,
                end: span.as_of,
            };
            let as_of_day = DateRange {
                start: span.as_of,
                end: span.as_of,
            };
            for l in leading(&context, &catalog, m, &[Section::Activities, Section::Objectives]) {
                let target = |days| {
                    context
                        .target(m, l, Shape::Additive, &calendar, days, span.granularity)
                        .map_or(0.0, |(t, _)| t)
                };
                // Due by now: through the as-of day, less the part of it still ahead.
                let expected = target(to_date) - (1.0 - span.day_done) * target(as_of_day);
                let done = actual_over(&daily, m.person_id, &l.metric_key, to_date);
                if expected > 0.0 && done < expected {
                    behind_keys.push(l.metric_key.clone());
                    if let Some((_, list)) = behind.iter_mut().find(|(k, _)| *k == l.metric_key) {
                        list.push((done / expected, m.person_id));
                    }
                }
            }
        }
        let days_met = met_by_day
            .iter()
            .filter(|(_, met)| met.get(i).copied().flatten() == Some(true))
            .count();
        rep_rows.push(pb::RepKpis {
            person_id: m.person_id.to_string(),
            display_name: m.display_name.clone(),
            quota,
            quota_actual: actual,
            quota_attainment: quota
                .and_then(|q| math::attainment(actual, q, attain_domain::metric::Direction::HigherIsBetter)),
            pipeline: pipeline.unwrap_or(0.0),
            pipeline_known: pipeline.is_some(),
            remaining_quota: remaining,
            coverage: quota.and_then(|_| math::coverage(pipeline?, remaining)),
            behind_pace: behind_keys,
            daily_goal_days_met: days_met as i32,
        });
    }
    let reps_to_quota = GoalShare::of(quota_pairs.iter().map(|(a, q)| Some(a >= q)));
    let behind_pace = behind
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(key, mut list)| {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            pb::BehindPace {
                display_name: catalog.get(&key).map(|i| i.display_name.clone()).unwrap_or_default(),
                metric_key: key,
                person_ids: list.into_iter().map(|(_, p)| p.to_string()).collect(),
            }
        })
        .collect();
    Ok(pb::GetManagerKpisResponse {
        kpis: Some(pb::ManagerKpis {
            team_id: team.to_string(),
            range: Some(range_to_proto(span.range)),
            as_of: Some(convert::date_to_proto(span.as_of)),
            rep_count: context.people.len() as i32,
            daily_activity_goal_average: kpi::mean_share(&shares),
            daily_activity_goal: daily_activity_goal
                .iter()
                .map(|(d, s)| share_to_proto(*d, *s))
                .collect(),
            weekly_objective_goal: objective(Granularity::Week),
            monthly_objective_goal: objective(Granularity::Month),
            reps_to_quota: Some(share_to_proto(span.range, reps_to_quota)),
            team_attainment: math::team_attainment(&quota_pairs),
            reps: rep_rows,
            behind_pace,
            quota_metric_key: quota_key,
            pipeline_metric_key: pipeline_key,
        }),
    })
}

/// Per person and day totals of the leading metrics over the elapsed days.
async fn fetch_daily(
    api: &ScorecardApi,
    ctx: &Ctx,
    reps: &[Uuid],
    keys: &[String],
    elapsed: Option<DateRange>,
) -> ApiResult<Daily> {
    let mut daily: Daily = HashMap::new();
    let Some(elapsed) = elapsed.filter(|_| !reps.is_empty() && !keys.is_empty()) else {
        return Ok(daily);
    };
    let response = api
        .metrics
        .totals(ctx, reps, keys, elapsed, Grouping::PerPersonDay)
        .await?;
    for row in response.rows {
        let (Ok(person), Some(day)) = (Uuid::parse_str(&row.person_id), row.day.as_ref()) else {
            continue;
        };
        let mut v = Violations::new();
        let Some(day) = convert::optional_date(&mut v, "day", Some(day)) else {
            continue;
        };
        for value in &row.values {
            if let Some(x) = number(Some(value)) {
                daily
                    .entry(person)
                    .or_default()
                    .entry(value.metric_key.clone())
                    .or_default()
                    .insert(day, x);
            }
        }
    }
    Ok(daily)
}

struct Kpis<'a> {
    context: &'a Context,
    catalog: &'a Catalog,
    calendar: &'a Calendar,
    span: &'a Span,
    daily: &'a Daily,
}

impl Kpis<'_> {
    /// Whether `m` met every line of `sections` over `days` (a day, or a week or month so far).
    fn met(&self, m: &Member, sections: &[Section], days: DateRange, g: Granularity) -> Option<bool> {
        let checks: Vec<(f64, f64)> = leading(self.context, self.catalog, m, sections)
            .into_iter()
            .map(|l| {
                let goal = self
                    .context
                    .target(m, l, Shape::Additive, self.calendar, days, g)
                    .map_or(0.0, |(t, _)| t);
                (actual_over(self.daily, m.person_id, &l.metric_key, days), goal)
            })
            .collect();
        kpi::met_all(&checks)
    }

    /// `met` for each rep, in `context.people` order.
    fn met_each(&self, sections: &[Section], days: DateRange, g: Granularity) -> Vec<Option<bool>> {
        self.context
            .people
            .iter()
            .map(|m| self.met(m, sections, days, g))
            .collect()
    }

    fn share(&self, sections: &[Section], days: DateRange, g: Granularity) -> GoalShare {
        let _ = self.span;
        GoalShare::of(self.met_each(sections, days, g))
    }
}

/// Whether each person of `context` met every activity goal on each working day of `days`, as
/// the KPI "percent of team to daily activity goal" counts it (the milestone detector's daily
/// goal and streaks use the same definition). `None` on a day with no activity goal set.
pub(crate) async fn daily_activity_goal(
    api: &ScorecardApi,
    ctx: &Ctx,
    context: &Context,
    catalog: &Catalog,
    calendar: &Calendar,
    days: DateRange,
) -> ApiResult<HashMap<Uuid, Vec<(NaiveDate, Option<bool>)>>> {
    let reps: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
    let mut keys: Vec<String> = Vec::new();
    for m in &context.people {
        for l in leading(context, catalog, m, &[Section::Activities]) {
            if !keys.contains(&l.metric_key) {
                keys.push(l.metric_key.clone());
            }
        }
    }
    let daily = fetch_daily(api, ctx, &reps, &keys, Some(days)).await?;
    let span = Span {
        range: days,
        granularity: Granularity::Day,
        previous: days,
        as_of: days.end,
        // Days that are over.
        day_done: 1.0,
        red_after: math::DEFAULT_RED_AFTER,
    };
    let k = Kpis {
        context,
        catalog,
        calendar,
        span: &span,
        daily: &daily,
    };
    let working: Vec<NaiveDate> = days
        .start
        .iter_days()
        .take_while(|d| *d <= days.end)
        .filter(|d| calendar.is_working_day(*d))
        .collect();
    Ok(context
        .people
        .iter()
        .map(|m| {
            let met = working
                .iter()
                .map(|d| {
                    let day = DateRange { start: *d, end: *d };
                    (*d, k.met(m, &[Section::Activities], day, Granularity::Day))
                })
                .collect();
            (m.person_id, met)
        })
        .collect())
}

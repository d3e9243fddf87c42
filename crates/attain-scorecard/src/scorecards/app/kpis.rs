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
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{ApiResult, Ctx, convert, db::begin_tenant};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    Partial, ScorecardApi, access,
    compute::{Span, SpanSpec, by_key, number},
    context::Context,
};
use crate::scorecards::{
    metrics::Catalog,
    plan_store::{self as plans, Member},
    settings_store,
};

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

/// What the KPIs are asked of: the team's metrics (checked against the catalog by the use
/// case) and the fields the decoder checked.
pub struct KpiInput {
    /// `revenue_won` when the request names none.
    pub quota_metric_key: String,
    /// `open_pipeline` when the request names none.
    pub pipeline_metric_key: String,
    pub fields: Partial<KpiFields>,
}

pub struct KpiFields {
    pub team_id: Uuid,
    pub span: SpanSpec,
}

/// A team's KPIs over a span.
pub struct ManagerKpis {
    pub team_id: Uuid,
    pub range: DateRange,
    pub as_of: NaiveDate,
    pub rep_count: usize,
    pub daily_activity_goal_average: Option<f64>,
    /// Per working day elapsed, the share of reps to every activity goal.
    pub daily_activity_goal: Vec<(DateRange, GoalShare)>,
    /// Per week (month) begun, the share of reps to every objective goal so far.
    pub weekly_objective_goal: Vec<(DateRange, GoalShare)>,
    pub monthly_objective_goal: Vec<(DateRange, GoalShare)>,
    pub reps_to_quota: GoalShare,
    pub team_attainment: Option<f64>,
    pub behind_pace: Vec<BehindPace>,
    pub reps: Vec<RepKpis>,
    pub quota_metric_key: String,
    pub pipeline_metric_key: String,
}

/// One rep's row of the KPIs.
pub struct RepKpis {
    pub person_id: Uuid,
    pub display_name: String,
    pub quota: Option<f64>,
    pub quota_actual: f64,
    pub quota_attainment: Option<f64>,
    /// `None` for a state with no snapshot by the as-of day.
    pub pipeline: Option<f64>,
    pub remaining_quota: f64,
    pub coverage: Option<f64>,
    pub behind_pace: Vec<String>,
    pub daily_goal_days_met: usize,
}

/// The reps behind pace on one leading metric, furthest behind first.
pub struct BehindPace {
    pub metric_key: String,
    pub display_name: String,
    pub person_ids: Vec<Uuid>,
}

impl ScorecardApi {
    /// The caller's view is loaded before their fields are answered, with what the catalog
    /// says of the metrics.
    pub async fn manager_kpis(&self, ctx: &Ctx, input: KpiInput) -> ApiResult<ManagerKpis> {
        let api = self;
        let KpiInput {
            quota_metric_key: quota_key,
            pipeline_metric_key: pipeline_key,
            fields,
        } = input;
        let mut found = Violations::new();
        let catalog = api.metrics.catalog(ctx, false).await?;
        check_metric(&mut found, &catalog, "quota_metric_key", &quota_key, false);
        check_metric(&mut found, &catalog, "pipeline_metric_key", &pipeline_key, true);
        let tenant = ctx.tenant_id;
        let view = api.view(ctx).await?;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let calendar = view.directory.calendar.clone();
        let KpiFields { team_id: team, span } = fields.check(found)?;
        let mut span = span.resolve(&calendar)?;
        span.red_after = settings_store::red_after(&mut tx, tenant, false).await?.0;
        access::see_team_members(&view, team)?;

        // What the KPIs are computed from: the team's reps with their templates and plans, each
        // rep's leading metrics per day, and their quota and pipeline totals so far.
        let reps = plans::sellers_in(&view.directory, &view.directory.subtree(&[team]));
        let mut context = Context::templates(&mut tx, &view.directory, reps, &[]).await?;
        let reps: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
        let leading_keys = leading_keys(&context, &catalog, &[Section::Activities, Section::Objectives]);
        let elapsed = elapsed(&span);
        let keys = [quota_key.clone(), pipeline_key.clone()];
        let fetch = async {
            tokio::try_join!(
                fetch_daily(api, ctx, &reps, &leading_keys, elapsed),
                fetch_totals(api, ctx, &reps, &keys, elapsed)
            )
        };
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
        let met_by_day = met_by_day(&k, elapsed);
        let daily_activity_goal: Vec<(DateRange, GoalShare)> = met_by_day
            .iter()
            .map(|(day, met)| (*day, GoalShare::of(met.iter().copied())))
            .collect();
        let shares: Vec<GoalShare> = daily_activity_goal.iter().map(|(_, s)| *s).collect();
        let reps = rep_rows(&k, &totals, &quota_key, &leading_keys, &met_by_day);
        let reps_to_quota = GoalShare::of(reps.quota_pairs.iter().map(|(a, q)| Some(a >= q)));
        Ok(ManagerKpis {
            team_id: team,
            range: span.range,
            as_of: span.as_of,
            rep_count: context.people.len(),
            daily_activity_goal_average: kpi::mean_share(&shares),
            daily_activity_goal,
            weekly_objective_goal: objective_shares(&k, Granularity::Week),
            monthly_objective_goal: objective_shares(&k, Granularity::Month),
            reps_to_quota,
            team_attainment: math::team_attainment(&reps.quota_pairs),
            behind_pace: behind_pace(reps.behind, &catalog),
            reps: reps.rows,
            quota_metric_key: quota_key,
            pipeline_metric_key: pipeline_key,
        })
    }
}

/// The metrics of the rep's lines of `sections` across the team, each once, in first-seen order.
fn leading_keys(context: &Context, catalog: &Catalog, sections: &[Section]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for m in &context.people {
        for l in leading(context, catalog, m, sections) {
            if !keys.contains(&l.metric_key) {
                keys.push(l.metric_key.clone());
            }
        }
    }
    keys
}

/// The days of the period elapsed by the as-of day; `None` when the period has not begun.
fn elapsed(span: &Span) -> Option<DateRange> {
    (span.as_of >= span.range.start).then(|| DateRange {
        start: span.range.start,
        end: span.as_of.min(span.range.end),
    })
}

/// Each rep's total of the quota metric (0 without events) and of the pipeline metric (`None`
/// for a state with no snapshot by the as-of day: no coverage, not 0×) over the elapsed days.
async fn fetch_totals(
    api: &ScorecardApi,
    ctx: &Ctx,
    reps: &[Uuid],
    keys: &[String; 2],
    elapsed: Option<DateRange>,
) -> ApiResult<HashMap<Uuid, (f64, Option<f64>)>> {
    let Some(to_date) = elapsed.filter(|_| !reps.is_empty()) else {
        return Ok(HashMap::new());
    };
    let response = api
        .metrics
        .totals(ctx, reps, keys, to_date, Grouping::PerPerson)
        .await?;
    let [quota_key, pipeline_key] = keys;
    Ok(response
        .rows
        .iter()
        .filter_map(|r| {
            let id = Uuid::parse_str(&r.person_id).ok()?;
            let values = by_key(&r.values);
            let get = |k: &str| number(values.get(k).copied());
            Some((id, (get(quota_key).unwrap_or(0.0), get(pipeline_key))))
        })
        .collect())
}

/// Whether each rep (in `context.people` order) met every activity goal, per working day elapsed.
fn met_by_day(k: &Kpis, elapsed: Option<DateRange>) -> Vec<(DateRange, Vec<Option<bool>>)> {
    elapsed.map_or_else(Vec::new, |e| {
        e.start
            .iter_days()
            .take_while(|d| *d <= e.end)
            .filter(|d| k.calendar.is_working_day(*d))
            .map(|d| {
                let day = DateRange { start: d, end: d };
                (day, k.met_each(&[Section::Activities], day, Granularity::Day))
            })
            .collect()
    })
}

/// The share of reps to every objective goal in each week or month of the period begun by the
/// as-of day, each counted so far.
fn objective_shares(k: &Kpis, g: Granularity) -> Vec<(DateRange, GoalShare)> {
    let span = k.span;
    k.calendar
        .buckets(g, span.range)
        .into_iter()
        .filter(|b| b.start <= span.as_of)
        .map(|b| {
            let so_far = DateRange {
                start: b.start,
                end: b.end.min(span.as_of),
            };
            (b, k.share(&[Section::Objectives], so_far, g))
        })
        .collect()
}

/// The per-rep rows, with what the team figures are made of.
struct RepRows {
    rows: Vec<RepKpis>,
    /// (actual, quota) of each rep with a quota.
    quota_pairs: Vec<(f64, f64)>,
    /// Per leading metric, the reps behind pace on it with how far along they are.
    behind: Vec<(String, Vec<(f64, Uuid)>)>,
}

fn rep_rows(
    k: &Kpis,
    totals: &HashMap<Uuid, (f64, Option<f64>)>,
    quota_key: &str,
    leading_keys: &[String],
    met_by_day: &[(DateRange, Vec<Option<bool>>)],
) -> RepRows {
    let (context, calendar, span) = (k.context, k.calendar, k.span);
    let quota_line = TemplateLine {
        metric_key: quota_key.to_string(),
        section: Section::Results,
        target: LineTarget::default(),
        weight: 0.0,
        thresholds: DEFAULT_THRESHOLDS,
    };
    let mut out = RepRows {
        rows: Vec::new(),
        quota_pairs: Vec::new(),
        behind: leading_keys.iter().map(|k| (k.clone(), Vec::new())).collect(),
    };
    // The same rule as a scorecard's red: nobody is behind pace before the tenant's minimum of
    // the period (by default 2 working days and a fifth) has passed.
    let elapsed = math::pace(0.0, 0.0, calendar, span.range, span.as_of, span.day_done);
    let judge_pace = span.in_progress() && span.red_after.passed(&elapsed);
    for (i, m) in context.people.iter().enumerate() {
        // A state with no snapshot by the as-of day has no value: no coverage, not 0×.
        let (actual, pipeline) = totals.get(&m.person_id).copied().unwrap_or((0.0, None));
        let own_line = context
            .template_of(m.person_id)
            .and_then(|t| t.lines.iter().find(|l| l.metric_key == quota_key))
            .unwrap_or(&quota_line);
        let quota = context
            .target(m, own_line, Shape::Additive, calendar, span.range, span.granularity)
            .map(|(q, _)| q)
            .filter(|q| *q > 0.0);
        if let Some(q) = quota {
            out.quota_pairs.push((actual, q));
        }
        let remaining = quota.map_or(0.0, |q| (q - actual).max(0.0));
        let behind_keys = if judge_pace {
            behind_on(k, m, &mut out.behind)
        } else {
            Vec::new()
        };
        let days_met = met_by_day
            .iter()
            .filter(|(_, met)| met.get(i).copied().flatten() == Some(true))
            .count();
        out.rows.push(RepKpis {
            person_id: m.person_id,
            display_name: m.display_name.clone(),
            quota,
            quota_actual: actual,
            quota_attainment: quota
                .and_then(|q| math::attainment(actual, q, attain_domain::metric::Direction::HigherIsBetter)),
            pipeline,
            remaining_quota: remaining,
            coverage: quota.and_then(|_| math::coverage(pipeline?, remaining)),
            behind_pace: behind_keys,
            daily_goal_days_met: days_met,
        });
    }
    out
}

/// The leading metrics `m` is behind pace on, also noted in `behind` with how far along they are.
fn behind_on(k: &Kpis, m: &Member, behind: &mut [(String, Vec<(f64, Uuid)>)]) -> Vec<String> {
    let span = k.span;
    let to_date = DateRange {
        start: span.range.start,
        end: span.as_of,
    };
    let as_of_day = DateRange {
        start: span.as_of,
        end: span.as_of,
    };
    let mut keys = Vec::new();
    for l in leading(k.context, k.catalog, m, &[Section::Activities, Section::Objectives]) {
        let target = |days| {
            k.context
                .target(m, l, Shape::Additive, k.calendar, days, span.granularity)
                .map_or(0.0, |(t, _)| t)
        };
        // Due by now: through the as-of day, less the part of it still ahead.
        let expected = target(to_date) - (1.0 - span.day_done) * target(as_of_day);
        let done = actual_over(k.daily, m.person_id, &l.metric_key, to_date);
        if expected > 0.0 && done < expected {
            keys.push(l.metric_key.clone());
            if let Some((_, list)) = behind.iter_mut().find(|(key, _)| *key == l.metric_key) {
                list.push((done / expected, m.person_id));
            }
        }
    }
    keys
}

/// Per leading metric with anyone behind pace, those reps, furthest behind first.
fn behind_pace(behind: Vec<(String, Vec<(f64, Uuid)>)>, catalog: &Catalog) -> Vec<BehindPace> {
    behind
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(key, mut list)| {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            BehindPace {
                display_name: catalog.get(&key).map(|i| i.display_name.clone()).unwrap_or_default(),
                metric_key: key,
                person_ids: list.into_iter().map(|(_, p)| p).collect(),
            }
        })
        .collect()
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
    let keys = leading_keys(context, catalog, &[Section::Activities]);
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

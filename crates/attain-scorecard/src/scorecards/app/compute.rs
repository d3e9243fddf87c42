//! GetScorecard: a person's or a team's lines for a period — actual, target, attainment, band,
//! pace and projection, change against the previous period — and the weighted overall score.

use std::collections::HashMap;

use attain_domain::{
    calendar::Calendar,
    period::{DateRange, Granularity, PeriodSpec},
    scorecard::{
        self as math, Band, Line,
        plan::TargetSource,
        template::{Section, Shape, TemplateLine},
    },
};
use attain_proto::metrics::v1::{Grouping, MetricValue};
pub use attain_runtime::convert::metric_number as number;
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant, dispatch::Decoded};
use chrono::{Days, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    ScorecardApi, access,
    context::{Context, Template},
};
use crate::scorecards::{
    metrics::{Catalog, MetricInfo},
    plan_store as plans, settings_store,
    store::{self, TemplateRecord},
};

/// One line's attainment never counts for more than this in the overall score.
const SCORE_CAP: f64 = 1.5;

/// A period as the request gives it, resolved.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub range: DateRange,
    /// `Granularity::Day` for an explicit range: targets then follow working days only.
    pub granularity: Granularity,
    pub previous: DateRange,
    pub as_of: chrono::NaiveDate,
    /// How much of the as-of day has passed in the tenant's time zone (see `math::day_done`).
    pub day_done: f64,
    /// When a line behind pace may turn red: the tenant's setting.
    pub red_after: math::RedAfter,
}

impl Span {
    pub fn in_progress(&self) -> bool {
        self.range.contains(self.as_of)
    }

    /// The days whose actuals count: the period up to the as-of day. `None` before the period
    /// has begun.
    pub fn days_to_date(&self) -> Option<DateRange> {
        (self.as_of >= self.range.start).then(|| DateRange {
            start: self.range.start,
            end: self.as_of.min(self.range.end),
        })
    }

    /// The previous period's days to compare with: all of it, or for a period in progress its
    /// first part of the same length, so that to-date compares with to-date.
    pub fn previous_to_date(&self) -> DateRange {
        match self.days_to_date().filter(|_| self.in_progress()) {
            Some(done) => DateRange {
                start: self.previous.start,
                end: self
                    .previous
                    .start
                    .checked_add_days(Days::new((done.days() - 1) as u64))
                    .map_or(self.previous.end, |d| d.min(self.previous.end)),
            },
            None => self.previous,
        }
    }
}

impl Span {
    /// The span of `period` as of `as_of` (today when `None`) in `calendar`; `None` when the
    /// previous period would fall before the first representable day. Its `red_after` is the
    /// default until the use case reads the tenant's setting.
    pub fn resolve(period: &PeriodSpec, as_of: Option<NaiveDate>, calendar: &Calendar) -> Option<Span> {
        let today = calendar.local_date(Utc::now());
        let as_of = as_of.unwrap_or(today);
        let range = period.resolve(calendar, today);
        let granularity = period.granularity();
        let previous = match granularity {
            Some(g) => calendar.previous_period(g, range.start),
            None => {
                // The same number of days just before.
                let days = range.days() as u64;
                let end = range.start.checked_sub_days(Days::new(1))?;
                DateRange {
                    start: end.checked_sub_days(Days::new(days - 1))?,
                    end,
                }
            }
        };
        Some(Span {
            range,
            granularity: granularity.unwrap_or(Granularity::Day),
            previous,
            as_of,
            day_done: math::day_done(calendar, as_of, Utc::now()),
            red_after: math::DEFAULT_RED_AFTER,
        })
    }
}

/// A request's period and as-of day, checked; the use case resolves them in the tenant's
/// calendar ([`Span::resolve`]).
#[derive(Debug, Clone, Copy)]
pub struct SpanSpec {
    pub period: PeriodSpec,
    /// The day the period is seen from; today in the tenant's calendar when `None`.
    pub as_of: Option<NaiveDate>,
}

impl SpanSpec {
    /// The span in `calendar`; INVALID_ARGUMENT `period` when it cannot be resolved.
    pub fn resolve(&self, calendar: &Calendar) -> ApiResult<Span> {
        Span::resolve(&self.period, self.as_of, calendar).ok_or_else(|| ApiError::invalid("period", "is required"))
    }
}

/// The values of a totals row by metric key.
pub fn by_key(values: &[MetricValue]) -> HashMap<&str, &MetricValue> {
    values.iter().map(|v| (v.metric_key.as_str(), v)).collect()
}

/// Where a line's target came from: a person's plan, or (a team's additive line) the sum of its
/// members' targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSource {
    Plan(TargetSource),
    Members,
}

/// One computed line of a scorecard.
pub struct ScorecardLine {
    pub metric_key: String,
    pub display_name: String,
    pub section: Section,
    pub actual: Option<f64>,
    pub numerator: i64,
    pub denominator: i64,
    pub target: Option<(f64, LineSource)>,
    pub attainment: Option<f64>,
    pub band: Option<Band>,
    pub pace: Option<math::Pace>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub weight: f64,
    /// The band was judged on pace (the period is in progress) rather than attainment.
    pub banded_on_pace: bool,
}

/// A person's or a team's scorecard for a span.
pub struct Scorecard {
    pub subject: Whose,
    pub display_name: String,
    pub template: TemplateRecord,
    pub range: DateRange,
    /// The previous period's days compared with.
    pub previous_range: DateRange,
    pub as_of: NaiveDate,
    pub in_progress: bool,
    pub overall_score: Option<f64>,
    pub lines: Vec<ScorecardLine>,
    /// A person's mean ramp factor over the period; `None` for a team.
    pub ramp_factor: Option<f64>,
    /// A person's working days off in the period; 0 for a team.
    pub days_off: usize,
    pub member_count: usize,
}

/// Whose scorecard, over which span.
pub struct ScorecardQuery {
    pub subject: Whose,
    pub span: SpanSpec,
}

/// One computed line.
fn line(
    info: &MetricInfo,
    l: &TemplateLine,
    current: Option<&MetricValue>,
    previous: Option<&MetricValue>,
    target: Option<(f64, LineSource)>,
    calendar: &Calendar,
    span: &Span,
) -> ScorecardLine {
    let actual = number(current);
    let attainment = match (actual, target) {
        (Some(a), Some((t, _))) => math::attainment(a, t, info.direction),
        _ => None,
    };
    let pace = match (span.in_progress(), info.shape, target) {
        (true, Shape::Additive, Some((t, _))) => Some(math::pace(
            actual.unwrap_or(0.0),
            t,
            calendar,
            span.range,
            span.as_of,
            span.day_done,
        )),
        _ => None,
    };
    let band = math::line_band(attainment, pace.as_ref(), &l.thresholds, &span.red_after);
    let banded_on_pace = pace.is_some() && band.is_some();
    let prev = number(previous);
    ScorecardLine {
        metric_key: l.metric_key.clone(),
        display_name: info.display_name.clone(),
        section: l.section,
        actual,
        numerator: current.map_or(0, |v| v.numerator),
        denominator: current.map_or(0, |v| v.denominator),
        target,
        attainment,
        band,
        pace,
        previous: prev,
        change: match (actual, prev) {
            (Some(a), Some(p)) => math::change(a, p),
            _ => None,
        },
        weight: l.weight,
        banded_on_pace,
    }
}

/// Lines in section order, template order within a section.
fn ordered(template: &Template) -> Vec<&TemplateLine> {
    let mut lines: Vec<&TemplateLine> = template.lines.iter().collect();
    lines.sort_by_key(|l| l.section as u8);
    lines
}

fn overall(lines: &[ScorecardLine]) -> Option<f64> {
    let parts: Vec<Line> = lines
        .iter()
        .map(|l| Line {
            weight: l.weight,
            attainment: l.attainment,
        })
        .collect();
    math::weighted_score(&parts, SCORE_CAP)
}

fn info<'a>(catalog: &'a Catalog, key: &str) -> ApiResult<&'a MetricInfo> {
    catalog.get(key).ok_or_else(|| {
        ApiError::FailedPrecondition(format!(
            "the template names metric \"{key}\", which is no longer in the catalog; fix the template"
        ))
    })
}

impl ScorecardApi {
    /// The caller's view is loaded before their fields are answered.
    pub async fn scorecard(&self, ctx: &Ctx, query: Decoded<ScorecardQuery>) -> ApiResult<Scorecard> {
        let api = self;
        let tenant = ctx.tenant_id;
        let view = api.view(ctx).await?;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let calendar = view.directory.calendar.clone();
        let ScorecardQuery { subject, span } = query.get()?;
        let mut span = span.resolve(&calendar)?;
        span.red_after = settings_store::red_after(&mut tx, tenant, false).await?.0;
        match subject {
            Whose::Person(id) => {
                let person = view
                    .visible_person(id)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found(format!("person {id}")))?;
                let mut context = Context::templates(&mut tx, &view.directory, vec![person], &[]).await?;
                let person = context.people.first().ok_or_else(|| ApiError::not_found("person"))?;
                let template = context
                    .template_of(person.person_id)
                    .ok_or_else(|| no_template(&person.display_name))?;
                let keys: Vec<String> = template.lines.iter().map(|l| l.metric_key.clone()).collect();
                let who = [person.person_id];
                let fetch = catalog_and_values(api, ctx, &who, &keys, &span, Grouping::PerPerson);
                let fetched = context
                    .load_plans_beside(tx, &view.directory, span.range, fetch)
                    .await?;
                person_scorecard(&calendar, &context, &span, fetched)
            }
            Whose::Team(id) => {
                access::see_team_members(&view, id)?;
                let directory = &view.directory;
                let name = directory.team(id).map(|t| t.display_name.clone()).unwrap_or_default();
                let members = plans::sellers_in(directory, &directory.subtree(&[id]));
                let own = store::template_of_team(&mut tx, tenant, &directory.ancestors(id)).await?;
                let mut context = Context::templates(&mut tx, directory, members, own.as_slice()).await?;
                let template = team_template(&context, own).ok_or_else(|| no_template(&format!("team \"{name}\"")))?;
                let keys: Vec<String> = template.lines.iter().map(|l| l.metric_key.clone()).collect();
                let people: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
                let fetch = catalog_and_values(api, ctx, &people, &keys, &span, Grouping::Combined);
                let fetched = context
                    .load_plans_beside(tx, &view.directory, span.range, fetch)
                    .await?;
                team_scorecard(&calendar, &context, &span, id, name, own, fetched)
            }
        }
    }
}

/// A person's or a team's.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    Person(Uuid),
    Team(Uuid),
}

fn no_template(whom: &str) -> ApiError {
    ApiError::FailedPrecondition(format!(
        "{whom} has no scorecard template: assign one with AssignTemplate"
    ))
}

/// The catalog, and the values (of a person, or a team combined) for the period to date and the
/// previous period.
type Fetched = (Catalog, Vec<MetricValue>, Vec<MetricValue>);

fn person_scorecard(calendar: &Calendar, context: &Context, span: &Span, fetched: Fetched) -> ApiResult<Scorecard> {
    let (catalog, current, previous) = fetched;
    let m = context.people.first().ok_or_else(|| ApiError::not_found("person"))?;
    let template = context
        .template_of(m.person_id)
        .ok_or_else(|| no_template(&m.display_name))?;
    let (now, before) = (by_key(&current), by_key(&previous));
    let mut lines = Vec::new();
    for l in ordered(template) {
        let info = info(&catalog, &l.metric_key)?;
        let target = context
            .target(m, l, info.shape, calendar, span.range, span.granularity)
            .map(|(t, s)| (t, LineSource::Plan(s)));
        let key = l.metric_key.as_str();
        lines.push(line(
            info,
            l,
            now.get(key).copied(),
            before.get(key).copied(),
            target,
            calendar,
            span,
        ));
    }
    Ok(Scorecard {
        subject: Whose::Person(m.person_id),
        display_name: m.display_name.clone(),
        template: template.record.clone(),
        range: span.range,
        previous_range: span.previous_to_date(),
        as_of: span.as_of,
        in_progress: span.in_progress(),
        overall_score: overall(&lines),
        lines,
        ramp_factor: Some(context.person(m).mean_ramp_factor(calendar, span.range)),
        days_off: context.working_days_off(m, calendar, span.range),
        member_count: 1,
    })
}

/// The catalog, and the values of `people` for the period to date and the previous period.
async fn catalog_and_values(
    api: &ScorecardApi,
    ctx: &Ctx,
    people: &[Uuid],
    keys: &[String],
    span: &Span,
    grouping: Grouping,
) -> ApiResult<Fetched> {
    tokio::try_join!(
        api.metrics.catalog(ctx, false),
        values(api, ctx, people, keys, span.days_to_date(), grouping),
        values(api, ctx, people, keys, Some(span.previous_to_date()), grouping),
    )
}

/// The values of the first totals row for `people` over `days`; none for no people or no days
/// (a period that has not begun).
async fn values(
    api: &ScorecardApi,
    ctx: &Ctx,
    people: &[Uuid],
    keys: &[String],
    days: Option<DateRange>,
    grouping: Grouping,
) -> ApiResult<Vec<MetricValue>> {
    let Some(days) = days.filter(|_| !people.is_empty()) else {
        return Ok(Vec::new());
    };
    let response = api.metrics.totals(ctx, people, keys, days, grouping).await?;
    Ok(response.rows.into_iter().next().map(|r| r.values).unwrap_or_default())
}

/// The team's template: its own or an ancestor's, else the one most of its members have.
fn team_template(context: &Context, own: Option<Uuid>) -> Option<&Template> {
    if let Some(t) = own.and_then(|id| context.templates.get(&id)) {
        return Some(t);
    }
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for m in &context.people {
        if let Some(t) = context.template_of(m.person_id) {
            *counts.entry(t.record.template_id).or_default() += 1;
        }
    }
    let best = counts.into_iter().max_by_key(|(id, n)| (*n, std::cmp::Reverse(*id)))?.0;
    context.templates.get(&best)
}

/// The members' summed target for an additive line: each member's own target for the metric,
/// from their own template's line if it has one, else from the team's line.
fn members_target(
    context: &Context,
    l: &TemplateLine,
    shape: Shape,
    calendar: &Calendar,
    range: DateRange,
    g: Granularity,
) -> Option<f64> {
    let mut total = None;
    for m in &context.people {
        let own = context
            .template_of(m.person_id)
            .and_then(|t| t.lines.iter().find(|x| x.metric_key == l.metric_key))
            .unwrap_or(l);
        if let Some((t, _)) = context.target(m, own, shape, calendar, range, g) {
            *total.get_or_insert(0.0) += t;
        }
    }
    total
}

fn team_scorecard(
    calendar: &Calendar,
    context: &Context,
    span: &Span,
    team: Uuid,
    name: String,
    own: Option<Uuid>,
    fetched: Fetched,
) -> ApiResult<Scorecard> {
    let template = team_template(context, own).ok_or_else(|| no_template(&format!("team \"{name}\"")))?;
    let (catalog, current, previous) = fetched;
    let (now, before) = (by_key(&current), by_key(&previous));
    let mut lines = Vec::new();
    for l in ordered(template) {
        let info = info(&catalog, &l.metric_key)?;
        let target = match info.shape {
            Shape::Level => l.target.level,
            Shape::Additive => members_target(context, l, info.shape, calendar, span.range, span.granularity),
        };
        let source = match info.shape {
            Shape::Level => LineSource::Plan(TargetSource::Template),
            Shape::Additive => LineSource::Members,
        };
        let key = l.metric_key.as_str();
        let target = target.map(|t| (t, source));
        lines.push(line(
            info,
            l,
            now.get(key).copied(),
            before.get(key).copied(),
            target,
            calendar,
            span,
        ));
    }
    Ok(Scorecard {
        subject: Whose::Team(team),
        display_name: name,
        template: template.record.clone(),
        range: span.range,
        previous_range: span.previous_to_date(),
        as_of: span.as_of,
        in_progress: span.in_progress(),
        overall_score: overall(&lines),
        lines,
        ramp_factor: None,
        days_off: 0,
        member_count: context.people.len(),
    })
}

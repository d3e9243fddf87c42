//! Aggregate queries: totals, series and top people over a period, from the daily rollups.
//! Ratios are sum(numerator) / sum(denominator) over the whole period and group.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    metric::{Aggregation, MetricKind, Totals, ratio},
    period::{DateRange, Granularity, PeriodSpec},
};
use attain_runtime::{ApiError, ApiResult, Ctx, db::begin_tenant};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{MetricsApi, catalog::record_kind, state};
use crate::store::{
    self, RankedRow,
    catalog::MetricRecord,
    totals::{GroupBy, Score, TotalsRow},
};

/// Most people one query names.
pub const MAX_PEOPLE: usize = 10_000;
/// Most metrics one GetTotals names.
pub const MAX_METRICS: usize = 100;
/// Most rows of a ranking.
pub const MAX_TOP: i32 = 1000;
/// Most people a ranking is asked to place besides its top rows.
pub const MAX_ALSO: usize = 100;
/// Metric ids are identity values from 1; no row has 0.
const NO_METRIC: i32 = 0;

/// A metric's figure: the total (or largest value, or state) of an event metric, or a ratio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Total(i64),
    Ratio(f64),
}

/// A metric's value over a period for one person, one person's day, or everyone asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricValue {
    pub metric_key: String,
    /// `None`: no value (a ratio over nothing, or no snapshot of a state metric by then).
    pub value: Option<Figure>,
    pub event_count: i64,
    /// A ratio's parts.
    pub numerator: i64,
    pub denominator: i64,
}

/// A GetTotals request, decoded. A query names every fault of its fields at once, those found
/// on decoding (`faults`, with the fields they spoil left `None` or empty) and the metric keys
/// the catalog does not know, so its fields are checked in two places but refused in one.
pub struct TotalsQuery {
    pub metric_keys: Vec<String>,
    pub period: Option<PeriodSpec>,
    pub faults: Violations,
    /// Empty: everyone the caller sees.
    pub person_ids: Vec<Uuid>,
    pub group: GroupBy,
}

/// One row of totals: a person (or everyone), a day (or the whole period), the values in the
/// order the metrics were asked for.
pub struct TotalsRowOut {
    pub person_id: Option<Uuid>,
    pub day: Option<NaiveDate>,
    pub values: Vec<MetricValue>,
}

/// A GetSeries request, decoded (see [`TotalsQuery`] on `faults`).
pub struct SeriesQuery {
    pub metric_key: String,
    pub period: Option<PeriodSpec>,
    /// DAY, WEEK or MONTH.
    pub bucket: Option<Granularity>,
    pub faults: Violations,
    pub person_ids: Vec<Uuid>,
}

/// A GetTopPeople request, decoded (see [`TotalsQuery`] on `faults`).
pub struct TopQuery {
    pub metric_key: String,
    pub period: Option<PeriodSpec>,
    pub faults: Violations,
    pub limit: usize,
    /// A ratio ranks only people whose denominator reaches this (at least 1).
    pub min_denominator: i64,
    /// Empty: everyone of the tenant.
    pub person_ids: Vec<Uuid>,
    pub also_person_ids: Vec<Uuid>,
}

/// A person's place in a ranking.
pub struct RankedOut {
    pub rank: i64,
    pub person_id: Uuid,
    pub value: MetricValue,
}

/// A ranking: the top rows, the rows of the people asked for besides, and how many people
/// were ranked.
pub struct Ranking {
    pub range: DateRange,
    pub rows: Vec<RankedOut>,
    pub also: Vec<RankedOut>,
    pub ranked_count: i64,
}

/// A requested metric with the catalog rows its value needs.
struct Wanted<'a> {
    metric: &'a MetricRecord,
    kind: MetricKind,
    ids: Vec<i32>,
}

impl Wanted<'_> {
    /// A state metric (gauge), read from snapshots as of a day.
    fn is_state(&self) -> bool {
        matches!(self.kind, MetricKind::Events(a) if a.is_state())
    }
}

fn wanted<'a>(v: &mut Violations, field: &str, keys: &[String], catalog: &'a [MetricRecord]) -> Vec<Wanted<'a>> {
    let by_key: HashMap<&str, &MetricRecord> = catalog.iter().map(|m| (m.key.as_str(), m)).collect();
    let mut out = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let Some(metric) = by_key.get(key.as_str()).copied() else {
            let name = if keys.len() == 1 && field == "metric_key" {
                field.to_string()
            } else {
                format!("{field}[{i}]")
            };
            v.add(name, format!("no metric \"{}\" in the catalog", key.escape_debug()));
            continue;
        };
        let kind = record_kind(metric);
        let ids = match &kind {
            MetricKind::Events(_) => vec![metric.metric_id],
            // Positions matter (numerator, then denominator), so a missing part (which the catalog
            // never allows) becomes an id no row has rather than shifting the other.
            MetricKind::Ratio { numerator, denominator } => [numerator, denominator]
                .iter()
                .map(|k| by_key.get(k.as_str()).map_or(NO_METRIC, |m| m.metric_id))
                .collect(),
        };
        out.push(Wanted { metric, kind, ids });
    }
    out
}

fn value_of(w: &Wanted, totals: &HashMap<i32, Totals>) -> MetricValue {
    let get = |id: Option<&i32>| id.and_then(|id| totals.get(id)).copied().unwrap_or_default();
    let mut out = MetricValue {
        metric_key: w.metric.key.clone(),
        ..Default::default()
    };
    match &w.kind {
        // No snapshot by the day: no value, which is not the same as a snapshot of 0.
        MetricKind::Events(aggregation) if aggregation.is_state() => {
            if let Some(t) = totals.get(&w.metric.metric_id) {
                out.value = Some(Figure::Total(t.value(*aggregation)));
                out.event_count = t.count;
            }
        }
        MetricKind::Events(aggregation) => {
            let t = totals.get(&w.metric.metric_id).copied().unwrap_or_default();
            out.value = Some(Figure::Total(t.value(*aggregation)));
            out.event_count = t.count;
        }
        MetricKind::Ratio { .. } => {
            // `ids` holds the numerator's and the denominator's metric ids, in that order.
            let (n, d) = (get(w.ids.first()), get(w.ids.get(1)));
            out.numerator = n.sum;
            out.denominator = d.sum;
            out.event_count = d.count;
            out.value = ratio(n.sum, d.sum).map(Figure::Ratio);
        }
    }
    out
}

/// The people a query covers: the requested ones (each must be visible), or everyone visible.
async fn people(api: &MetricsApi, ctx: &Ctx, ids: Vec<Uuid>) -> ApiResult<Vec<Uuid>> {
    let visible = api.directory.visible_people_naming(ctx, &ids).await?;
    if ids.is_empty() {
        return Ok(visible.to_vec());
    }
    if let Some(hidden) = ids.iter().find(|id| !visible.contains(id)) {
        return Err(ApiError::not_found(format!("person {hidden}")));
    }
    Ok(ids)
}

fn index(rows: &[TotalsRow]) -> HashMap<(Option<Uuid>, Option<chrono::NaiveDate>), HashMap<i32, Totals>> {
    let mut out: HashMap<_, HashMap<i32, Totals>> = HashMap::new();
    for r in rows {
        out.entry((r.person_id, r.day))
            .or_default()
            .insert(r.metric_id, r.totals());
    }
    out
}

/// The caller's tenant calendar, and the period's days in it if the period decoded.
async fn resolve(
    api: &MetricsApi,
    ctx: &Ctx,
    period: Option<PeriodSpec>,
) -> ApiResult<(attain_domain::calendar::Calendar, Option<DateRange>)> {
    let calendar = api.directory.calendar(ctx).await?;
    let range = period.map(|p| p.resolve(&calendar, calendar.local_date(Utc::now())));
    Ok((calendar, range))
}

/// The people a query covers, once its fields are sound: a caller whose fields are at fault
/// hears of them, not of a person they may not see.
async fn people_if_sound(api: &MetricsApi, ctx: &Ctx, faults: &Violations, ids: Vec<Uuid>) -> ApiResult<Vec<Uuid>> {
    if faults.is_empty() {
        people(api, ctx, ids).await
    } else {
        Ok(Vec::new())
    }
}

impl MetricsApi {
    /// Totals of metrics over a period, per person, per person and day, or combined.
    pub async fn totals(&self, ctx: &Ctx, q: TotalsQuery) -> ApiResult<(DateRange, Vec<TotalsRowOut>)> {
        let (_, range) = resolve(self, ctx, q.period).await?;
        let mut v = q.faults;
        let people = people_if_sound(self, ctx, &v, q.person_ids).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let keys: Vec<&str> = q.metric_keys.iter().map(String::as_str).collect();
        let catalog = self.query_catalog(&mut tx, ctx.tenant_id, &keys).await?;
        let wanted = wanted(&mut v, "metric_keys", &q.metric_keys, &catalog);
        let range = v
            .into_result(range)?
            .ok_or_else(|| ApiError::invalid("period", "is required"))?;
        let group = q.group;
        let (states, flows): (Vec<&Wanted>, Vec<&Wanted>) = wanted.iter().partition(|w| w.is_state());
        let ids: Vec<i32> = flows.iter().flat_map(|w| w.ids.iter().copied()).collect();
        let state_ids: Vec<i32> = states.iter().map(|w| w.metric.metric_id).collect();
        if !state_ids.is_empty() {
            state::check_size(state::days_read(group, range), people.len(), state_ids.len())?;
        }
        let rows = if ids.is_empty() {
            Vec::new()
        } else {
            store::totals::totals(&mut tx, ctx.tenant_id, Some(&people), &ids, range, group).await?
        };
        let mut by_person = index(&rows);
        if !state_ids.is_empty() {
            for (key, values) in state::totals(&mut tx, ctx.tenant_id, &people, &state_ids, range, group).await? {
                by_person.entry(key).or_default().extend(values);
            }
        }
        tx.commit().await?;
        let empty = HashMap::new();
        let row = |person: Option<Uuid>, day: Option<NaiveDate>| TotalsRowOut {
            person_id: person,
            values: wanted
                .iter()
                .map(|w| value_of(w, by_person.get(&(person, day)).unwrap_or(&empty)))
                .collect(),
            day,
        };
        let rows = match group {
            GroupBy::Combined => vec![row(None, None)],
            GroupBy::PersonDay => {
                let mut keys: Vec<_> = by_person.keys().copied().collect();
                keys.sort_unstable();
                keys.into_iter().map(|(person, day)| row(person, day)).collect()
            }
            _ => people.iter().map(|p| row(Some(*p), None)).collect(),
        };
        Ok((range, rows))
    }

    /// A metric's value in each day, week or month of a period.
    pub async fn series(&self, ctx: &Ctx, q: SeriesQuery) -> ApiResult<(DateRange, Vec<(DateRange, MetricValue)>)> {
        let (calendar, range) = resolve(self, ctx, q.period).await?;
        let mut v = q.faults;
        let people = people_if_sound(self, ctx, &v, q.person_ids).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let catalog = self.query_catalog(&mut tx, ctx.tenant_id, &[&q.metric_key]).await?;
        let wanted = wanted(&mut v, "metric_key", std::slice::from_ref(&q.metric_key), &catalog);
        v.into_result(())?;
        let (Some(range), Some(bucket), Some(w)) = (range, q.bucket, wanted.first()) else {
            return Err(ApiError::invalid("period", "is required"));
        };
        let buckets = calendar.buckets(bucket, range);
        if w.is_state() {
            state::check_size(buckets.len(), people.len(), 1)?;
            let values = state::series(&mut tx, ctx.tenant_id, &people, w.metric.metric_id, range, &buckets).await?;
            tx.commit().await?;
            let points = buckets
                .into_iter()
                .zip(values)
                .map(|(b, sums)| (b, value_of(w, &sums)))
                .collect();
            return Ok((range, points));
        }
        let rows = store::totals::totals(&mut tx, ctx.tenant_id, Some(&people), &w.ids, range, GroupBy::Day).await?;
        tx.commit().await?;
        let points = buckets
            .into_iter()
            .map(|b| {
                let mut sums: HashMap<i32, Totals> = HashMap::new();
                for r in rows.iter().filter(|r| r.day.is_some_and(|d| b.contains(d))) {
                    let entry = sums.entry(r.metric_id).or_default();
                    *entry = entry.merge(r.totals());
                }
                (b, value_of(w, &sums))
            })
            .collect();
        Ok((range, points))
    }

    /// The people ranked by a metric over a period. Rankings are leaderboards, open to every
    /// credential of the tenant; the tenant filter in SQL keeps other tenants' people out.
    pub async fn top_people(&self, ctx: &Ctx, q: TopQuery) -> ApiResult<Ranking> {
        let (_, range) = resolve(self, ctx, q.period).await?;
        let (limit, also) = (q.limit, &q.also_person_ids);
        let mut v = q.faults;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let catalog = self.query_catalog(&mut tx, ctx.tenant_id, &[&q.metric_key]).await?;
        let wanted = wanted(&mut v, "metric_key", std::slice::from_ref(&q.metric_key), &catalog);
        v.into_result(())?;
        let (Some(range), Some(w)) = (range, wanted.first()) else {
            return Err(ApiError::invalid("period", "is required"));
        };
        let filter = (!q.person_ids.is_empty()).then_some(q.person_ids.as_slice());
        let lower_is_better = w.metric.direction == attain_domain::metric::Direction::LowerIsBetter;
        if w.is_state() {
            let ranked = state::ranking(
                &mut tx,
                ctx.tenant_id,
                filter,
                w.metric.metric_id,
                range,
                lower_is_better,
            )
            .await?;
            tx.commit().await?;
            let row = |r: &attain_domain::ranking::Ranked<crate::store::snapshots::Latest>| RankedOut {
                rank: r.rank as i64,
                person_id: r.item.person_id,
                value: value_of(
                    w,
                    &HashMap::from([(
                        w.metric.metric_id,
                        Totals {
                            sum: r.item.value,
                            count: 1,
                            max: r.item.value,
                        },
                    )]),
                ),
            };
            return Ok(Ranking {
                range,
                rows: ranked.iter().filter(|r| r.rank as usize <= limit).map(row).collect(),
                also: ranked
                    .iter()
                    .filter(|r| also.contains(&r.item.person_id))
                    .map(row)
                    .collect(),
                ranked_count: ranked.len() as i64,
            });
        }
        let (ids, score) = match &w.kind {
            MetricKind::Events(Aggregation::Max) => ([w.metric.metric_id; 2], Score::Max),
            MetricKind::Events(_) => ([w.metric.metric_id; 2], Score::Sum),
            MetricKind::Ratio { .. } => (
                [
                    w.ids.first().copied().unwrap_or(NO_METRIC),
                    w.ids.get(1).copied().unwrap_or(NO_METRIC),
                ],
                Score::Ratio {
                    min_denominator: q.min_denominator,
                },
            ),
        };
        let ranked = store::totals::ranking(
            &mut tx,
            ctx.tenant_id,
            filter,
            ids,
            range,
            score,
            lower_is_better,
            limit as i64,
            also,
        )
        .await?;
        tx.commit().await?;
        let ranked_count = ranked.first().map_or(0, |r| r.ranked_count);
        let row = |r: &RankedRow| {
            // For an event metric both ids are the metric's own, and only `a` carries its totals.
            let mut totals = HashMap::from([(
                ids[1],
                Totals {
                    sum: r.b_sum,
                    count: r.b_count,
                    max: r.b_max,
                },
            )]);
            totals.insert(
                ids[0],
                Totals {
                    sum: r.a_sum,
                    count: r.a_count,
                    max: r.a_max,
                },
            );
            RankedOut {
                rank: r.rank,
                person_id: r.person_id,
                value: value_of(w, &totals),
            }
        };
        Ok(Ranking {
            range,
            also: ranked.iter().filter(|r| also.contains(&r.person_id)).map(row).collect(),
            rows: ranked.iter().filter(|r| r.rank <= limit as i64).map(row).collect(),
            ranked_count,
        })
    }
}

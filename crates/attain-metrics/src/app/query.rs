//! Aggregate queries: totals, series and top people over a period, from the daily rollups.
//! Ratios are sum(numerator) / sum(denominator) over the whole period and group.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    metric::{Aggregation, MetricKind, Totals, ratio},
    period::Granularity,
};
use attain_proto::metrics::v1::*;
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    convert::{self, range_to_proto, resolve_period},
    db::begin_tenant,
    enums::from_wire,
};
use uuid::Uuid;

use super::{MetricsApi, catalog::record_kind, state};
use crate::store::{
    self, RankedRow,
    catalog::MetricRecord,
    totals::{GroupBy, Score, TotalsRow},
};

const MAX_PEOPLE: usize = 10_000;
const MAX_METRICS: usize = 100;
const MAX_TOP: i32 = 1000;
const MAX_ALSO: usize = 100;
/// Metric ids are identity values from 1; no row has 0.
const NO_METRIC: i32 = 0;

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
                out.value = Some(metric_value::Value::Total(t.value(*aggregation)));
                out.event_count = t.count;
            }
        }
        MetricKind::Events(aggregation) => {
            let t = totals.get(&w.metric.metric_id).copied().unwrap_or_default();
            out.value = Some(metric_value::Value::Total(t.value(*aggregation)));
            out.event_count = t.count;
        }
        MetricKind::Ratio { .. } => {
            // `ids` holds the numerator's and the denominator's metric ids, in that order.
            let (n, d) = (get(w.ids.first()), get(w.ids.get(1)));
            out.numerator = n.sum;
            out.denominator = d.sum;
            out.event_count = d.count;
            out.value = ratio(n.sum, d.sum).map(metric_value::Value::Ratio);
        }
    }
    out
}

/// The people a query covers: the requested ones (each must be visible), or everyone visible.
async fn people(api: &MetricsApi, v: &mut Violations, ctx: &Ctx, requested: &[String]) -> ApiResult<Vec<Uuid>> {
    if requested.len() > MAX_PEOPLE {
        v.add("person_ids", format!("at most {MAX_PEOPLE}"));
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = requested
        .iter()
        .enumerate()
        .filter_map(|(i, id)| convert::required_id(v, &format!("person_ids[{i}]"), id))
        .collect();
    if !v.is_empty() {
        return Ok(Vec::new());
    }
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

pub async fn totals(api: &MetricsApi, ctx: &Ctx, req: GetTotalsRequest) -> ApiResult<GetTotalsResponse> {
    let calendar = api.directory.calendar(ctx).await?;
    let mut v = Violations::new();
    if req.metric_keys.is_empty() || req.metric_keys.len() > MAX_METRICS {
        v.add("metric_keys", format!("name 1 to {MAX_METRICS} metrics"));
    }
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &calendar);
    let people = people(api, &mut v, ctx, &req.person_ids).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let keys: Vec<&str> = req.metric_keys.iter().map(String::as_str).collect();
    let catalog = api.query_catalog(&mut tx, ctx.tenant_id, &keys).await?;
    let wanted = wanted(&mut v, "metric_keys", &req.metric_keys, &catalog);
    let range = v
        .into_result(range)?
        .ok_or_else(|| ApiError::invalid("period", "is required"))?;
    let group = match Grouping::try_from(req.grouping) {
        Ok(Grouping::Combined) => GroupBy::Combined,
        Ok(Grouping::PerPersonDay) => GroupBy::PersonDay,
        _ => GroupBy::Person,
    };
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
    let row = |person: Option<Uuid>, day: Option<chrono::NaiveDate>| PersonTotals {
        person_id: person.map(|p| p.to_string()).unwrap_or_default(),
        values: wanted
            .iter()
            .map(|w| value_of(w, by_person.get(&(person, day)).unwrap_or(&empty)))
            .collect(),
        day: day.map(convert::date_to_proto),
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
    Ok(GetTotalsResponse {
        range: Some(range_to_proto(range)),
        rows,
    })
}

pub async fn series(api: &MetricsApi, ctx: &Ctx, req: GetSeriesRequest) -> ApiResult<GetSeriesResponse> {
    let calendar = api.directory.calendar(ctx).await?;
    let mut v = Violations::new();
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &calendar);
    let bucket = match from_wire(req.bucket) {
        Some(g @ (Granularity::Day | Granularity::Week | Granularity::Month)) => Some(g),
        _ => {
            v.add(
                "bucket",
                "must be GRANULARITY_DAY, GRANULARITY_WEEK or GRANULARITY_MONTH",
            );
            None
        }
    };
    let people = people(api, &mut v, ctx, &req.person_ids).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let catalog = api.query_catalog(&mut tx, ctx.tenant_id, &[&req.metric_key]).await?;
    let wanted = wanted(&mut v, "metric_key", std::slice::from_ref(&req.metric_key), &catalog);
    v.into_result(())?;
    let (Some(range), Some(bucket), Some(w)) = (range, bucket, wanted.first()) else {
        return Err(ApiError::invalid("period", "is required"));
    };
    let buckets = calendar.buckets(bucket, range);
    if w.is_state() {
        state::check_size(buckets.len(), people.len(), 1)?;
        let values = state::series(&mut tx, ctx.tenant_id, &people, w.metric.metric_id, range, &buckets).await?;
        tx.commit().await?;
        return Ok(GetSeriesResponse {
            range: Some(range_to_proto(range)),
            points: buckets
                .into_iter()
                .zip(values)
                .map(|(b, sums)| SeriesPoint {
                    range: Some(range_to_proto(b)),
                    value: Some(value_of(w, &sums)),
                })
                .collect(),
        });
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
            SeriesPoint {
                range: Some(range_to_proto(b)),
                value: Some(value_of(w, &sums)),
            }
        })
        .collect();
    Ok(GetSeriesResponse {
        range: Some(range_to_proto(range)),
        points,
    })
}

pub async fn top_people(api: &MetricsApi, ctx: &Ctx, req: GetTopPeopleRequest) -> ApiResult<GetTopPeopleResponse> {
    let calendar = api.directory.calendar(ctx).await?;
    let mut v = Violations::new();
    let range = resolve_period(&mut v, "period", req.period.as_ref(), &calendar);
    let limit = match req.limit {
        0 => 10,
        n @ 1..=MAX_TOP => n as usize,
        _ => {
            v.add("limit", format!("must be between 0 and {MAX_TOP}"));
            10
        }
    };
    if req.min_denominator < 0 {
        v.add("min_denominator", "must not be negative");
    }
    let min_denominator = req.min_denominator.max(1);
    // Rankings are leaderboards, open to every credential of the tenant; the tenant filter in
    // SQL keeps other tenants' people out.
    let people = ids(&mut v, "person_ids", &req.person_ids, MAX_PEOPLE);
    let also = ids(&mut v, "also_person_ids", &req.also_person_ids, MAX_ALSO);
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let catalog = api.query_catalog(&mut tx, ctx.tenant_id, &[&req.metric_key]).await?;
    let wanted = wanted(&mut v, "metric_key", std::slice::from_ref(&req.metric_key), &catalog);
    v.into_result(())?;
    let (Some(range), Some(w)) = (range, wanted.first()) else {
        return Err(ApiError::invalid("period", "is required"));
    };
    let filter = (!people.is_empty()).then_some(people.as_slice());
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
        let ranked_count = ranked.len() as i32;
        let row = |r: &attain_domain::ranking::Ranked<crate::store::snapshots::Latest>| RankedPerson {
            rank: r.rank as i32,
            person_id: r.item.person_id.to_string(),
            value: Some(value_of(
                w,
                &HashMap::from([(
                    w.metric.metric_id,
                    Totals {
                        sum: r.item.value,
                        count: 1,
                        max: r.item.value,
                    },
                )]),
            )),
        };
        return Ok(GetTopPeopleResponse {
            range: Some(range_to_proto(range)),
            rows: ranked.iter().filter(|r| r.rank as usize <= limit).map(row).collect(),
            also: ranked
                .iter()
                .filter(|r| also.contains(&r.item.person_id))
                .map(row)
                .collect(),
            ranked_count,
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
            Score::Ratio { min_denominator },
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
        &also,
    )
    .await?;
    tx.commit().await?;
    let ranked_count = ranked.first().map_or(0, |r| r.ranked_count as i32);
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
        RankedPerson {
            rank: r.rank as i32,
            person_id: r.person_id.to_string(),
            value: Some(value_of(w, &totals)),
        }
    };
    let also_rows = ranked.iter().filter(|r| also.contains(&r.person_id)).map(row).collect();
    let top_rows = ranked.iter().filter(|r| r.rank <= limit as i64).map(row).collect();
    Ok(GetTopPeopleResponse {
        range: Some(range_to_proto(range)),
        rows: top_rows,
        also: also_rows,
        ranked_count,
    })
}

/// Parses up to `max` ids of a list field.
fn ids(v: &mut Violations, field: &str, texts: &[String], max: usize) -> Vec<Uuid> {
    if texts.len() > max {
        v.add(field, format!("at most {max}"));
        return Vec::new();
    }
    texts
        .iter()
        .enumerate()
        .filter_map(|(i, id)| convert::required_id(v, &format!("{field}[{i}]"), id))
        .collect()
}

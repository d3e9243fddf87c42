//! Totals, series and rankings on the wire.

use attain_domain::{Violations, period::Granularity};
use attain_proto::metrics::v1::*;
use attain_runtime::{
    ApiResult, Ctx,
    convert::{self, period_spec, range_to_proto},
    enums::from_wire,
};
use uuid::Uuid;

use crate::{
    app::{
        MetricsApi,
        query::{
            Figure, MAX_ALSO, MAX_METRICS, MAX_PEOPLE, MAX_TOP, MetricValue as Value, RankedOut, SeriesQuery, TopQuery,
            TotalsQuery,
        },
    },
    store::totals::GroupBy,
};

fn value(v: Value) -> MetricValue {
    MetricValue {
        metric_key: v.metric_key,
        numerator: v.numerator,
        denominator: v.denominator,
        event_count: v.event_count,
        value: v.value.map(|f| match f {
            Figure::Total(t) => metric_value::Value::Total(t),
            Figure::Ratio(r) => metric_value::Value::Ratio(r),
        }),
    }
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

fn totals_query(req: GetTotalsRequest) -> TotalsQuery {
    let mut v = Violations::new();
    if req.metric_keys.is_empty() || req.metric_keys.len() > MAX_METRICS {
        v.add("metric_keys", format!("name 1 to {MAX_METRICS} metrics"));
    }
    let period = period_spec(&mut v, "period", req.period.as_ref());
    let person_ids = ids(&mut v, "person_ids", &req.person_ids, MAX_PEOPLE);
    let group = match Grouping::try_from(req.grouping) {
        Ok(Grouping::Combined) => GroupBy::Combined,
        Ok(Grouping::PerPersonDay) => GroupBy::PersonDay,
        _ => GroupBy::Person,
    };
    TotalsQuery {
        metric_keys: req.metric_keys,
        period,
        faults: v,
        person_ids,
        group,
    }
}

pub async fn totals(api: &MetricsApi, ctx: &Ctx, req: GetTotalsRequest) -> ApiResult<GetTotalsResponse> {
    let (range, rows) = api.totals(ctx, totals_query(req)).await?;
    Ok(GetTotalsResponse {
        range: Some(range_to_proto(range)),
        rows: rows
            .into_iter()
            .map(|r| PersonTotals {
                person_id: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
                values: r.values.into_iter().map(value).collect(),
                day: r.day.map(convert::date_to_proto),
            })
            .collect(),
    })
}

fn series_query(req: GetSeriesRequest) -> SeriesQuery {
    let mut v = Violations::new();
    let period = period_spec(&mut v, "period", req.period.as_ref());
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
    let person_ids = ids(&mut v, "person_ids", &req.person_ids, MAX_PEOPLE);
    SeriesQuery {
        metric_key: req.metric_key,
        period,
        bucket,
        faults: v,
        person_ids,
    }
}

pub async fn series(api: &MetricsApi, ctx: &Ctx, req: GetSeriesRequest) -> ApiResult<GetSeriesResponse> {
    let (range, points) = api.series(ctx, series_query(req)).await?;
    Ok(GetSeriesResponse {
        range: Some(range_to_proto(range)),
        points: points
            .into_iter()
            .map(|(b, v)| SeriesPoint {
                range: Some(range_to_proto(b)),
                value: Some(value(v)),
            })
            .collect(),
    })
}

fn top_query(req: GetTopPeopleRequest) -> TopQuery {
    let mut v = Violations::new();
    let period = period_spec(&mut v, "period", req.period.as_ref());
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
    let person_ids = ids(&mut v, "person_ids", &req.person_ids, MAX_PEOPLE);
    let also_person_ids = ids(&mut v, "also_person_ids", &req.also_person_ids, MAX_ALSO);
    TopQuery {
        metric_key: req.metric_key,
        period,
        faults: v,
        limit,
        min_denominator: req.min_denominator.max(1),
        person_ids,
        also_person_ids,
    }
}

fn ranked(r: RankedOut) -> RankedPerson {
    RankedPerson {
        rank: r.rank as i32,
        person_id: r.person_id.to_string(),
        value: Some(value(r.value)),
    }
}

pub async fn top_people(api: &MetricsApi, ctx: &Ctx, req: GetTopPeopleRequest) -> ApiResult<GetTopPeopleResponse> {
    let r = api.top_people(ctx, top_query(req)).await?;
    Ok(GetTopPeopleResponse {
        range: Some(range_to_proto(r.range)),
        rows: r.rows.into_iter().map(ranked).collect(),
        also: r.also.into_iter().map(ranked).collect(),
        ranked_count: r.ranked_count as i32,
    })
}

//! Reading state metrics (gauges such as open pipeline): a person's value for a period is their
//! latest snapshot on or before its last day; a group's is the sum over its people; a person
//! without a snapshot by then has no value (not 0: "no value" is what a manager must see when
//! the CRM never sent one).

use std::collections::HashMap;

use attain_domain::{
    metric::Totals,
    period::DateRange,
    ranking::{Ranked, competition_rank},
};
use chrono::NaiveDate;
use uuid::Uuid;

use attain_runtime::{ApiError, ApiResult};

use crate::store::{self, Conn, Result, snapshots::Latest, snapshots::MAX_PROBES, totals::GroupBy};

/// Refuses a read of states that would look up more than `MAX_PROBES` (day, person, metric)
/// values: a decade of days for thousands of people, which a state (read as of every day) makes
/// far more work than a flow (which has rows only where something happened).
pub fn check_size(days: usize, people: usize, metrics: usize) -> ApiResult<()> {
    let probes = days.saturating_mul(people).saturating_mul(metrics);
    if probes > MAX_PROBES {
        return Err(ApiError::invalid(
            "period",
            format!(
                "a per-day read of state metrics covers at most {MAX_PROBES} (day, person, metric) values, \
                 this one {probes}: ask fewer days, people or metrics"
            ),
        ));
    }
    Ok(())
}

/// How many as-of days a grouping reads.
pub fn days_read(group: GroupBy, range: DateRange) -> usize {
    match group {
        GroupBy::PersonDay | GroupBy::Day => usize::try_from(range.days()).unwrap_or(usize::MAX),
        GroupBy::Person | GroupBy::Combined => 1,
    }
}

/// A snapshot's value as totals: one person, one value.
fn one(value: i64) -> Totals {
    Totals {
        sum: value,
        count: 1,
        max: value,
    }
}

type Index = HashMap<(Option<Uuid>, Option<NaiveDate>), HashMap<i32, Totals>>;

/// The values of state metrics `ids` for `people` over `range`, keyed like the flow totals:
/// per person as of the range's last day, combined (added up over people), or per person and
/// day as of each day.
pub async fn totals(
    c: &mut Conn,
    tenant: Uuid,
    people: &[Uuid],
    ids: &[i32],
    range: DateRange,
    group: GroupBy,
) -> Result<Index> {
    let as_of: Vec<NaiveDate> = match group {
        GroupBy::PersonDay | GroupBy::Day => range.start.iter_days().take_while(|d| *d <= range.end).collect(),
        GroupBy::Person | GroupBy::Combined => vec![range.end],
    };
    let rows = store::snapshots::latest(c, tenant, Some(people), ids, &as_of).await?;
    let mut out: Index = HashMap::new();
    for r in rows {
        let key = match group {
            GroupBy::Person => (Some(r.person_id), None),
            GroupBy::PersonDay => (Some(r.person_id), Some(r.as_of)),
            GroupBy::Day => (None, Some(r.as_of)),
            GroupBy::Combined => (None, None),
        };
        let entry = out.entry(key).or_default().entry(r.metric_id).or_default();
        *entry = entry.merge(one(r.value));
    }
    Ok(out)
}

/// A state metric's value at the end of each bucket (clipped to `range`), over `people`.
pub async fn series(
    c: &mut Conn,
    tenant: Uuid,
    people: &[Uuid],
    id: i32,
    range: DateRange,
    buckets: &[DateRange],
) -> Result<Vec<HashMap<i32, Totals>>> {
    let ends: Vec<NaiveDate> = buckets.iter().map(|b| b.end.min(range.end)).collect();
    let rows = store::snapshots::latest(c, tenant, Some(people), &[id], &ends).await?;
    Ok(ends
        .iter()
        .map(|end| {
            let mut sums: HashMap<i32, Totals> = HashMap::new();
            for r in rows.iter().filter(|r| r.as_of == *end) {
                let entry = sums.entry(r.metric_id).or_default();
                *entry = entry.merge(one(r.value));
            }
            sums
        })
        .collect())
}

/// People ranked on a state metric as of the range's last day: competition ranking, ties
/// broken by person id for a stable order. People without a snapshot are not ranked.
pub async fn ranking(
    c: &mut Conn,
    tenant: Uuid,
    people: Option<&[Uuid]>,
    id: i32,
    range: DateRange,
    lower_is_better: bool,
) -> Result<Vec<Ranked<Latest>>> {
    let rows = store::snapshots::latest(c, tenant, people, &[id], &[range.end]).await?;
    let scored = rows.into_iter().map(|r| (r.value as f64, r)).collect();
    Ok(competition_rank(scored, lower_is_better, |r: &Latest| r.person_id))
}

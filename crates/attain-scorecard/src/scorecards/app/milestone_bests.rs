//! The inputs of personal bests: each seller's values today, and their earlier days of the
//! last year summed up per metric (`milestone::History`). The year's per-day totals are the
//! heaviest read of detection, and they do not change within a day except for late events, so
//! each replica keeps them per tenant for the day and reads only today's values on every run.
//! A late event for an earlier day counts from the next day on.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use attain_domain::{Violations, milestone::History, period::DateRange};
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{ApiResult, Ctx, convert};
use chrono::{Days, NaiveDate};
use uuid::Uuid;

use super::{ScorecardApi, compute::number};

/// How far back a personal best looks.
pub const LOOKBACK_DAYS: u64 = 365;

type Histories = HashMap<(Uuid, String), History>;

struct Cached {
    day: NaiveDate,
    people: Vec<Uuid>,
    keys: Vec<String>,
    histories: Arc<Histories>,
}

/// Earlier days' summaries per tenant, for the day they were read on.
#[derive(Default)]
pub struct BestCache {
    entries: Mutex<HashMap<Uuid, Cached>>,
}

impl BestCache {
    fn get(&self, tenant: Uuid, day: NaiveDate, people: &[Uuid], keys: &[String]) -> Option<Arc<Histories>> {
        let entries = self.entries.lock().ok()?;
        let c = entries.get(&tenant)?;
        (c.day == day && c.people == people && c.keys == keys).then(|| c.histories.clone())
    }

    fn put(&self, tenant: Uuid, day: NaiveDate, people: &[Uuid], keys: &[String], histories: Arc<Histories>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(
                tenant,
                Cached {
                    day,
                    people: people.to_vec(),
                    keys: keys.to_vec(),
                    histories,
                },
            );
        }
    }
}

/// Per person, metric and day, the positive totals of `keys` over `range`.
async fn per_day(
    api: &ScorecardApi,
    ctx: &Ctx,
    people: &[Uuid],
    keys: &[String],
    range: DateRange,
) -> ApiResult<Vec<(Uuid, String, NaiveDate, f64)>> {
    let rows = api
        .metrics
        .totals(ctx, people, keys, range, Grouping::PerPersonDay)
        .await?
        .rows;
    let mut out = Vec::new();
    for row in rows {
        let (Ok(person), Some(day)) = (Uuid::parse_str(&row.person_id), row.day.as_ref()) else {
            continue;
        };
        let mut v = Violations::new();
        let Some(day) = convert::optional_date(&mut v, "day", Some(day)) else {
            continue;
        };
        for value in &row.values {
            if let Some(x) = number(Some(value)).filter(|x| *x > 0.0) {
                out.push((person, value.metric_key.clone(), day, x));
            }
        }
    }
    Ok(out)
}

/// Today's value of each (person, metric) with data today, with that person's history of the
/// metric over the year before today.
pub async fn today_with_history(
    api: &ScorecardApi,
    ctx: &Ctx,
    tenant: Uuid,
    people: &[Uuid],
    keys: &[String],
    today: NaiveDate,
    cache: &BestCache,
) -> ApiResult<Vec<(Uuid, String, f64, History)>> {
    let now = per_day(
        api,
        ctx,
        people,
        keys,
        DateRange {
            start: today,
            end: today,
        },
    )
    .await?;
    if now.is_empty() {
        return Ok(Vec::new());
    }
    let mut people = people.to_vec();
    people.sort_unstable();
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    let histories = match cache.get(tenant, today, &people, &keys) {
        Some(h) => h,
        None => {
            let start = today.checked_sub_days(Days::new(LOOKBACK_DAYS)).unwrap_or(today);
            let mut histories: Histories = HashMap::new();
            if let Some(end) = today.pred_opt().filter(|end| *end >= start) {
                for (person, key, _, value) in per_day(api, ctx, &people, &keys, DateRange { start, end }).await? {
                    histories.entry((person, key)).or_default().add(value);
                }
            }
            let histories = Arc::new(histories);
            cache.put(tenant, today, &people, &keys, histories.clone());
            histories
        }
    };
    Ok(now
        .into_iter()
        .map(|(person, key, _, value)| {
            let history = histories.get(&(person, key.clone())).copied().unwrap_or_default();
            (person, key, value, history)
        })
        .collect())
}

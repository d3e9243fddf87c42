//! The daily activity goal per seller and working day over the streak window, for the
//! milestone detector. Re-reading every seller's days of the whole window on every run would
//! cost a large tenant a KPI read of two months every few seconds; only the last days change
//! (late events), so the days before them are read once per tenant and local day and kept.

use attain_runtime::Ctx;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use attain_domain::{calendar::Calendar, period::DateRange};
use attain_runtime::ApiResult;
use chrono::{Days, NaiveDate};
use uuid::Uuid;

use super::{ScorecardApi, context::Context, kpis};
use crate::scorecards::metrics::Catalog;

/// Days up to today read on every run; events older than this count from the next day on.
const RECENT_DAYS: u64 = 7;

/// Per seller, each working day of a range and whether every activity goal was met (`None`:
/// none was asked), in day order.
pub type Met = HashMap<Uuid, Vec<(NaiveDate, Option<bool>)>>;

struct Cached {
    today: NaiveDate,
    range: DateRange,
    people: Vec<Uuid>,
    met: Arc<Met>,
}

/// Each tenant's answers for the window's days before the recent ones.
#[derive(Default)]
pub struct GoalCache {
    entries: Mutex<HashMap<Uuid, Cached>>,
}

/// The daily goal over `window` (ending today) for the people of `context`: the recent days
/// read now, the earlier ones from the cache when it holds them for today and these people.
#[allow(clippy::too_many_arguments)]
pub async fn over_window(
    api: &ScorecardApi,
    tenant: Uuid,
    ctx: &Ctx,
    context: &Context,
    catalog: &Catalog,
    calendar: &Calendar,
    window: DateRange,
    cache: &GoalCache,
) -> ApiResult<Met> {
    let today = window.end;
    let recent_start = today
        .checked_sub_days(Days::new(RECENT_DAYS))
        .unwrap_or(today)
        .max(window.start);
    let mut people: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
    people.sort_unstable();
    let mut met: Met = match recent_start.pred_opt().filter(|end| *end >= window.start) {
        Some(end) => {
            let older = DateRange {
                start: window.start,
                end,
            };
            let hit = cache.entries.lock().ok().and_then(|entries| {
                entries
                    .get(&tenant)
                    .filter(|c| c.today == today && c.range == older && c.people == people)
                    .map(|c| c.met.clone())
            });
            let older_met = match hit {
                Some(met) => met,
                None => {
                    let met = Arc::new(kpis::daily_activity_goal(api, ctx, context, catalog, calendar, older).await?);
                    if let Ok(mut entries) = cache.entries.lock() {
                        entries.insert(
                            tenant,
                            Cached {
                                today,
                                range: older,
                                people: people.clone(),
                                met: met.clone(),
                            },
                        );
                    }
                    met
                }
            };
            (*older_met).clone()
        }
        None => Met::new(),
    };
    let recent = DateRange {
        start: recent_start,
        end: today,
    };
    for (person, days) in kpis::daily_activity_goal(api, ctx, context, catalog, calendar, recent).await? {
        met.entry(person).or_default().extend(days);
    }
    Ok(met)
}

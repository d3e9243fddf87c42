//! What the milestone detector learns from the scorecards of one tenant: quota progress, the
//! daily activity goal per working day, per-day values, the largest deal of the month, the
//! leaders of saved leaderboards and first deals of new hires. Each is computed the way the
//! scorecard, the manager KPIs and the standings compute it (the same code), on the detector's
//! system key, and turned into milestones by `attain_domain::milestone`.

use std::collections::HashMap;

use attain_domain::{
    calendar::Calendar,
    milestone::{self, Found, Settings},
    money,
    org::PersonStatus,
    org_view::{DirPerson, TenantDirectory},
    period::{DateRange, Granularity},
    scorecard::{
        plan::TargetSource,
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, Shape, TemplateLine},
    },
};
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{ApiResult, Ctx, db::begin_tenant};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

pub use super::{milestone_bests::BestCache, milestone_goals::GoalCache};

use super::{
    ScorecardApi,
    compute::{by_key, number},
    context::Context,
    leaderboard::{BoardStandingsQuery, StandingsQuery},
    milestone_bests, milestone_goals,
};
use crate::scorecards::{
    board_store as boards,
    metrics::Catalog,
    plan_store::{self as plans, Member},
};

/// The metric whose largest single value is the biggest deal (built-in catalog, MAX).
const BIGGEST_DEAL_METRIC: &str = "largest_deal";
/// The count of deals won (built-in catalog).
const DEALS_WON_METRIC: &str = "deals_won";
/// Most saved leaderboards looked at per tenant and run.
const MAX_BOARDS: i64 = 200;

/// A milestone found, with what it is about (for the title) and details for systems.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub found: Found,
    /// The metric, board or period named in the title.
    pub what: String,
    /// The amount as people read it (money in whole units of the tenant's currency).
    pub amount: String,
    pub data: serde_json::Value,
}

/// Everything found for one tenant now, with each person's name and team.
pub struct Gathered {
    pub candidates: Vec<Candidate>,
    pub names: HashMap<Uuid, String>,
    pub team_paths: HashMap<Uuid, Vec<Uuid>>,
}

/// A quota period in force, for one metric, and whose it is.
struct QuotaSpan {
    range: DateRange,
    key: String,
    people: Vec<Uuid>,
    teams: Vec<Uuid>,
}

/// Gathers the milestones of `caller`'s tenant as of `at` (its local day is "today"). `caller`
/// must see the whole tenant (the detector's system key is an INTEGRATION key).
pub async fn gather(
    api: &ScorecardApi,
    ctx: &Ctx,
    settings: &Settings,
    at: DateTime<Utc>,
    bests: &BestCache,
    goals: &GoalCache,
) -> ApiResult<Gathered> {
    let tenant = ctx.tenant_id;
    let catalog = api.metrics.catalog(ctx, false).await?;
    let view = api.view(ctx).await?;
    let directory = &view.directory;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cal = directory.calendar.clone();
    let today = cal.local_date(at);
    let currency = directory.currency_code.clone();
    let people: Vec<&DirPerson> = directory.people().iter().filter(|p| !p.has_left()).collect();
    let team_ids: Vec<Uuid> = directory.teams().map(|t| t.team_id).collect();
    let sellers = plans::sellers_in(directory, &team_ids);
    let seller_ids: Vec<Uuid> = sellers.iter().map(|m| m.person_id).collect();

    let quota_contexts = quota_contexts(&mut tx, directory, &sellers, &team_ids, today).await?;
    // The window the daily goal and streaks are judged over: long enough to see a streak's
    // first day (see `milestone::streaks`).
    let window_days = u64::from(settings.streak_days.saturating_mul(3).max(60));
    let window = DateRange {
        start: today.checked_sub_days(Days::new(window_days)).unwrap_or(today),
        end: today,
    };
    let window_context = Context::load(&mut tx, directory, sellers.clone(), window, &[]).await?;
    let board_list = boards::list_boards(&mut tx, tenant, None, MAX_BOARDS).await?;
    tx.commit().await?;

    let run = Run {
        api,
        ctx,
        settings,
        catalog: &catalog,
        cal: &cal,
        currency: &currency,
        today,
    };
    let mut out = Vec::new();
    run.quota_steps(&quota_contexts, &mut out).await?;
    run.daily_goals(&window_context, window, goals, &mut out).await?;
    run.personal_bests(&sellers, &seller_ids, &window_context, bests, &mut out)
        .await?;
    run.biggest_deal(&mut out).await?;
    run.new_leaders(&board_list, &mut out).await?;
    run.first_deals(&people, &mut out).await?;
    let names: HashMap<Uuid, String> = people.iter().map(|p| (p.person_id, p.display_name.clone())).collect();
    let team_paths = people
        .iter()
        .map(|p| {
            let path = p.team_id.map(|t| directory.ancestors(t)).unwrap_or_default();
            (p.person_id, path.into_iter().map(|(team, _)| team).collect())
        })
        .collect();
    Ok(Gathered {
        candidates: out,
        names,
        team_paths,
    })
}

/// The quota periods in force `today`, each for one metric with whose quota it is (a person, or
/// the members of a team sharing a team quota) and their targets over the whole period.
async fn quota_contexts(
    tx: &mut PgConnection,
    directory: &TenantDirectory,
    sellers: &[Member],
    team_ids: &[Uuid],
    today: NaiveDate,
) -> ApiResult<Vec<(DateRange, String, Context)>> {
    let tenant = directory.tenant_id;
    let seller_ids: Vec<Uuid> = sellers.iter().map(|m| m.person_id).collect();
    // Quota periods in force today, each with whose quota it is (a person, or the members of a
    // team sharing a team quota) and the targets over the whole period.
    let mut spans: Vec<QuotaSpan> = Vec::new();
    for q in plans::quotas(&mut *tx, tenant, &seller_ids, team_ids, today, today).await? {
        let range = DateRange {
            start: q.start_date,
            end: q.end_date,
        };
        let i = match spans.iter().position(|s| s.range == range && s.key == q.metric_key) {
            Some(i) => i,
            None => {
                spans.push(QuotaSpan {
                    range,
                    key: q.metric_key.clone(),
                    people: Vec::new(),
                    teams: Vec::new(),
                });
                spans.len() - 1
            }
        };
        spans[i].people.extend(q.person_id);
        spans[i].teams.extend(q.team_id);
    }
    let mut quota_contexts = Vec::with_capacity(spans.len());
    for span in spans {
        let holders: Vec<_> = sellers
            .iter()
            .filter(|m| span.people.contains(&m.person_id) || m.team_id.is_some_and(|t| span.teams.contains(&t)))
            .cloned()
            .collect();
        let context = Context::load(&mut *tx, directory, holders, span.range, &[]).await?;
        quota_contexts.push((span.range, span.key, context));
    }
    Ok(quota_contexts)
}

/// One detector run over one tenant: what every kind of milestone is judged with.
struct Run<'a> {
    api: &'a ScorecardApi,
    ctx: &'a Ctx,
    settings: &'a Settings,
    catalog: &'a Catalog,
    cal: &'a Calendar,
    currency: &'a str,
    /// The tenant's local day of the run.
    today: NaiveDate,
}

impl Run<'_> {
    /// A value of `key` as people read it.
    fn shown(&self, key: &str, value: f64) -> String {
        if self.catalog.get(key).is_some_and(|m| m.is_money) {
            money::money(value, self.currency)
        } else {
            format!("{value}")
        }
    }

    /// A value in a webhook payload: money as whole minor units (cents) next to the currency
    /// code, so that a consumer never has to guess the unit or round a float; counts as
    /// integers when whole.
    fn payload(&self, key: &str, value: f64) -> serde_json::Value {
        let is_money = self.catalog.get(key).is_some_and(|m| m.is_money);
        if is_money || value.fract() == 0.0 {
            json!(value.round() as i64)
        } else {
            json!(value)
        }
    }

    /// The currency code of a money metric, for the payload.
    fn money_of(&self, key: &str) -> Option<String> {
        self.catalog
            .get(key)
            .is_some_and(|m| m.is_money)
            .then(|| self.currency.to_string())
    }

    /// A metric as named in a title.
    fn label(&self, key: &str) -> String {
        self.catalog
            .get(key)
            .map_or_else(|| key.to_string(), |m| m.display_name.to_lowercase())
    }

    /// 1. Quota steps, with the quota as the scorecard computes it.
    async fn quota_steps(
        &self,
        quota_contexts: &[(DateRange, String, Context)],
        out: &mut Vec<Candidate>,
    ) -> ApiResult<()> {
        // 1. Quota steps, with the quota as the scorecard computes it (person quota or share of a
        // team quota, ramped), over the quota's own period.
        for (range, key, context) in quota_contexts {
            let to_date = DateRange {
                start: range.start,
                end: self.today.min(range.end),
            };
            let totals = self
                .api
                .metrics
                .totals(
                    self.ctx,
                    &context.people.iter().map(|m| m.person_id).collect::<Vec<_>>(),
                    std::slice::from_ref(key),
                    to_date,
                    Grouping::PerPerson,
                )
                .await?;
            let actuals: HashMap<Uuid, f64> = totals
                .rows
                .iter()
                .filter_map(|r| {
                    let values = by_key(&r.values);
                    Some((
                        Uuid::parse_str(&r.person_id).ok()?,
                        number(values.get(key.as_str()).copied())?,
                    ))
                })
                .collect();
            let default_line = TemplateLine {
                metric_key: key.clone(),
                section: Section::Results,
                target: LineTarget::default(),
                weight: 0.0,
                thresholds: DEFAULT_THRESHOLDS,
            };
            for m in &context.people {
                let line = context
                    .template_of(m.person_id)
                    .and_then(|t| t.lines.iter().find(|l| l.metric_key == *key))
                    .unwrap_or(&default_line);
                let Some((quota, TargetSource::PersonQuota | TargetSource::TeamQuota)) =
                    context.target(m, line, Shape::Additive, self.cal, *range, Granularity::Day)
                else {
                    continue;
                };
                let actual = actuals.get(&m.person_id).copied().unwrap_or(0.0);
                for found in milestone::quota_steps(
                    m.person_id,
                    range.start,
                    actual,
                    quota,
                    &self.settings.quota_steps,
                    self.today,
                ) {
                    out.push(Candidate {
                        what: self.label(key),
                        amount: format!("{}", found.amount),
                        data: json!({
                            "metric_key": key, "step_percent": found.amount, "actual": self.payload(key, actual),
                            "quota": self.payload(key, quota), "currency": self.money_of(key),
                            "period": {"start": range.start.to_string(), "end": range.end.to_string()},
                        }),
                        found,
                    });
                }
            }
        }

        Ok(())
    }

    /// 2 and 3. The daily activity goal and streaks.
    async fn daily_goals(
        &self,
        window_context: &Context,
        window: DateRange,
        goals: &GoalCache,
        out: &mut Vec<Candidate>,
    ) -> ApiResult<()> {
        // 2 and 3. Daily activity goal today (and the working day before, for events that arrive
        // after midnight) and streaks.
        let met = milestone_goals::over_window(
            self.api,
            self.ctx.tenant_id,
            self.ctx,
            window_context,
            self.catalog,
            self.cal,
            window,
            goals,
        )
        .await?;
        for (person, days) in &met {
            for (day, hit) in days.iter().rev().take(2) {
                if let Some(found) = milestone::daily_goal(*person, *day, *hit) {
                    out.push(Candidate {
                        what: String::new(),
                        amount: String::new(),
                        data: json!({"day": day.to_string()}),
                        found,
                    });
                }
            }
            // A working day with no goal asked (time off, no activity target) neither counts nor
            // breaks a streak.
            let plain: Vec<(NaiveDate, bool)> = days.iter().filter_map(|(d, m)| Some((*d, (*m)?))).collect();
            for found in milestone::streaks(*person, &plain, self.settings.streak_days) {
                out.push(Candidate {
                    what: String::new(),
                    amount: format!("{}", found.amount),
                    data: json!({"days": found.amount, "last_day": found.day.to_string()}),
                    found,
                });
            }
        }

        Ok(())
    }

    /// 4. Personal bests on the metrics of each seller's template.
    async fn personal_bests(
        &self,
        sellers: &[Member],
        seller_ids: &[Uuid],
        window_context: &Context,
        bests: &BestCache,
        out: &mut Vec<Candidate>,
    ) -> ApiResult<()> {
        // 4. Personal bests on the metrics of each seller's template.
        if self.settings.personal_best && !seller_ids.is_empty() {
            let mut keys: Vec<String> = Vec::new();
            for m in sellers {
                for l in window_context.template_of(m.person_id).map_or(&[][..], |t| &t.lines) {
                    let additive = self
                        .catalog
                        .get(&l.metric_key)
                        .is_some_and(|i| i.shape == Shape::Additive);
                    if additive && !keys.contains(&l.metric_key) {
                        keys.push(l.metric_key.clone());
                    }
                }
            }
            if !keys.is_empty() {
                let found = milestone_bests::today_with_history(
                    self.api,
                    self.ctx,
                    self.ctx.tenant_id,
                    seller_ids,
                    &keys,
                    self.today,
                    bests,
                )
                .await?;
                for (person, key, now, history) in found {
                    if let Some(found) = milestone::personal_best(
                        person,
                        &key,
                        self.today,
                        now,
                        history,
                        self.settings.personal_best_min_history,
                    ) {
                        out.push(Candidate {
                            what: self.label(&key),
                            amount: self.shown(&key, now),
                            data: json!({"metric_key": key, "value": self.payload(&key, now), "earlier_days": history.days,
                                         "previous_best": self.payload(&key, history.best), "currency": self.money_of(&key)}),
                            found,
                        });
                    }
                }
            }
        }

        Ok(())
    }

    /// 5. The biggest single deal of the month, across the tenant.
    async fn biggest_deal(&self, out: &mut Vec<Candidate>) -> ApiResult<()> {
        // 5. The biggest single deal of the month, across the tenant.
        if self.catalog.contains_key(BIGGEST_DEAL_METRIC) {
            let month = self.cal.period_containing(Granularity::Month, self.today);
            let top = self
                .api
                .metrics
                .top(self.ctx, BIGGEST_DEAL_METRIC, month, &[], 2, 0, &[])
                .await?;
            let rows: Vec<(Uuid, f64)> = top
                .rows
                .iter()
                .filter_map(|r| Some((Uuid::parse_str(&r.person_id).ok()?, number(r.value.as_ref())?)))
                .collect();
            if let Some(found) = milestone::biggest_deal(month.start, &rows, self.today) {
                out.push(Candidate {
                    what: format!("{}", month.start.format("%B %Y")),
                    amount: self.shown(BIGGEST_DEAL_METRIC, found.amount),
                    data: json!({"metric_key": BIGGEST_DEAL_METRIC, "value": self.payload(BIGGEST_DEAL_METRIC, found.amount),
                                 "currency": self.money_of(BIGGEST_DEAL_METRIC),
                                 "period": {"start": month.start.to_string(), "end": month.end.to_string()}}),
                    found,
                });
            }
        }

        Ok(())
    }

    /// 6. The leader of each saved leaderboard's current period.
    async fn new_leaders(&self, board_list: &[boards::BoardRecord], out: &mut Vec<Candidate>) -> ApiResult<()> {
        // 6. The leader of each saved leaderboard's current period, by the standings code.
        for board in board_list {
            let query = StandingsQuery::Board(BoardStandingsQuery::saved(board.leaderboard_id, self.today, 2));
            // One board that cannot be ranked (its metric retired, its team deleted) does not
            // hold back the others.
            let standings = match self.api.standings(self.ctx, query).await {
                Ok(standings) => standings,
                Err(error) => {
                    tracing::warn!(%self.ctx.tenant_id, board = %board.leaderboard_id, %error, "milestones: standings failed");
                    continue;
                }
            };
            let start = standings.range.start;
            let ranks: Vec<(Uuid, u32, f64)> = standings
                .rows
                .iter()
                .filter_map(|r| Some((r.person_id, u32::try_from(r.rank).ok()?, number(r.value.as_ref())?)))
                .collect();
            if let Some(found) = milestone::new_leader(board.leaderboard_id, start, &ranks, self.today) {
                out.push(Candidate {
                    what: board.display_name.clone(),
                    amount: self.shown(&board.metric_key, found.amount),
                    data: json!({"leaderboard_id": board.leaderboard_id.to_string(), "metric_key": board.metric_key,
                                 "value": self.payload(&board.metric_key, found.amount), "currency": self.money_of(&board.metric_key),
                                 "period_start": start.to_string()}),
                    found,
                });
            }
        }

        Ok(())
    }

    /// 7. First deals of new hires.
    async fn first_deals(&self, people: &[&DirPerson], out: &mut Vec<Candidate>) -> ApiResult<()> {
        // 7. First deals of new hires: still onboarding, with a start date within the last year
        // (people are onboarding by default, and a veteran loaded without a start date is not new).
        let year_ago = self
            .today
            .checked_sub_days(Days::new(milestone_bests::LOOKBACK_DAYS))
            .unwrap_or(self.today);
        let onboarding: Vec<&&DirPerson> = people
            .iter()
            .filter(|p| {
                p.status == PersonStatus::Onboarding && p.start_date.is_some_and(|s| s >= year_ago && s <= self.today)
            })
            .collect();
        if self.catalog.contains_key(DEALS_WON_METRIC) && !onboarding.is_empty() {
            let since = onboarding
                .iter()
                .filter_map(|p| p.start_date)
                .min()
                .unwrap_or(self.today)
                .min(self.today);
            let ids: Vec<Uuid> = onboarding.iter().map(|p| p.person_id).collect();
            let totals = self
                .api
                .metrics
                .totals(
                    self.ctx,
                    &ids,
                    &[DEALS_WON_METRIC.to_string()],
                    DateRange {
                        start: since,
                        end: self.today,
                    },
                    Grouping::PerPerson,
                )
                .await?;
            for row in &totals.rows {
                let Ok(person) = Uuid::parse_str(&row.person_id) else {
                    continue;
                };
                let deals = number(by_key(&row.values).get(DEALS_WON_METRIC).copied()).unwrap_or(0.0);
                if let Some(found) = milestone::first_deal(person, true, deals, self.today) {
                    out.push(Candidate {
                        what: String::new(),
                        amount: format!("{deals}"),
                        data: json!({"metric_key": DEALS_WON_METRIC, "deals_won": deals}),
                        found,
                    });
                }
            }
        }

        Ok(())
    }
}

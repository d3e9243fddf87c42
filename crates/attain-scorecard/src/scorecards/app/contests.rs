//! Contests (SPIFFs) on the leaderboard machinery: live standings with competition ranking from
//! the metrics service, prizes by rank, and (from the milestone detector) `contest.started` on
//! the first day and the winners fixed and announced as `contest.won` the day after the end.

use attain_domain::{
    Violations,
    contest::{self, Kind},
    org::{AccessRole, SalesRole},
    org_view::TenantDirectory,
    period::DateRange,
    scorecard::template::Shape,
    webhook::EventType,
};
use attain_proto::metrics::v1::{Grouping, MetricValue, metric_value::Value};
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    db::begin_tenant,
    paging::{Listed, Page},
};
use chrono::{NaiveDate, Utc};
use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

use super::{Partial, ScorecardApi, access, compute::number};
use crate::{
    scorecards::{
        contest_store::{self as store, ContestRecord, Winner},
        plan_store as plans,
    },
    webhooks::{MilestoneEvent, enqueue},
};

/// A contest to start: its metric and kind (checked against the catalog by the use case) and
/// the fields the decoder checked.
pub struct ContestDraft {
    pub metric_key: String,
    /// `None` only with a violation among `fields`.
    pub kind: Option<Kind>,
    pub fields: Partial<ContestFields>,
}

pub struct ContestFields {
    pub display_name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// A team's sellers, or (without a team) a role's.
    pub team_id: Option<Uuid>,
    pub sales_role: Option<SalesRole>,
    /// Prize descriptions by rank.
    pub prizes: Vec<(i64, String)>,
}

/// One row of a contest's standings.
pub struct Standing {
    /// 0 for a person not ranked (a FIRST_TO contest they have not reached).
    pub rank: u32,
    pub person_id: Uuid,
    pub display_name: String,
    /// Their value as the metrics service gives it.
    pub value: Option<MetricValue>,
    /// The day they reached the threshold, in a FIRST_TO contest.
    pub reached_on: Option<NaiveDate>,
    /// The prize of their rank; empty for none.
    pub prize: String,
}

/// A contest with its standings as of a day.
pub struct ContestStandings {
    pub contest: ContestRecord,
    pub standings: Vec<Standing>,
    pub as_of: NaiveDate,
}

impl ScorecardApi {
    /// ADMIN or MANAGER: the caller is checked before their fields, which are answered at once
    /// with what the catalog says of the metric.
    pub async fn create_contest(&self, ctx: &Ctx, draft: ContestDraft) -> ApiResult<ContestRecord> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "start contests")?;
        let ContestDraft {
            metric_key,
            kind,
            fields,
        } = draft;
        let mut found = Violations::new();
        let catalog = self.metrics.catalog(ctx, false).await?;
        let info = catalog.get(&metric_key);
        if info.is_none() {
            found.add("contest.metric_key", "no metric with this key in the catalog");
        }
        if matches!(kind, Some(Kind::FirstTo { .. })) && info.is_some_and(|i| i.shape != Shape::Additive) {
            found.add("contest.metric_key", "a FIRST_TO contest counts a COUNT or SUM metric");
        }
        let c = fields.check(found)?;
        let Some(kind) = kind else {
            return Err(ApiError::invalid("contest", "is required"));
        };
        let view = self.view(ctx).await?;
        match c.team_id {
            // A manager runs contests for the teams they manage; ADMIN for any.
            Some(t) => access::manage_team(ctx, &view, t)?,
            None => ctx.require(&[AccessRole::Admin], "start contests for a whole role")?,
        }
        let record = ContestRecord {
            contest_id: Uuid::now_v7(),
            display_name: c.display_name,
            metric_key,
            start_date: c.start_date,
            end_date: c.end_date,
            team_id: c.team_id,
            sales_role: c.sales_role,
            kind: kind.rule(),
            threshold: kind.threshold(),
            prizes: Json(c.prizes),
            started_at: None,
            closed_at: None,
            winners: None,
        };
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let saved = store::insert(&mut tx, ctx.tenant_id, &record).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The tenant's contests, newest first; every credential of the tenant reads them.
    pub async fn list_contests(&self, ctx: &Ctx, page: Page, before: Option<Uuid>) -> ApiResult<Listed<ContestRecord>> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = store::list(&mut tx, ctx.tenant_id, before, page.fetch_limit()).await?;
        tx.commit().await?;
        Ok(page.list(rows, |r| r.contest_id.to_string()))
    }

    /// The standings up to `as_of` (today in the tenant's calendar when `None`) or the end.
    /// The fields are checked before the caller.
    pub async fn contest_standings(
        &self,
        ctx: &Ctx,
        id: Uuid,
        as_of: Option<NaiveDate>,
    ) -> ApiResult<ContestStandings> {
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let record = store::get(&mut tx, ctx.tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("contest {id}")))?;
        tx.commit().await?;
        let today = as_of.unwrap_or_else(|| view.directory.calendar.local_date(Utc::now()));
        let last = today.min(record.end_date);
        let standings = compute(self, ctx, &view.directory, &record, last).await?;
        Ok(ContestStandings {
            contest: record,
            standings,
            as_of: last,
        })
    }
}

/// A day the metrics service names, if it is one.
fn day_of(year: i32, month: i32, day: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The kind of a stored contest.
pub fn kind_of(r: &ContestRecord) -> Kind {
    Kind::of(r.kind, r.threshold)
}

/// The standings from the contest's first day to `last`, best first, each with its prize.
async fn compute(
    api: &ScorecardApi,
    ctx: &Ctx,
    directory: &TenantDirectory,
    r: &ContestRecord,
    last: NaiveDate,
) -> ApiResult<Vec<Standing>> {
    if last < r.start_date {
        return Ok(Vec::new());
    }
    let people = plans::covered(directory, r.team_id, r.sales_role);
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let range = DateRange {
        start: r.start_date,
        end: last,
    };
    let name = |id: Uuid| directory.person(id).map(|p| p.display_name.clone()).unwrap_or_default();
    let prizes = &r.prizes.0;
    let standing = |rank: u32, id: Uuid, value: Option<MetricValue>, reached: Option<NaiveDate>| Standing {
        rank,
        person_id: id,
        display_name: name(id),
        value,
        reached_on: reached,
        prize: (rank > 0)
            .then(|| contest::prize(rank, prizes))
            .flatten()
            .unwrap_or_default()
            .to_string(),
    };
    match kind_of(r) {
        Kind::Most => {
            let top = api
                .metrics
                .top(ctx, &r.metric_key, range, &people, 1000, 1, &[])
                .await?;
            Ok(top
                .rows
                .into_iter()
                .filter_map(|row| {
                    let id = Uuid::parse_str(&row.person_id).ok()?;
                    Some(standing(u32::try_from(row.rank).ok()?, id, row.value, None))
                })
                .collect())
        }
        Kind::FirstTo { threshold } => {
            let totals = api
                .metrics
                .totals(
                    ctx,
                    &people,
                    std::slice::from_ref(&r.metric_key),
                    range,
                    Grouping::PerPersonDay,
                )
                .await?;
            let mut days: Vec<(Uuid, NaiveDate, i64)> = Vec::new();
            for row in &totals.rows {
                let (Ok(id), Some(day)) = (Uuid::parse_str(&row.person_id), row.day.as_ref()) else {
                    continue;
                };
                let Some(day) = day_of(day.year, day.month, day.day) else {
                    continue;
                };
                let value = number(row.values.first()).unwrap_or(0.0) as i64;
                days.push((id, day, value));
            }
            let total_of = |id: Uuid| -> i64 { days.iter().filter(|d| d.0 == id).map(|d| d.2).sum() };
            let value = |id: Uuid| MetricValue {
                metric_key: r.metric_key.clone(),
                value: Some(Value::Total(total_of(id))),
                ..Default::default()
            };
            let ranked = contest::first_to(&days, threshold);
            let mut out: Vec<Standing> = ranked
                .iter()
                .map(|x| standing(x.rank, x.item.0, Some(value(x.item.0)), Some(x.item.1)))
                .collect();
            // Everyone else, closest first, without a rank.
            let mut rest: Vec<Uuid> = people
                .iter()
                .copied()
                .filter(|p| !ranked.iter().any(|x| x.item.0 == *p))
                .collect();
            rest.sort_by_key(|p| (std::cmp::Reverse(total_of(*p)), *p));
            out.extend(rest.into_iter().map(|p| standing(0, p, Some(value(p)), None)));
            Ok(out)
        }
    }
}

impl ScorecardApi {
    /// For the milestone detector: announces contests that have started by `today` and closes
    /// those that ended before it, fixing their winners and announcing them, in `tx`.
    pub(crate) async fn settle_contests(&self, tx: &mut PgConnection, ctx: &Ctx, today: NaiveDate) -> ApiResult<()> {
        let tenant = ctx.tenant_id;
        let due = store::due(tx, tenant, today).await?;
        if due.is_empty() {
            return Ok(());
        }
        let view = self.view(ctx).await?;
        let directory = &view.directory;
        for r in due {
            let team_path: Vec<Uuid> = r
                .team_id
                .map(|t| directory.ancestors(t).into_iter().map(|(id, _)| id).collect())
                .unwrap_or_default();
            if r.started_at.is_none() && r.start_date <= today && store::mark_started(tx, tenant, r.contest_id).await? {
                let mut event = MilestoneEvent::new(
                    EventType::ContestStarted,
                    format!(
                        "Contest \"{}\" has started: {} to {}",
                        r.display_name, r.start_date, r.end_date
                    ),
                    None,
                    team_path.clone(),
                );
                event.data = serde_json::json!({"contest_id": r.contest_id.to_string(), "metric_key": r.metric_key});
                enqueue(tx, tenant, &event).await?;
            }
            if r.closed_at.is_none() && r.end_date < today {
                let rows = compute(self, ctx, directory, &r, r.end_date).await?;
                let winners: Vec<Winner> = rows
                    .iter()
                    .filter(|s| !s.prize.is_empty())
                    .map(|s| Winner {
                        person_id: s.person_id.to_string(),
                        display_name: s.display_name.clone(),
                        rank: s.rank,
                        prize: s.prize.clone(),
                        value: number(s.value.as_ref()).unwrap_or(0.0),
                        reached_on: s.reached_on.map(|d| d.to_string()),
                    })
                    .collect();
                if store::close(tx, tenant, r.contest_id, &winners).await? {
                    for w in &winners {
                        let mut event = MilestoneEvent::new(
                            EventType::ContestWon,
                            format!(
                                "{} won \"{}\" (rank {}): {}",
                                w.display_name, r.display_name, w.rank, w.prize
                            ),
                            Uuid::parse_str(&w.person_id).ok(),
                            team_path.clone(),
                        );
                        event.data = serde_json::json!({
                            "contest_id": r.contest_id.to_string(), "rank": w.rank, "prize": w.prize,
                        });
                        enqueue(tx, tenant, &event).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

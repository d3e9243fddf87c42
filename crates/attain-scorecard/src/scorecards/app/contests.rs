//! Contests (SPIFFs) on the leaderboard machinery: live standings with competition ranking from
//! the metrics service, prizes by rank, and (from the milestone detector) `contest.started` on
//! the first day and the winners fixed and announced as `contest.won` the day after the end.

use attain_domain::{
    Violations,
    contest::{self, Kind},
    org::AccessRole,
    org_view::TenantDirectory,
    period::DateRange,
    scorecard::template::Shape,
    webhook::EventType,
};
use attain_proto::{
    metrics::v1::{Grouping, MetricValue, metric_value::Value},
    scorecard::v1 as pb,
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use chrono::{NaiveDate, Utc};
use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

use super::{ScorecardApi, access, compute::number};
use crate::{
    scorecards::{
        contest_store::{self as store, ContestRecord, Winner},
        plan_store as plans,
    },
    webhooks::{MilestoneEvent, enqueue},
};

fn kind_of(r: &ContestRecord) -> Kind {
    if r.kind == "first_to" {
        Kind::FirstTo { threshold: r.threshold }
    } else {
        Kind::Most
    }
}

fn to_proto(r: &ContestRecord) -> pb::Contest {
    use pb::contest::Eligibility as E;
    pb::Contest {
        id: r.contest_id.to_string(),
        display_name: r.display_name.clone(),
        metric_key: r.metric_key.clone(),
        start_date: Some(convert::date_to_proto(r.start_date)),
        end_date: Some(convert::date_to_proto(r.end_date)),
        eligibility: match (r.team_id, r.sales_role) {
            (Some(t), _) => Some(E::TeamId(t.to_string())),
            (_, Some(role)) => Some(E::SalesRole(attain_runtime::enums::to_wire(role))),
            _ => None,
        },
        kind: match kind_of(r) {
            Kind::Most => pb::ContestKind::Most,
            Kind::FirstTo { .. } => pb::ContestKind::FirstTo,
        } as i32,
        threshold: r.threshold,
        prizes: r
            .prizes
            .0
            .iter()
            .map(|(rank, description)| pb::ContestPrize {
                rank: *rank as i32,
                description: description.clone(),
            })
            .collect(),
        closed: r.closed_at.is_some(),
        winners: r
            .winners
            .as_ref()
            .map(|w| w.0.iter().map(winner_to_proto).collect())
            .unwrap_or_default(),
    }
}

fn winner_to_proto(w: &Winner) -> pb::ContestStanding {
    pb::ContestStanding {
        rank: w.rank as i32,
        person_id: w.person_id.clone(),
        display_name: w.display_name.clone(),
        value: None,
        reached_on: w
            .reached_on
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(convert::date_to_proto),
        prize: w.prize.clone(),
    }
}

fn day_of(d: &attain_proto::common::v1::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year, u32::try_from(d.month).ok()?, u32::try_from(d.day).ok()?)
}

pub async fn create(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateContestRequest,
) -> ApiResult<pb::CreateContestResponse> {
    use pb::contest::Eligibility as E;
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "start contests")?;
    let c = req.contest.unwrap_or_default();
    let mut v = Violations::new();
    attain_domain::org::check_name(&mut v, "contest.display_name", &c.display_name);
    let catalog = api.metrics.catalog(ctx, false).await?;
    let info = catalog.get(&c.metric_key);
    if info.is_none() {
        v.add("contest.metric_key", "no metric with this key in the catalog");
    }
    let kind = match pb::ContestKind::try_from(c.kind) {
        Ok(pb::ContestKind::Most) => Some(Kind::Most),
        Ok(pb::ContestKind::FirstTo) => {
            if info.is_some_and(|i| i.shape != Shape::Additive) {
                v.add("contest.metric_key", "a FIRST_TO contest counts a COUNT or SUM metric");
            }
            Some(Kind::FirstTo { threshold: c.threshold })
        }
        _ => {
            v.add("contest.kind", "must be CONTEST_KIND_MOST or CONTEST_KIND_FIRST_TO");
            None
        }
    };
    let (team, role) = match &c.eligibility {
        Some(E::TeamId(id)) => (convert::required_id(&mut v, "contest.team_id", id), None),
        Some(E::SalesRole(r)) => {
            let role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(*r);
            if role.is_none() {
                v.add("contest.sales_role", "is not a SALES_ROLE_ value");
            }
            (None, role)
        }
        None => {
            v.add("contest.eligibility", "give team_id or sales_role");
            (None, None)
        }
    };
    let start = convert::required_date(&mut v, "contest.start_date", c.start_date.as_ref());
    let end = convert::required_date(&mut v, "contest.end_date", c.end_date.as_ref());
    let prizes: Vec<(i64, String)> = c
        .prizes
        .iter()
        .map(|p| (i64::from(p.rank), p.description.clone()))
        .collect();
    if let (Some(s), Some(e), Some(k)) = (start, end, kind) {
        contest::check(&mut v, s, e, k, &prizes);
    }
    let (start, end, kind) = match v.into_result((start, end, kind))? {
        (Some(s), Some(e), Some(k)) => (s, e, k),
        _ => return Err(ApiError::invalid("contest", "is required")),
    };
    let view = api.view(ctx).await?;
    match team {
        // A manager runs contests for the teams they manage; ADMIN for any.
        Some(t) => access::manage_team(ctx, &view, t)?,
        None => ctx.require(&[AccessRole::Admin], "start contests for a whole role")?,
    }
    let record = ContestRecord {
        contest_id: Uuid::now_v7(),
        display_name: c.display_name.clone(),
        metric_key: c.metric_key.clone(),
        start_date: start,
        end_date: end,
        team_id: team,
        sales_role: role,
        kind: match kind {
            Kind::Most => "most",
            Kind::FirstTo { .. } => "first_to",
        }
        .into(),
        threshold: match kind {
            Kind::FirstTo { threshold } => threshold,
            Kind::Most => 0,
        },
        prizes: Json(prizes),
        started_at: None,
        closed_at: None,
        winners: None,
    };
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let saved = store::insert(&mut tx, ctx.tenant_id, &record).await?;
    tx.commit().await?;
    Ok(pb::CreateContestResponse {
        contest: Some(to_proto(&saved)),
    })
}

pub async fn list(api: &ScorecardApi, ctx: &Ctx, req: pb::ListContestsRequest) -> ApiResult<pb::ListContestsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    let before = page.after_id(&mut v);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut rows = store::list(&mut tx, ctx.tenant_id, before, page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |r| r.contest_id.to_string());
    Ok(pb::ListContestsResponse {
        contests: rows.iter().map(to_proto).collect(),
        next_page_token,
    })
}

pub async fn standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetContestStandingsRequest,
) -> ApiResult<pb::GetContestStandingsResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "contest_id", &req.contest_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("contest_id", "is required"))?;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let record = store::get(&mut tx, ctx.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("contest {id}")))?;
    tx.commit().await?;
    let today = as_of.unwrap_or_else(|| view.directory.calendar.local_date(Utc::now()));
    let last = today.min(record.end_date);
    let rows = compute(api, ctx, &view.directory, &record, last).await?;
    Ok(pb::GetContestStandingsResponse {
        contest: Some(to_proto(&record)),
        standings: rows,
        as_of: Some(convert::date_to_proto(last)),
    })
}

/// The standings from the contest's first day to `last`, best first, each with its prize.
async fn compute(
    api: &ScorecardApi,
    ctx: &Ctx,
    directory: &TenantDirectory,
    r: &ContestRecord,
    last: NaiveDate,
) -> ApiResult<Vec<pb::ContestStanding>> {
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
    let standing = |rank: u32, id: Uuid, value: Option<MetricValue>, reached: Option<NaiveDate>| pb::ContestStanding {
        rank: rank as i32,
        person_id: id.to_string(),
        display_name: name(id),
        value,
        reached_on: reached.map(convert::date_to_proto),
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
                let Some(day) = day_of(day) else {
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
            let mut out: Vec<pb::ContestStanding> = ranked
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
                    .filter_map(|s| {
                        Some(Winner {
                            person_id: Uuid::parse_str(&s.person_id).ok()?.to_string(),
                            display_name: s.display_name.clone(),
                            rank: u32::try_from(s.rank).ok()?,
                            prize: s.prize.clone(),
                            value: number(s.value.as_ref()).unwrap_or(0.0),
                            reached_on: s.reached_on.as_ref().and_then(day_of).map(|d| d.to_string()),
                        })
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

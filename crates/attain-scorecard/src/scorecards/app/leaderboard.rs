//! Leaderboards: saved boards, and standings for a saved or ad-hoc board. Standings are open to
//! every credential of the tenant (DESIGN.md §4: reps see leaderboards); a private board shows a
//! rep only the top N and their own row.

use std::collections::HashMap;

use attain_domain::{
    Violations,
    org::{AccessRole, check_name},
    period::Granularity,
};
use attain_proto::{
    common::v1 as common,
    metrics::v1::RankedPerson,
    scorecard::v1::{self as pb, board_scope::Scope},
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, paging::Page};
use uuid::Uuid;

use super::{
    ScorecardApi, access,
    compute::{range_to_proto, span},
};
use crate::scorecards::{
    board_store::{self as boards, BoardRecord},
    metrics::Catalog,
    plan_store as plans,
};

const DEFAULT_TOP_N: i32 = 10;
const MAX_TOP_N: i32 = 100;
const MAX_LIMIT: i32 = 1000;

fn category_metric(c: pb::RecognitionCategory) -> Option<&'static str> {
    match c {
        pb::RecognitionCategory::Unspecified => None,
        pb::RecognitionCategory::HighestRevenue => Some("revenue_won"),
        pb::RecognitionCategory::MostMeetingsBooked => Some("meetings_set"),
        pb::RecognitionCategory::BiggestDeal => Some("largest_deal"),
        pb::RecognitionCategory::MostTalkTime => Some("talk_time"),
    }
}

fn category_name(c: pb::RecognitionCategory) -> &'static str {
    match c {
        pb::RecognitionCategory::Unspecified => "",
        pb::RecognitionCategory::HighestRevenue => "highest_revenue",
        pb::RecognitionCategory::MostMeetingsBooked => "most_meetings_booked",
        pb::RecognitionCategory::BiggestDeal => "biggest_deal",
        pb::RecognitionCategory::MostTalkTime => "most_talk_time",
    }
}

fn category_from_name(name: &str) -> pb::RecognitionCategory {
    [
        pb::RecognitionCategory::HighestRevenue,
        pb::RecognitionCategory::MostMeetingsBooked,
        pb::RecognitionCategory::BiggestDeal,
        pb::RecognitionCategory::MostTalkTime,
    ]
    .into_iter()
    .find(|c| category_name(*c) == name)
    .unwrap_or(pb::RecognitionCategory::Unspecified)
}

fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "day",
        Granularity::Week => "week",
        Granularity::Month => "month",
        Granularity::Quarter => "quarter",
        Granularity::Year => "year",
    }
}

fn granularity_from_name(name: &str) -> Granularity {
    [
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
        Granularity::Quarter,
    ]
    .into_iter()
    .find(|g| granularity_name(*g) == name)
    .unwrap_or(Granularity::Year)
}

fn granularity_to_proto(g: Granularity) -> i32 {
    (match g {
        Granularity::Day => common::Granularity::Day,
        Granularity::Week => common::Granularity::Week,
        Granularity::Month => common::Granularity::Month,
        Granularity::Quarter => common::Granularity::Quarter,
        Granularity::Year => common::Granularity::Year,
    }) as i32
}

/// Checks a board message; `id` is the id to give it.
fn check(v: &mut Violations, b: &pb::Leaderboard, catalog: &Catalog, id: Uuid, named: bool) -> Option<BoardRecord> {
    if named {
        check_name(v, "leaderboard.display_name", &b.display_name);
    }
    let category = pb::RecognitionCategory::try_from(b.category).unwrap_or(pb::RecognitionCategory::Unspecified);
    let metric = match (b.metric_key.as_str(), category_metric(category)) {
        ("", Some(m)) => m.to_string(),
        ("", None) => {
            v.add(
                "leaderboard.metric_key",
                "is required for a board without a recognition category",
            );
            String::new()
        }
        (m, _) => m.to_string(),
    };
    if !metric.is_empty() && !catalog.contains_key(&metric) {
        v.add(
            "leaderboard.metric_key",
            format!("no metric \"{}\" in the catalog", metric.escape_debug()),
        );
    }
    let granularity = attain_runtime::enums::from_wire(b.granularity);
    if granularity.is_none() {
        v.add(
            "leaderboard.granularity",
            "is required: the kind of period ranked, e.g. GRANULARITY_WEEK",
        );
    }
    let (team_id, sales_role) = match b.scope.as_ref().and_then(|s| s.scope.as_ref()) {
        None => (None, None),
        Some(Scope::TeamId(t)) => (convert::required_id(v, "leaderboard.scope.team_id", t), None),
        Some(Scope::SalesRole(r)) => {
            let role = attain_runtime::enums::from_wire::<attain_domain::org::SalesRole>(*r);
            if role.is_none() {
                v.add(
                    "leaderboard.scope.sales_role",
                    "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
                );
            }
            (None, role)
        }
    };
    let top_n = match b.top_n {
        0 => DEFAULT_TOP_N,
        n @ 1..=MAX_TOP_N => n,
        _ => {
            v.add("leaderboard.top_n", format!("must be from 0 to {MAX_TOP_N}"));
            DEFAULT_TOP_N
        }
    };
    if b.min_denominator < 0 {
        v.add("leaderboard.min_denominator", "must not be negative");
    }
    let visibility = match pb::Visibility::try_from(b.visibility) {
        Ok(pb::Visibility::Private) => "private",
        Ok(_) => "public",
        Err(_) => {
            v.add("leaderboard.visibility", "is not a known VISIBILITY_ value");
            "public"
        }
    };
    Some(BoardRecord {
        leaderboard_id: id,
        display_name: b.display_name.clone(),
        metric_key: metric,
        category: category_name(category).to_string(),
        granularity: granularity_name(granularity?).to_string(),
        team_id,
        sales_role,
        visibility: visibility.to_string(),
        top_n,
        min_denominator: b.min_denominator.max(1),
    })
}

fn to_proto(b: &BoardRecord) -> pb::Leaderboard {
    let scope = match (&b.team_id, b.sales_role) {
        (Some(t), _) => Some(Scope::TeamId(t.to_string())),
        (None, Some(r)) => Some(Scope::SalesRole(attain_runtime::enums::to_wire(r))),
        (None, None) => None,
    };
    pb::Leaderboard {
        id: b.leaderboard_id.to_string(),
        display_name: b.display_name.clone(),
        metric_key: b.metric_key.clone(),
        category: category_from_name(&b.category) as i32,
        granularity: granularity_to_proto(granularity_from_name(&b.granularity)),
        scope: scope.map(|s| pb::BoardScope { scope: Some(s) }),
        visibility: if b.visibility == "private" {
            pb::Visibility::Private
        } else {
            pb::Visibility::Public
        } as i32,
        top_n: b.top_n,
        min_denominator: b.min_denominator,
    }
}

pub async fn create(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateLeaderboardRequest,
) -> ApiResult<pb::CreateLeaderboardResponse> {
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create leaderboards")?;
    let catalog = api.metrics.catalog(ctx, false).await?;
    let mut v = Violations::new();
    let board = check(
        &mut v,
        &req.leaderboard.unwrap_or_default(),
        &catalog,
        Uuid::now_v7(),
        true,
    );
    let board = v
        .into_result(board)?
        .ok_or_else(|| ApiError::invalid("leaderboard", "is required"))?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    if let Some(team) = board.team_id {
        access::see_team_members(&view, team)?;
    }
    let saved = boards::insert_board(&mut tx, tenant, &board)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::AlreadyExists(_) => {
                ApiError::AlreadyExists(format!("a leaderboard named \"{}\" already exists", board.display_name))
            }
            other => other,
        })?;
    tx.commit().await?;
    Ok(pb::CreateLeaderboardResponse {
        leaderboard: Some(to_proto(&saved)),
    })
}

pub async fn list(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListLeaderboardsRequest,
) -> ApiResult<pb::ListLeaderboardsResponse> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, &req);
    v.into_result(())?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    let mut rows = boards::list_boards(&mut tx, ctx.tenant_id, page.after.as_deref(), page.fetch_limit()).await?;
    tx.commit().await?;
    let next_page_token = page.finish(&mut rows, |b| b.display_name.clone());
    Ok(pb::ListLeaderboardsResponse {
        leaderboards: rows.iter().map(to_proto).collect(),
        next_page_token,
    })
}

pub async fn delete(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteLeaderboardRequest,
) -> ApiResult<pb::DeleteLeaderboardResponse> {
    ctx.require(&[AccessRole::Admin, AccessRole::Manager], "delete leaderboards")?;
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "id", &req.id);
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("id", "is required"))?;
    let mut tx = begin_tenant(&api.pool, ctx.tenant_id).await?;
    if !boards::delete_board(&mut tx, ctx.tenant_id, id).await? {
        return Err(ApiError::not_found(format!("leaderboard {id}")));
    }
    tx.commit().await?;
    Ok(pb::DeleteLeaderboardResponse {})
}

pub async fn standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetStandingsRequest,
) -> ApiResult<pb::GetStandingsResponse> {
    use pb::get_standings_request::Board;
    if let Some(Board::Spec(spec)) = req.board.as_ref()
        && spec.metric_key == super::earnings_board::EARNINGS
    {
        return super::earnings_board::standings(api, ctx, spec, &req).await;
    }
    let catalog = api.metrics.catalog(ctx, false).await?;
    let mut v = Violations::new();
    if !(0..=MAX_LIMIT).contains(&req.limit) {
        v.add("limit", format!("must be from 0 to {MAX_LIMIT}"));
    }
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let board = match req.board.as_ref() {
        Some(Board::LeaderboardId(id)) => match convert::required_id(&mut v, "leaderboard_id", id) {
            Some(id) => Some(
                boards::get_board(&mut tx, tenant, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("leaderboard {id}")))?,
            ),
            None => None,
        },
        Some(Board::Spec(spec)) => {
            let mut inner = Violations::new();
            let board = check(&mut inner, spec, &catalog, Uuid::nil(), false);
            v.extend_prefixed("spec", inner);
            board
        }
        None => {
            v.add("board", "give leaderboard_id or spec");
            None
        }
    };
    // Nothing else is read in this transaction: it ends before the metrics service is asked.
    tx.commit().await?;
    let directory = &view.directory;
    let cal = directory.calendar.clone();
    let period = match (&req.period, &board) {
        (Some(p), _) => Some(*p),
        (None, Some(b)) => Some(common::Period {
            kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
                granularity: granularity_to_proto(granularity_from_name(&b.granularity)),
                date: req.as_of,
            })),
        }),
        (None, None) => None,
    };
    let when = span(&mut v, period.as_ref(), req.as_of.as_ref(), &cal);
    let (board, when) = match v.into_result((board, when))? {
        (Some(b), Some(w)) => (b, w),
        _ => return Err(ApiError::invalid("board", "is required")),
    };
    // Who is ranked: a team subtree's sellers, a role, or everyone with values.
    if let Some(team) = board.team_id
        && !view.team_exists(team)
    {
        return Err(ApiError::not_found(format!("team {team}")));
    }
    // Empty for neither: everyone with values.
    let people = plans::covered(directory, board.team_id, board.sales_role);
    let scoped = board.team_id.is_some() || board.sales_role.is_some();
    let mut limit = if req.limit == 0 { board.top_n } else { req.limit };
    let private = board.visibility == "private";
    if private && ctx.role == AccessRole::Rep {
        limit = limit.min(board.top_n);
    }
    let also: Vec<Uuid> = ctx.person_id.into_iter().collect();
    let empty = scoped && people.is_empty();
    let top = if empty {
        None
    } else {
        Some(
            api.metrics
                .top(
                    ctx,
                    &board.metric_key,
                    when.range,
                    &people,
                    limit,
                    board.min_denominator,
                    &also,
                )
                .await?,
        )
    };
    let (rows, mine, ranked_count) = top.map_or((Vec::new(), Vec::new(), 0), |t| (t.rows, t.also, t.ranked_count));
    let ids: Vec<Uuid> = rows
        .iter()
        .chain(&mine)
        .filter_map(|r| Uuid::parse_str(&r.person_id).ok())
        .collect();
    let names: HashMap<Uuid, String> = ids
        .iter()
        .filter_map(|id| Some((*id, directory.person(*id)?.display_name.clone())))
        .collect();
    let standing = |r: &RankedPerson| pb::Standing {
        rank: r.rank,
        display_name: Uuid::parse_str(&r.person_id)
            .ok()
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_default(),
        person_id: r.person_id.clone(),
        value: r.value.clone(),
    };
    Ok(pb::GetStandingsResponse {
        standings: Some(pb::Standings {
            leaderboard_id: if board.leaderboard_id.is_nil() {
                String::new()
            } else {
                board.leaderboard_id.to_string()
            },
            metric_key: board.metric_key.clone(),
            range: Some(range_to_proto(when.range)),
            rows: rows.iter().map(standing).collect(),
            caller: mine.first().map(standing),
            ranked_count,
            as_of: Some(convert::date_to_proto(when.as_of)),
        }),
    })
}

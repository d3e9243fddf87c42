//! Leaderboards and standings on the wire.

use attain_domain::{
    Violations,
    org::{SalesRole, check_name},
    period::Granularity,
};
use attain_proto::{
    common::v1 as common,
    scorecard::v1::{self as pb, board_scope::Scope, get_standings_request::Board as Choice},
};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums};
use uuid::Uuid;

use super::{
    decode::{page, required_id},
    scorecard::span_spec,
};
use crate::scorecards::app::{
    Partial, ScorecardApi,
    compute::SpanSpec,
    earnings_board::{EARNINGS, EarningsBoardQuery, EarningsScope},
    leaderboard::{
        Board, BoardChoice, BoardDraft, BoardFields, BoardStandingsQuery, Category, StandingsFields, StandingsQuery,
        Visibility,
    },
    standings::{Standing, Standings},
};

const DEFAULT_TOP_N: i32 = 10;
const MAX_TOP_N: i32 = 100;
const MAX_LIMIT: i32 = 1000;
/// Rows of an earnings board when the request asks for none.
const EARNINGS_ROWS: usize = 10;

fn leaderboard(b: &Board) -> pb::Leaderboard {
    let f = &b.fields;
    let scope = match (&f.team_id, f.sales_role) {
        (Some(t), _) => Some(Scope::TeamId(t.to_string())),
        (None, Some(r)) => Some(Scope::SalesRole(enums::to_wire(r))),
        (None, None) => None,
    };
    pb::Leaderboard {
        id: b.id.map(|id| id.to_string()).unwrap_or_default(),
        display_name: f.display_name.clone(),
        metric_key: b.metric_key.clone(),
        category: f.category.map_or(0, enums::to_wire),
        granularity: enums::to_wire(f.granularity),
        scope: scope.map(|s| pb::BoardScope { scope: Some(s) }),
        visibility: enums::to_wire(f.visibility),
        top_n: f.top_n,
        min_denominator: f.min_denominator,
    }
}

fn standing(s: Standing) -> pb::Standing {
    pb::Standing {
        rank: s.rank,
        person_id: s.person_id.to_string(),
        display_name: s.display_name,
        value: s.value,
    }
}

fn standings(s: Standings) -> pb::Standings {
    pb::Standings {
        leaderboard_id: s.leaderboard_id.map(|id| id.to_string()).unwrap_or_default(),
        metric_key: s.metric_key,
        range: Some(convert::range_to_proto(s.range)),
        rows: s.rows.into_iter().map(standing).collect(),
        caller: s.caller.map(standing),
        ranked_count: s.ranked_count,
        as_of: Some(convert::date_to_proto(s.as_of)),
    }
}

/// A board as a request gives it, its faults added to `v` (fields named `leaderboard.…`): the
/// metric it ranks (its category's when it names none; empty with a violation) and its fields,
/// `None` when it names no kind of period. `named`: the board is to be saved under its name.
fn board_fields(v: &mut Violations, b: &pb::Leaderboard, named: bool) -> (String, Option<BoardFields>) {
    if named {
        check_name(v, "leaderboard.display_name", &b.display_name);
    }
    // An unknown category is none.
    let category = enums::from_wire::<Category>(b.category);
    let metric = match (b.metric_key.as_str(), category) {
        ("", Some(c)) => c.metric_key().to_string(),
        ("", None) => {
            v.add(
                "leaderboard.metric_key",
                "is required for a board without a recognition category",
            );
            String::new()
        }
        (m, _) => m.to_string(),
    };
    let granularity = enums::from_wire::<Granularity>(b.granularity);
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
            let role = enums::from_wire::<SalesRole>(*r);
            if role.is_none() {
                v.add(
                    "leaderboard.scope.sales_role",
                    "must be one of the SALES_ROLE_ values other than UNSPECIFIED",
                );
            }
            (None, role)
        }
    };
    let top_n = convert::zero_is_default(
        v,
        "leaderboard.top_n",
        b.top_n,
        DEFAULT_TOP_N,
        1..=MAX_TOP_N,
        format!("must be from 0 to {MAX_TOP_N}"),
    );
    if b.min_denominator < 0 {
        v.add("leaderboard.min_denominator", "must not be negative");
    }
    // Unset is public.
    let visibility = match b.visibility {
        0 => Visibility::Public,
        n => enums::from_wire::<Visibility>(n).unwrap_or_else(|| {
            v.add("leaderboard.visibility", "is not a known VISIBILITY_ value");
            Visibility::Public
        }),
    };
    let fields = granularity.map(|granularity| BoardFields {
        display_name: b.display_name.clone(),
        category,
        granularity,
        team_id,
        sales_role,
        visibility,
        top_n,
        min_denominator: b.min_denominator.max(1),
    });
    (metric, fields)
}

fn board_draft(req: pb::CreateLeaderboardRequest) -> BoardDraft {
    let mut v = Violations::new();
    let (metric_key, fields) = board_fields(&mut v, &req.leaderboard.unwrap_or_default(), true);
    BoardDraft {
        metric_key,
        fields: Partial::new(v, fields, "leaderboard", "is required"),
    }
}

pub async fn create_leaderboard(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateLeaderboardRequest,
) -> ApiResult<pb::CreateLeaderboardResponse> {
    let saved = api.create_leaderboard(ctx, board_draft(req)).await?;
    Ok(pb::CreateLeaderboardResponse {
        leaderboard: Some(leaderboard(&saved)),
    })
}

pub async fn list_leaderboards(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListLeaderboardsRequest,
) -> ApiResult<pb::ListLeaderboardsResponse> {
    let listed = api.list_leaderboards(ctx, page(ctx, &req)?).await?;
    Ok(pb::ListLeaderboardsResponse {
        leaderboards: listed.items.iter().map(leaderboard).collect(),
        next_page_token: listed.next_page_token,
    })
}

pub async fn delete_leaderboard(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::DeleteLeaderboardRequest,
) -> ApiResult<pb::DeleteLeaderboardResponse> {
    api.delete_leaderboard(ctx, required_id("id", &req.id).into()).await?;
    Ok(pb::DeleteLeaderboardResponse {})
}

/// A board of earnings: its span (the board's kind of period, month when unset, containing the
/// as-of day, unless the request names a period) and its scope, each answered by the use case
/// in turn; no `limit` fault (10 rows unless it asks for more).
fn earnings_board_query(spec: &pb::Leaderboard, req: &pb::GetStandingsRequest) -> EarningsBoardQuery {
    let granularity = if spec.granularity == 0 {
        common::Granularity::Month as i32
    } else {
        spec.granularity
    };
    let period = req.period.unwrap_or(common::Period {
        kind: Some(common::period::Kind::Calendar(common::CalendarPeriod {
            granularity,
            date: req.as_of,
        })),
    });
    let span = || -> ApiResult<SpanSpec> {
        let mut v = Violations::new();
        let span = span_spec(&mut v, Some(&period), req.as_of.as_ref());
        v.into_result(span)?
            .ok_or_else(|| ApiError::invalid("period", "is required"))
    };
    let scope = match spec.scope.as_ref().and_then(|s| s.scope.as_ref()) {
        Some(Scope::TeamId(team)) => Uuid::parse_str(team)
            .map(EarningsScope::Team)
            .map_err(|_| ApiError::invalid("spec.scope.team_id", "is not a UUID")),
        Some(Scope::SalesRole(role)) => enums::from_wire::<SalesRole>(*role)
            .map(EarningsScope::Role)
            .ok_or_else(|| ApiError::invalid("spec.scope.sales_role", "is not a SALES_ROLE_ value")),
        // No scope: every seller of the tenant.
        None => Ok(EarningsScope::Sellers),
    };
    EarningsBoardQuery {
        span: span().into(),
        scope: scope.into(),
        limit: usize::try_from(req.limit)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(EARNINGS_ROWS),
    }
}

/// The standings asked for: of earnings for a spec of the `earnings` pseudo metric, else of a
/// saved or ad-hoc board, every fault of whose request is answered in one list (`limit`, the
/// board, `as_of`, the period) once a saved board is found.
fn standings_query(req: &pb::GetStandingsRequest) -> StandingsQuery {
    if let Some(Choice::Spec(spec)) = req.board.as_ref()
        && spec.metric_key == EARNINGS
    {
        return StandingsQuery::Earnings(earnings_board_query(spec, req));
    }
    let mut v = Violations::new();
    if !(0..=MAX_LIMIT).contains(&req.limit) {
        v.add("limit", format!("must be from 0 to {MAX_LIMIT}"));
    }
    let board = match req.board.as_ref() {
        Some(Choice::LeaderboardId(id)) => convert::required_id(&mut v, "leaderboard_id", id).map(BoardChoice::Saved),
        Some(Choice::Spec(spec)) => {
            let mut inner = Violations::new();
            let (metric_key, fields) = board_fields(&mut inner, spec, false);
            v.extend_prefixed("spec", inner);
            Some(BoardChoice::Spec { metric_key, fields })
        }
        None => {
            v.add("board", "give leaderboard_id or spec");
            None
        }
    };
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    // A known board without a period: its kind of period containing the as-of day, whose date
    // is then the period's too (and named as such when it is bad).
    let known = matches!(
        board,
        Some(BoardChoice::Saved(_) | BoardChoice::Spec { fields: Some(_), .. })
    );
    let period = match (req.period.as_ref(), known) {
        (None, true) => {
            convert::optional_date(&mut v, "period.calendar.date", req.as_of.as_ref());
            Some(None)
        }
        (given, _) => convert::period_spec(&mut v, "period", given).map(Some),
    };
    let fields = period.map(|period| StandingsFields {
        period,
        as_of,
        limit: req.limit,
    });
    StandingsQuery::Board(BoardStandingsQuery {
        board,
        fields: Partial::new(v, fields, "period", "is required"),
    })
}

pub async fn get_standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetStandingsRequest,
) -> ApiResult<pb::GetStandingsResponse> {
    let s = api.standings(ctx, standings_query(&req)).await?;
    Ok(pb::GetStandingsResponse {
        standings: Some(standings(s)),
    })
}

//! Leaderboards: saved boards, and standings for a saved or ad-hoc board. Standings are open to
//! every credential of the tenant (DESIGN.md §4: reps see leaderboards); a private board shows a
//! rep only the top N and their own row.

pub use attain_domain::board::{Category, Visibility};
use attain_domain::{
    Violations,
    org::{AccessRole, SalesRole},
    period::{Granularity, PeriodSpec},
};
use attain_proto::metrics::v1::RankedPerson;
use attain_runtime::{
    ApiError, ApiResult, Ctx,
    db::begin_tenant,
    dispatch::Decoded,
    paging::{Listed, Page},
};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    Partial, ScorecardApi, access,
    compute::SpanSpec,
    earnings_board::{EarningsBoardQuery, earnings_standings},
    standings::{Standing, Standings},
};
use crate::scorecards::{
    board_store::{self as boards, BoardRecord},
    metrics::Catalog,
    plan_store as plans,
};

/// A board's settings, as a request gives them (checked) and as it is saved.
#[derive(Debug, Clone)]
pub struct BoardFields {
    pub display_name: String,
    pub category: Option<Category>,
    pub granularity: Granularity,
    /// A team subtree's sellers, or (without a team) a role's; everyone with values without either.
    pub team_id: Option<Uuid>,
    pub sales_role: Option<SalesRole>,
    pub visibility: Visibility,
    pub top_n: i32,
    pub min_denominator: i64,
}

impl BoardFields {
    fn board(self, id: Option<Uuid>, metric_key: String) -> Board {
        Board {
            id,
            metric_key,
            fields: self,
        }
    }
}

/// A saved or ad-hoc board.
#[derive(Debug, Clone)]
pub struct Board {
    /// `None` for an ad-hoc board.
    pub id: Option<Uuid>,
    pub metric_key: String,
    pub fields: BoardFields,
}

impl Board {
    /// A stored board (a name this build does not know fails when the row is read, as an
    /// internal error, not a guess).
    fn from_record(r: BoardRecord) -> ApiResult<Board> {
        Ok(Board {
            id: Some(r.leaderboard_id),
            metric_key: r.metric_key,
            fields: BoardFields {
                display_name: r.display_name,
                category: r.category,
                granularity: r.granularity,
                team_id: r.team_id,
                sales_role: r.sales_role,
                visibility: r.visibility,
                top_n: r.top_n,
                min_denominator: r.min_denominator,
            },
        })
    }

    fn record(&self, id: Uuid) -> BoardRecord {
        let f = &self.fields;
        BoardRecord {
            leaderboard_id: id,
            display_name: f.display_name.clone(),
            metric_key: self.metric_key.clone(),
            category: f.category,
            granularity: f.granularity,
            team_id: f.team_id,
            sales_role: f.sales_role,
            visibility: f.visibility,
            top_n: f.top_n,
            min_denominator: f.min_denominator,
        }
    }
}

/// A board to save: the metric it ranks (checked against the catalog by the use case; empty
/// only with a violation) and the fields the decoder checked.
pub struct BoardDraft {
    pub metric_key: String,
    pub fields: Partial<BoardFields>,
}

/// The board whose standings are asked for.
pub enum BoardChoice {
    /// A saved board, looked up before the request's other fields are answered.
    Saved(Uuid),
    /// An ad-hoc board: its metric (checked against the catalog by the use case) and its fields,
    /// `None` when it names no kind of period (a violation says so).
    Spec {
        metric_key: String,
        fields: Option<BoardFields>,
    },
}

/// What the standings of a board are asked for.
pub struct StandingsFields {
    /// The period ranked; `None`: the board's kind of period containing the as-of day.
    pub period: Option<PeriodSpec>,
    /// Today in the tenant's calendar when `None`.
    pub as_of: Option<NaiveDate>,
    /// Rows to show; 0 for the board's top N.
    pub limit: i32,
}

/// The standings of a saved or ad-hoc board.
pub struct BoardStandingsQuery {
    /// `None` only with a violation among `fields`.
    pub board: Option<BoardChoice>,
    pub fields: Partial<StandingsFields>,
}

impl BoardStandingsQuery {
    /// The first `limit` rows of saved board `id` in its current period as of `as_of`.
    pub fn saved(id: Uuid, as_of: NaiveDate, limit: i32) -> Self {
        BoardStandingsQuery {
            board: Some(BoardChoice::Saved(id)),
            fields: Partial::valid(StandingsFields {
                period: None,
                as_of: Some(as_of),
                limit,
            }),
        }
    }
}

/// Standings of a board of a metric, or of earnings (only when the tenant turned it on).
pub enum StandingsQuery {
    Board(BoardStandingsQuery),
    Earnings(EarningsBoardQuery),
}

/// Adds a violation on `field` when `metric` is named but not in the catalog.
fn check_metric(v: &mut Violations, field: &str, metric: &str, catalog: &Catalog) {
    if !metric.is_empty() && !catalog.contains_key(metric) {
        v.add(field, format!("no metric \"{}\" in the catalog", metric.escape_debug()));
    }
}

impl ScorecardApi {
    /// ADMIN or MANAGER; the fields are answered at once with what the catalog says of the
    /// metric; a team the caller may not see is refused after them.
    pub async fn create_leaderboard(&self, ctx: &Ctx, draft: BoardDraft) -> ApiResult<Board> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "create leaderboards")?;
        let catalog = self.metrics.catalog(ctx, false).await?;
        let mut found = Violations::new();
        check_metric(&mut found, "leaderboard.metric_key", &draft.metric_key, &catalog);
        let board = draft.fields.check(found)?.board(None, draft.metric_key);
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        if let Some(team) = board.fields.team_id {
            access::see_team_members(&view, team)?;
        }
        let saved = boards::insert_board(&mut tx, tenant, &board.record(Uuid::now_v7()))
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::AlreadyExists(_) => ApiError::AlreadyExists(format!(
                    "a leaderboard named \"{}\" already exists",
                    board.fields.display_name
                )),
                other => other,
            })?;
        tx.commit().await?;
        Board::from_record(saved)
    }

    /// The tenant's saved boards by name; every credential of the tenant reads them.
    pub async fn list_leaderboards(&self, ctx: &Ctx, page: Page) -> ApiResult<Listed<Board>> {
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let rows = boards::list_boards(&mut tx, ctx.tenant_id, page.after.as_deref(), page.fetch_limit()).await?;
        tx.commit().await?;
        let listed = page.list(rows, |b| b.display_name.clone());
        Ok(Listed {
            items: listed
                .items
                .into_iter()
                .map(Board::from_record)
                .collect::<ApiResult<_>>()?,
            next_page_token: listed.next_page_token,
        })
    }

    /// ADMIN or MANAGER, checked before the id.
    pub async fn delete_leaderboard(&self, ctx: &Ctx, id: Decoded<Uuid>) -> ApiResult<()> {
        ctx.require(&[AccessRole::Admin, AccessRole::Manager], "delete leaderboards")?;
        let id = id.get()?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        if !boards::delete_board(&mut tx, ctx.tenant_id, id).await? {
            return Err(ApiError::not_found(format!("leaderboard {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The standings of a board. A saved board that does not exist is NOT_FOUND before any
    /// bad field is answered; the fields are answered at once with what the catalog says of an
    /// ad-hoc board's metric.
    pub async fn standings(&self, ctx: &Ctx, query: StandingsQuery) -> ApiResult<Standings> {
        match query {
            StandingsQuery::Earnings(q) => earnings_standings(self, ctx, q).await,
            StandingsQuery::Board(q) => self.board_standings(ctx, q).await,
        }
    }

    async fn board_standings(&self, ctx: &Ctx, query: BoardStandingsQuery) -> ApiResult<Standings> {
        let catalog = self.metrics.catalog(ctx, false).await?;
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut found = Violations::new();
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let board = match query.board {
            Some(BoardChoice::Saved(id)) => {
                let record = boards::get_board(&mut tx, tenant, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("leaderboard {id}")))?;
                Some(Board::from_record(record)?)
            }
            Some(BoardChoice::Spec { metric_key, fields }) => {
                check_metric(&mut found, "spec.leaderboard.metric_key", &metric_key, &catalog);
                fields.map(|f| f.board(None, metric_key))
            }
            None => None,
        };
        // Nothing else is read in this transaction: it ends before the metrics service is asked.
        tx.commit().await?;
        let StandingsFields { period, as_of, limit } = query.fields.check(found)?;
        let Some(board) = board else {
            return Err(ApiError::invalid("board", "is required"));
        };
        let directory = &view.directory;
        let period = period.unwrap_or(PeriodSpec::Calendar {
            granularity: board.fields.granularity,
            date: as_of,
        });
        let when = SpanSpec { period, as_of }.resolve(&directory.calendar)?;
        let f = &board.fields;
        // Who is ranked: a team subtree's sellers, a role, or everyone with values.
        if let Some(team) = f.team_id
            && !view.team_exists(team)
        {
            return Err(ApiError::not_found(format!("team {team}")));
        }
        // Empty for neither: everyone with values.
        let people = plans::covered(directory, f.team_id, f.sales_role);
        let scoped = f.team_id.is_some() || f.sales_role.is_some();
        let mut limit = if limit == 0 { f.top_n } else { limit };
        if f.visibility == Visibility::Private && ctx.role == AccessRole::Rep {
            limit = limit.min(f.top_n);
        }
        let also: Vec<Uuid> = ctx.person_id.into_iter().collect();
        let top = if scoped && people.is_empty() {
            None
        } else {
            Some(
                self.metrics
                    .top(
                        ctx,
                        &board.metric_key,
                        when.range,
                        &people,
                        limit,
                        f.min_denominator,
                        &also,
                    )
                    .await?,
            )
        };
        let (rows, mine, ranked_count) = top.map_or((Vec::new(), Vec::new(), 0), |t| (t.rows, t.also, t.ranked_count));
        let standing = |r: RankedPerson| {
            let person_id = Uuid::parse_str(&r.person_id).ok()?;
            Some(Standing {
                rank: r.rank,
                person_id,
                display_name: directory
                    .person(person_id)
                    .map(|p| p.display_name.clone())
                    .unwrap_or_default(),
                value: r.value,
            })
        };
        Ok(Standings {
            leaderboard_id: board.id,
            metric_key: board.metric_key.clone(),
            range: when.range,
            rows: rows.into_iter().filter_map(standing).collect(),
            caller: mine.into_iter().next().and_then(standing),
            ranked_count,
            as_of: when.as_of,
        })
    }
}

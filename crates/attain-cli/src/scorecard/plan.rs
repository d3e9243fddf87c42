//! `attain leaderboard` and `attain plan`: standings for a metric or a saved board, and a
//! reverse-funnel plan from a revenue target, as tables for the terminal.

use anyhow::{Context, bail};
use attain_proto::{
    org::v1::SalesRole,
    scorecard::v1::{
        BoardScope, FunnelPlan, FunnelRates, GetStandingsRequest, Leaderboard, ListLeaderboardsRequest,
        PlanFunnelRequest, RateSource, Standings, board_scope, get_standings_request, plan_funnel_request,
    },
};
use attain_runtime::clients::{PAGE_SIZE, pages};
use futures::TryStreamExt;

use super::{Clients, Connection, PeriodArgs, Subject, catalog, proto_date, render};

#[derive(clap::Args)]
pub struct LeaderboardArgs {
    /// The metric or ratio to rank on, e.g. meetings_set or win_rate; or, with --board, the
    /// name of a saved leaderboard.
    what: String,
    /// WHAT names a saved leaderboard rather than a metric.
    #[arg(long)]
    board: bool,
    /// Rank only the people of this team's subtree (an id or a name).
    #[arg(long, conflicts_with = "role")]
    team: Option<String>,
    /// Rank only the people in this sales role.
    #[arg(long, value_enum)]
    role: Option<Role>,
    /// How many rows. Default: 10, or the saved board's top N.
    #[arg(long)]
    top: Option<i32>,
    /// For ratios: leave out people whose denominator is below this (no 100 % win rate from
    /// one deal). Default 1.
    #[arg(long)]
    min_denominator: Option<i64>,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum Role {
    Sdr,
    InsideSalesAe,
    FieldAe,
    AccountManager,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// The target in the tenant currency's major units, e.g. 300000 for $300,000.
    #[arg(long)]
    target: f64,
    /// What the target is in: revenue_won or gross_profit_won.
    #[arg(long, default_value = "revenue_won")]
    metric: String,
    /// Average deal size in major units, e.g. 25000.
    #[arg(long)]
    average_deal: Option<f64>,
    /// Deals won ÷ opportunities, e.g. 0.25.
    #[arg(long)]
    win_rate: Option<f64>,
    /// Opportunities ÷ meetings held, e.g. 0.5.
    #[arg(long)]
    held_to_qualified: Option<f64>,
    /// Meetings held ÷ meetings set, e.g. 0.8.
    #[arg(long)]
    set_to_held: Option<f64>,
    /// Meetings set ÷ conversations, e.g. 0.2.
    #[arg(long)]
    conversation_to_meeting: Option<f64>,
    /// Conversations ÷ dials, e.g. 0.1.
    #[arg(long)]
    dial_to_conversation: Option<f64>,
    /// Take the rates not given from this team's (or person's) own history.
    #[arg(long)]
    from_history: Option<String>,
    /// Days of history to look back over. Default 90.
    #[arg(long)]
    lookback_days: Option<i32>,
    /// Write the plan as this team's (or person's) quotas for the period.
    #[arg(long)]
    apply: Option<String>,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    conn: Connection,
}

fn role(r: Role) -> SalesRole {
    match r {
        Role::Sdr => SalesRole::Sdr,
        Role::InsideSalesAe => SalesRole::InsideSalesAe,
        Role::FieldAe => SalesRole::FieldAe,
        Role::AccountManager => SalesRole::AccountManager,
    }
}

pub async fn leaderboard(args: LeaderboardArgs) -> anyhow::Result<()> {
    let mut clients = Clients::new(args.conn)?;
    let when = args.period.resolve(&mut clients).await?;
    let period = when.explicit_period();
    let board = if args.board {
        let id = find_board(&mut clients, &args.what).await?;
        get_standings_request::Board::LeaderboardId(id)
    } else {
        let scope = match (&args.team, args.role) {
            (Some(team), _) => match clients.resolve(team, false).await? {
                Subject::Team(id, _) => Some(board_scope::Scope::TeamId(id)),
                Subject::Person(..) => bail!("--team must name a team"),
            },
            (None, Some(r)) => Some(board_scope::Scope::SalesRole(role(r) as i32)),
            (None, None) => None,
        };
        get_standings_request::Board::Spec(Leaderboard {
            metric_key: args.what.clone(),
            granularity: when.granularity as i32,
            scope: scope.map(|s| BoardScope { scope: Some(s) }),
            min_denominator: args.min_denominator.unwrap_or(0),
            ..Default::default()
        })
    };
    let request = clients.request(GetStandingsRequest {
        board: Some(board),
        period,
        as_of: when.as_of.map(proto_date),
        limit: args.top.unwrap_or(0),
    })?;
    let standings = clients
        .scorecards
        .get_standings(request)
        .await
        .map_err(clients.fail("ranking"))?
        .into_inner()
        .standings
        .context("the service returned no standings")?;
    let catalog = catalog(&mut clients).await;
    print!("{}", render_standings(&standings, &catalog));
    Ok(())
}

async fn find_board(clients: &mut Clients, name: &str) -> anyhow::Result<String> {
    let boards = pages(|page_token| {
        let request = clients.request(ListLeaderboardsRequest {
            page_size: PAGE_SIZE,
            page_token,
        });
        let (mut scorecards, fail) = (clients.scorecards.clone(), clients.fail("listing leaderboards"));
        async move {
            let page = scorecards.list_leaderboards(request?).await.map_err(fail)?.into_inner();
            Ok::<_, anyhow::Error>((page.leaderboards, page.next_page_token))
        }
    });
    let mut boards = std::pin::pin!(boards);
    while let Some(page) = boards.try_next().await? {
        if let Some(b) = page.iter().find(|b| b.display_name.eq_ignore_ascii_case(name)) {
            return Ok(b.id.clone());
        }
    }
    bail!("no saved leaderboard named \"{name}\"")
}

fn render_standings(s: &Standings, catalog: &render::Catalog) -> String {
    let mut out = format!(
        "{} · {} · {} ranked\n\n",
        catalog_name(catalog, &s.metric_key),
        render::range(s.range.as_ref()),
        s.ranked_count
    );
    let mut table = render::Table::new(&[
        ("Rank", render::Align::Right),
        ("Name", render::Align::Left),
        ("Value", render::Align::Right),
    ]);
    let value = |v: Option<&attain_proto::metrics::v1::MetricValue>| super::kpi_value(catalog, &s.metric_key, v);
    for r in &s.rows {
        table.row(vec![
            r.rank.to_string(),
            r.display_name.clone(),
            value(r.value.as_ref()),
        ]);
    }
    out.push_str(&table.render(&[]));
    if let Some(me) = &s.caller {
        out.push_str(&format!(
            "\nYou: #{} {} {}\n",
            me.rank,
            me.display_name,
            value(me.value.as_ref())
        ));
    }
    out
}

fn catalog_name(catalog: &render::Catalog, key: &str) -> String {
    catalog.display_name(key).to_string()
}

/// An amount in major units as minor units, e.g. 300000.00 → 30000000 for a 2-decimal currency.
fn minor(major: f64, currency: &str) -> anyhow::Result<i64> {
    let scaled = (major * 10f64.powi(render::minor_digits(currency))).round();
    if !scaled.is_finite() || scaled <= 0.0 || scaled > i64::MAX as f64 {
        bail!("amounts must be above 0");
    }
    Ok(scaled as i64)
}

pub async fn plan(args: PlanArgs) -> anyhow::Result<()> {
    let mut clients = Clients::new(args.conn)?;
    let currency = clients.currency().await?;
    let when = args.period.resolve(&mut clients).await?;
    let history = match &args.from_history {
        Some(q) => Some(match clients.resolve(q, true).await? {
            Subject::Person(id, _) => plan_funnel_request::History::HistoryPersonId(id),
            Subject::Team(id, _) => plan_funnel_request::History::HistoryTeamId(id),
        }),
        None => None,
    };
    let apply_to = match &args.apply {
        Some(q) => Some(match clients.resolve(q, true).await? {
            Subject::Person(id, _) => plan_funnel_request::ApplyTo::ApplyToPersonId(id),
            Subject::Team(id, _) => plan_funnel_request::ApplyTo::ApplyToTeamId(id),
        }),
        None => None,
    };
    let request = clients.request(PlanFunnelRequest {
        target_amount: minor(args.target, &currency)?,
        target_metric_key: args.metric.clone(),
        period: Some(when.period()),
        rates: Some(FunnelRates {
            average_deal_size: args.average_deal.map(|a| minor(a, &currency)).transpose()?,
            win_rate: args.win_rate,
            held_to_qualified: args.held_to_qualified,
            set_to_held: args.set_to_held,
            conversation_to_meeting: args.conversation_to_meeting,
            dial_to_conversation: args.dial_to_conversation,
        }),
        history,
        lookback_days: args.lookback_days.unwrap_or(0),
        apply_to,
        as_of: when.as_of.map(proto_date),
    })?;
    let plan = clients
        .scorecards
        .plan_funnel(request)
        .await
        .map_err(clients.fail("planning"))?
        .into_inner()
        .plan
        .context("the service returned no plan")?;
    print!("{}", render_plan(&plan, &currency));
    Ok(())
}

fn render_plan(p: &FunnelPlan, currency: &str) -> String {
    let mut out = format!(
        "{} {} · {} · {} working days\n\n",
        render::money(p.target_amount as f64, currency),
        p.target_metric_key.replace('_', " "),
        render::range(p.range.as_ref()),
        p.working_days
    );
    let mut steps = render::Table::new(&[
        ("Step", render::Align::Left),
        ("Metric", render::Align::Left),
        ("Total", render::Align::Right),
        ("Per day", render::Align::Right),
    ]);
    for s in &p.steps {
        steps.row(vec![
            s.name.replace('_', " "),
            if s.display_name.is_empty() {
                s.metric_key.clone()
            } else {
                s.display_name.clone()
            },
            render::thousands(s.total),
            render::per_day(s.per_day_exact),
        ]);
    }
    out.push_str(&steps.render(&[]));
    out.push('\n');
    let mut rates = render::Table::new(&[
        ("Rate", render::Align::Left),
        ("Value", render::Align::Right),
        ("From", render::Align::Left),
    ]);
    for r in &p.rates {
        let value = if r.name == "average_deal_size" {
            render::money(r.value, currency)
        } else {
            render::percent(r.value, 1)
        };
        let from = if r.source == RateSource::History as i32 {
            let numerator = if r.name == "average_deal_size" {
                render::money(r.numerator as f64, currency)
            } else {
                render::thousands(r.numerator)
            };
            format!(
                "history: {numerator} of {} ({})",
                render::thousands(r.denominator),
                render::range(p.history_range.as_ref())
            )
        } else {
            "given".to_string()
        };
        rates.row(vec![r.name.replace('_', " "), value, from]);
    }
    out.push_str(&rates.render(&[]));
    if p.applied_on.is_some() {
        out.push_str("\nApplied: written as quotas for the period.\n");
    }
    out
}

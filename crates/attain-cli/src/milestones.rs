//! `attain milestones list`: achievements the scorecard service recorded (quota steps, daily
//! goals, streaks, personal bests, biggest deals, new leaders, first deals), newest first, as
//! far as the caller's key may see.

use anyhow::bail;
use attain_proto::webhooks::v1::{
    ListMilestonesRequest, MilestoneKind, milestone_service_client::MilestoneServiceClient,
};

use crate::{
    api,
    scorecard::{Clients, Connection, Subject},
};

#[derive(clap::Subcommand)]
pub enum MilestonesCommand {
    /// Milestones, newest first, optionally of one person and one kind.
    List(ListArgs),
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum KindArg {
    QuotaAttained,
    DailyGoalHit,
    Streak,
    PersonalBest,
    BiggestDeal,
    NewLeader,
    FirstDeal,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Only this person's milestones (id or name).
    #[arg(long)]
    person: Option<String>,
    /// Only this kind.
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Most milestones to show (at most 1000).
    #[arg(long, default_value_t = 50)]
    limit: i32,
    #[command(flatten)]
    conn: Connection,
}

pub async fn run(cmd: MilestonesCommand) -> anyhow::Result<()> {
    match cmd {
        MilestonesCommand::List(args) => list(args).await,
    }
}

fn kind_name(kind: i32) -> &'static str {
    match MilestoneKind::try_from(kind) {
        Ok(MilestoneKind::QuotaAttained) => "quota attained",
        Ok(MilestoneKind::DailyGoalHit) => "daily goal hit",
        Ok(MilestoneKind::Streak) => "streak",
        Ok(MilestoneKind::PersonalBest) => "personal best",
        Ok(MilestoneKind::BiggestDeal) => "biggest deal",
        Ok(MilestoneKind::NewLeader) => "new leader",
        Ok(MilestoneKind::FirstDeal) => "first deal",
        _ => "milestone",
    }
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    if !(1..=1000).contains(&args.limit) {
        bail!("--limit must be between 1 and 1000");
    }
    let mut client = MilestoneServiceClient::new(api::channel(&args.conn.org_url)?);
    let mut clients = Clients::new(args.conn)?;
    let person_id = match &args.person {
        None => String::new(),
        Some(p) => match clients.resolve(p, true).await? {
            Subject::Person(id, _) => id,
            Subject::Team(..) => bail!("--person takes a person, not a team"),
        },
    };
    let kind = args.kind.map_or(MilestoneKind::Unspecified, |k| match k {
        KindArg::QuotaAttained => MilestoneKind::QuotaAttained,
        KindArg::DailyGoalHit => MilestoneKind::DailyGoalHit,
        KindArg::Streak => MilestoneKind::Streak,
        KindArg::PersonalBest => MilestoneKind::PersonalBest,
        KindArg::BiggestDeal => MilestoneKind::BiggestDeal,
        KindArg::NewLeader => MilestoneKind::NewLeader,
        KindArg::FirstDeal => MilestoneKind::FirstDeal,
    });
    let request = clients.request(ListMilestonesRequest {
        person_id,
        kind: kind as i32,
        page_size: args.limit,
        ..Default::default()
    })?;
    let milestones = client
        .list_milestones(request)
        .await
        .map_err(clients.fail("listing milestones"))?
        .into_inner()
        .milestones;
    if milestones.is_empty() {
        println!("No milestones yet.");
    }
    for m in milestones {
        let day = m
            .day
            .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
            .unwrap_or_default();
        println!("{day}  {:<15} {}", kind_name(m.kind), m.title);
        println!("    id {}  person {}", m.id, m.person_id);
    }
    Ok(())
}

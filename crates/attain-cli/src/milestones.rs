//! `attain milestones list`: achievements the scorecard service recorded (quota steps, daily
//! goals, streaks, personal bests, biggest deals, new leaders, first deals), newest first, as
//! far as the caller's key may see. `attain milestones settings`: how the tenant's are detected.

use anyhow::bail;
use attain_proto::webhooks::v1::{
    GetMilestoneSettingsRequest, ListMilestonesRequest, MilestoneKind, MilestoneSettings,
    UpdateMilestoneSettingsRequest, milestone_service_client::MilestoneServiceClient,
};
use attain_server::api;

use crate::scorecard::{Clients, Connection, Subject};

#[derive(clap::Subcommand)]
pub enum MilestonesCommand {
    /// Milestones, newest first, optionally of one person and one kind.
    List(ListArgs),
    /// The tenant's detection settings; with options, changes those (an ADMIN key).
    Settings(SettingsArgs),
}

#[derive(clap::Args)]
pub struct SettingsArgs {
    /// Percents of quota that count as milestones, ascending, e.g. 50,100,150.
    #[arg(long, value_delimiter = ',')]
    quota_steps: Option<Vec<i32>>,
    /// Working days in a row at daily goal that make a streak.
    #[arg(long)]
    streak_days: Option<i32>,
    /// Whether personal bests are detected.
    #[arg(long)]
    personal_bests: Option<bool>,
    /// Earlier days with data a rep needs before a day can be a personal best.
    #[arg(long)]
    personal_best_min_history: Option<i32>,
    #[command(flatten)]
    conn: Connection,
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
        MilestonesCommand::Settings(args) => settings(args).await,
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

async fn settings(args: SettingsArgs) -> anyhow::Result<()> {
    let mut client = MilestoneServiceClient::new(api::channel(&args.conn.org_url)?);
    let clients = Clients::new(args.conn)?;
    let current = client
        .get_milestone_settings(clients.request(GetMilestoneSettingsRequest {})?)
        .await
        .map_err(clients.fail("reading milestone settings"))?
        .into_inner()
        .settings
        .unwrap_or_default();
    let mut wanted = current.clone();
    let mut paths = Vec::new();
    if let Some(steps) = args.quota_steps {
        wanted.quota_steps = steps;
        paths.push("quota_steps");
    }
    if let Some(days) = args.streak_days {
        wanted.streak_days = days;
        paths.push("streak_days");
    }
    if let Some(on) = args.personal_bests {
        wanted.personal_best_enabled = on;
        paths.push("personal_best_enabled");
    }
    if let Some(days) = args.personal_best_min_history {
        wanted.personal_best_min_history = days;
        paths.push("personal_best_min_history");
    }
    let shown = if paths.is_empty() {
        current
    } else {
        // The etag just read: a change made by someone else in between is refused, not overwritten.
        let request = clients.request(UpdateMilestoneSettingsRequest {
            settings: Some(wanted),
            update_mask: Some(prost_types::FieldMask {
                paths: paths.into_iter().map(String::from).collect(),
            }),
        })?;
        client
            .update_milestone_settings(request)
            .await
            .map_err(clients.fail("changing milestone settings"))?
            .into_inner()
            .settings
            .unwrap_or_default()
    };
    print!("{}", render_settings(&shown));
    Ok(())
}

fn render_settings(s: &MilestoneSettings) -> String {
    let steps: Vec<String> = s.quota_steps.iter().map(|p| format!("{p}%")).collect();
    let bests = if s.personal_best_enabled {
        format!("on, after {} earlier days with data", s.personal_best_min_history)
    } else {
        "off".to_string()
    };
    format!(
        "quota steps      {}\nstreak           {} working days in a row at daily goal\npersonal bests   {bests}\n",
        steps.join(", "),
        s.streak_days
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_as_sentences() {
        let s = MilestoneSettings {
            quota_steps: vec![50, 100, 150],
            streak_days: 5,
            personal_best_enabled: true,
            personal_best_min_history: 10,
            etag: "\"0\"".into(),
        };
        assert_eq!(
            render_settings(&s),
            "quota steps      50%, 100%, 150%\nstreak           5 working days in a row at daily goal\n\
             personal bests   on, after 10 earlier days with data\n"
        );
        let off = MilestoneSettings {
            personal_best_enabled: false,
            ..s
        };
        assert!(render_settings(&off).ends_with("personal bests   off\n"));
    }
}

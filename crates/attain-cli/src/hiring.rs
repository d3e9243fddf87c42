//! `attain hiring pipeline` and `attain hiring kpis`: the open requisitions with their
//! candidates by stage, and the hiring and onboarding KPIs of a team, a hiring manager or
//! everyone the caller sees.

use std::collections::HashMap;

use anyhow::bail;
use attain_proto::hiring::v1::{
    CandidateSource, GetHiringKpisRequest, GetPipelineRequest, HiringKpis, RequisitionStatus, get_hiring_kpis_request,
    hiring_service_client::HiringServiceClient,
};
use attain_server::api;
use chrono::Utc;

use crate::scorecard::{Clients, Connection, PeriodArgs, Subject, render};

#[derive(clap::Subcommand)]
pub enum HiringCommand {
    /// The open and on-hold requisitions you see, each with its candidates by stage.
    Pipeline(PipelineArgs),
    /// Hiring and onboarding KPIs: time to fill, process adherence, time in stage, scorecard
    /// submission, offer acceptance, sources, onboarding reps to plan, retention, promotions and
    /// the tenure of the reps each manager hired.
    Kpis(KpisArgs),
}

#[derive(clap::Args)]
pub struct PipelineArgs {
    /// Only the requisitions of this team or hiring manager (an id, name or email).
    who: Option<String>,
    #[command(flatten)]
    conn: Connection,
    /// The hiring service.
    #[arg(long, env = "ATTAIN_HIRING_URL", default_value = "http://127.0.0.1:50054")]
    hiring_url: String,
}

#[derive(clap::Args)]
pub struct KpisArgs {
    /// A team (its subtree's requisitions) or a hiring manager; default: everyone you see.
    who: Option<String>,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    conn: Connection,
    /// The hiring service.
    #[arg(long, env = "ATTAIN_HIRING_URL", default_value = "http://127.0.0.1:50054")]
    hiring_url: String,
}

pub async fn run(cmd: HiringCommand) -> anyhow::Result<()> {
    match cmd {
        HiringCommand::Pipeline(args) => pipeline(args).await,
        HiringCommand::Kpis(args) => kpis(args).await,
    }
}

fn hiring_error(url: &str) -> impl FnOnce(tonic::Status) -> anyhow::Error + '_ {
    move |s| anyhow::anyhow!("asking the hiring service at {url}: {} ({:?})", s.message(), s.code())
}

/// Names of people, looked up once each.
struct Names(HashMap<String, String>);

impl Names {
    async fn of(&mut self, clients: &mut Clients, id: &str) -> String {
        if id.is_empty() {
            return String::new();
        }
        if !self.0.contains_key(id) {
            let name = match clients.resolve(id, true).await {
                Ok(Subject::Person(_, name) | Subject::Team(_, name)) => name,
                Err(_) => id.to_string(),
            };
            self.0.insert(id.to_string(), name);
        }
        self.0.get(id).cloned().unwrap_or_default()
    }
}

async fn pipeline(args: PipelineArgs) -> anyhow::Result<()> {
    let url = args.hiring_url.clone();
    let mut clients = Clients::new(args.conn)?;
    let mut request = GetPipelineRequest::default();
    if let Some(who) = &args.who {
        match clients.resolve(who, true).await? {
            Subject::Person(id, _) => request.hiring_manager_id = id,
            Subject::Team(id, _) => request.team_id = id,
        }
    }
    let mut hiring = HiringServiceClient::new(api::channel(&url)?);
    let reqs = hiring
        .get_pipeline(clients.request(request)?)
        .await
        .map_err(hiring_error(&url))?
        .into_inner()
        .requisitions;
    if reqs.is_empty() {
        println!("No open requisitions.");
        return Ok(());
    }
    let today = Utc::now().date_naive();
    let mut names = Names(HashMap::new());
    for p in &reqs {
        let Some(r) = &p.requisition else { continue };
        let opened = r
            .opened_date
            .as_ref()
            .and_then(|d| chrono::NaiveDate::from_ymd_opt(d.year, d.month as u32, d.day as u32));
        let status = match RequisitionStatus::try_from(r.status) {
            Ok(RequisitionStatus::OnHold) => "on hold",
            _ => "open",
        };
        println!(
            "{} — {} — hiring manager {} — {status}, opened {} ({} days)",
            r.title,
            names.of(&mut clients, &r.team_id).await,
            names.of(&mut clients, &r.hiring_manager_id).await,
            opened.map(|d| d.to_string()).unwrap_or_default(),
            opened.map(|d| (today - d).num_days()).unwrap_or_default(),
        );
        let mut table = render::Table::new(&[
            ("Stage", render::Align::Left),
            ("Candidates", render::Align::Right),
            ("Who", render::Align::Left),
        ]);
        let who = |stage: &str| {
            p.candidates
                .iter()
                .filter(|c| c.stage == stage)
                .map(|c| format!("{} ({})", c.display_name, source_name(c.source)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if p.unstaged > 0 {
            table.row(vec!["new".into(), p.unstaged.to_string(), who("")]);
        }
        for s in &p.stages {
            table.row(vec![s.display_name.clone(), s.candidates.to_string(), who(&s.stage)]);
        }
        println!("{}", table.render(&[]));
    }
    Ok(())
}

fn source_name(source: i32) -> String {
    CandidateSource::try_from(source)
        .map(|s| s.as_str_name().trim_start_matches("CANDIDATE_SOURCE_").to_lowercase())
        .unwrap_or_default()
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.0} %", x * 100.0))
}

fn days(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{x:.1} days"))
}

async fn kpis(args: KpisArgs) -> anyhow::Result<()> {
    let url = args.hiring_url.clone();
    let mut clients = Clients::new(args.conn)?;
    let scope = match &args.who {
        Some(who) => Some(match clients.resolve(who, true).await? {
            Subject::Person(id, _) => get_hiring_kpis_request::Scope::HiringManagerId(id),
            Subject::Team(id, _) => get_hiring_kpis_request::Scope::TeamId(id),
        }),
        None => None,
    };
    let mut hiring = HiringServiceClient::new(api::channel(&url)?);
    let period = args.period.resolve(&mut clients).await?.period();
    let request = clients.request(GetHiringKpisRequest {
        scope,
        period: Some(period),
        quota_metric_key: String::new(),
    })?;
    let Some(k) = hiring
        .get_hiring_kpis(request)
        .await
        .map_err(hiring_error(&url))?
        .into_inner()
        .kpis
    else {
        bail!("the hiring service returned no KPIs");
    };
    print_kpis(&k, &mut clients).await;
    Ok(())
}

async fn print_kpis(k: &HiringKpis, clients: &mut Clients) {
    let range = k
        .range
        .as_ref()
        .and_then(|r| Some((r.start_date?, r.end_date?)))
        .map(|(a, b)| {
            format!(
                "{}-{:02}-{:02} to {}-{:02}-{:02}",
                a.year, a.month, a.day, b.year, b.month, b.day
            )
        })
        .unwrap_or_default();
    println!("Hiring KPIs {range}\n");
    let mut t = render::Table::new(&[("KPI", render::Align::Left), ("Value", render::Align::Right)]);
    let mut row = |name: &str, value: String| t.row(vec![name.to_string(), value]);
    row("Hires", k.hires.to_string());
    row("Time to fill, median", days(k.time_to_fill_median_days));
    row("Time to fill, mean", days(k.time_to_fill_mean_days));
    row(
        "Process adherence",
        format!("{} ({}/{})", percent(k.process_adherence), k.adherent_hires, k.hires),
    );
    row(
        "Scorecards submitted",
        format!(
            "{} ({}/{})",
            percent(k.scorecard_submission_rate),
            k.scorecards_submitted,
            k.interviews
        ),
    );
    row(
        "Offer acceptance",
        format!(
            "{} ({}/{})",
            percent(k.offer_acceptance_rate),
            k.offers_accepted,
            k.offers_accepted + k.offers_declined
        ),
    );
    row(
        "Onboarding reps to plan",
        format!(
            "{} ({}/{})",
            percent(k.onboarding_to_plan),
            k.onboarding_reps_to_plan,
            k.onboarding_reps
        ),
    );
    row(
        "Retention of tenured reps",
        format!(
            "{} ({}/{})",
            percent(k.tenured_retention),
            k.tenured_reps_retained,
            k.tenured_reps
        ),
    );
    row("Promotions", k.promotions.to_string());
    print!("{}", t.render(&[]));

    if !k.time_in_stage.is_empty() {
        let mut t = render::Table::new(&[
            ("Stage", render::Align::Left),
            ("Spells", render::Align::Right),
            ("Mean time", render::Align::Right),
        ]);
        for s in &k.time_in_stage {
            let name = if s.display_name.is_empty() {
                &s.stage
            } else {
                &s.display_name
            };
            t.row(vec![name.clone(), s.spells.to_string(), days(s.mean_days)]);
        }
        println!("\nTime in stage\n{}", t.render(&[]));
    }
    let mut t = render::Table::new(&[
        ("Source", render::Align::Left),
        ("Candidates", render::Align::Right),
        ("Hires", render::Align::Right),
        ("Hire rate", render::Align::Right),
    ]);
    for s in &k.sources {
        t.row(vec![
            source_name(s.source),
            s.candidates.to_string(),
            s.hires.to_string(),
            percent(s.hire_rate),
        ]);
    }
    println!("\nSources\n{}", t.render(&[]));
    if !k.tenure_by_hiring_manager.is_empty() {
        let mut names = Names(HashMap::new());
        let mut t = render::Table::new(&[
            ("Hiring manager", render::Align::Left),
            ("Hires", render::Align::Right),
            ("Still here", render::Align::Right),
            ("Mean tenure", render::Align::Right),
        ]);
        for m in &k.tenure_by_hiring_manager {
            t.row(vec![
                names.of(clients, &m.hiring_manager_id).await,
                m.hires.to_string(),
                m.still_here.to_string(),
                m.mean_tenure_months
                    .map_or_else(|| "–".into(), |x| format!("{x:.1} months")),
            ]);
        }
        println!("\nTenure of the reps each manager hired\n{}", t.render(&[]));
    }
}

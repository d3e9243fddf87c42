//! The benchmark's org, built through the public API: a leader, a root team "Sales", and under
//! it SDR teams with a manager and reps each; the built-in "sdr" template assigned to every team
//! and quarterly revenue quotas on every team and on some reps.

use std::collections::HashMap;

use anyhow::Context;
use attain_proto::{
    common::v1::{CalendarPeriod, Granularity},
    org::v1::{
        CreatePersonRequest, CreateTeamRequest, Motion, Person, PersonStatus, SalesRole, Team,
        org_service_client::OrgServiceClient,
    },
    scorecard::v1::{
        AssignTemplateRequest, ListTemplatesRequest, Quota, QuotaKind, SetQuotaRequest, Template,
        assign_template_request, quota, scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_server::api;
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use tonic::transport::Channel;
use uuid::Uuid;

use super::{ScorecardBench, progress_bar, proto_date};
use crate::{bench::platform::Platform, synthetic::Rng};

/// Calls in flight while building the org.
const CONCURRENCY: usize = 32;
/// Revenue quota (minor units) per rep and quarter: the team quota is this times its size.
pub const REP_QUARTER_QUOTA: i64 = 15_000_000;
/// Reps per team with a quota of their own, which the team quota's split then leaves out.
pub const OWN_QUOTAS_PER_TEAM: usize = 10;
/// The own quota of those reps.
pub const OWN_QUARTER_QUOTA: i64 = 20_000_000;

pub struct BenchTeam {
    pub id: Uuid,
    pub reps: Vec<Uuid>,
}

/// What the measurements need to know about the world they run in.
pub struct World {
    pub teams: Vec<BenchTeam>,
    pub reps: Vec<Uuid>,
    /// The reps with their own quota, and its amount.
    pub own_quotas: HashMap<Uuid, f64>,
    /// The "sdr" template as the service lists it; `None` when the service cannot list it.
    pub template: Option<Template>,
    pub events: u64,
}

async fn create_person(mut org: OrgServiceClient<Channel>, key: &str, person: Person) -> anyhow::Result<Uuid> {
    let name = person.display_name.clone();
    let made = org
        .create_person(api::authorized(
            CreatePersonRequest {
                person: Some(person),
                request_id: String::new(),
            },
            key,
        )?)
        .await
        .with_context(|| format!("creating {name}"))?
        .into_inner()
        .person
        .context("CreatePerson returned no person")?;
    Ok(Uuid::try_parse(&made.id)?)
}

async fn create_team(mut org: OrgServiceClient<Channel>, key: &str, team: Team) -> anyhow::Result<Uuid> {
    let name = team.display_name.clone();
    let made = org
        .create_team(api::authorized(
            CreateTeamRequest {
                team: Some(team),
                request_id: String::new(),
            },
            key,
        )?)
        .await
        .with_context(|| format!("creating {name}"))?
        .into_inner()
        .team
        .context("CreateTeam returned no team")?;
    Ok(Uuid::try_parse(&made.id)?)
}

fn manager(i: usize, root: Uuid, leader: Uuid) -> Person {
    Person {
        display_name: format!("Manager {i:03}"),
        email: format!("manager{i}@bench.example"),
        sales_role: SalesRole::SalesManager as i32,
        team_id: root.to_string(),
        manager_id: leader.to_string(),
        status: PersonStatus::Active as i32,
        ..Default::default()
    }
}

fn rep(i: usize, team: Uuid, manager: Uuid, rng: &mut Rng) -> anyhow::Result<Person> {
    // Everyone started a while ago, so nobody is on a ramp this quarter.
    let start = NaiveDate::from_ymd_opt(2024, 1, 8).context("date")? + chrono::Days::new(rng.below(500));
    Ok(Person {
        display_name: format!("Rep {i:05}"),
        email: format!("rep{i}@bench.example"),
        sales_role: SalesRole::Sdr as i32,
        team_id: team.to_string(),
        manager_id: manager.to_string(),
        title: "SDR".into(),
        hire_date: proto_date(start - chrono::Days::new(14)),
        start_date: proto_date(start),
        status: PersonStatus::Active as i32,
        ..Default::default()
    })
}

/// A leader, a root team "Sales", and under it `teams` SDR teams with a manager each and
/// `team_size` reps (the last team takes the remainder), all through `OrgService`.
pub async fn build_org(args: &ScorecardBench, p: &Platform) -> anyhow::Result<Vec<BenchTeam>> {
    let org = OrgServiceClient::new(api::channel(&format!("http://{}", p.org_addr))?);
    let key = p.key.as_str();
    let teams = args.reps.div_ceil(args.team_size);
    let leader = create_person(
        org.clone(),
        key,
        Person {
            display_name: "Lee Leader".into(),
            sales_role: SalesRole::SalesLeader as i32,
            status: PersonStatus::Active as i32,
            ..Default::default()
        },
    )
    .await?;
    let root = create_team(
        org.clone(),
        key,
        Team {
            display_name: "Sales".into(),
            motion: Motion::SalesDevelopment as i32,
            manager_id: leader.to_string(),
            ..Default::default()
        },
    )
    .await?;
    let progress = progress_bar((2 * teams + args.reps) as u64, "org (managers, teams, reps)");
    let mut made: Vec<(usize, Uuid, Uuid)> = futures::stream::iter(0..teams)
        .map(|i| {
            let (org, progress) = (org.clone(), progress.clone());
            async move {
                let manager = create_person(org.clone(), key, manager(i, root, leader)).await?;
                progress.inc(1);
                let team = Team {
                    display_name: format!("SDR {i:03}"),
                    motion: Motion::SalesDevelopment as i32,
                    parent_team_id: root.to_string(),
                    manager_id: manager.to_string(),
                    ..Default::default()
                };
                let team = create_team(org, key, team).await?;
                progress.inc(1);
                anyhow::Ok((i, team, manager))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    made.sort_by_key(|m| m.0);
    let mut rng = Rng::new(args.seed ^ 0x0126);
    let mut people = Vec::with_capacity(args.reps);
    for i in 0..args.reps {
        let (_, team, manager) = made[i / args.team_size];
        people.push((i / args.team_size, rep(i, team, manager, &mut rng)?));
    }
    let reps: Vec<(usize, Uuid)> = futures::stream::iter(people)
        .map(|(team, person)| {
            let (org, progress) = (org.clone(), progress.clone());
            async move {
                let id = create_person(org, key, person).await?;
                progress.inc(1);
                anyhow::Ok((team, id))
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    progress.finish();
    let mut out: Vec<BenchTeam> = made
        .iter()
        .map(|(_, id, _)| BenchTeam { id: *id, reps: vec![] })
        .collect();
    for (team, id) in reps {
        out[team].reps.push(id);
    }
    Ok(out)
}

/// Finds the built-in "sdr" template, assigns it to every team, and sets a quarterly revenue
/// quota on every team and on its first reps. `None` when the scorecard service does not
/// answer ListTemplates (it is not built yet): then nothing is assigned.
pub async fn plan(
    p: &Platform,
    teams: &[BenchTeam],
    quarter: NaiveDate,
) -> anyhow::Result<(Option<Template>, HashMap<Uuid, f64>)> {
    let mut client = ScorecardServiceClient::new(api::channel(&format!("http://{}", p.org_addr))?);
    let key = p.key.as_str();
    let listed = match client
        .list_templates(api::authorized(
            ListTemplatesRequest {
                page_size: 1000,
                page_token: String::new(),
            },
            key,
        )?)
        .await
    {
        Ok(listed) => listed.into_inner(),
        Err(status) => {
            println!(
                "  ListTemplates failed ({:?}: {}); no template or quotas set",
                status.code(),
                status.message()
            );
            return Ok((None, HashMap::new()));
        }
    };
    let template = listed
        .templates
        .into_iter()
        .find(|t| t.key == "sdr")
        .context("the tenant has no built-in \"sdr\" template")?;
    let period = Some(CalendarPeriod {
        granularity: Granularity::Quarter as i32,
        date: proto_date(quarter),
    });
    let quota = |subject, amount| SetQuotaRequest {
        quota: Some(Quota {
            subject: Some(subject),
            kind: QuotaKind::Volume as i32,
            metric_key: "revenue_won".into(),
            period,
            amount,
            ..Default::default()
        }),
    };
    let mut own = HashMap::new();
    let mut calls: Vec<(Option<AssignTemplateRequest>, Option<SetQuotaRequest>)> = Vec::new();
    for team in teams {
        calls.push((
            Some(AssignTemplateRequest {
                subject: Some(assign_template_request::Subject::TeamId(team.id.to_string())),
                template_id: template.id.clone(),
            }),
            Some(quota(
                quota::Subject::TeamId(team.id.to_string()),
                REP_QUARTER_QUOTA * team.reps.len() as i64,
            )),
        ));
        for rep in team.reps.iter().take(OWN_QUOTAS_PER_TEAM) {
            own.insert(*rep, OWN_QUARTER_QUOTA as f64);
            calls.push((
                None,
                Some(quota(quota::Subject::PersonId(rep.to_string()), OWN_QUARTER_QUOTA)),
            ));
        }
    }
    let progress = progress_bar(calls.len() as u64, "templates and quotas");
    futures::stream::iter(calls)
        .map(|(assign, quota)| {
            let (mut client, progress) = (client.clone(), progress.clone());
            async move {
                if let Some(assign) = assign {
                    client
                        .assign_template(api::authorized(assign, key)?)
                        .await
                        .context("AssignTemplate")?;
                }
                if let Some(quota) = quota {
                    client
                        .set_quota(api::authorized(quota, key)?)
                        .await
                        .context("SetQuota")?;
                }
                progress.inc(1);
                anyhow::Ok(())
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    progress.finish();
    Ok((Some(template), own))
}

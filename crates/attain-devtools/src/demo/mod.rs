//! `attain demo seed`: a believable demo org built through the public APIs only, so a tour
//! shows real numbers. Deterministic and idempotent: people and teams carry request ids and
//! events ids derived from the seed, so seeding twice changes nothing. The scorecard setup
//! (templates, a default ramp, AE quotas, one vacation) is either looked up before it is
//! created or an upsert, so it is not repeated either.

mod coaching;
mod hiring;
mod incentives;

use anyhow::Context;
use attain_domain::calendar::Calendar;
use attain_proto::{
    common::v1::{CalendarPeriod, Date, DateRange, Granularity, Period, period},
    metrics::v1::{Event, IngestEventsRequest, metrics_service_client::MetricsServiceClient},
    org::v1::{
        CreatePersonRequest, CreateTeamRequest, GetTenantRequest, Motion, Person, PersonStatus, SalesRole, Team,
        org_service_client::OrgServiceClient,
    },
    scorecard::v1::{
        AssignTemplateRequest, CreateRampRequest, CreateTimeOffRequest, ListRampsRequest, ListTemplatesRequest,
        ListTimeOffRequest, Quota, QuotaKind, Ramp, SetQuotaRequest, TimeOff, assign_template_request, quota,
        scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_runtime::clients::{PAGE_SIZE, every_page};
use attain_server::api;
use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use tonic::transport::Channel;
use uuid::Uuid;

use crate::synthetic::Rng;

#[derive(clap::Subcommand)]
pub enum DemoCommand {
    /// Create a demo org (an SDR team, an AE team, a dozen reps, one new hire) with activity
    /// over the last days, through the public APIs.
    Seed(SeedArgs),
}

#[derive(clap::Args)]
pub struct SeedArgs {
    /// API key (or JWT) of an ADMIN of the tenant to fill.
    #[arg(long, env = "ATTAIN_API_KEY", hide_env_values = true)]
    api_key: String,
    /// Days of activity, ending yesterday.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=730))]
    days: u32,
    /// Changes every number while keeping the same shape.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The scorecard service (org directory, templates, quotas).
    #[arg(long, env = "ATTAIN_ORG_URL", default_value = "http://127.0.0.1:50052")]
    org_url: String,
    /// The metrics service.
    #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
    metrics_url: String,
    /// The coaching service.
    #[arg(long, env = "ATTAIN_COACHING_URL", default_value = "http://127.0.0.1:50053")]
    coaching_url: String,
    /// The hiring service.
    #[arg(long, env = "ATTAIN_HIRING_URL", default_value = "http://127.0.0.1:50054")]
    hiring_url: String,
}

/// The ramp the demo creates as the tenant's default, found again by this name.
const RAMP_NAME: &str = "New hire ramp 25/50/75/100";
const RAMP_STEPS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
/// Each AE's revenue quota per quarter, in minor units: the "ae" template's $300,000, which
/// the demo AEs reach at about skill 1, so some are above it and some below.
const AE_QUARTERLY_QUOTA: i64 = 30_000_000;
/// The time-off reason of the demo vacation, found again by it.
const VACATION: &str = "vacation";
/// The SDR who takes a week off.
const ON_VACATION: &str = "Ben Okafor";

struct Rep {
    id: String,
    name: &'static str,
    sdr: bool,
    /// How good the rep is: scales activity and conversion.
    skill: f64,
    start: NaiveDate,
    ramp: bool,
}

fn date(d: NaiveDate) -> Option<Date> {
    Some(Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    })
}

/// A request id that is the same on every run with the same seed and tenant.
fn request_id(tenant: &str, seed: u64, what: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("attain-demo/{tenant}/{seed}/{what}").as_bytes(),
    )
    .to_string()
}

pub async fn run(cmd: DemoCommand) -> anyhow::Result<()> {
    let DemoCommand::Seed(args) = cmd;
    let mut org = OrgServiceClient::new(api::channel(&args.org_url)?);
    let mut metrics = MetricsServiceClient::new(api::channel(&args.metrics_url)?);
    let key = &args.api_key;
    let tenant = org
        .get_tenant(api::authorized(GetTenantRequest {}, key)?)
        .await
        .context("reading the tenant")?
        .into_inner()
        .tenant
        .context("tenant")?;
    let zone: chrono_tz::Tz = tenant
        .calendar
        .as_ref()
        .map(|c| c.time_zone.as_str())
        .unwrap_or("UTC")
        .parse()
        .unwrap_or(chrono_tz::UTC);
    let calendar = Calendar::new(
        zone.name(),
        Some(chrono::Weekday::Mon),
        1,
        &[
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
        ]
        .map(Some),
    )
    .map_err(|v| anyhow::anyhow!("{v}"))?;
    let today = calendar.local_date(Utc::now());
    let mut rng = Rng::new(args.seed);

    let mut people_client = org.clone();
    let mut person = async |name: &str,
                            role: SalesRole,
                            team: &str,
                            manager: &str,
                            start: NaiveDate,
                            onboarding: bool|
           -> anyhow::Result<String> {
        let p = Person {
            display_name: name.into(),
            email: format!("{}@demo.example", name.to_lowercase().replace(' ', ".")),
            sales_role: role as i32,
            team_id: team.into(),
            manager_id: manager.into(),
            title: format!("{role:?}"),
            hire_date: date(start - Days::new(14)),
            start_date: date(start),
            status: if onboarding {
                PersonStatus::Onboarding
            } else {
                PersonStatus::Active
            } as i32,
            ..Default::default()
        };
        let request = CreatePersonRequest {
            person: Some(p),
            request_id: request_id(&tenant.id, args.seed, name),
        };
        Ok(people_client
            .create_person(api::authorized(request, key)?)
            .await
            .with_context(|| format!("creating {name}"))?
            .into_inner()
            .person
            .context("person")?
            .id)
    };
    let long_ago = today - Days::new(400);
    let director = person("Dana Director", SalesRole::SalesLeader, "", "", long_ago, false).await?;
    let sdr_manager = person("Sam Manager", SalesRole::SalesManager, "", &director, long_ago, false).await?;
    let ae_manager = person("Alex Manager", SalesRole::SalesManager, "", &director, long_ago, false).await?;

    let mut team_client = org.clone();
    let mut team = async |name: &str, motion: Motion, parent: &str, manager: &str| -> anyhow::Result<String> {
        let t = Team {
            display_name: name.into(),
            motion: motion as i32,
            parent_team_id: parent.into(),
            manager_id: manager.into(),
            ..Default::default()
        };
        let request = CreateTeamRequest {
            team: Some(t),
            request_id: request_id(&tenant.id, args.seed, name),
        };
        Ok(team_client
            .create_team(api::authorized(request, key)?)
            .await
            .with_context(|| format!("creating {name}"))?
            .into_inner()
            .team
            .context("team")?
            .id)
    };
    let sales = team("Sales", Motion::InsideSales, "", &director).await?;
    let sdr_team = team("SDR Team", Motion::SalesDevelopment, &sales, &sdr_manager).await?;
    let ae_team = team("AE Team", Motion::InsideSales, &sales, &ae_manager).await?;

    const SDRS: [&str; 7] = [
        "Ana Lopez",
        "Ben Okafor",
        "Chloe Martin",
        "Dev Patel",
        "Emma Schulz",
        "Finn Walsh",
        "Gia Rossi",
    ];
    const AES: [&str; 5] = ["Hana Sato", "Ivan Petrov", "Jade Kim", "Kofi Mensah", "Lena Novak"];
    // The working week two weeks before this one, Monday to Friday.
    let vacation_start = calendar.week_start(today) - Days::new(14);
    let vacation = (vacation_start, vacation_start + Days::new(4));
    let mut reps = Vec::new();
    for (i, name) in SDRS.iter().chain(AES.iter()).enumerate() {
        let sdr = i < SDRS.len();
        // The last SDR is the new hire, 40 days into a ramp.
        let ramp = i == SDRS.len() - 1;
        let start = if ramp { today - Days::new(40) } else { long_ago };
        let role = if sdr { SalesRole::Sdr } else { SalesRole::InsideSalesAe };
        let (team_id, manager) = if sdr {
            (&sdr_team, &sdr_manager)
        } else {
            (&ae_team, &ae_manager)
        };
        let id = person(name, role, team_id, manager, start, ramp).await?;
        let skill = 0.7 + 0.6 * rng.unit();
        reps.push(Rep {
            id,
            name,
            sdr,
            skill,
            start,
            ramp,
        });
    }

    let first_day = today - Days::new(u64::from(args.days));
    let mut events = Vec::new();
    // Each AE's open opportunities (amount in cents, count), reported every working day as
    // snapshots of the open_pipeline and open_opportunities states, as a CRM sync would.
    let mut open: std::collections::HashMap<String, (i64, i64)> = std::collections::HashMap::new();
    let mut day = first_day;
    while day < today {
        if calendar.is_working_day(day) {
            let away = |r: &Rep| r.name == ON_VACATION && (vacation.0..=vacation.1).contains(&day);
            for rep in reps.iter().filter(|r| r.start <= day && !away(r)) {
                // A new hire ramps 25/50/75/100 % by month since start.
                let months = ((day - rep.start).num_days() / 30).min(3) as f64;
                let ramp = if rep.ramp { 0.25 * (months + 1.0) } else { 1.0 };
                let level = rep.skill * ramp;
                let mut counts: Vec<(&str, i64)> = Vec::new();
                let mut states: Vec<(&str, i64)> = Vec::new();
                // Around the built-in "sdr" and "ae" templates' targets at skill 1, so the
                // scorecards spread around target by skill.
                if rep.sdr {
                    let calls = rng.around(60.0 * level, 0.25);
                    let connects = rng.trials(calls, 0.15 * rep.skill.min(1.2));
                    let conversations = rng.trials(connects, 0.8);
                    let set = rng.trials(conversations, 0.25 * rep.skill);
                    let held = rng.trials(set, 0.8);
                    let qualified = rng.trials(held, 0.7);
                    counts.extend([
                        ("calls", calls),
                        ("emails", rng.around(40.0 * level, 0.3)),
                        ("social_connects", rng.around(10.0 * level, 0.5)),
                        ("connects", connects),
                        ("conversations", conversations),
                        ("meetings_set", set),
                        ("meetings_held", held),
                        ("meetings_qualified", qualified),
                        // Pipeline the SDR sourced: the qualified meetings' first estimates.
                        ("pipeline_amount", qualified * rng.around(850_000.0, 0.4)),
                        ("talk_time", conversations * rng.around(240.0, 0.4)),
                    ]);
                } else {
                    let held = rng.around(1.6 * level, 0.6);
                    let opportunities = rng.trials(held, 0.4);
                    // Now and then a deal from an earlier opportunity closes too.
                    let carried = i64::from(rng.unit() < 0.1);
                    let won = rng.trials(opportunities + carried, 0.25 * rep.skill);
                    let revenue: i64 = (0..won).map(|_| rng.around(2_500_000.0, 0.5)).sum();
                    let created = opportunities * rng.around(2_400_000.0, 0.4);
                    // About three months of deals open at the start, then what is created,
                    // won and lost.
                    let (amount, count) = open.entry(rep.id.clone()).or_insert((24 * 2_400_000, 24));
                    *amount += created;
                    *count += opportunities;
                    let lost = rng.trials(*count, 0.02);
                    let average = if *count > 0 { *amount / *count } else { 0 };
                    *amount = (*amount - revenue - lost * average).max(0);
                    *count = (*count - won - lost).max(0);
                    states.extend([("open_pipeline", *amount), ("open_opportunities", *count)]);
                    counts.extend([
                        ("calls", rng.around(30.0 * level, 0.3)),
                        ("emails", rng.around(25.0 * level, 0.3)),
                        ("meetings_held", held),
                        ("meetings_converted", opportunities),
                        ("opportunities_created", opportunities),
                        ("opportunities_advanced", rng.trials(opportunities * 3, 0.55)),
                        ("pipeline_amount", created),
                        ("deals_won", won),
                        ("revenue_won", revenue),
                        ("days_to_close", won * rng.around(45.0, 0.5)),
                    ]);
                }
                let noon = zone
                    .from_local_datetime(&day.and_hms_opt(12, 0, 0).context("noon")?)
                    .earliest()
                    .context("local noon")?
                    .with_timezone(&Utc);
                // A state's snapshot of 0 says something (nothing open); a count of 0 does not.
                for (metric, value) in counts.into_iter().filter(|(_, v)| *v > 0).chain(states) {
                    events.push(Event {
                        source: "attain-demo".into(),
                        external_id: format!("{}/{}/{day}/{metric}", args.seed, rep.id),
                        person_id: rep.id.clone(),
                        metric_key: metric.into(),
                        occurred_at: Some(prost_types::Timestamp {
                            seconds: noon.timestamp(),
                            nanos: 0,
                        }),
                        value: Some(value),
                        ..Default::default()
                    });
                }
            }
        }
        day = day + Days::new(1);
    }
    let (mut accepted, mut duplicates) = (0, 0);
    for batch in events.chunks(2_000) {
        let response = metrics
            .ingest_events(api::authorized(IngestEventsRequest { events: batch.to_vec() }, key)?)
            .await
            .context("ingesting demo events")?
            .into_inner();
        anyhow::ensure!(
            response.rejected_count == 0,
            "demo events were rejected: {:?}",
            response.results.iter().find(|r| !r.violations.is_empty())
        );
        accepted += response.accepted_count;
        duplicates += response.duplicate_count;
    }
    println!(
        "demo org: 3 teams, {} reps (1 new hire ramping), 3 managers",
        reps.len()
    );
    println!(
        "activity {first_day} to {}: {accepted} events accepted, {duplicates} already there",
        today - Days::new(1)
    );

    let setup = Scorecards {
        client: ScorecardServiceClient::new(api::channel(&args.org_url)?),
        key,
        currency: &tenant.currency_code,
    };
    setup
        .run(&sdr_team, &ae_team, &reps, vacation, first_day, today)
        .await?;
    incentives::seed(&args.org_url, key, first_day).await?;
    coaching::seed(&args.org_url, &args.coaching_url, key, today - Days::new(56)).await?;
    hiring::seed(&args.org_url, &args.hiring_url, key).await
}

/// The scorecard side of the demo, through the public ScorecardService.
struct Scorecards<'a> {
    client: ScorecardServiceClient<Channel>,
    key: &'a str,
    currency: &'a str,
}

impl Scorecards<'_> {
    async fn run(
        mut self,
        sdr_team: &str,
        ae_team: &str,
        reps: &[Rep],
        vacation: (NaiveDate, NaiveDate),
        first_day: NaiveDate,
        today: NaiveDate,
    ) -> anyhow::Result<()> {
        for (key, team) in [("sdr", sdr_team), ("ae", ae_team)] {
            let template_id = self.template(key).await?;
            let request = AssignTemplateRequest {
                subject: Some(assign_template_request::Subject::TeamId(team.into())),
                template_id,
            };
            self.client
                .assign_template(api::authorized(request, self.key)?)
                .await
                .with_context(|| format!("assigning the \"{key}\" template"))?;
        }
        let ramp = self.ramp().await?;

        // Every quarter the activity touches, and the one in progress. Quarters are fiscal
        // ones of the tenant, so the service resolves them from a day inside each; SetQuota
        // replaces the same quarter's quota, so a day seen twice changes nothing.
        let mut days: Vec<NaiveDate> = (0..)
            .map(|i| first_day + Days::new(45 * i))
            .take_while(|d| *d < today)
            .collect();
        days.push(today);
        let mut quarters = Vec::new();
        for rep in reps.iter().filter(|r| !r.sdr) {
            for day in &days {
                let request = SetQuotaRequest {
                    quota: Some(Quota {
                        subject: Some(quota::Subject::PersonId(rep.id.clone())),
                        kind: QuotaKind::Volume as i32,
                        metric_key: "revenue_won".into(),
                        period: Some(CalendarPeriod {
                            granularity: Granularity::Quarter as i32,
                            date: date(*day),
                        }),
                        amount: AE_QUARTERLY_QUOTA,
                        ..Default::default()
                    }),
                };
                let stored = self
                    .client
                    .set_quota(api::authorized(request, self.key)?)
                    .await
                    .with_context(|| format!("setting {}'s quota", rep.name))?
                    .into_inner()
                    .quota
                    .context("quota")?;
                if !quarters.contains(&stored.range) {
                    quarters.push(stored.range);
                }
            }
        }

        let currency = self.currency;
        let rep = reps
            .iter()
            .find(|r| r.name == ON_VACATION)
            .context("the vacationing rep")?;
        let recorded = self.vacation(&rep.id, vacation, first_day, today).await?;
        println!(
            "scorecards: \"sdr\" template on SDR Team, \"ae\" on AE Team; default ramp \"{RAMP_NAME}\" {ramp}; \
             revenue quotas of {} a quarter for {} AE reps over {} quarters",
            attain_domain::money::money(AE_QUARTERLY_QUOTA as f64, currency),
            reps.iter().filter(|r| !r.sdr).count(),
            quarters.len()
        );
        println!(
            "time off: {ON_VACATION} on {VACATION} {} to {} ({})",
            vacation.0,
            vacation.1,
            if recorded { "recorded" } else { "already there" }
        );
        Ok(())
    }

    /// The id of the tenant's template with this key; every tenant starts with "sdr" and "ae".
    async fn template(&mut self, key: &str) -> anyhow::Result<String> {
        let templates = every_page(|page_token| {
            let request = api::authorized(
                ListTemplatesRequest {
                    page_size: PAGE_SIZE,
                    page_token,
                },
                self.key,
            );
            let mut client = self.client.clone();
            async move {
                let page = client
                    .list_templates(request?)
                    .await
                    .context("listing scorecard templates")?
                    .into_inner();
                Ok::<_, anyhow::Error>((page.templates, page.next_page_token))
            }
        })
        .await?;
        templates
            .into_iter()
            .find(|t| t.key == key)
            .map(|t| t.id)
            .with_context(|| format!("the tenant has no \"{key}\" scorecard template"))
    }

    /// Makes sure the demo ramp exists as the default: "created" or "already there".
    async fn ramp(&mut self) -> anyhow::Result<&'static str> {
        let ramps = every_page(|page_token| {
            let request = api::authorized(
                ListRampsRequest {
                    page_size: PAGE_SIZE,
                    page_token,
                },
                self.key,
            );
            let mut client = self.client.clone();
            async move {
                let page = client.list_ramps(request?).await.context("listing ramps")?.into_inner();
                Ok::<_, anyhow::Error>((page.ramps, page.next_page_token))
            }
        })
        .await?;
        if ramps.iter().any(|r| r.display_name == RAMP_NAME) {
            return Ok("already there");
        }
        let request = CreateRampRequest {
            ramp: Some(Ramp {
                display_name: RAMP_NAME.into(),
                steps: RAMP_STEPS.to_vec(),
                is_default: true,
                ..Default::default()
            }),
        };
        self.client
            .create_ramp(api::authorized(request, self.key)?)
            .await
            .context("creating the demo ramp")?;
        Ok("created")
    }

    /// Records the vacation unless the person already has a demo vacation in the seeded
    /// span; true when it was recorded now.
    async fn vacation(
        &mut self,
        person_id: &str,
        (start, end): (NaiveDate, NaiveDate),
        first_day: NaiveDate,
        today: NaiveDate,
    ) -> anyhow::Result<bool> {
        let range = |a: NaiveDate, b: NaiveDate| DateRange {
            start_date: date(a),
            end_date: date(b),
        };
        let request = ListTimeOffRequest {
            person_id: person_id.into(),
            period: Some(Period {
                kind: Some(period::Kind::Range(range(first_day.min(start), today.max(end)))),
            }),
        };
        let existing = self
            .client
            .list_time_off(api::authorized(request, self.key)?)
            .await
            .context("listing time off")?
            .into_inner()
            .time_off;
        if existing.iter().any(|t| t.reason == VACATION) {
            return Ok(false);
        }
        let request = CreateTimeOffRequest {
            time_off: Some(TimeOff {
                person_id: person_id.into(),
                range: Some(range(start, end)),
                reason: VACATION.into(),
                ..Default::default()
            }),
        };
        self.client
            .create_time_off(api::authorized(request, self.key)?)
            .await
            .context("recording the demo vacation")?;
        Ok(true)
    }
}

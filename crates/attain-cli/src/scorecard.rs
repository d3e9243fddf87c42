//! `attain scorecard PERSON|TEAM` and `attain kpis TEAM`: a scorecard or a manager's KPIs for a
//! period, from the scorecard service, as a table for the terminal. People and teams are named
//! by id, name, email or `system:external-id`.

pub mod earnings;
mod period;
pub mod plan;
pub mod render;

pub(crate) use period::{DayArg, PeriodArgs};

use std::io::IsTerminal;

use anyhow::{Context, bail};
use attain_proto::{
    common::v1::Date,
    metrics::v1::{ListMetricsRequest, Metric, metrics_service_client::MetricsServiceClient},
    org::v1::{
        ExternalId, FindPersonByExternalIdRequest, GetPersonRequest, GetTeamRequest, GetTenantRequest,
        ListPeopleRequest, ListTeamsRequest, Person, Team, org_service_client::OrgServiceClient,
    },
    scorecard::v1::{
        GetManagerKpisRequest, GetScorecardRequest, get_scorecard_request,
        scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_runtime::clients::{PAGE_SIZE, every_page};
use attain_server::api;
use chrono::{Datelike, NaiveDate};
use tonic::{Code, Status, transport::Channel};

#[derive(clap::Args)]
pub struct ScorecardArgs {
    /// The person or team: an id, a name or email (a unique part of one will do), or
    /// `system:id` for a person's external id (e.g. `salesforce:0055e000001AbCd`).
    subject: String,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::Args)]
pub struct KpisArgs {
    /// The team at the root of the subtree: an id or a name (a unique part of one will do).
    team: String,
    #[command(flatten)]
    period: PeriodArgs,
    /// The quota metric; the service's default is revenue_won.
    #[arg(long)]
    quota_metric: Option<String>,
    /// The pipeline metric for coverage; the service's default is open_pipeline (what is still
    /// open), pipeline_amount gives pipeline created.
    #[arg(long)]
    pipeline_metric: Option<String>,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::Args)]
pub(crate) struct Connection {
    /// API key (or JWT) of the caller; a manager sees their team subtree, a rep themself.
    #[arg(long, env = "ATTAIN_API_KEY", hide_env_values = true)]
    pub(crate) api_key: String,
    /// The scorecard service.
    #[arg(long, env = "ATTAIN_ORG_URL", default_value = "http://127.0.0.1:50052")]
    pub(crate) org_url: String,
    /// The metrics service (for metric units: money, durations, ratios).
    #[arg(long, env = "ATTAIN_METRICS_URL", default_value = "http://127.0.0.1:50051")]
    metrics_url: String,
}

pub(crate) fn proto_date(d: NaiveDate) -> Date {
    Date {
        year: d.year(),
        month: d.month() as i32,
        day: d.day() as i32,
    }
}

/// A failed call as one line: what we were doing, the service's message and the code.
fn rpc_error(what: &str, url: &str, status: Status) -> anyhow::Error {
    match status.code() {
        Code::Unavailable => anyhow::anyhow!("{what}: cannot reach the service at {url} ({})", status.message()),
        Code::Unimplemented => anyhow::anyhow!(
            "{what}: the service at {url} does not offer this call; is it a scorecard server of this version?"
        ),
        Code::Unauthenticated => anyhow::anyhow!("{what}: {} (check ATTAIN_API_KEY)", status.message()),
        code => anyhow::anyhow!("{what}: {} ({code:?})", status.message()),
    }
}

pub(crate) struct Clients {
    org: OrgServiceClient<Channel>,
    scorecards: ScorecardServiceClient<Channel>,
    conn: Connection,
}

impl Clients {
    pub(crate) fn new(conn: Connection) -> anyhow::Result<Clients> {
        let channel = api::channel(&conn.org_url)?;
        Ok(Clients {
            org: OrgServiceClient::new(channel.clone()),
            scorecards: ScorecardServiceClient::new(channel),
            conn,
        })
    }

    pub(crate) fn request<T>(&self, message: T) -> anyhow::Result<tonic::Request<T>> {
        api::authorized(message, &self.conn.api_key)
    }

    /// Today in the tenant's time zone, for relative days such as `--as-of today`.
    pub(crate) async fn today(&mut self) -> anyhow::Result<NaiveDate> {
        let request = self.request(attain_proto::org::v1::GetTenantRequest {})?;
        let tenant = self
            .org
            .get_tenant(request)
            .await
            .map_err(self.fail("reading the tenant's time zone"))?
            .into_inner()
            .tenant
            .context("no tenant in the answer")?;
        let zone = tenant.calendar.map(|c| c.time_zone).unwrap_or_default();
        let zone: chrono_tz::Tz = zone
            .parse()
            .map_err(|_| anyhow::anyhow!("the tenant's time zone \"{zone}\" is unknown"))?;
        Ok(chrono::Utc::now().with_timezone(&zone).date_naive())
    }

    pub(crate) fn fail(&self, what: &str) -> impl FnOnce(Status) -> anyhow::Error {
        let url = self.conn.org_url.clone();
        let what = what.to_string();
        move |status| rpc_error(&what, &url, status)
    }

    async fn people(&mut self) -> anyhow::Result<Vec<Person>> {
        every_page(|page_token| {
            let request = self.request(ListPeopleRequest {
                page_size: PAGE_SIZE,
                page_token,
                ..Default::default()
            });
            let (mut org, fail) = (self.org.clone(), self.fail("listing people"));
            async move {
                let page = org.list_people(request?).await.map_err(fail)?.into_inner();
                Ok((page.people, page.next_page_token))
            }
        })
        .await
    }

    async fn teams(&mut self) -> anyhow::Result<Vec<Team>> {
        every_page(|page_token| {
            let request = self.request(ListTeamsRequest {
                page_size: PAGE_SIZE,
                page_token,
                ..Default::default()
            });
            let (mut org, fail) = (self.org.clone(), self.fail("listing teams"));
            async move {
                let page = org.list_teams(request?).await.map_err(fail)?.into_inner();
                Ok((page.teams, page.next_page_token))
            }
        })
        .await
    }

    /// The tenant's currency code.
    async fn currency(&mut self) -> anyhow::Result<String> {
        let request = self.request(GetTenantRequest {})?;
        let tenant = self
            .org
            .get_tenant(request)
            .await
            .map_err(self.fail("reading the tenant"))?
            .into_inner()
            .tenant
            .context("the service returned no tenant")?;
        Ok(tenant.currency_code)
    }

    /// The person with this id, or `None` when there is none (or the caller may not see them).
    async fn person_by_id(&mut self, id: &str) -> anyhow::Result<Option<Person>> {
        let request = self.request(GetPersonRequest { person_id: id.into() })?;
        match self.org.get_person(request).await {
            Ok(r) => Ok(r.into_inner().person),
            Err(s) if matches!(s.code(), Code::NotFound | Code::PermissionDenied) => Ok(None),
            Err(s) => Err(self.fail("reading the person")(s)),
        }
    }

    async fn team_by_id(&mut self, id: &str) -> anyhow::Result<Option<Team>> {
        let request = self.request(GetTeamRequest { team_id: id.into() })?;
        match self.org.get_team(request).await {
            Ok(r) => Ok(r.into_inner().team),
            Err(s) if matches!(s.code(), Code::NotFound | Code::PermissionDenied) => Ok(None),
            Err(s) => Err(self.fail("reading the team")(s)),
        }
    }

    async fn person_by_external_id(&mut self, system: &str, id: &str) -> anyhow::Result<Option<Person>> {
        let request = self.request(FindPersonByExternalIdRequest {
            external_id: Some(ExternalId {
                system: system.into(),
                id: id.into(),
            }),
        })?;
        match self.org.find_person_by_external_id(request).await {
            Ok(r) => Ok(r.into_inner().person),
            Err(s)
                if matches!(
                    s.code(),
                    Code::NotFound | Code::PermissionDenied | Code::InvalidArgument
                ) =>
            {
                Ok(None)
            }
            Err(s) => Err(self.fail("finding the person by external id")(s)),
        }
    }

    /// A person or, failing that, a team named by `query`.
    pub(crate) async fn resolve(&mut self, query: &str, people_too: bool) -> anyhow::Result<Subject> {
        let query = query.trim();
        if uuid::Uuid::parse_str(query).is_ok() {
            if people_too && let Some(p) = self.person_by_id(query).await? {
                return Ok(Subject::Person(p.id, p.display_name));
            }
            if let Some(t) = self.team_by_id(query).await? {
                return Ok(Subject::Team(t.id, t.display_name));
            }
            let what = if people_too { "person or team" } else { "team" };
            bail!("no {what} with id {query} (or you may not see it)");
        }
        if people_too
            && let Some((system, id)) = query.split_once(':')
            && !system.is_empty()
            && !id.is_empty()
            && !query.contains(char::is_whitespace)
            && let Some(p) = self.person_by_external_id(system, id).await?
        {
            return Ok(Subject::Person(p.id, p.display_name));
        }
        let people = if people_too { self.people().await? } else { Vec::new() };
        let teams = self.teams().await?;
        pick(query, &people, &teams, people_too)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Subject {
    Person(String, String),
    Team(String, String),
}

impl Subject {
    fn describe(&self) -> String {
        match self {
            Subject::Person(id, name) => format!("person {name} ({id})"),
            Subject::Team(id, name) => format!("team {name} ({id})"),
        }
    }
}

/// The one person or team `query` names, case-insensitively: an exact name or email (people
/// first, then teams), else a name with a word starting with it ("ana" for Ana Lopez), else a
/// name containing it. Several matches at the first level that has any are an error that lists
/// them.
fn pick(query: &str, people: &[Person], teams: &[Team], people_too: bool) -> anyhow::Result<Subject> {
    let q = query.to_lowercase();
    let candidates: Vec<(Subject, String, String)> = people
        .iter()
        .map(|p| {
            let s = Subject::Person(p.id.clone(), p.display_name.clone());
            (s, p.display_name.to_lowercase(), p.email.to_lowercase())
        })
        .chain(teams.iter().map(|t| {
            let s = Subject::Team(t.id.clone(), t.display_name.clone());
            (s, t.display_name.to_lowercase(), String::new())
        }))
        .collect();
    // How well a candidate matches: 0 is best, None is no match.
    let level = |s: &Subject, name: &str, email: &str| match s {
        Subject::Person(..) if name == q || email == q => Some(0),
        Subject::Team(..) if name == q => Some(1),
        _ if name.starts_with(&q) || name.contains(&format!(" {q}")) => Some(2),
        _ if name.contains(&q) => Some(3),
        _ => None,
    };
    let levels: Vec<Option<u8>> = candidates
        .iter()
        .map(|(s, name, email)| level(s, name, email))
        .collect();
    let best = levels.iter().flatten().min();
    let matches: Vec<Subject> = candidates
        .iter()
        .zip(&levels)
        .filter(|(_, l)| l.is_some() && l.as_ref() == best)
        .map(|((s, ..), _)| s.clone())
        .collect();
    match matches.as_slice() {
        [] => {
            if people_too {
                bail!("no person or team matches \"{query}\"; give an id, a name or an email")
            }
            bail!("no team matches \"{query}\"; give an id or a name")
        }
        [one] => Ok(one.clone()),
        many => bail!(
            "\"{query}\" is ambiguous; it matches:\n{}\ngive the id or the full name",
            many.iter()
                .map(|s| format!("  {}", s.describe()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Units and names from the metric catalog, and the tenant's currency. Best effort: without
/// them, values are shown as plain numbers, with a note on stderr.
async fn catalog(clients: &mut Clients) -> render::Catalog {
    let tenant = match clients.request(GetTenantRequest {}) {
        Ok(request) => clients.org.get_tenant(request).await.ok(),
        Err(_) => None,
    };
    let currency = tenant
        .and_then(|r| r.into_inner().tenant)
        .map(|t| t.currency_code)
        .unwrap_or_default();
    let metrics = list_metrics(&clients.conn).await.unwrap_or_else(|e| {
        eprintln!("note: amounts shown as plain numbers: {e:#}");
        Vec::new()
    });
    render::Catalog::new(&metrics, &currency)
}

async fn list_metrics(conn: &Connection) -> anyhow::Result<Vec<Metric>> {
    let client = MetricsServiceClient::new(api::channel(&conn.metrics_url)?);
    every_page(|page_token| {
        let request = api::authorized(
            ListMetricsRequest {
                page_size: PAGE_SIZE,
                page_token,
                include_retired: true,
            },
            &conn.api_key,
        );
        let mut client = client.clone();
        async move {
            let page = client
                .list_metrics(request?)
                .await
                .map_err(|s| rpc_error("reading the metric catalog", &conn.metrics_url, s))?
                .into_inner();
            Ok((page.metrics, page.next_page_token))
        }
    })
    .await
}

/// A metric value in the metric's unit; "–" when it has none.
fn kpi_value(catalog: &render::Catalog, key: &str, value: Option<&attain_proto::metrics::v1::MetricValue>) -> String {
    use attain_proto::metrics::v1::metric_value::Value;
    match value.and_then(|v| v.value.as_ref()) {
        Some(Value::Total(t)) => catalog.format(key, *t as f64, false),
        Some(Value::Ratio(r)) => catalog.format(key, *r, true),
        None => "–".into(),
    }
}

fn color() -> bool {
    render::color_enabled(std::io::stdout().is_terminal(), std::env::var_os("NO_COLOR").as_deref())
}

pub async fn scorecard(args: ScorecardArgs) -> anyhow::Result<()> {
    let mut clients = Clients::new(args.conn)?;
    let when = args.period.resolve(&mut clients).await?;
    let (period, as_of) = (when.period(), when.as_of.map(proto_date));
    let subject = match clients.resolve(&args.subject, true).await? {
        Subject::Person(id, _) => get_scorecard_request::Subject::PersonId(id),
        Subject::Team(id, _) => get_scorecard_request::Subject::TeamId(id),
    };
    let request = clients.request(GetScorecardRequest {
        subject: Some(subject),
        period: Some(period),
        as_of,
    })?;
    let scorecard = clients
        .scorecards
        .get_scorecard(request)
        .await
        .map_err(clients.fail("computing the scorecard"))?
        .into_inner()
        .scorecard
        .context("the service returned no scorecard")?;
    let catalog = catalog(&mut clients).await;
    print!("{}", render::scorecard(&scorecard, &catalog, color()));
    Ok(())
}

pub async fn kpis(args: KpisArgs) -> anyhow::Result<()> {
    let mut clients = Clients::new(args.conn)?;
    let when = args.period.resolve(&mut clients).await?;
    let (period, as_of) = (when.period(), when.as_of.map(proto_date));
    let (team_id, team_name) = match clients.resolve(&args.team, false).await? {
        Subject::Team(id, name) => (id, name),
        Subject::Person(..) => bail!("\"{}\" is a person; kpis needs a team", args.team),
    };
    let request = clients.request(GetManagerKpisRequest {
        team_id,
        period: Some(period),
        as_of,
        quota_metric_key: args.quota_metric.unwrap_or_default(),
        pipeline_metric_key: args.pipeline_metric.unwrap_or_default(),
    })?;
    let kpis = clients
        .scorecards
        .get_manager_kpis(request)
        .await
        .map_err(clients.fail("computing the manager KPIs"))?
        .into_inner()
        .kpis
        .context("the service returned no KPIs")?;
    let catalog = catalog(&mut clients).await;
    print!("{}", render::kpis(&kpis, &team_name, &catalog));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, name: &str) -> Person {
        Person {
            id: id.into(),
            display_name: name.into(),
            email: format!("{}@demo.example", name.to_lowercase().replace(' ', ".")),
            ..Default::default()
        }
    }

    fn team(id: &str, name: &str) -> Team {
        Team {
            id: id.into(),
            display_name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn exact_names_and_emails_win_over_parts_and_people_over_teams() {
        let people = [person("1", "Ana Lopez"), person("2", "Anabel Sato")];
        let teams = [team("t", "Ana Lopez"), team("u", "SDR Team")];
        assert_eq!(
            pick("ana lopez", &people, &teams, true).ok(),
            Some(Subject::Person("1".into(), "Ana Lopez".into()))
        );
        assert_eq!(
            pick("anabel.sato@demo.example", &people, &teams, true).ok(),
            Some(Subject::Person("2".into(), "Anabel Sato".into()))
        );
        assert_eq!(
            pick("sat", &people, &teams, true).ok(),
            Some(Subject::Person("2".into(), "Anabel Sato".into()))
        );
        assert_eq!(
            pick("sdr", &people, &teams, true).ok(),
            Some(Subject::Team("u".into(), "SDR Team".into()))
        );
    }

    #[test]
    fn an_ambiguous_name_lists_every_match() {
        let people = [person("1", "Ana Lopez"), person("2", "Anabel Sato")];
        let err = pick("ana", &people, &[], true).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("ambiguous"), "{err}");
        assert!(
            err.contains("Ana Lopez (1)") && err.contains("Anabel Sato (2)"),
            "{err}"
        );
    }

    #[test]
    fn no_match_says_so() {
        let err = pick("nobody", &[person("1", "Ana Lopez")], &[], true)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no person or team matches \"nobody\""), "{err}");
    }

    #[test]
    fn dates_must_be_iso() {
        assert_eq!(
            DayArg::parse("2026-11-23"),
            Ok(DayArg::On(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()))
        );
        assert!(DayArg::parse("23/11/2026").unwrap_err().contains("YYYY-MM-DD"));
    }
}

//! `attain webhooks list|create|test|deliveries`: the tenant's webhook subscriptions, a test
//! event to one of them, and what was delivered (or dead-lettered) and why. Admin API keys only.

use std::time::Duration;

use anyhow::{Context, bail};
use attain_proto::webhooks::v1::{
    CreateSubscriptionRequest, Delivery, DeliveryState, Format, ListDeliveriesRequest, ListSubscriptionsRequest,
    QuietRules, Subscription, TestWebhookRequest, webhook_service_client::WebhookServiceClient,
};
use attain_runtime::clients::{PAGE_SIZE, every_page};
use attain_server::api;
use tonic::transport::Channel;

use crate::scorecard::{Clients, Connection, Subject};

#[derive(clap::Subcommand)]
pub enum WebhooksCommand {
    /// The tenant's subscriptions: where milestones are sent, in which format, with which rules.
    List(ListArgs),
    /// Subscribe a URL (Slack, Teams or your own system) to milestone events; prints the signing
    /// secret once.
    Create(CreateArgs),
    /// Send a "webhook.test" event to one subscription now; with --wait, wait for the outcome.
    Test(TestArgs),
    /// Deliveries, newest first, with their state, attempts and last error.
    Deliveries(DeliveriesArgs),
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum FormatArg {
    /// A CloudEvents-style JSON envelope, for systems of your own.
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Microsoft Teams message with an Adaptive Card.
    Teams,
}

#[derive(clap::Args)]
pub struct CreateArgs {
    /// Name shown to people, e.g. "#sales-wins".
    #[arg(long)]
    name: String,
    /// The http(s) URL deliveries are POSTed to.
    #[arg(long)]
    url: String,
    /// Event types, comma-separated, e.g. milestone.quota_attained,milestone.streak.
    #[arg(long, value_delimiter = ',', required = true)]
    events: Vec<String>,
    /// Body format.
    #[arg(long, value_enum, default_value = "json")]
    format: FormatArg,
    /// Only milestones of people in this team's subtree (team id or name).
    #[arg(long)]
    team: Option<String>,
    /// Most deliveries an hour; more are held for the next hour (0: no cap).
    #[arg(long, default_value_t = 0)]
    hourly_cap: i32,
    /// Combine events within this window into one delivery, e.g. 15m (0s: no digest).
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    digest: Duration,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// The subscription (id or name).
    subscription: String,
    /// Wait up to this long for the delivery to succeed or be dead-lettered, e.g. 30s.
    #[arg(long, value_parser = humantime::parse_duration)]
    wait: Option<Duration>,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum StateArg {
    Pending,
    Delivered,
    Dead,
}

#[derive(clap::Args)]
pub struct DeliveriesArgs {
    /// Only this subscription's deliveries (id or name).
    subscription: Option<String>,
    /// Only deliveries in this state.
    #[arg(long, value_enum)]
    state: Option<StateArg>,
    /// Most deliveries to show.
    #[arg(long, default_value_t = 50)]
    limit: i32,
    #[command(flatten)]
    conn: Connection,
}

pub async fn run(cmd: WebhooksCommand) -> anyhow::Result<()> {
    match cmd {
        WebhooksCommand::List(args) => list(args).await,
        WebhooksCommand::Create(args) => create(args).await,
        WebhooksCommand::Test(args) => test(args).await,
        WebhooksCommand::Deliveries(args) => deliveries(args).await,
    }
}

struct Hooks {
    client: WebhookServiceClient<Channel>,
    clients: Clients,
}

impl Hooks {
    fn new(conn: Connection) -> anyhow::Result<Hooks> {
        let client = WebhookServiceClient::new(api::channel(&conn.org_url)?);
        Ok(Hooks {
            client,
            clients: Clients::new(conn)?,
        })
    }

    async fn subscriptions(&mut self) -> anyhow::Result<Vec<Subscription>> {
        every_page(|page_token| {
            let request = self.clients.request(ListSubscriptionsRequest {
                page_size: PAGE_SIZE,
                page_token,
            });
            let (mut client, fail) = (self.client.clone(), self.clients.fail("listing webhook subscriptions"));
            async move {
                let page = client.list_subscriptions(request?).await.map_err(fail)?.into_inner();
                Ok((page.subscriptions, page.next_page_token))
            }
        })
        .await
    }

    /// A subscription's id from its id or name.
    async fn find(&mut self, query: &str) -> anyhow::Result<String> {
        if uuid::Uuid::parse_str(query).is_ok() {
            return Ok(query.to_string());
        }
        let matches: Vec<_> = self
            .subscriptions()
            .await?
            .into_iter()
            .filter(|s| s.display_name.eq_ignore_ascii_case(query))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => bail!("no webhook subscription named \"{query}\" (see `attain webhooks list`)"),
            _ => bail!("several webhook subscriptions are named \"{query}\"; give its id"),
        }
    }
}

fn format_name(format: i32) -> &'static str {
    match Format::try_from(format) {
        Ok(Format::Slack) => "slack",
        Ok(Format::Teams) => "teams",
        _ => "json",
    }
}

fn state_name(state: i32) -> &'static str {
    match DeliveryState::try_from(state) {
        Ok(DeliveryState::Delivered) => "delivered",
        Ok(DeliveryState::DeadLetter) => "dead letter",
        _ => "pending",
    }
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    let mut hooks = Hooks::new(args.conn)?;
    let subs = hooks.subscriptions().await?;
    if subs.is_empty() {
        println!("No webhook subscriptions. Add one with `attain webhooks create`.");
    }
    for s in subs {
        let rules = s.quiet_rules.unwrap_or_default();
        println!(
            "{} \"{}\" ({}) → {}",
            s.id,
            s.display_name,
            format_name(s.format),
            s.url
        );
        println!("    events: {}", s.event_types.join(", "));
        if !s.team_id.is_empty() {
            println!("    team: {}", s.team_id);
        }
        if rules.hourly_cap > 0 || rules.digest_window_seconds > 0 {
            println!(
                "    quiet rules: at most {} an hour, digest window {}s",
                if rules.hourly_cap > 0 {
                    rules.hourly_cap.to_string()
                } else {
                    "any number".into()
                },
                rules.digest_window_seconds
            );
        }
    }
    Ok(())
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    let mut hooks = Hooks::new(args.conn)?;
    let team_id = match &args.team {
        None => String::new(),
        Some(t) => match hooks.clients.resolve(t, false).await? {
            Subject::Team(id, _) => id,
            Subject::Person(..) => bail!("--team takes a team, not a person"),
        },
    };
    let format = match args.format {
        FormatArg::Json => Format::Json,
        FormatArg::Slack => Format::Slack,
        FormatArg::Teams => Format::Teams,
    };
    let digest = i32::try_from(args.digest.as_secs()).context("--digest is too long")?;
    let request = hooks.clients.request(CreateSubscriptionRequest {
        subscription: Some(Subscription {
            display_name: args.name,
            url: args.url,
            event_types: args.events,
            team_id,
            format: format as i32,
            quiet_rules: Some(QuietRules {
                hourly_cap: args.hourly_cap,
                digest_window_seconds: digest,
            }),
            ..Default::default()
        }),
        request_id: uuid::Uuid::now_v7().to_string(),
    })?;
    let created = hooks
        .client
        .create_subscription(request)
        .await
        .map_err(hooks.clients.fail("creating the webhook subscription"))?
        .into_inner();
    let s = created.subscription.unwrap_or_default();
    println!(
        "Created webhook subscription {} \"{}\" → {}",
        s.id, s.display_name, s.url
    );
    println!("Signing secret (shown only now): {}", created.secret);
    Ok(())
}

fn describe(d: &Delivery) -> String {
    let mut line = format!(
        "{} {} {} — {}, {} attempt{}",
        d.id,
        d.event_type,
        d.events.first().map(|e| e.title.as_str()).unwrap_or_default(),
        state_name(d.state),
        d.attempts,
        if d.attempts == 1 { "" } else { "s" }
    );
    if !d.last_error.is_empty() && d.state != DeliveryState::Delivered as i32 {
        line.push_str(&format!(", last error: {}", d.last_error));
    }
    line
}

async fn test(args: TestArgs) -> anyhow::Result<()> {
    let mut hooks = Hooks::new(args.conn)?;
    let id = hooks.find(&args.subscription).await?;
    let request = hooks.clients.request(TestWebhookRequest {
        subscription_id: id.clone(),
    })?;
    let delivery = hooks
        .client
        .test_webhook(request)
        .await
        .map_err(hooks.clients.fail("sending a test event"))?
        .into_inner()
        .delivery
        .unwrap_or_default();
    let Some(wait) = args.wait else {
        println!("Queued test delivery {}", delivery.id);
        return Ok(());
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let request = hooks.clients.request(ListDeliveriesRequest {
            subscription_id: id.clone(),
            page_size: 100,
            ..Default::default()
        })?;
        let now = hooks
            .client
            .list_deliveries(request)
            .await
            .map_err(hooks.clients.fail("reading deliveries"))?
            .into_inner()
            .deliveries
            .into_iter()
            .find(|d| d.id == delivery.id);
        match now {
            Some(d) if d.state == DeliveryState::Delivered as i32 => {
                println!("{}", describe(&d));
                return Ok(());
            }
            Some(d) if d.state == DeliveryState::DeadLetter as i32 => bail!("{}", describe(&d)),
            Some(d) if tokio::time::Instant::now() >= deadline => {
                bail!(
                    "not delivered within {}: {}",
                    humantime::format_duration(wait),
                    describe(&d)
                )
            }
            None => bail!("test delivery {} is gone (was the subscription deleted?)", delivery.id),
            Some(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn deliveries(args: DeliveriesArgs) -> anyhow::Result<()> {
    let mut hooks = Hooks::new(args.conn)?;
    let subscription_id = match &args.subscription {
        Some(s) => hooks.find(s).await?,
        None => String::new(),
    };
    let state = match args.state {
        None => DeliveryState::Unspecified,
        Some(StateArg::Pending) => DeliveryState::Pending,
        Some(StateArg::Delivered) => DeliveryState::Delivered,
        Some(StateArg::Dead) => DeliveryState::DeadLetter,
    };
    let request = hooks.clients.request(ListDeliveriesRequest {
        subscription_id,
        state: state as i32,
        page_size: args.limit.clamp(1, 1000),
        ..Default::default()
    })?;
    let list = hooks
        .client
        .list_deliveries(request)
        .await
        .map_err(hooks.clients.fail("listing deliveries"))?
        .into_inner()
        .deliveries;
    if list.is_empty() {
        println!("No deliveries.");
    }
    for d in &list {
        println!("{}", describe(d));
    }
    Ok(())
}

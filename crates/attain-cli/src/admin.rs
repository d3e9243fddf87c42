//! Operator commands: tenants and API keys, run against the database as its owner.

use anyhow::Context;
use attain_domain::{calendar::Calendar, org::AccessRole};
use attain_runtime::{config::DatabaseArgs, db};
use attain_scorecard::org::admin;
use chrono::Weekday;
use uuid::Uuid;

#[derive(clap::Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and print its id.
    Create(TenantCreateArgs),
    /// List every tenant.
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// The tenant's identity providers: the token issuers its people sign in with.
    #[command(subcommand)]
    Idp(crate::identity::IdpCommand),
    /// Suspend a tenant: every service refuses its keys and tokens (PERMISSION_DENIED) until it
    /// is resumed; its data is kept.
    Suspend {
        #[arg(long)]
        tenant: Uuid,
        /// Why, kept with the suspension.
        #[arg(long, default_value = "suspended by the platform operator")]
        reason: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Resume a suspended tenant.
    Resume {
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(clap::Args)]
pub struct TenantCreateArgs {
    /// Name of the sales organisation.
    #[arg(long)]
    pub name: String,
    /// IANA time zone its days are counted in.
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
    /// First day of the week.
    #[arg(long, default_value = "monday")]
    pub first_day_of_week: Weekday,
    /// Month (1-12) the fiscal year starts in.
    #[arg(long, default_value_t = 1)]
    pub fiscal_year_start_month: i32,
    /// Working days, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "mon,tue,wed,thu,fri")]
    pub working_days: Vec<Weekday>,
    /// ISO 4217 currency of revenue figures.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(clap::Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key and print it. It is shown once: store it now.
    Create {
        /// Tenant id the key belongs to.
        #[arg(long)]
        tenant: Uuid,
        /// What the key may do: admin (whole tenant), manager (own team subtree), rep (own
        /// data), integration (ingest and read for sales-ops systems).
        #[arg(long, value_parser = parse_role)]
        role: AccessRole,
        /// The person the key acts as; required for manager and rep keys.
        #[arg(long)]
        person: Option<Uuid>,
        /// A name to recognise the key by, e.g. "salesforce-sync".
        #[arg(long, default_value = "unnamed")]
        name: String,
        /// Make the key stop working on its own after this long, e.g. 90d or 12h (at most 10
        /// years); without it the key works until revoked.
        #[arg(long, value_parser = humantime::parse_duration)]
        expires_in: Option<std::time::Duration>,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Replace a key with a new one (same name, role, person and expiry) and print the new key,
    /// shown once. The old key keeps working for --overlap, so the systems using it can switch
    /// without a failed call, and is refused by every service after that.
    Rotate {
        #[arg(long)]
        tenant: Uuid,
        /// Id of the key to replace (from `attain apikey list`).
        #[arg(long)]
        key: Uuid,
        /// How long the old key keeps working, e.g. 1h (at most 30 days); 0s ends it at once.
        #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
        overlap: std::time::Duration,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List a tenant's keys (never their secrets).
    List {
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a key: every service refuses it as soon as it hears of the change (within a second).
    Revoke {
        #[arg(long)]
        tenant: Uuid,
        /// Id of the key (from `attain apikey list`).
        #[arg(long)]
        key: Uuid,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn parse_role(text: &str) -> Result<AccessRole, String> {
    AccessRole::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| "must be admin, manager, rep or integration".to_string())
}

pub async fn tenant(cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Idp(cmd) => crate::identity::idp(cmd).await?,
        TenantCommand::Suspend { tenant, reason, db } => crate::identity::suspend(tenant, Some(&reason), &db).await?,
        TenantCommand::Resume { tenant, db } => crate::identity::suspend(tenant, None, &db).await?,
        TenantCommand::Create(args) => {
            let pool = db::connect_owner(args.db.require_url()?).await?;
            let days: Vec<_> = args.working_days.iter().copied().map(Some).collect();
            let calendar = Calendar::new(
                &args.time_zone,
                Some(args.first_day_of_week),
                args.fiscal_year_start_month,
                &days,
            )
            .map_err(|v| anyhow::anyhow!("{v}"))?;
            let t = attain_scorecard::tenants::create_tenant(&pool, &args.name, &calendar, &args.currency).await?;
            eprintln!(
                "created tenant \"{}\" ({}, {})",
                t.display_name, t.time_zone, t.currency_code
            );
            println!("{}", t.tenant_id);
        }
        TenantCommand::List { db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            println!("{:<36}  {:<24}  {:<8}  NAME", "ID", "TIME ZONE", "CURRENCY");
            for t in admin::list_tenants(&pool).await? {
                println!(
                    "{:<36}  {:<24}  {:<8}  {}",
                    t.tenant_id, t.time_zone, t.currency_code, t.display_name
                );
            }
        }
    }
    Ok(())
}

pub async fn api_key(cmd: ApiKeyCommand) -> anyhow::Result<()> {
    match cmd {
        ApiKeyCommand::Create {
            tenant,
            role,
            person,
            name,
            expires_in,
            db,
        } => {
            let expires_at = match expires_in {
                None => None,
                Some(d) => Some(
                    chrono::Duration::from_std(d)
                        .ok()
                        .filter(|d| *d <= chrono::Duration::days(3653))
                        .map(|d| chrono::Utc::now() + d)
                        .ok_or_else(|| anyhow::anyhow!("--expires-in must be at most 10 years"))?,
                ),
            };
            let pool = db::connect_owner(db.require_url()?).await?;
            let (key_id, text) = admin::create_api_key_until(&pool, tenant, role, person, &name, expires_at)
                .await
                .context("creating the API key")?;
            let until = expires_at.map_or("until revoked".to_string(), |at| {
                format!("until {}", at.format("%Y-%m-%d %H:%M UTC"))
            });
            eprintln!("created {role} key {key_id} \"{name}\", valid {until}; it is shown once, store it now:");
            println!("{text}");
        }
        ApiKeyCommand::Rotate {
            tenant,
            key,
            overlap,
            db,
        } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            let rotated = admin::rotate_api_key(&pool, tenant, key, overlap).await?;
            if overlap.is_zero() {
                eprintln!(
                    "rotated key {key} to {}; the old key is revoked: every service refuses it within a second",
                    rotated.key_id
                );
            } else {
                eprintln!(
                    "rotated key {key} to {}; the old key works until {}, then every service refuses it",
                    rotated.key_id,
                    rotated.old_ends_at.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
            eprintln!("the new key is shown once, store it now:");
            println!("{}", rotated.text);
        }
        ApiKeyCommand::List { tenant, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            println!(
                "{:<36}  {:<11}  {:<36}  {:<8}  {:<16}  NAME",
                "KEY ID", "ROLE", "PERSON", "STATUS", "EXPIRES (UTC)"
            );
            for k in admin::list_api_keys(&pool, tenant).await? {
                let person = k.person_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
                let status = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
                    "expired"
                } else if k.person_left {
                    "left"
                } else {
                    "active"
                };
                let expires = k
                    .expires_at
                    .map_or("-".to_string(), |at| at.format("%Y-%m-%d %H:%M").to_string());
                println!(
                    "{:<36}  {:<11}  {:<36}  {:<8}  {:<16}  {}",
                    k.key_id, k.role, person, status, expires, k.name
                );
            }
        }
        ApiKeyCommand::Revoke { tenant, key, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            admin::revoke_api_key(&pool, tenant, key).await?;
            eprintln!("revoked key {key}: every service refuses it as soon as it hears the change (within a second)");
        }
    }
    Ok(())
}

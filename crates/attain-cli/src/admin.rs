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
    /// Revoke a key: calls with it fail from now on.
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
            let t = admin::create_tenant(&pool, &args.name, &calendar, &args.currency).await?;
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
            db,
        } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            let (key_id, text) = admin::create_api_key(&pool, tenant, role, person, &name)
                .await
                .context("creating the API key")?;
            eprintln!("created {role} key {key_id} \"{name}\"; it is shown once, store it now:");
            println!("{text}");
        }
        ApiKeyCommand::List { tenant, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            println!(
                "{:<36}  {:<11}  {:<36}  {:<8}  NAME",
                "KEY ID", "ROLE", "PERSON", "STATUS"
            );
            for k in admin::list_api_keys(&pool, tenant).await? {
                let person = k.person_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
                let status = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{:<36}  {:<11}  {:<36}  {:<8}  {}",
                    k.key_id, k.role, person, status, k.name
                );
            }
        }
        ApiKeyCommand::Revoke { tenant, key, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            admin::revoke_api_key(&pool, tenant, key).await?;
            eprintln!("revoked key {key}");
        }
    }
    Ok(())
}

//! Operator commands for sign-in and the platform: a tenant's identity providers
//! (`attain tenant idp …`), suspending a tenant, and platform-operator keys
//! (`attain operator key …`). Like the other operator commands they run against the database as
//! its owner; the operator API (`attain.operator.v1.OperatorService`) does the same over gRPC, and
//! both go through the same checks.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use attain_domain::org::AccessRole;
use attain_idp::KeySource;
use attain_runtime::{config::DatabaseArgs, db};
use attain_scorecard::org::{
    identity::{IdentityProvider, IdentityProviders, PersonMatch},
    operator,
};
use uuid::Uuid;

#[derive(clap::Subcommand)]
pub enum IdpCommand {
    /// Register a trusted token issuer for a tenant. Its keys are fetched (or parsed) now, so an
    /// unreachable JWKS URL or a malformed key is refused with the setting named.
    Add(Box<IdpAddArgs>),
    /// List a tenant's issuers.
    List {
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Remove an issuer: its tokens are refused by every service from then on.
    Remove {
        #[arg(long)]
        tenant: Uuid,
        /// The issuer, exactly as registered.
        #[arg(long)]
        issuer: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(clap::Args)]
pub struct IdpAddArgs {
    /// The tenant whose people sign in with this issuer's tokens.
    #[arg(long)]
    pub tenant: Uuid,
    /// The issuer exactly as tokens carry it in `iss`, e.g. https://login.example.com/acme.
    #[arg(long)]
    pub issuer: String,
    /// An accepted audience (`aud`); repeat for more.
    #[arg(long = "audience", required = true)]
    pub audiences: Vec<String>,
    /// Where the issuer publishes its keys (JWKS).
    #[arg(long, conflicts_with = "keys_file", required_unless_present = "keys_file")]
    pub jwks_url: Option<String>,
    /// A file with the keys themselves: a JWKS document, one JWK, or PEM public keys.
    #[arg(long)]
    pub keys_file: Option<PathBuf>,
    /// The claim that names the person.
    #[arg(long, default_value = "email")]
    pub person_claim: String,
    /// How that claim is matched to the directory: email, external-id or person-id.
    #[arg(long, default_value = "email", value_parser = parse_match)]
    pub person_match: PersonMatch,
    /// The system of the external ids, with --person-match external-id.
    #[arg(long, default_value = "")]
    pub external_system: String,
    /// The claim holding the values --role-map matches (a string or an array), e.g. groups.
    #[arg(long, default_value = "")]
    pub role_claim: String,
    /// VALUE=ROLE: a token whose role claim carries VALUE gets ROLE (admin, manager, rep,
    /// integration); repeat, the first match wins.
    #[arg(long = "role-map", value_parser = parse_mapping)]
    pub role_map: Vec<(String, AccessRole)>,
    /// The role of tokens that match no mapping; without it they are refused.
    #[arg(long, value_parser = parse_role)]
    pub default_role: Option<AccessRole>,
    /// Clock skew allowed on exp, nbf and iat (at most 30s).
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub leeway: Duration,
    /// Longest token lifetime accepted (exp - iat), at most 24h.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub max_lifetime: Duration,
    #[command(flatten)]
    pub db: DatabaseArgs,
}

#[derive(clap::Subcommand)]
pub enum OperatorCommand {
    /// Platform-operator keys: they belong to no tenant and work only on the operator API.
    #[command(subcommand)]
    Key(OperatorKeyCommand),
}

#[derive(clap::Subcommand)]
pub enum OperatorKeyCommand {
    /// Create a platform-operator key and print it (shown once).
    Create {
        /// A name to recognise the key by, e.g. "control-plane".
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a platform-operator key.
    Revoke {
        #[arg(long)]
        key: Uuid,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn parse_role(text: &str) -> Result<AccessRole, String> {
    AccessRole::parse(&text.to_ascii_lowercase()).ok_or_else(|| "must be admin, manager, rep or integration".into())
}

fn parse_match(text: &str) -> Result<PersonMatch, String> {
    PersonMatch::parse(&text.replace('-', "_")).ok_or_else(|| "must be email, external-id or person-id".into())
}

fn parse_mapping(text: &str) -> Result<(String, AccessRole), String> {
    let (value, role) = text
        .rsplit_once('=')
        .ok_or("must be VALUE=ROLE, e.g. sales-managers=manager")?;
    Ok((value.to_string(), parse_role(role)?))
}

/// Seconds as the store keeps them; out-of-range values are left for its check to name.
fn seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}

pub async fn idp(cmd: IdpCommand) -> anyhow::Result<()> {
    match cmd {
        IdpCommand::Add(args) => {
            let args = *args;
            let keys = match (args.jwks_url, args.keys_file) {
                (Some(url), _) => KeySource::JwksUrl(url),
                (None, Some(file)) => KeySource::Inline(
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("--keys-file: cannot read {}", file.display()))?,
                ),
                (None, None) => anyhow::bail!("pass --jwks-url or --keys-file"),
            };
            let pool = db::connect_owner(args.db.require_url()?).await?;
            let idp = IdentityProvider {
                tenant_id: args.tenant,
                issuer: args.issuer,
                audiences: args.audiences,
                keys,
                person_claim: args.person_claim,
                person_match: args.person_match,
                external_system: args.external_system,
                role_claim: args.role_claim,
                role_map: args.role_map,
                default_role: args.default_role,
                leeway_seconds: seconds(args.leeway),
                max_lifetime_seconds: seconds(args.max_lifetime),
                created_at: chrono::Utc::now(),
            };
            let stored = IdentityProviders::new(pool).add(&idp).await?;
            eprintln!(
                "registered issuer {} for tenant {}: its tokens act in this tenant only",
                stored.issuer, stored.tenant_id
            );
        }
        IdpCommand::List { tenant, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            println!("{:<48}  {:<24}  {:<16}  KEYS", "ISSUER", "AUDIENCES", "PERSON");
            for idp in IdentityProviders::new(pool).list(tenant).await? {
                let keys = match &idp.keys {
                    KeySource::JwksUrl(url) => url.clone(),
                    KeySource::Inline(_) => "inline".into(),
                };
                println!(
                    "{:<48}  {:<24}  {:<16}  {keys}",
                    idp.issuer,
                    idp.audiences.join(","),
                    format!("{}~{}", idp.person_claim, idp.person_match.as_str())
                );
            }
        }
        IdpCommand::Remove { tenant, issuer, db } => {
            let pool = db::connect_owner(db.require_url()?).await?;
            IdentityProviders::new(pool).remove(tenant, &issuer).await?;
            eprintln!("removed issuer {issuer}: every service refuses its tokens as soon as it hears the change");
        }
    }
    Ok(())
}

/// `attain tenant suspend|resume`.
pub async fn suspend(tenant: Uuid, reason: Option<&str>, db: &DatabaseArgs) -> anyhow::Result<()> {
    let pool = db::connect_owner(db.require_url()?).await?;
    let t = operator::set_suspended(&pool, tenant, reason).await?;
    match t.suspended_at {
        Some(at) => eprintln!(
            "suspended tenant {} \"{}\" since {}: every service refuses its credentials",
            t.tenant.tenant_id,
            t.tenant.display_name,
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => eprintln!(
            "resumed tenant {} \"{}\": its credentials work again",
            t.tenant.tenant_id, t.tenant.display_name
        ),
    }
    Ok(())
}

pub async fn operator(cmd: OperatorCommand) -> anyhow::Result<()> {
    match cmd {
        OperatorCommand::Key(OperatorKeyCommand::Create { name, db }) => {
            let pool = db::connect_owner(db.require_url()?).await?;
            let (key_id, text) = operator::create_operator_key(&pool, &name).await?;
            eprintln!("created platform-operator key {key_id} \"{name}\"; it is shown once, store it now:");
            println!("{text}");
        }
        OperatorCommand::Key(OperatorKeyCommand::Revoke { key, db }) => {
            let pool = db::connect_owner(db.require_url()?).await?;
            operator::revoke_operator_key(&pool, key).await?;
            eprintln!("revoked platform-operator key {key}");
        }
    }
    Ok(())
}

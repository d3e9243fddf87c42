//! `attain dev`'s own identity provider, so a newcomer can sign in with tokens as an org's
//! people would: an EC P-256 key kept in the data directory, registered (public half, inline)
//! as the dev tenant's issuer, and `attain dev-token`, which signs tokens with it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use attain_domain::org::AccessRole;
use attain_idp::KeySource;
use attain_scorecard::org::identity::{IdentityProvider, IdentityProviders, PersonMatch};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sqlx::PgPool;
use uuid::Uuid;

/// The dev issuer (loopback http is accepted for issuers on this machine only).
pub const ISSUER: &str = "http://127.0.0.1/attain-dev";
/// The audience dev tokens carry.
pub const AUDIENCE: &str = "attain-dev";
const KEY_FILE: &str = "dev-idp.key.pem";
const KID: &str = "attain-dev-1";

/// The dev signing key: made once and kept with the dev data.
fn signing_key(dir: &Path) -> anyhow::Result<rcgen::KeyPair> {
    let path = dir.join(KEY_FILE);
    if let Ok(pem) = std::fs::read_to_string(&path)
        && let Ok(pair) = rcgen::KeyPair::from_pem(&pem)
    {
        return Ok(pair);
    }
    std::fs::create_dir_all(dir)?;
    let pair = rcgen::KeyPair::generate().context("making the dev issuer's key")?;
    std::fs::write(&path, pair.serialize_pem()).with_context(|| format!("writing {}", path.display()))?;
    Ok(pair)
}

fn jwks(pair: &rcgen::KeyPair) -> anyhow::Result<String> {
    let raw = pair.public_key_raw();
    let point = raw.get(1..65).context("the dev key is not a P-256 key")?;
    let (x, y) = point.split_at(32);
    Ok(serde_json::json!({"keys": [{
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": KID,
        "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
    }]})
    .to_string())
}

/// Registers the dev issuer for `tenant` with the current dev key (again, if the key changed).
pub async fn register(owner: &PgPool, dir: &Path, tenant: Uuid) -> anyhow::Result<()> {
    let keys = jwks(&signing_key(dir)?)?;
    let idps = IdentityProviders::new(owner.clone());
    let registered = idps.list(tenant).await?;
    if let Some(found) = registered.iter().find(|i| i.issuer == ISSUER) {
        if found.keys == KeySource::Inline(keys.clone()) {
            return Ok(());
        }
        idps.remove(tenant, ISSUER).await?;
    }
    let roles = [
        AccessRole::Admin,
        AccessRole::Manager,
        AccessRole::Rep,
        AccessRole::Integration,
    ];
    idps.add(&IdentityProvider {
        tenant_id: tenant,
        issuer: ISSUER.into(),
        audiences: vec![AUDIENCE.into()],
        keys: KeySource::Inline(keys),
        person_claim: "email".into(),
        person_match: PersonMatch::Email,
        external_system: String::new(),
        role_claim: "roles".into(),
        role_map: roles.into_iter().map(|r| (r.as_str().to_string(), r)).collect(),
        default_role: None,
        leeway_seconds: 30,
        max_lifetime_seconds: 3600,
        created_at: chrono::Utc::now(),
    })
    .await?;
    Ok(())
}

#[derive(clap::Args)]
pub struct DevTokenArgs {
    /// The role the token grants: admin, manager, rep or integration.
    #[arg(long, default_value = "admin", value_parser = parse_role)]
    role: AccessRole,
    /// The email of the directory person the token acts as; required for manager and rep.
    #[arg(long)]
    email: Option<String>,
    /// How long the token lasts, at most 1h.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: std::time::Duration,
    /// `attain dev`'s data directory.
    #[arg(long, env = "ATTAIN_DEV_DIR", default_value = ".attain/dev")]
    data_dir: PathBuf,
}

fn parse_role(text: &str) -> Result<AccessRole, String> {
    AccessRole::parse(&text.to_ascii_lowercase()).ok_or_else(|| "must be admin, manager, rep or integration".into())
}

/// `attain dev-token`: prints a token from the dev issuer.
pub fn token(args: DevTokenArgs) -> anyhow::Result<()> {
    if args.role.needs_person() && args.email.is_none() {
        anyhow::bail!(
            "a {} token acts as a person: pass --email of someone in the directory",
            args.role
        );
    }
    if args.ttl > std::time::Duration::from_secs(3600) || args.ttl.is_zero() {
        anyhow::bail!("--ttl must be more than 0 and at most 1h (the dev issuer's maximum lifetime)");
    }
    let path = args.data_dir.join(KEY_FILE);
    let pem = std::fs::read_to_string(&path)
        .with_context(|| format!("no dev issuer key at {}: run `attain dev` first", path.display()))?;
    let now = chrono::Utc::now().timestamp();
    let mut claims = serde_json::json!({
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + args.ttl.as_secs() as i64,
        "sub": args.email.clone().unwrap_or_else(|| "attain-dev".into()),
        "roles": [args.role.as_str()],
    });
    if let Some(email) = args.email {
        claims["email"] = serde_json::Value::String(email);
    }
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(KID.into());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(pem.as_bytes()).context("the dev issuer key")?;
    println!("{}", jsonwebtoken::encode(&header, &claims, &key)?);
    Ok(())
}

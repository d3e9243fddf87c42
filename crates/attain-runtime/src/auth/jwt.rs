//! JWT bearer tokens from the org's identity provider. A token must be signed with a
//! configured key (HS256 secret or RS256 public key), carry the configured issuer and audience,
//! be unexpired, and name the caller in three claims: `tenant_id`, `role` and, for managers
//! and reps, `person_id`.

use anyhow::{Context, bail};
use attain_domain::org::AccessRole;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Caller;
use crate::{ApiError, config::AuthArgs};

/// The claims Attain reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwtClaims {
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    /// The tenant (UUID) the token is for.
    pub tenant_id: String,
    /// `admin`, `manager`, `rep` or `integration`.
    pub role: String,
    /// The person (UUID) the token acts as; required for `manager` and `rep`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
}

pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    rs256: Option<DecodingKey>,
    issuer: String,
    audience: String,
}

impl JwtVerifier {
    /// `None` when no JWT key is configured: then only API keys are accepted.
    pub fn from_args(args: &AuthArgs) -> anyhow::Result<Option<JwtVerifier>> {
        let hs256 = match &args.jwt_hs256_secret {
            Some(secret) if secret.len() < 32 => bail!("ATTAIN_JWT_HS256_SECRET must be at least 32 bytes"),
            Some(secret) => Some(DecodingKey::from_secret(secret.as_bytes())),
            None => None,
        };
        let rs256 = match &args.jwt_rs256_public_key_file {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("ATTAIN_JWT_RS256_PUBLIC_KEY_FILE: cannot read {}", path.display()))?;
                Some(DecodingKey::from_rsa_pem(&pem).with_context(|| {
                    format!(
                        "ATTAIN_JWT_RS256_PUBLIC_KEY_FILE: {} is not a PEM RSA public key",
                        path.display()
                    )
                })?)
            }
            None => None,
        };
        if hs256.is_none() && rs256.is_none() {
            return Ok(None);
        }
        let issuer = args.jwt_issuer.clone().filter(|s| !s.is_empty());
        let audience = args.jwt_audience.clone().filter(|s| !s.is_empty());
        let (Some(issuer), Some(audience)) = (issuer, audience) else {
            bail!("ATTAIN_JWT_ISSUER and ATTAIN_JWT_AUDIENCE are required when a JWT key is configured");
        };
        Ok(Some(JwtVerifier {
            hs256,
            rs256,
            issuer,
            audience,
        }))
    }

    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let bad = |m: &str| ApiError::Unauthenticated(format!("invalid bearer token: {m}"));
        // `alg: none` and unknown algorithms fail here: the header parser knows no such alg.
        let header = decode_header(token).map_err(|_| bad("not a signed JWT"))?;
        let key = match header.alg {
            Algorithm::HS256 => self.hs256.as_ref(),
            Algorithm::RS256 => self.rs256.as_ref(),
            _ => None,
        }
        .ok_or_else(|| bad("signed with an algorithm this server does not accept"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = decode::<JwtClaims>(token, key, &validation)
            .map_err(|e| bad(&e.to_string()))?
            .claims;
        let tenant_id = Uuid::try_parse(&claims.tenant_id).map_err(|_| bad("claim tenant_id is not a UUID"))?;
        let role = AccessRole::parse(&claims.role.to_ascii_lowercase())
            .ok_or_else(|| bad("claim role must be admin, manager, rep or integration"))?;
        let person_id = match claims.person_id.as_deref() {
            None | Some("") => None,
            Some(id) => Some(Uuid::try_parse(id).map_err(|_| bad("claim person_id is not a UUID"))?),
        };
        if role.needs_person() && person_id.is_none() {
            return Err(bad("claim person_id is required for manager and rep tokens"));
        }
        Ok(Caller {
            tenant_id,
            person_id,
            role,
        })
    }
}

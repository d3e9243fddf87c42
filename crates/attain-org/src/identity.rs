//! Per-tenant sign-in: the identity providers (token issuers) an operator registers for each
//! tenant, and the verification of their tokens. A token is routed to a tenant by its `iss`
//! alone (an issuer belongs to one tenant), verified with that issuer's keys and rules
//! (`attain_idp`), and resolved to a person of that tenant's directory; the tenant is never one
//! the token names for itself.

use std::time::Duration;

use attain_domain::{
    Violations,
    org::{AccessRole, PersonStatus},
};
use attain_idp::{IssuerConfig, KeySource, TokenError, Verifier, peek_issuer};
use attain_runtime::{ApiError, Caller, db::begin_tenant};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// How the person a token names is found in the tenant's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonMatch {
    /// The person's email, compared without case.
    Email,
    /// The person's id in another system, kept in the directory's external ids.
    ExternalId,
    /// The person's Attain id.
    PersonId,
}

impl PersonMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonMatch::Email => "email",
            PersonMatch::ExternalId => "external_id",
            PersonMatch::PersonId => "person_id",
        }
    }

    pub fn parse(text: &str) -> Option<PersonMatch> {
        match text {
            "email" => Some(PersonMatch::Email),
            "external_id" => Some(PersonMatch::ExternalId),
            "person_id" => Some(PersonMatch::PersonId),
            _ => None,
        }
    }
}

/// A registered issuer of one tenant.
#[derive(Debug, Clone)]
pub struct IdentityProvider {
    pub tenant_id: Uuid,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub keys: KeySource,
    pub person_claim: String,
    pub person_match: PersonMatch,
    pub external_system: String,
    pub role_claim: String,
    pub role_map: Vec<(String, AccessRole)>,
    pub default_role: Option<AccessRole>,
    pub leeway_seconds: i32,
    pub max_lifetime_seconds: i32,
    /// When it was registered; ignored on add.
    pub created_at: DateTime<Utc>,
}

impl IdentityProvider {
    /// The verification rules of the issuer. Leeway and lifetime are clamped to what
    /// `attain_idp` accepts; `validate` refuses values outside them when one is registered.
    pub fn config(&self) -> IssuerConfig {
        IssuerConfig {
            issuer: self.issuer.clone(),
            audiences: self.audiences.clone(),
            keys: self.keys.clone(),
            person_claim: self.person_claim.clone(),
            role_claim: self.role_claim.clone(),
            role_map: self.role_map.clone(),
            default_role: self.default_role,
            leeway: Duration::from_secs(u64::try_from(self.leeway_seconds).unwrap_or(0)),
            max_lifetime: Duration::from_secs(u64::try_from(self.max_lifetime_seconds).unwrap_or(1)),
        }
    }

    /// Every bad field at once, named as the operator API names them.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        if !(0..=30).contains(&self.leeway_seconds) {
            v.add(
                "leeway_seconds",
                "must be 0 to 30 (0 in a request means the default, 30)",
            );
        }
        if !(1..=86_400).contains(&self.max_lifetime_seconds) {
            v.add(
                "max_lifetime_seconds",
                "must be 1 to 86400 (0 in a request means the default, 3600)",
            );
        }
        if self.person_match == PersonMatch::ExternalId {
            if self.external_system.trim().is_empty() {
                v.add(
                    "external_system",
                    "is required when person_match is PERSON_MATCH_EXTERNAL_ID",
                );
            }
        } else if !self.external_system.is_empty() {
            v.add("external_system", "is used only with PERSON_MATCH_EXTERNAL_ID");
        }
        if self.external_system.len() > 100 || self.external_system.chars().any(char::is_control) {
            v.add(
                "external_system",
                "must be at most 100 characters, without control characters",
            );
        }
        // The rest is the verifier's own rule; a leeway or lifetime out of range is reported above
        // already, not twice.
        if let Err(more) = self.config().validate() {
            for violation in more.iter() {
                let reported = v.iter().any(|seen| seen.field == violation.field);
                if !reported {
                    v.add(violation.field.clone(), violation.description.clone());
                }
            }
        }
        v.into_result(())
    }
}

type Row = (
    Uuid,
    String,
    Vec<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    serde_json::Value,
    Option<String>,
    i32,
    i32,
    DateTime<Utc>,
);

const COLUMNS: &str =
    "tenant_id, issuer, audiences, jwks_url, inline_keys, person_claim, person_match, external_system,
     role_claim, role_map, default_role, leeway_seconds, max_lifetime_seconds, created_at";

fn from_row(row: Row) -> Result<IdentityProvider, ApiError> {
    let bad = |what: &str| ApiError::internal(anyhow::anyhow!("stored identity provider has a bad {what}"));
    let (tenant_id, issuer, audiences, jwks_url, inline_keys, person_claim, person_match, external_system) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    let keys = match (jwks_url, inline_keys) {
        (Some(url), None) => KeySource::JwksUrl(url),
        (None, Some(keys)) => KeySource::Inline(keys),
        _ => return Err(bad("key source")),
    };
    let pairs: Vec<(String, String)> = serde_json::from_value(row.9).map_err(|_| bad("role map"))?;
    let role_map = pairs
        .into_iter()
        .map(|(value, role)| Ok((value, AccessRole::parse(&role).ok_or_else(|| bad("role"))?)))
        .collect::<Result<_, ApiError>>()?;
    Ok(IdentityProvider {
        tenant_id,
        issuer,
        audiences,
        keys,
        person_claim,
        person_match: PersonMatch::parse(&person_match).ok_or_else(|| bad("person match"))?,
        external_system,
        role_claim: row.8,
        role_map,
        default_role: row
            .10
            .as_deref()
            .map(|r| AccessRole::parse(r).ok_or_else(|| bad("default role")))
            .transpose()?,
        leeway_seconds: row.11,
        max_lifetime_seconds: row.12,
        created_at: row.13,
    })
}

/// A verified token: who it stands for, and until when.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub caller: Caller,
    pub expires_at: DateTime<Utc>,
}

/// Why a token was not accepted.
#[derive(Debug)]
pub enum Refusal {
    /// Not acceptable; the text is safe to show the caller.
    Refused(String),
    /// Could not be checked now (the issuer's keys are unreachable and none are cached).
    Retry(String),
    /// The token is fine but its tenant is suspended.
    Suspended,
    /// The database failed.
    Failed(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Refusal::Failed(err)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Self {
        Refusal::Failed(err.into())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Refused(why) => ApiError::Unauthenticated(format!("invalid bearer token: {why}")),
            Refusal::Retry(why) => ApiError::Unavailable(format!("bearer token cannot be checked now: {why}")),
            Refusal::Suspended => ApiError::PermissionDenied(attain_runtime::auth::SUSPENDED.into()),
            Refusal::Failed(err) => err,
        }
    }
}

/// The registered issuers, and the keys fetched for them.
pub struct IdentityProviders {
    pool: PgPool,
    verifier: Verifier,
}

impl IdentityProviders {
    pub fn new(pool: PgPool) -> Self {
        Self::with_options(pool, attain_idp::FetchOptions::default())
    }

    /// With how often (and how long) issuers' keys are fetched.
    pub fn with_options(pool: PgPool, options: attain_idp::FetchOptions) -> Self {
        Self {
            pool,
            verifier: Verifier::new(options),
        }
    }

    /// Registers an issuer after checking its fields and fetching (or parsing) its keys.
    pub async fn add(&self, idp: &IdentityProvider) -> Result<IdentityProvider, ApiError> {
        idp.validate()?;
        self.verifier.check_keys(&idp.config()).await?;
        let (jwks_url, inline_keys) = match &idp.keys {
            KeySource::JwksUrl(url) => (Some(url.as_str()), None),
            KeySource::Inline(keys) => (None, Some(keys.as_str())),
        };
        let role_map: Vec<(&str, &str)> = idp.role_map.iter().map(|(v, r)| (v.as_str(), r.as_str())).collect();
        let mut tx = begin_tenant(&self.pool, idp.tenant_id).await?;
        let tenant: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.tenants WHERE tenant_id = $1)")
            .bind(idp.tenant_id)
            .fetch_one(&mut *tx)
            .await?;
        if !tenant {
            return Err(ApiError::not_found(format!("tenant {}", idp.tenant_id)));
        }
        let sql = format!(
            "INSERT INTO org.identity_providers ({COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now()) RETURNING {COLUMNS}"
        );
        let row: Result<Row, sqlx::Error> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(idp.tenant_id)
            .bind(&idp.issuer)
            .bind(&idp.audiences)
            .bind(jwks_url)
            .bind(inline_keys)
            .bind(&idp.person_claim)
            .bind(idp.person_match.as_str())
            .bind(&idp.external_system)
            .bind(&idp.role_claim)
            .bind(serde_json::json!(role_map))
            .bind(idp.default_role.map(|r| r.as_str()))
            .bind(idp.leeway_seconds)
            .bind(idp.max_lifetime_seconds)
            .fetch_one(&mut *tx)
            .await;
        let row = match row {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                // Whether this tenant or another has it: the same answer, which tells nothing
                // about other tenants beyond what the uniqueness rule itself must.
                let mut v = Violations::new();
                v.add(
                    "issuer",
                    "is already registered (to this or another tenant); an issuer's tokens act in one tenant only",
                );
                return Err(ApiError::InvalidArgument(v));
            }
            other => other?,
        };
        tx.commit().await?;
        self.verifier.forget(&idp.issuer);
        from_row(row)
    }

    pub async fn list(&self, tenant: Uuid) -> Result<Vec<IdentityProvider>, ApiError> {
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM org.tenants WHERE tenant_id = $1)")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await?;
        if !exists {
            return Err(ApiError::not_found(format!("tenant {tenant}")));
        }
        let sql = format!("SELECT {COLUMNS} FROM org.identity_providers WHERE tenant_id = $1 ORDER BY issuer");
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Removes an issuer; its tokens are refused from then on (the change is announced).
    pub async fn remove(&self, tenant: Uuid, issuer: &str) -> Result<(), ApiError> {
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let done = sqlx::query("DELETE FROM org.identity_providers WHERE tenant_id = $1 AND issuer = $2")
            .bind(tenant)
            .bind(issuer)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.verifier.forget(issuer);
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(format!(
                "identity provider {issuer:?} of tenant {tenant}"
            )));
        }
        Ok(())
    }

    /// Verifies a bearer token: routed by its issuer to that issuer's tenant, checked with its
    /// keys and rules, resolved to a person of that tenant who has not left.
    pub async fn verify(&self, token: &str) -> Result<SignedIn, Refusal> {
        let (issuer, tenant) = self.route(token).await?;
        self.verify_routed(token, &issuer, tenant).await
    }

    /// The issuer a token claims and the tenant it is registered to, before anything is
    /// verified: callers budget checks per tenant with it.
    pub async fn route(&self, token: &str) -> Result<(String, Uuid), Refusal> {
        let refused = |why: &str| Refusal::Refused(why.to_string());
        let issuer = peek_issuer(token).ok_or_else(|| refused("not a JWT with an issuer"))?;
        let mut connection = attain_runtime::reachability::acquire(&self.pool).await?;
        let tenant: Option<Uuid> = sqlx::query_scalar("SELECT org.issuer_tenant($1)")
            .bind(&issuer)
            .fetch_one(&mut *connection)
            .await?;
        let tenant = tenant.ok_or_else(|| refused("issuer not registered"))?;
        // The lines written from here while the token is checked name the tenant it claims.
        tracing::Span::current().record("tenant", tracing::field::display(tenant));
        Ok((issuer, tenant))
    }

    /// [`Self::verify`] for a token [`Self::route`] routed to `tenant`.
    pub async fn verify_routed(&self, token: &str, issuer: &str, tenant: Uuid) -> Result<SignedIn, Refusal> {
        let refused = |why: &str| Refusal::Refused(why.to_string());
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        let sql = format!("SELECT {COLUMNS} FROM org.identity_providers WHERE tenant_id = $1 AND issuer = $2");
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .bind(issuer)
            .fetch_optional(&mut *tx)
            .await?;
        // Removed between the two reads.
        let idp = from_row(row.ok_or_else(|| refused("issuer not registered"))?)?;
        let suspended: bool =
            sqlx::query_scalar("SELECT suspended_at IS NOT NULL FROM org.tenants WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await?;
        // The keys may be fetched over the network: no transaction is held open meanwhile.
        tx.commit().await?;
        let verified = match self.verifier.verify(&idp.config(), token).await {
            Ok(v) => v,
            Err(TokenError::KeysUnavailable) => {
                return Err(Refusal::Retry(TokenError::KeysUnavailable.to_string()));
            }
            Err(e) => return Err(Refusal::Refused(e.to_string())),
        };
        if suspended {
            return Err(Refusal::Suspended);
        }
        let person = match verified.person.as_deref() {
            Some(value) => Some(self.person(&idp, value).await?),
            None => None,
        };
        if verified.role.needs_person() && person.is_none() {
            return Err(Refusal::Refused(format!(
                "a {} token must name a person in claim `{}`",
                verified.role, idp.person_claim
            )));
        }
        Ok(SignedIn {
            caller: Caller {
                tenant_id: tenant,
                person_id: person,
                role: verified.role,
            },
            expires_at: verified.expires_at,
        })
    }

    /// The directory person a token's person claim names; refused when none matches or they
    /// have left.
    async fn person(&self, idp: &IdentityProvider, value: &str) -> Result<Uuid, Refusal> {
        let mut tx = begin_tenant(&self.pool, idp.tenant_id).await?;
        let found: Option<(Uuid, PersonStatus)> = match idp.person_match {
            PersonMatch::Email => {
                sqlx::query_as(
                    "SELECT person_id, status FROM org.people
                     WHERE tenant_id = $1 AND email <> '' AND lower(email) = lower($2)
                     ORDER BY status = 'left', person_id LIMIT 1",
                )
                .bind(idp.tenant_id)
                .bind(value)
                .fetch_optional(&mut *tx)
                .await?
            }
            PersonMatch::ExternalId => {
                sqlx::query_as(
                    "SELECT p.person_id, p.status FROM org.person_external_ids x
                     JOIN org.people p ON p.tenant_id = x.tenant_id AND p.person_id = x.person_id
                     WHERE x.tenant_id = $1 AND x.system = $2 AND x.external_id = $3",
                )
                .bind(idp.tenant_id)
                .bind(&idp.external_system)
                .bind(value)
                .fetch_optional(&mut *tx)
                .await?
            }
            PersonMatch::PersonId => match Uuid::try_parse(value) {
                Ok(id) => {
                    sqlx::query_as("SELECT person_id, status FROM org.people WHERE tenant_id = $1 AND person_id = $2")
                        .bind(idp.tenant_id)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                Err(_) => None,
            },
        };
        tx.commit().await?;
        match found {
            None => Err(Refusal::Refused(format!(
                "claim `{}` names no person of this org's directory",
                idp.person_claim
            ))),
            Some((_, PersonStatus::Left)) => Err(Refusal::Refused("the person has left".into())),
            Some((person, _)) => Ok(person),
        }
    }
}

impl attain_runtime::auth::TokenStore for IdentityProviders {
    fn verify_token<'a>(&'a self, token: &'a str) -> futures::future::BoxFuture<'a, Result<Caller, ApiError>> {
        Box::pin(async move { Ok(self.verify(token).await?.caller) })
    }
}

//! Minting JWTs as a tenant's identity provider would, for authentication tests. Every test
//! tenant (`TestApp::tenant`) registers its own issuer, [`issuer_for`] it, with the fixture RSA
//! public key; tokens name their person by Attain id in `attain_person` and their role in `roles`.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use attain_domain::org::AccessRole;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::Serialize;
use uuid::Uuid;

/// The audience every test issuer accepts.
pub const JWT_AUDIENCE: &str = "attain";
/// The claim test tokens name their person in (an Attain person id).
pub const PERSON_CLAIM: &str = "attain_person";
/// The claim test tokens carry their roles in.
pub const ROLE_CLAIM: &str = "roles";

/// The issuer a test tenant registers.
pub fn issuer_for(tenant: Uuid) -> String {
    format!("https://idp.attain.test/{tenant}")
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// The identity provider a test tenant registers: the fixture RSA key inline, people by Attain
/// id, roles by name.
pub fn test_identity_provider(tenant: Uuid) -> attain_scorecard::org::identity::IdentityProvider {
    use attain_scorecard::org::identity::{IdentityProvider, PersonMatch};
    let pem = std::fs::read_to_string(fixture("jwt-rs256.pub.pem")).expect("fixture public key");
    IdentityProvider {
        tenant_id: tenant,
        issuer: issuer_for(tenant),
        audiences: vec![JWT_AUDIENCE.into()],
        keys: attain_idp::KeySource::Inline(pem),
        person_claim: PERSON_CLAIM.into(),
        person_match: PersonMatch::PersonId,
        external_system: String::new(),
        role_claim: ROLE_CLAIM.into(),
        role_map: [
            AccessRole::Admin,
            AccessRole::Manager,
            AccessRole::Rep,
            AccessRole::Integration,
        ]
        .into_iter()
        .map(|r| (r.as_str().to_string(), r))
        .collect(),
        default_role: None,
        leeway_seconds: 30,
        max_lifetime_seconds: 3600,
        created_at: chrono::Utc::now(),
    }
}

/// The claims a test token carries.
#[derive(Debug, Clone, Serialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attain_person: Option<String>,
    /// A tenant the token names for itself: ignored by Attain, which acts in the issuer's tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// A token under construction: defaults to a valid one from `tenant`'s issuer.
pub struct Jwt {
    pub claims: Claims,
    pub algorithm: Algorithm,
    /// Sign with an RSA key the issuer does not publish.
    pub foreign_key: bool,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Jwt {
    pub fn new(tenant: Uuid, role: &str, person: Option<Uuid>) -> Jwt {
        let now = now();
        Jwt {
            claims: Claims {
                iss: issuer_for(tenant),
                aud: JWT_AUDIENCE.into(),
                exp: now + 600,
                iat: now,
                nbf: None,
                roles: vec![role.to_ascii_lowercase()],
                attain_person: person.map(|p| p.to_string()),
                tenant_id: None,
            },
            algorithm: Algorithm::RS256,
            foreign_key: false,
        }
    }

    pub fn sign(&self) -> String {
        let key = match self.algorithm {
            // A shared-secret token, which no Attain issuer accepts.
            Algorithm::HS256 => EncodingKey::from_secret(b"test-only-hs256-secret-of-at-least-32-bytes"),
            Algorithm::RS256 => {
                let file = if self.foreign_key {
                    "jwt-rs256-other.key.pem"
                } else {
                    "jwt-rs256.key.pem"
                };
                let pem = std::fs::read(fixture(file)).expect("fixture key");
                EncodingKey::from_rsa_pem(&pem).expect("RSA key")
            }
            other => panic!("tests sign with HS256 or RS256, not {other:?}"),
        };
        encode(&Header::new(self.algorithm), &self.claims, &key).expect("sign JWT")
    }

    /// A token whose header says `alg: none`, with no signature.
    pub fn unsigned(&self) -> String {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.claims).expect("claims"));
        format!("{header}.{claims}.")
    }
}

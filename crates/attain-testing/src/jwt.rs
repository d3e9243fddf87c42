//! Minting JWTs as an identity provider would, for authentication tests.

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use attain_runtime::auth::JwtClaims;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use uuid::Uuid;

pub const JWT_ISSUER: &str = "https://idp.attain.test";
pub const JWT_AUDIENCE: &str = "attain";
pub const JWT_SECRET: &str = "test-only-hs256-secret-of-at-least-32-bytes";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// A token under construction: defaults to a valid one for the test servers.
pub struct Jwt {
    pub claims: JwtClaims,
    pub algorithm: Algorithm,
    /// Sign RS256 with a key the server does not know.
    pub foreign_key: bool,
}

impl Jwt {
    pub fn new(tenant: Uuid, role: &str, person: Option<Uuid>) -> Jwt {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Jwt {
            claims: JwtClaims {
                iss: JWT_ISSUER.into(),
                aud: JWT_AUDIENCE.into(),
                exp: now + 600,
                tenant_id: tenant.to_string(),
                role: role.into(),
                person_id: person.map(|p| p.to_string()),
            },
            algorithm: Algorithm::HS256,
            foreign_key: false,
        }
    }

    pub fn sign(&self) -> String {
        let key = match self.algorithm {
            Algorithm::HS256 => EncodingKey::from_secret(JWT_SECRET.as_bytes()),
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

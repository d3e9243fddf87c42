//! Key pairs and token minting for the unit tests.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const RSA_PRIVATE_PEM: &str = include_str!("../testdata/rsa-test-only-private.pem");
pub const RSA_PUBLIC_PEM: &str = include_str!("../testdata/rsa-test-only-public.pem");
const RSA_N: &str = include_str!("../testdata/rsa-test-only.n");

pub struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    pub jwk: Value,
    pub private_pem: String,
    pub public_pem: String,
}

impl TestKey {
    /// A token over `claims`, with this key's kid in the header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(claims, Some(&self.kid))
    }

    pub fn sign_with_kid(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_owned);
        let key = match self.alg {
            Algorithm::ES256 => EncodingKey::from_ec_pem(self.private_pem.as_bytes()),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(self.private_pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(self.private_pem.as_bytes()),
        }
        .unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }
}

pub fn ec_p256(kid: &str) -> TestKey {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let raw = pair.public_key_raw();
    TestKey {
        kid: kid.to_owned(),
        alg: Algorithm::ES256,
        jwk: json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&raw[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&raw[33..65]),
        }),
        private_pem: pair.serialize_pem(),
        public_pem: pair.public_key_pem(),
    }
}

pub fn ed25519(kid: &str) -> TestKey {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    TestKey {
        kid: kid.to_owned(),
        alg: Algorithm::EdDSA,
        jwk: json!({
            "kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA",
            "x": URL_SAFE_NO_PAD.encode(pair.public_key_raw()),
        }),
        private_pem: pair.serialize_pem(),
        public_pem: pair.public_key_pem(),
    }
}

pub fn rsa_jwk(kid: &str) -> Value {
    json!({ "kty": "RSA", "kid": kid, "n": RSA_N.trim(), "e": "AQAB" })
}

pub fn rsa(kid: &str) -> TestKey {
    TestKey {
        kid: kid.to_owned(),
        alg: Algorithm::RS256,
        jwk: rsa_jwk(kid),
        private_pem: RSA_PRIVATE_PEM.to_owned(),
        public_pem: RSA_PUBLIC_PEM.to_owned(),
    }
}

/// A JWKS document of these keys.
pub fn jwks(keys: &[&TestKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() }).to_string()
}

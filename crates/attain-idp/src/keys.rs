//! Verification keys from a JWKS document or PEM text. Each key carries the algorithms it may
//! verify, fixed by its own type (and its JWK `alg` when given) — never by the token — so a
//! token cannot talk us into checking an RSA key as an HMAC secret or an ES256 key as ES384.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// Most keys one set may hold: real IdPs publish a handful, and a longer list only makes every
/// kid-less token cost more signature checks.
pub const MAX_KEYS: usize = 100;
/// Smallest RSA modulus accepted; shorter keys are breakable.
const MIN_RSA_BITS: usize = 2048;

const RSA_ALGS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// One usable public key.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    pub kid: Option<String>,
    pub algs: Vec<Algorithm>,
    pub key: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("algs", &self.algs)
            .finish()
    }
}

/// The usable keys of one issuer.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet {
    pub keys: Vec<VerifyKey>,
}

impl KeySet {
    /// Whether a token naming `kid` has a key to try here: one of that kid, or one published
    /// without a kid (which [`KeySet::candidates`] falls back to). When not, a refetch may find it.
    pub fn may_verify(&self, kid: &str) -> bool {
        self.keys
            .iter()
            .any(|k| k.kid.is_none() || k.kid.as_deref() == Some(kid))
    }

    /// The keys that may verify a token with this `alg` and `kid`. A token naming a kid is
    /// checked against that key only, falling back to keys published without a kid; a token
    /// without one is tried against every key of its algorithm.
    pub fn candidates(&self, alg: Algorithm, kid: Option<&str>) -> Vec<&VerifyKey> {
        let of_alg = || self.keys.iter().filter(move |k| k.algs.contains(&alg));
        match kid {
            None => of_alg().collect(),
            Some(kid) => {
                let named: Vec<_> = of_alg().filter(|k| k.kid.as_deref() == Some(kid)).collect();
                if named.is_empty() {
                    of_alg().filter(|k| k.kid.is_none()).collect()
                } else {
                    named
                }
            }
        }
    }
}

/// Why a key document is refused. The text names the problem, never the key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    #[error("is not JSON")]
    NotJson,
    #[error("is not a JWKS document (an object with a `keys` array)")]
    NotJwks,
    #[error("holds {0} keys; at most {MAX_KEYS} are accepted")]
    TooManyKeys(usize),
    #[error("holds private key material; register the public keys only")]
    PrivateKey,
    #[error("PEM block {0} is not a public key this server can use (RSA, EC P-256/P-384 or Ed25519)")]
    BadPem(usize),
    #[error("is neither a JWKS document nor PEM public keys")]
    Unrecognised,
    #[error("has no usable signing key (RSA >= 2048 bits, EC P-256/P-384 or Ed25519, `use` sig)")]
    NoUsableKey,
}

/// Parses inline key text: JSON (a JWKS or a single JWK) or PEM public keys.
pub(crate) fn parse_inline(text: &str) -> Result<KeySet, KeysError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        parse_jwks(trimmed.as_bytes())
    } else if trimmed.starts_with("-----BEGIN") {
        parse_pem(trimmed)
    } else {
        Err(KeysError::Unrecognised)
    }
}

/// Parses a JWKS document (or one JWK), skipping keys we cannot or must not use: encryption
/// keys, unknown types and algorithms, HMAC secrets and short RSA keys. Real JWKS endpoints mix
/// such keys with the signing ones, so one odd key must not make the whole set unusable.
pub(crate) fn parse_jwks(bytes: &[u8]) -> Result<KeySet, KeysError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|_| KeysError::NotJson)?;
    let entries = match &doc {
        Value::Object(o) if o.contains_key("keys") => match o.get("keys") {
            Some(Value::Array(keys)) => keys.as_slice(),
            _ => return Err(KeysError::NotJwks),
        },
        Value::Object(o) if o.contains_key("kty") => std::slice::from_ref(&doc),
        _ => return Err(KeysError::NotJwks),
    };
    if entries.len() > MAX_KEYS {
        return Err(KeysError::TooManyKeys(entries.len()));
    }
    // Private parameters mean someone published (or pasted) a private key: refuse loudly rather
    // than quietly use its public half.
    let private = ["d", "p", "q", "dp", "dq", "qi", "k"];
    if entries.iter().any(|e| private.iter().any(|p| e.get(p).is_some())) {
        return Err(KeysError::PrivateKey);
    }
    let keys: Vec<VerifyKey> = entries.iter().filter_map(jwk_key).collect();
    if keys.is_empty() {
        return Err(KeysError::NoUsableKey);
    }
    Ok(KeySet { keys })
}

fn str_field<'a>(jwk: &'a Value, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

fn b64(jwk: &Value, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(str_field(jwk, name)?).ok()
}

/// One JWK as a usable key, or `None` when it is not one.
fn jwk_key(jwk: &Value) -> Option<VerifyKey> {
    if str_field(jwk, "use").is_some_and(|u| u != "sig") {
        return None;
    }
    if let Some(ops) = jwk.get("key_ops") {
        let ops = ops.as_array()?;
        if !ops.iter().any(|op| op.as_str() == Some("verify")) {
            return None;
        }
    }
    let (algs, key) = match str_field(jwk, "kty")? {
        "RSA" => {
            let n = b64(jwk, "n")?;
            let e = b64(jwk, "e")?;
            let n_bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if n_bits < MIN_RSA_BITS || e.is_empty() {
                return None;
            }
            (RSA_ALGS.to_vec(), DecodingKey::from_rsa_raw_components(&n, &e))
        }
        "EC" => {
            let (alg, len) = match str_field(jwk, "crv")? {
                "P-256" => (Algorithm::ES256, 32),
                "P-384" => (Algorithm::ES384, 48),
                _ => return None,
            };
            let (x, y) = (b64(jwk, "x")?, b64(jwk, "y")?);
            if x.len() != len || y.len() != len {
                return None;
            }
            let point = [&[0x04][..], &x, &y].concat();
            (vec![alg], DecodingKey::from_ec_der(&point))
        }
        "OKP" => {
            let x = b64(jwk, "x")?;
            if str_field(jwk, "crv")? != "Ed25519" || x.len() != 32 {
                return None;
            }
            (vec![Algorithm::EdDSA], DecodingKey::from_ed_der(&x))
        }
        _ => return None,
    };
    let algs = match str_field(jwk, "alg") {
        None => algs,
        // The key's own `alg` narrows what it verifies; one outside its type makes it unusable.
        Some(alg) => {
            let alg: Algorithm = alg.parse().ok()?;
            if !algs.contains(&alg) {
                return None;
            }
            vec![alg]
        }
    };
    Some(VerifyKey {
        kid: str_field(jwk, "kid").map(str::to_owned),
        algs,
        key,
    })
}

/// Parses one or more PEM blocks; each must be a usable public key, since an operator pasting
/// them means every one to count.
pub(crate) fn parse_pem(text: &str) -> Result<KeySet, KeysError> {
    let blocks = pem_blocks(text);
    if blocks.is_empty() {
        return Err(KeysError::Unrecognised);
    }
    if blocks.len() > MAX_KEYS {
        return Err(KeysError::TooManyKeys(blocks.len()));
    }
    let mut keys = Vec::with_capacity(blocks.len());
    for (i, (label, block)) in blocks.into_iter().enumerate() {
        if label.contains("PRIVATE KEY") {
            return Err(KeysError::PrivateKey);
        }
        if label != "PUBLIC KEY" && label != "RSA PUBLIC KEY" {
            return Err(KeysError::BadPem(i + 1));
        }
        keys.push(pem_key(block.as_bytes()).ok_or(KeysError::BadPem(i + 1))?);
    }
    Ok(KeySet { keys })
}

/// The `-----BEGIN X-----` … `-----END X-----` blocks of `text`, with their labels.
fn pem_blocks(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else { break };
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = rest[start..].find(&end_marker) else {
            // An unterminated block is kept whole so that it is reported as a bad block.
            out.push((label, &rest[start..]));
            break;
        };
        let stop = start + end + end_marker.len();
        out.push((label, &rest[start..stop]));
        rest = &rest[stop..];
    }
    out
}

fn pem_key(block: &[u8]) -> Option<VerifyKey> {
    let (algs, key) = if let Ok(key) = DecodingKey::from_ec_pem(block) {
        // The uncompressed point's length tells the curve: 1 + 2 × 32 or 1 + 2 × 48 bytes.
        let alg = match key.try_get_as_bytes().ok()?.len() {
            65 => Algorithm::ES256,
            97 => Algorithm::ES384,
            _ => return None,
        };
        (vec![alg], key)
    } else if let Ok(key) = DecodingKey::from_ed_pem(block) {
        if key.try_get_as_bytes().ok()?.len() != 32 {
            return None;
        }
        (vec![Algorithm::EdDSA], key)
    } else if let Ok(key) = DecodingKey::from_rsa_pem(block) {
        (RSA_ALGS.to_vec(), key)
    } else {
        return None;
    };
    Some(VerifyKey { kid: None, algs, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkeys;

    #[test]
    fn jwks_keeps_signing_keys_and_skips_others() {
        let ec = testkeys::ec_p256("ec1");
        let ed = testkeys::ed25519("ed1");
        let mut enc = ec.jwk.clone();
        enc["use"] = "enc".into();
        enc["kid"] = "enc".into();
        let doc = serde_json::json!({"keys": [
            ec.jwk, ed.jwk, enc,
            {"kty": "oct", "kid": "hs", "alg": "HS256"},
            {"kty": "RSA", "kid": "short", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
            {"kty": "weird"}
        ]});
        let set = parse_jwks(doc.to_string().as_bytes()).unwrap();
        let kids: Vec<_> = set.keys.iter().map(|k| k.kid.clone().unwrap()).collect();
        assert_eq!(kids, ["ec1", "ed1"]);
        assert_eq!(set.keys[0].algs, [Algorithm::ES256]);
        assert_eq!(set.keys[1].algs, [Algorithm::EdDSA]);
    }

    #[test]
    fn jwk_alg_must_fit_the_key_type() {
        let mut jwk = testkeys::ec_p256("a").jwk;
        jwk["alg"] = "RS256".into();
        let doc = serde_json::json!({ "keys": [jwk] });
        assert_eq!(
            parse_jwks(doc.to_string().as_bytes()).unwrap_err(),
            KeysError::NoUsableKey
        );
    }

    #[test]
    fn rsa_jwk_is_usable_for_rsa_algorithms() {
        let doc = serde_json::json!({"keys": [testkeys::rsa_jwk("r1")]});
        let set = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.keys[0].algs, RSA_ALGS);
    }

    #[test]
    fn bad_documents_are_refused_with_their_reason() {
        assert_eq!(parse_jwks(b"nope").unwrap_err(), KeysError::NotJson);
        assert_eq!(parse_jwks(b"[1]").unwrap_err(), KeysError::NotJwks);
        assert_eq!(parse_jwks(br#"{"keys": 3}"#).unwrap_err(), KeysError::NotJwks);
        let many = serde_json::json!({ "keys": vec![testkeys::ec_p256("x").jwk; MAX_KEYS + 1] });
        assert_eq!(
            parse_jwks(many.to_string().as_bytes()).unwrap_err(),
            KeysError::TooManyKeys(MAX_KEYS + 1)
        );
        let mut private = testkeys::ec_p256("x").jwk;
        private["d"] = "AAAA".into();
        let doc = serde_json::json!({ "keys": [private] });
        assert_eq!(
            parse_jwks(doc.to_string().as_bytes()).unwrap_err(),
            KeysError::PrivateKey
        );
    }

    #[test]
    fn inline_accepts_a_single_jwk_and_pem_keys() {
        let ec = testkeys::ec_p256("solo");
        let set = parse_inline(&ec.jwk.to_string()).unwrap();
        assert_eq!(set.keys.len(), 1);

        let ed = testkeys::ed25519("e");
        let pem = format!("{}\n{}{}", ec.public_pem, ed.public_pem, testkeys::RSA_PUBLIC_PEM);
        let set = parse_inline(&pem).unwrap();
        let algs: Vec<_> = set.keys.iter().map(|k| k.algs[0]).collect();
        assert_eq!(algs, [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256]);
    }

    #[test]
    fn inline_pem_refuses_private_and_broken_blocks() {
        let ec = testkeys::ec_p256("p");
        assert_eq!(parse_inline(&ec.private_pem).unwrap_err(), KeysError::PrivateKey);
        let broken = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            parse_inline(&format!("{}{broken}", ec.public_pem)).unwrap_err(),
            KeysError::BadPem(2)
        );
        assert_eq!(parse_inline("hello").unwrap_err(), KeysError::Unrecognised);
    }

    #[test]
    fn candidates_follow_kid_then_kidless_keys() {
        let a = testkeys::ec_p256("a");
        let mut anon = testkeys::ec_p256("b").jwk;
        anon.as_object_mut().unwrap().remove("kid");
        let doc = serde_json::json!({ "keys": [a.jwk, anon] });
        let set = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(set.candidates(Algorithm::ES256, Some("a")).len(), 1);
        assert_eq!(set.candidates(Algorithm::ES256, Some("zzz")).len(), 1);
        assert!(set.candidates(Algorithm::ES256, Some("zzz"))[0].kid.is_none());
        assert_eq!(set.candidates(Algorithm::ES256, None).len(), 2);
        assert!(set.candidates(Algorithm::EdDSA, None).is_empty());
        // The kid-less key may verify any kid, so an unknown kid here needs no refetch.
        assert!(set.may_verify("a") && set.may_verify("zzz"));
        let named_only = KeySet {
            keys: set.keys.iter().filter(|k| k.kid.is_some()).cloned().collect(),
        };
        assert!(named_only.may_verify("a") && !named_only.may_verify("zzz"));
    }
}

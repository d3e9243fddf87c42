//! Token verification: header, keys, signature, then claims. The claims are read only after the
//! signature verifies, so no refusal reason ever depends on what an unverified payload says.

use attain_domain::{Violations, org::AccessRole};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::{
    IssuerConfig, KeySource, claims,
    config::{MAX_URL_LEN, check_http_url},
    jwks::{FetchError, FetchOptions, JwksCache},
    keys::{self, KeySet},
    metrics,
};

/// Longest token accepted; IdP tokens with many groups run to a few KiB, and a bound keeps
/// decoding and signature checks cheap whatever a caller sends.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The verified facts of an accepted token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub issuer: String,
    /// The value of the issuer's `person_claim`; `None` when the token has no such claim (a
    /// machine's token), which the caller may accept for roles that act as no person.
    pub person: Option<String>,
    pub role: AccessRole,
    pub expires_at: DateTime<Utc>,
    /// The `sub` claim, when a string.
    pub subject: Option<String>,
}

/// Why a token was refused. The text is safe to return to the caller: it names the rule the
/// token broke and never echoes key material or token content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWT")]
    Malformed,
    #[error("token too large")]
    TooLarge,
    /// `none` and HMAC are refused: we hold no shared secrets, and `none` has no signature.
    #[error("token algorithm {0} is not accepted")]
    AlgorithmRefused(&'static str),
    #[error("token header lists critical extensions this server does not support")]
    CriticalHeader,
    #[error("no issuer key matches the token's kid and algorithm")]
    UnknownKey,
    #[error("signature does not verify with the issuer's keys")]
    BadSignature,
    /// The caller maps this to UNAVAILABLE: the token may be fine, we just cannot check it now.
    #[error("issuer keys unavailable")]
    KeysUnavailable,
    #[error("issuer not accepted")]
    WrongIssuer,
    #[error("audience not accepted")]
    WrongAudience,
    #[error("token has no `{0}` claim")]
    MissingClaim(&'static str),
    #[error("claim `{0}` is not a {1}")]
    BadClaim(&'static str, &'static str),
    #[error("token expired")]
    Expired,
    #[error("token not yet valid (nbf)")]
    NotYetValid,
    #[error("token issued in the future (iat)")]
    IssuedInFuture,
    #[error("token lifetime exceeds the issuer's maximum")]
    LifetimeTooLong,
    #[error("claim `{0}` naming the person is empty or not a string")]
    NoPerson(String),
    #[error("no role for this token: claim `{0}` matched no mapping")]
    NoRole(String),
    #[error("no role for this token: the issuer maps no role claim and has no default role")]
    NoDefaultRole,
}

/// The issuer a token claims, read without verifying it — only to look up which registered
/// issuer (and so which tenant) must then verify it. `None` for anything that is not a 3-part
/// JWT with a string `iss` of at most 2048 bytes.
pub fn peek_issuer(token: &str) -> Option<String> {
    let (_, payload, _) = split(token).ok()?;
    match decode_json(payload).ok()?.remove("iss")? {
        Value::String(iss) if !iss.is_empty() && iss.len() <= MAX_URL_LEN => Some(iss),
        _ => None,
    }
}

/// Fetches and caches each issuer's JWKS; verifies tokens. One per process, shared.
pub struct Verifier {
    jwks: JwksCache,
}

impl Verifier {
    pub fn new(options: FetchOptions) -> Self {
        Verifier {
            jwks: JwksCache::new(options),
        }
    }

    /// Verifies `token` with `config`'s keys and claims rules.
    pub async fn verify(&self, config: &IssuerConfig, token: &str) -> Result<VerifiedToken, TokenError> {
        self.verify_at(config, token, Utc::now()).await
    }

    pub(crate) async fn verify_at(
        &self,
        config: &IssuerConfig,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<VerifiedToken, TokenError> {
        let (header, payload, signature) = split(token)?;
        let (alg, kid) = read_header(header)?;
        let message = &token[..header.len() + 1 + payload.len()];
        let stale = match &config.keys {
            KeySource::Inline(text) => {
                // Registration validated the text; keys that no longer parse are a broken
                // configuration, which the caller cannot fix by retrying either.
                let set = keys::parse_inline(text).map_err(|_| TokenError::KeysUnavailable)?;
                verify_signature(&set, alg, kid.as_deref(), message, signature)?;
                false
            }
            KeySource::JwksUrl(url) => {
                let keys = self
                    .jwks
                    .keys(&config.issuer, url, kid.as_deref())
                    .await
                    .ok_or(TokenError::KeysUnavailable)?;
                verify_signature(&keys.set, alg, kid.as_deref(), message, signature)?;
                keys.stale
            }
        };
        let claims = decode_json(payload)?;
        let token = claims::check(config, &claims, now)?;
        if stale {
            metrics::stale_served(&config.issuer);
        }
        Ok(token)
    }

    /// Fetches (for a JWKS URL) or parses (inline) the keys now, reporting a problem under the
    /// field it belongs to, so an operator registering an issuer hears of a bad URL at once.
    pub async fn check_keys(&self, config: &IssuerConfig) -> Result<(), Violations> {
        let mut v = Violations::new();
        match &config.keys {
            KeySource::Inline(text) => {
                if let Err(e) = keys::parse_inline(text) {
                    v.add("inline_keys", e.to_string());
                }
            }
            KeySource::JwksUrl(url) => {
                if let Err(e) = check_http_url(url, false) {
                    v.add("jwks_url", e);
                } else if let Err(e) = self.jwks.check(&config.issuer, url).await {
                    let description = match e {
                        FetchError::Keys(e) => format!("the document {e}"),
                        e => e.to_string(),
                    };
                    v.add("jwks_url", description);
                }
            }
        }
        v.into_result(())
    }

    /// Forgets an issuer's cached keys, e.g. when it is removed or its config changes.
    pub fn forget(&self, issuer: &str) {
        self.jwks.forget(issuer);
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new(FetchOptions::default())
    }
}

/// The three base64url parts of a compact JWS.
fn split(token: &str) -> Result<(&str, &str, &str), TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() && !s.is_empty() => Ok((h, p, s)),
        _ => Err(TokenError::Malformed),
    }
}

fn decode_json(part: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed),
    }
}

/// The token's algorithm and kid. The algorithm only selects among what each key allows; it
/// never decides how a key is used.
fn read_header(header: &str) -> Result<(Algorithm, Option<String>), TokenError> {
    let header = decode_json(header)?;
    // We implement no JWS extensions, and RFC 7515 §4.1.11 says to refuse what we don't understand.
    if header.contains_key("crit") {
        return Err(TokenError::CriticalHeader);
    }
    let alg = match header.get("alg").and_then(Value::as_str) {
        None => return Err(TokenError::Malformed),
        Some(a) if a.eq_ignore_ascii_case("none") => return Err(TokenError::AlgorithmRefused("none")),
        Some("HS256") => return Err(TokenError::AlgorithmRefused("HS256")),
        Some("HS384") => return Err(TokenError::AlgorithmRefused("HS384")),
        Some("HS512") => return Err(TokenError::AlgorithmRefused("HS512")),
        Some(a) => a
            .parse::<Algorithm>()
            .map_err(|_| TokenError::AlgorithmRefused("(unsupported)"))?,
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(TokenError::Malformed),
    };
    Ok((alg, kid))
}

fn verify_signature(
    set: &KeySet,
    alg: Algorithm,
    kid: Option<&str>,
    message: &str,
    signature: &str,
) -> Result<(), TokenError> {
    let candidates = set.candidates(alg, kid);
    if candidates.is_empty() {
        return Err(TokenError::UnknownKey);
    }
    let good = candidates
        .iter()
        .any(|k| jsonwebtoken::crypto::verify(signature, message.as_bytes(), &k.key, alg).unwrap_or(false));
    if good { Ok(()) } else { Err(TokenError::BadSignature) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkeys::{self, TestKey};
    use serde_json::json;

    const ISS: &str = "https://idp.example.com";

    fn config(keys: KeySource) -> IssuerConfig {
        let mut c = IssuerConfig::new(ISS, vec!["attain".to_owned()], keys);
        c.default_role = Some(AccessRole::Rep);
        c
    }

    fn claims() -> Value {
        let now = Utc::now().timestamp();
        json!({ "iss": ISS, "aud": "attain", "email": "ana@example.com", "iat": now, "exp": now + 300 })
    }

    fn inline(keys: &[&TestKey]) -> IssuerConfig {
        config(KeySource::Inline(testkeys::jwks(keys)))
    }

    fn unsigned(header: Value, claims: &Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(b"sig"),
        )
    }

    #[tokio::test]
    async fn inline_jwks_verifies_ec_ed_and_rsa_tokens() {
        let (ec, ed, rsa) = (testkeys::ec_p256("ec"), testkeys::ed25519("ed"), testkeys::rsa("rsa"));
        let c = inline(&[&ec, &ed, &rsa]);
        let v = Verifier::default();
        for key in [&ec, &ed, &rsa] {
            let t = v.verify(&c, &key.sign(&claims())).await.unwrap();
            assert_eq!(t.person.as_deref(), Some("ana@example.com"));
            assert_eq!(t.role, AccessRole::Rep);
        }
    }

    #[tokio::test]
    async fn inline_pem_verifies_tokens_without_kid() {
        let (ec, ed) = (testkeys::ec_p256("a"), testkeys::ed25519("b"));
        let c = config(KeySource::Inline(format!(
            "{}{}{}",
            ec.public_pem,
            ed.public_pem,
            testkeys::RSA_PUBLIC_PEM
        )));
        let v = Verifier::default();
        assert!(v.verify(&c, &ec.sign_with_kid(&claims(), None)).await.is_ok());
        // A kid the PEM keys cannot name falls back to the kid-less keys.
        assert!(v.verify(&c, &ed.sign(&claims())).await.is_ok());
        assert!(v.verify(&c, &testkeys::rsa("r").sign(&claims())).await.is_ok());
    }

    #[tokio::test]
    async fn signature_from_another_key_is_refused() {
        let (ec, other) = (testkeys::ec_p256("k"), testkeys::ec_p256("k"));
        let c = inline(&[&ec]);
        let err = Verifier::default()
            .verify(&c, &other.sign(&claims()))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "signature does not verify with the issuer's keys");
        // Tampering with the payload of a good token breaks its signature too.
        let good = ec.sign(&claims());
        let mut parts: Vec<&str> = good.split('.').collect();
        let mut forged = claims();
        forged["email"] = json!("boss@example.com");
        let forged = URL_SAFE_NO_PAD.encode(forged.to_string());
        parts[1] = &forged;
        assert_eq!(
            Verifier::default().verify(&c, &parts.join(".")).await.unwrap_err(),
            TokenError::BadSignature
        );
    }

    #[tokio::test]
    async fn unknown_kid_or_algorithm_mismatch_is_refused() {
        let ec = testkeys::ec_p256("k");
        let c = inline(&[&ec]);
        let v = Verifier::default();
        assert_eq!(
            v.verify(&c, &ec.sign_with_kid(&claims(), Some("nope")))
                .await
                .unwrap_err(),
            TokenError::UnknownKey
        );
        let ed = testkeys::ed25519("k");
        assert_eq!(
            v.verify(&c, &ed.sign(&claims())).await.unwrap_err(),
            TokenError::UnknownKey
        );
    }

    #[tokio::test]
    async fn alg_none_and_hmac_are_refused() {
        let c = inline(&[&testkeys::ec_p256("k")]);
        let v = Verifier::default();
        let none = unsigned(json!({"alg": "none", "typ": "JWT"}), &claims());
        assert_eq!(
            v.verify(&c, &none).await.unwrap_err(),
            TokenError::AlgorithmRefused("none")
        );
        let none_empty_sig = none.rsplit_once('.').map(|(m, _)| format!("{m}.")).unwrap();
        assert_eq!(v.verify(&c, &none_empty_sig).await.unwrap_err(), TokenError::Malformed);

        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &claims(),
            &jsonwebtoken::EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        let err = v.verify(&c, &hs).await.unwrap_err();
        assert_eq!(err.to_string(), "token algorithm HS256 is not accepted");
        let weird = unsigned(json!({"alg": "XY999"}), &claims());
        assert_eq!(
            v.verify(&c, &weird).await.unwrap_err(),
            TokenError::AlgorithmRefused("(unsupported)")
        );
    }

    #[tokio::test]
    async fn critical_header_extensions_are_refused() {
        let c = inline(&[&testkeys::ec_p256("k")]);
        let t = unsigned(json!({"alg": "ES256", "crit": ["b64"], "b64": false}), &claims());
        assert_eq!(
            Verifier::default().verify(&c, &t).await.unwrap_err(),
            TokenError::CriticalHeader
        );
    }

    #[tokio::test]
    async fn claims_are_checked_after_the_signature() {
        let ec = testkeys::ec_p256("k");
        let c = inline(&[&ec]);
        let v = Verifier::default();
        let mut cl = claims();
        cl["iss"] = json!("https://evil.example.com");
        assert_eq!(v.verify(&c, &ec.sign(&cl)).await.unwrap_err(), TokenError::WrongIssuer);
        let mut cl = claims();
        cl["aud"] = json!(["x", "attain"]);
        assert!(v.verify(&c, &ec.sign(&cl)).await.is_ok());
        let now = Utc::now().timestamp();
        cl["exp"] = json!(now - 120);
        cl["iat"] = json!(now - 600);
        assert_eq!(v.verify(&c, &ec.sign(&cl)).await.unwrap_err(), TokenError::Expired);
    }

    #[tokio::test]
    async fn malformed_and_oversized_tokens_are_refused() {
        let c = inline(&[&testkeys::ec_p256("k")]);
        let v = Verifier::default();
        for bad in ["", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.e30"] {
            assert_eq!(v.verify(&c, bad).await.unwrap_err(), TokenError::Malformed, "{bad}");
        }
        let big = format!("{}.{}.x", "a".repeat(MAX_TOKEN_BYTES), "b");
        assert_eq!(v.verify(&c, &big).await.unwrap_err(), TokenError::TooLarge);
    }

    #[test]
    fn peek_issuer_reads_iss_without_verifying() {
        let ec = testkeys::ec_p256("k");
        assert_eq!(peek_issuer(&ec.sign(&claims())).as_deref(), Some(ISS));
        assert_eq!(
            peek_issuer(&unsigned(json!({"alg": "none"}), &claims())).as_deref(),
            Some(ISS)
        );
        assert_eq!(peek_issuer("not-a-jwt"), None);
        assert_eq!(peek_issuer("a.b"), None);
        let mut cl = claims();
        cl["iss"] = json!(42);
        assert_eq!(peek_issuer(&unsigned(json!({"alg": "ES256"}), &cl)), None);
        cl["iss"] = json!("x".repeat(MAX_URL_LEN + 1));
        assert_eq!(peek_issuer(&unsigned(json!({"alg": "ES256"}), &cl)), None);
        cl.as_object_mut().unwrap().remove("iss");
        assert_eq!(peek_issuer(&unsigned(json!({"alg": "ES256"}), &cl)), None);
    }

    #[tokio::test]
    async fn check_keys_names_the_field() {
        let v = Verifier::default();
        let c = config(KeySource::Inline("garbage".to_owned()));
        let fields: Vec<_> = v
            .check_keys(&c)
            .await
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, ["inline_keys"]);
        let c = config(KeySource::JwksUrl("ftp://x".to_owned()));
        let fields: Vec<_> = v
            .check_keys(&c)
            .await
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, ["jwks_url"]);
        assert!(v.check_keys(&inline(&[&testkeys::ec_p256("k")])).await.is_ok());
    }
}

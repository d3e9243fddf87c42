//! What an operator registers for one trusted issuer, and the checks that refuse a bad
//! registration up front, so a typo shows up as a named field at registration time rather than
//! as every user's sign-in failing later.

use std::time::Duration;

use attain_domain::{Violations, org::AccessRole};

use crate::keys;

/// Where an issuer's verification keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The issuer's JWKS endpoint; fetched and cached, so key rotations are picked up.
    JwksUrl(String),
    /// A JWKS JSON document (or a single JWK), or one or more PEM public keys (RSA, EC P-256 /
    /// P-384, Ed25519). For IdPs that publish no JWKS endpoint, or that we may not reach.
    Inline(String),
}

/// One trusted issuer of one tenant, as an operator registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerConfig {
    /// Must equal the token's `iss` exactly.
    pub issuer: String,
    /// The token's `aud` (a string or an array) must contain one of these.
    pub audiences: Vec<String>,
    pub keys: KeySource,
    /// The claim whose string value names the person, e.g. `email` or `sub`.
    pub person_claim: String,
    /// The claim holding a string or an array of strings (e.g. `groups`); empty when only
    /// `default_role` applies.
    pub role_claim: String,
    /// Claim value → role. The first entry, in this order, whose value the token carries wins,
    /// so an operator orders the list from the strongest role down.
    pub role_map: Vec<(String, AccessRole)>,
    /// The role when no entry matches; `None` refuses such tokens.
    pub default_role: Option<AccessRole>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// The longest `exp - iat` (or `exp - now` without `iat`) accepted, so a leaked token with a
    /// far-away expiry is refused even though its signature is good.
    pub max_lifetime: Duration,
}

/// Longest issuer or JWKS URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// Most audiences one issuer may list.
pub const MAX_AUDIENCES: usize = 20;
/// Longest audience accepted.
pub const MAX_AUDIENCE_LEN: usize = 512;
/// Longest claim name accepted.
pub const MAX_CLAIM_NAME_LEN: usize = 128;
/// Most role mapping entries.
pub const MAX_ROLE_MAP: usize = 100;
/// Longest role mapping value accepted.
pub const MAX_ROLE_VALUE_LEN: usize = 256;

impl IssuerConfig {
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
    /// More skew than this means a broken clock, and tolerating it would keep expired tokens
    /// alive.
    pub const MAX_LEEWAY: Duration = Duration::from_secs(30);
    pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(3600);
    pub const MAX_MAX_LIFETIME: Duration = Duration::from_secs(86_400);

    /// A config with the defaults for leeway and lifetime, `person_claim` `email` and no roles
    /// mapped.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>, keys: KeySource) -> IssuerConfig {
        IssuerConfig {
            issuer: issuer.into(),
            audiences,
            keys,
            person_claim: "email".to_owned(),
            role_claim: String::new(),
            role_map: Vec::new(),
            default_role: None,
            leeway: Self::DEFAULT_LEEWAY,
            max_lifetime: Self::DEFAULT_MAX_LIFETIME,
        }
    }

    /// Every bad field at once, named as an API request names them. Inline keys are parsed
    /// here; a JWKS URL is only checked for shape (`Verifier::check_keys` fetches it).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        check_issuer(&mut v, &self.issuer);
        check_audiences(&mut v, &self.audiences);
        match &self.keys {
            KeySource::JwksUrl(url) => {
                if let Err(e) = check_http_url(url, false) {
                    v.add("jwks_url", e);
                }
            }
            KeySource::Inline(text) => {
                if let Err(e) = keys::parse_inline(text) {
                    v.add("inline_keys", e.to_string());
                }
            }
        }
        check_claim_name(&mut v, "person_claim", &self.person_claim, true);
        check_claim_name(&mut v, "role_claim", &self.role_claim, false);
        check_role_map(&mut v, self);
        if self.leeway > Self::MAX_LEEWAY {
            v.add(
                "leeway_seconds",
                format!("must be at most {}", Self::MAX_LEEWAY.as_secs()),
            );
        }
        if self.max_lifetime < Duration::from_secs(1) || self.max_lifetime > Self::MAX_MAX_LIFETIME {
            v.add(
                "max_lifetime_seconds",
                format!("must be between 1 and {}", Self::MAX_MAX_LIFETIME.as_secs()),
            );
        }
        v.into_result(())
    }
}

fn check_issuer(v: &mut Violations, issuer: &str) {
    if let Err(e) = check_http_url(issuer, true) {
        v.add("issuer", e);
    } else if issuer.contains(['?', '#']) {
        // OpenID Connect issuers carry neither; one that does is almost surely a pasted login URL.
        v.add("issuer", "must not contain a query or fragment");
    }
}

fn check_audiences(v: &mut Violations, audiences: &[String]) {
    if audiences.is_empty() {
        v.add("audiences", "at least one audience is required");
    } else if audiences.len() > MAX_AUDIENCES {
        v.add("audiences", format!("at most {MAX_AUDIENCES} audiences"));
    }
    for (i, aud) in audiences.iter().enumerate() {
        if aud.trim().is_empty() {
            v.add(format!("audiences[{i}]"), "must not be empty");
        } else if aud.len() > MAX_AUDIENCE_LEN {
            v.add(format!("audiences[{i}]"), format!("at most {MAX_AUDIENCE_LEN} bytes"));
        } else if aud.chars().any(char::is_control) {
            v.add(format!("audiences[{i}]"), "must not contain control characters");
        }
    }
}

fn check_claim_name(v: &mut Violations, field: &str, name: &str, required: bool) {
    if required && name.trim().is_empty() {
        v.add(field, "is required");
    } else if name.len() > MAX_CLAIM_NAME_LEN {
        v.add(field, format!("at most {MAX_CLAIM_NAME_LEN} bytes"));
    } else if name.chars().any(char::is_control) {
        v.add(field, "must not contain control characters");
    }
}

fn check_role_map(v: &mut Violations, config: &IssuerConfig) {
    let map = &config.role_map;
    if map.len() > MAX_ROLE_MAP {
        v.add("role_map", format!("at most {MAX_ROLE_MAP} entries"));
    }
    for (i, (value, _)) in map.iter().enumerate() {
        if value.is_empty() {
            v.add(format!("role_map[{i}]"), "the claim value must not be empty");
        } else if value.len() > MAX_ROLE_VALUE_LEN {
            v.add(
                format!("role_map[{i}]"),
                format!("the claim value is at most {MAX_ROLE_VALUE_LEN} bytes"),
            );
        }
    }
    if !map.is_empty() && config.role_claim.is_empty() {
        v.add("role_map", "needs a role_claim to read the values from");
    }
    if map.is_empty() && config.default_role.is_none() {
        v.add(
            "role_map",
            "is empty and there is no default_role, so every token would be refused",
        );
    }
}

/// Checks an absolute http(s) URL. `loopback_only_http` allows plain http only for loopback
/// hosts: an issuer is an identity, and an http one outside a developer's machine is a sign of a
/// mistake, while a JWKS endpoint inside a private network may legitimately be plain http.
pub(crate) fn check_http_url(url: &str, loopback_only_http: bool) -> Result<http::Uri, String> {
    if url.is_empty() {
        return Err("is required".to_owned());
    }
    if url.len() > MAX_URL_LEN {
        return Err(format!("at most {MAX_URL_LEN} bytes"));
    }
    if url.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    let uri: http::Uri = url.parse().map_err(|_| "is not a valid URL".to_owned())?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or("must be an absolute URL with a host")?;
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if !loopback_only_http || is_loopback(host) => Ok(uri),
        Some("http") => Err("must use https (plain http only for localhost)".to_owned()),
        _ => Err("must be an https:// URL".to_owned()),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> IssuerConfig {
        let mut c = IssuerConfig::new(
            "https://idp.example.com/",
            vec!["attain".to_owned()],
            KeySource::JwksUrl("https://idp.example.com/jwks".to_owned()),
        );
        c.default_role = Some(AccessRole::Rep);
        c
    }

    fn fields(c: &IssuerConfig) -> Vec<String> {
        match c.validate() {
            Ok(()) => Vec::new(),
            Err(v) => v.into_iter().map(|v| v.field).collect(),
        }
    }

    #[test]
    fn valid_config_passes() {
        assert_eq!(fields(&valid()), Vec::<String>::new());
    }

    #[test]
    fn issuer_must_be_https_or_loopback_http() {
        for bad in [
            "",
            "idp.example.com",
            "http://idp.example.com",
            "ftp://idp.example.com",
            "https://a/\u{0}",
        ] {
            let mut c = valid();
            c.issuer = bad.to_owned();
            assert_eq!(fields(&c), ["issuer"], "{bad:?}");
        }
        let mut c = valid();
        c.issuer = format!("https://idp.example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(fields(&c), ["issuer"]);
        c.issuer = "https://idp.example.com/?tenant=1".to_owned();
        assert_eq!(fields(&c), ["issuer"]);
        for ok in [
            "http://localhost:8080/realms/x",
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
        ] {
            c.issuer = ok.to_owned();
            assert_eq!(fields(&c), Vec::<String>::new(), "{ok}");
        }
    }

    #[test]
    fn audiences_are_bounded_and_non_empty() {
        let mut c = valid();
        c.audiences.clear();
        assert_eq!(fields(&c), ["audiences"]);
        c.audiences = vec![String::new(), "x".repeat(MAX_AUDIENCE_LEN + 1)];
        assert_eq!(fields(&c), ["audiences[0]", "audiences[1]"]);
        c.audiences = vec!["a".to_owned(); MAX_AUDIENCES + 1];
        assert_eq!(fields(&c), ["audiences"]);
    }

    #[test]
    fn jwks_url_must_be_http_url() {
        let mut c = valid();
        c.keys = KeySource::JwksUrl("not a url".to_owned());
        assert_eq!(fields(&c), ["jwks_url"]);
        // A JWKS endpoint inside a private network may be plain http.
        c.keys = KeySource::JwksUrl("http://keycloak.internal/certs".to_owned());
        assert_eq!(fields(&c), Vec::<String>::new());
    }

    #[test]
    fn inline_keys_must_parse() {
        let mut c = valid();
        c.keys = KeySource::Inline("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_owned());
        assert_eq!(fields(&c), ["inline_keys"]);
        c.keys = KeySource::Inline(r#"{"keys":[]}"#.to_owned());
        assert_eq!(fields(&c), ["inline_keys"]);
    }

    #[test]
    fn claims_and_role_map_are_checked() {
        let mut c = valid();
        c.person_claim = String::new();
        c.role_claim = "r".repeat(MAX_CLAIM_NAME_LEN + 1);
        assert_eq!(fields(&c), ["person_claim", "role_claim"]);

        let mut c = valid();
        c.role_map = vec![(String::new(), AccessRole::Admin)];
        assert_eq!(fields(&c), ["role_map[0]", "role_map"]);
        c.role_claim = "groups".to_owned();
        c.role_map = vec![("g".to_owned(), AccessRole::Rep); MAX_ROLE_MAP + 1];
        assert_eq!(fields(&c), ["role_map"]);

        let mut c = valid();
        c.default_role = None;
        assert_eq!(fields(&c), ["role_map"]);
    }

    #[test]
    fn leeway_and_lifetime_are_bounded() {
        let mut c = valid();
        c.leeway = IssuerConfig::MAX_LEEWAY + Duration::from_secs(1);
        c.max_lifetime = Duration::ZERO;
        assert_eq!(fields(&c), ["leeway_seconds", "max_lifetime_seconds"]);
        c.leeway = IssuerConfig::MAX_LEEWAY;
        c.max_lifetime = IssuerConfig::MAX_MAX_LIFETIME + Duration::from_secs(1);
        assert_eq!(fields(&c), ["max_lifetime_seconds"]);
        c.max_lifetime = IssuerConfig::MAX_MAX_LIFETIME;
        assert_eq!(fields(&c), Vec::<String>::new());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut c = valid();
        c.issuer = String::new();
        c.audiences.clear();
        c.keys = KeySource::JwksUrl(String::new());
        c.person_claim = String::new();
        c.leeway = Duration::from_secs(31);
        c.max_lifetime = Duration::ZERO;
        assert_eq!(
            fields(&c),
            [
                "issuer",
                "audiences",
                "jwks_url",
                "person_claim",
                "leeway_seconds",
                "max_lifetime_seconds"
            ]
        );
    }
}

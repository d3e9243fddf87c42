//! The claim checks that follow a good signature: issuer, audience, time, person and role.
//! They read the verified payload as plain JSON, so each refusal can say exactly which rule
//! the token broke.

use std::time::Duration;

use attain_domain::org::AccessRole;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{IssuerConfig, TokenError, VerifiedToken};

/// Longest person identifier accepted; longer is not an email or subject but an attack.
const MAX_PERSON_LEN: usize = 512;

/// Checks the verified claims against `config` at `now`.
pub(crate) fn check(
    config: &IssuerConfig,
    claims: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<VerifiedToken, TokenError> {
    match claims.get("iss").and_then(Value::as_str) {
        Some(iss) if iss == config.issuer => {}
        _ => return Err(TokenError::WrongIssuer),
    }
    check_audience(config, claims.get("aud"))?;

    // A config past the limits cannot widen what is accepted.
    let leeway = secs(config.leeway.min(IssuerConfig::MAX_LEEWAY));
    let max_lifetime = secs(config.max_lifetime.min(IssuerConfig::MAX_MAX_LIFETIME));
    let now_s = now.timestamp();
    let exp = numeric_date(claims, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if now_s >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && nbf > now_s.saturating_add(leeway)
    {
        return Err(TokenError::NotYetValid);
    }
    let iat = numeric_date(claims, "iat")?;
    if let Some(iat) = iat
        && iat > now_s.saturating_add(leeway)
    {
        return Err(TokenError::IssuedInFuture);
    }
    if exp.saturating_sub(iat.unwrap_or(now_s)) > max_lifetime {
        return Err(TokenError::LifetimeTooLong);
    }
    let expires_at = DateTime::from_timestamp(exp, 0).ok_or(TokenError::BadClaim("exp", "NumericDate"))?;

    // Absent: a machine's token (client credentials) that names no person; present, it must be
    // a usable identifier.
    let person = match claims.get(&config.person_claim) {
        None => None,
        Some(value) => match value.as_str() {
            Some(p) if !p.trim().is_empty() && p.len() <= MAX_PERSON_LEN && !p.chars().any(char::is_control) => {
                Some(p.to_owned())
            }
            _ => return Err(TokenError::NoPerson(config.person_claim.clone())),
        },
    };
    let role = map_role(config, claims)?;
    Ok(VerifiedToken {
        issuer: config.issuer.clone(),
        person,
        role,
        expires_at,
        subject: claims.get("sub").and_then(Value::as_str).map(str::to_owned),
    })
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn check_audience(config: &IssuerConfig, aud: Option<&Value>) -> Result<(), TokenError> {
    let accepted = |a: &str| config.audiences.iter().any(|c| c == a);
    let ok = match aud {
        None => return Err(TokenError::MissingClaim("aud")),
        Some(Value::String(a)) => accepted(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(accepted),
        Some(_) => false,
    };
    if ok { Ok(()) } else { Err(TokenError::WrongAudience) }
}

/// A NumericDate claim in whole seconds; fractions are allowed by RFC 7519 and truncated.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            (None, Some(f)) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.trunc() as i64)),
            _ => Err(TokenError::BadClaim(name, "NumericDate")),
        },
        Some(_) => Err(TokenError::BadClaim(name, "NumericDate")),
    }
}

/// The role for these claims: the first `role_map` entry whose value the role claim carries,
/// else the default role. A role claim of another shape than a string or an array of strings
/// carries no values, so such a token gets the default role at most.
pub(crate) fn map_role(config: &IssuerConfig, claims: &Map<String, Value>) -> Result<AccessRole, TokenError> {
    let carried: Vec<&str> = if config.role_claim.is_empty() {
        Vec::new()
    } else {
        match claims.get(&config.role_claim) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    };
    config
        .role_map
        .iter()
        .find(|(value, _)| carried.contains(&value.as_str()))
        .map(|(_, role)| *role)
        .or(config.default_role)
        .ok_or_else(|| {
            if config.role_claim.is_empty() {
                TokenError::NoDefaultRole
            } else {
                TokenError::NoRole(config.role_claim.clone())
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySource;
    use serde_json::json;

    fn config() -> IssuerConfig {
        let mut c = IssuerConfig::new(
            "https://idp.example.com",
            vec!["attain".to_owned(), "other".to_owned()],
            KeySource::Inline(String::new()),
        );
        c.role_claim = "groups".to_owned();
        c.role_map = vec![
            ("sales-admins".to_owned(), AccessRole::Admin),
            ("sales-managers".to_owned(), AccessRole::Manager),
            ("sales".to_owned(), AccessRole::Rep),
        ];
        c
    }

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn base(now: i64) -> Value {
        json!({
            "iss": "https://idp.example.com", "aud": "attain", "sub": "u1",
            "email": "ana@example.com", "groups": "sales",
            "iat": now, "exp": now + 600,
        })
    }

    fn run(c: &IssuerConfig, v: Value, now: i64) -> Result<VerifiedToken, TokenError> {
        check(c, &claims(v), DateTime::from_timestamp(now, 0).unwrap())
    }

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn role_from_a_string_claim() {
        let t = run(&config(), base(NOW), NOW).unwrap();
        assert_eq!(t.role, AccessRole::Rep);
        assert_eq!(t.person.as_deref(), Some("ana@example.com"));
        assert_eq!(t.subject.as_deref(), Some("u1"));
        assert_eq!(t.expires_at.timestamp(), NOW + 600);
    }

    #[test]
    fn first_mapping_entry_the_token_carries_wins() {
        let mut v = base(NOW);
        v["groups"] = json!(["sales", "unrelated", "sales-managers"]);
        assert_eq!(run(&config(), v.clone(), NOW).unwrap().role, AccessRole::Manager);
        v["groups"] = json!(["sales-admins", "sales-managers"]);
        assert_eq!(run(&config(), v, NOW).unwrap().role, AccessRole::Admin);
    }

    #[test]
    fn unmatched_role_uses_default_or_is_refused() {
        let mut v = base(NOW);
        v["groups"] = json!(["marketing", 7]);
        let err = run(&config(), v.clone(), NOW).unwrap_err();
        assert_eq!(err, TokenError::NoRole("groups".to_owned()));
        assert_eq!(
            err.to_string(),
            "no role for this token: claim `groups` matched no mapping"
        );
        let mut c = config();
        c.default_role = Some(AccessRole::Rep);
        assert_eq!(run(&c, v.clone(), NOW).unwrap().role, AccessRole::Rep);
        v.as_object_mut().unwrap().remove("groups");
        assert_eq!(run(&c, v, NOW).unwrap().role, AccessRole::Rep);
    }

    #[test]
    fn empty_role_claim_means_default_role_only() {
        let mut c = config();
        c.role_claim = String::new();
        c.role_map.clear();
        assert_eq!(run(&c, base(NOW), NOW).unwrap_err(), TokenError::NoDefaultRole);
        c.default_role = Some(AccessRole::Integration);
        assert_eq!(run(&c, base(NOW), NOW).unwrap().role, AccessRole::Integration);
    }

    #[test]
    fn audience_as_string_or_array() {
        let mut v = base(NOW);
        v["aud"] = json!(["x", "other"]);
        assert!(run(&config(), v.clone(), NOW).is_ok());
        v["aud"] = json!(["x", "y"]);
        assert_eq!(run(&config(), v.clone(), NOW).unwrap_err(), TokenError::WrongAudience);
        v["aud"] = json!("x");
        assert_eq!(
            run(&config(), v.clone(), NOW).unwrap_err().to_string(),
            "audience not accepted"
        );
        v.as_object_mut().unwrap().remove("aud");
        assert_eq!(run(&config(), v, NOW).unwrap_err(), TokenError::MissingClaim("aud"));
    }

    #[test]
    fn wrong_or_missing_issuer_is_refused() {
        let mut v = base(NOW);
        v["iss"] = json!("https://idp.example.com/");
        assert_eq!(run(&config(), v.clone(), NOW).unwrap_err(), TokenError::WrongIssuer);
        v.as_object_mut().unwrap().remove("iss");
        assert_eq!(run(&config(), v, NOW).unwrap_err(), TokenError::WrongIssuer);
    }

    #[test]
    fn expired_is_refused_but_accepted_within_leeway() {
        let mut v = base(NOW - 1000);
        v["exp"] = json!(NOW - 10);
        assert!(
            run(&config(), v.clone(), NOW).is_ok(),
            "10 s past exp is within the 30 s leeway"
        );
        v["exp"] = json!(NOW - 30);
        assert_eq!(run(&config(), v.clone(), NOW).unwrap_err().to_string(), "token expired");
        let mut c = config();
        c.leeway = Duration::ZERO;
        v["exp"] = json!(NOW - 1);
        assert_eq!(run(&c, v.clone(), NOW).unwrap_err(), TokenError::Expired);
        v.as_object_mut().unwrap().remove("exp");
        assert_eq!(run(&c, v, NOW).unwrap_err(), TokenError::MissingClaim("exp"));
    }

    #[test]
    fn leeway_beyond_the_maximum_is_clamped() {
        let mut c = config();
        c.leeway = Duration::from_secs(3600);
        let mut v = base(NOW - 1000);
        v["exp"] = json!(NOW - 31);
        assert_eq!(run(&c, v, NOW).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn nbf_and_iat_in_the_future_are_refused() {
        let mut v = base(NOW);
        v["nbf"] = json!(NOW + 31);
        assert_eq!(
            run(&config(), v.clone(), NOW).unwrap_err().to_string(),
            "token not yet valid (nbf)"
        );
        v["nbf"] = json!(NOW + 20);
        assert!(run(&config(), v.clone(), NOW).is_ok());
        v["iat"] = json!(NOW + 31);
        assert_eq!(run(&config(), v, NOW).unwrap_err(), TokenError::IssuedInFuture);
    }

    #[test]
    fn lifetime_over_the_maximum_is_refused() {
        let mut v = base(NOW);
        v["exp"] = json!(NOW + 3601);
        let err = run(&config(), v.clone(), NOW).unwrap_err();
        assert_eq!(err.to_string(), "token lifetime exceeds the issuer's maximum");
        v["exp"] = json!(NOW + 3600);
        assert!(run(&config(), v.clone(), NOW).is_ok());
        // Without iat the lifetime counts from now.
        v.as_object_mut().unwrap().remove("iat");
        v["exp"] = json!(NOW + 3601);
        assert_eq!(run(&config(), v, NOW).unwrap_err(), TokenError::LifetimeTooLong);
    }

    #[test]
    fn person_claim_when_present_must_be_a_non_empty_string() {
        let mut v = base(NOW);
        v.as_object_mut().map(|o| o.remove("email"));
        assert_eq!(run(&config(), v, NOW).unwrap().person, None, "absent: no person");
        for bad in [json!(""), json!(3), Value::Null] {
            let mut v = base(NOW);
            v["email"] = bad;
            assert_eq!(
                run(&config(), v, NOW).unwrap_err(),
                TokenError::NoPerson("email".to_owned())
            );
        }
    }

    #[test]
    fn non_numeric_dates_are_refused() {
        let mut v = base(NOW);
        v["exp"] = json!("soon");
        assert_eq!(
            run(&config(), v.clone(), NOW).unwrap_err(),
            TokenError::BadClaim("exp", "NumericDate")
        );
        v["exp"] = json!((NOW + 60) as f64 + 0.5);
        assert!(run(&config(), v, NOW).is_ok());
    }
}

//! How one Attain service proves to another that it is one: a short-lived token, signed with
//! HMAC-SHA256 under the deployment's peer secret (`ATTAIN_PEER_SECRET`, the same for every
//! service and replica), in the `x-attain-peer` metadata of internal calls. The org directory's
//! `CredentialService` answers only calls that carry a valid one, so an outside client on the
//! public port can neither check guessed keys nor learn whom a key stands for.
//!
//! Token: `v1.<service>.<expiry, unix seconds>.<hex HMAC of "v1.<service>.<expiry>">`. A fresh
//! token is minted per call (it costs one HMAC), valid for [`LIFETIME`].

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ApiError;

/// The metadata key internal calls carry their token in.
pub const HEADER: &str = "x-attain-peer";
/// How long a minted token is accepted: long enough for a slow call, short enough that a token
/// seen in a log is useless soon after.
pub const LIFETIME: Duration = Duration::from_secs(60);
/// The shortest secret accepted: 256 bits, written as text.
pub const MIN_SECRET_BYTES: usize = 32;

/// This process's identity towards its peers, and the check of theirs.
#[derive(Clone)]
pub struct PeerIdentity {
    service: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for PeerIdentity {
    // The secret never appears in logs or debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerIdentity")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl PeerIdentity {
    /// `service` names this process in the tokens it mints (e.g. `metrics`); `secret` is the
    /// value of `ATTAIN_PEER_SECRET`.
    pub fn new(service: &str, secret: Option<&str>) -> anyhow::Result<PeerIdentity> {
        let secret = secret.unwrap_or_default();
        if secret.len() < MIN_SECRET_BYTES {
            anyhow::bail!(
                "ATTAIN_PEER_SECRET must be set to at least {MIN_SECRET_BYTES} bytes, the same in every service: \
                 services prove who they are to each other with it (attain dev makes one)"
            );
        }
        Ok(PeerIdentity {
            service: service.to_string(),
            secret: secret.as_bytes().to_vec(),
        })
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        // HMAC takes keys of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(body.as_bytes());
        mac
    }

    /// A token for one call from this service, valid for [`LIFETIME`] from `now` (unix seconds).
    pub fn mint(&self, now: i64) -> String {
        let body = format!("v1.{}.{}", self.service, now.saturating_add(LIFETIME.as_secs() as i64));
        let tag: String = self
            .mac(&body)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{body}.{tag}")
    }

    /// A token for a call made now.
    pub fn mint_now(&self) -> String {
        self.mint(chrono::Utc::now().timestamp())
    }

    /// The calling service an incoming call's peer token names, checked now (see [`Self::verify`]).
    pub fn verify_request<T>(&self, request: &tonic::Request<T>) -> Result<String, ApiError> {
        let token = request.metadata().get(HEADER).and_then(|v| v.to_str().ok());
        self.verify(token, chrono::Utc::now().timestamp())
    }

    /// The calling service a token names, when it was signed with this deployment's secret and
    /// has not expired at `now`; otherwise UNAUTHENTICATED, without saying which check failed.
    pub fn verify(&self, token: Option<&str>, now: i64) -> Result<String, ApiError> {
        let refuse = || {
            ApiError::Unauthenticated(format!(
                "this API answers Attain services only: a call must carry a valid `{HEADER}` token"
            ))
        };
        let token = token.ok_or_else(refuse)?;
        let (body, tag) = token.rsplit_once('.').ok_or_else(refuse)?;
        let mut parts = body.split('.');
        let (Some("v1"), Some(service), Some(expiry), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(refuse());
        };
        let expiry: i64 = expiry.parse().map_err(|_| refuse())?;
        if expiry < now || expiry > now.saturating_add(LIFETIME.as_secs() as i64 + 30) {
            return Err(refuse());
        }
        let tag = decode_hex(tag).ok_or_else(refuse)?;
        // Constant-time comparison, inside the MAC's own verify.
        self.mac(body).verify_slice(&tag).map_err(|_| refuse())?;
        Ok(service.to_string())
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(secret: &str) -> PeerIdentity {
        PeerIdentity::new("metrics", Some(secret)).expect("identity")
    }

    const SECRET: &str = "a peer secret of at least thirty-two bytes";

    #[test]
    fn a_minted_token_verifies_and_names_its_service() {
        let me = identity(SECRET);
        assert_eq!(me.verify(Some(&me.mint(1_000)), 1_010).expect("valid"), "metrics");
    }

    #[test]
    fn expired_forged_foreign_and_malformed_tokens_are_refused() {
        let me = identity(SECRET);
        let token = me.mint(1_000);
        assert!(me.verify(Some(&token), 1_000 + 61).is_err(), "expired");
        assert!(me.verify(None, 1_000).is_err(), "missing");
        let other = identity("another deployment's secret, 32 bytes or more");
        assert!(other.verify(Some(&token), 1_000).is_err(), "another secret");
        let renamed = token.replacen("metrics", "hiring", 1);
        assert!(me.verify(Some(&renamed), 1_000).is_err(), "service changed");
        let far = me.mint(1_000 + 3_600);
        assert!(me.verify(Some(&far), 1_000).is_err(), "expiry too far ahead");
        for bad in ["", "v1", "v1.metrics.x.00", "v1.a.b.c.d", "v2.metrics.1060.00", "\0"] {
            assert!(me.verify(Some(bad), 1_000).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn short_or_missing_secrets_are_refused_with_the_setting_named() {
        for secret in [None, Some("short")] {
            let err = PeerIdentity::new("metrics", secret).expect_err("refused");
            assert!(err.to_string().contains("ATTAIN_PEER_SECRET"));
        }
    }
}

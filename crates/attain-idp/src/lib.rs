//! Verifies JWT bearer tokens against a tenant's registered identity providers (IdPs).
//!
//! A service reads the token's claimed issuer with [`peek_issuer`] (unverified, only to find
//! which registered issuer — and so which tenant — must check it), then calls
//! [`Verifier::verify`] with that issuer's [`IssuerConfig`]. Keys come from the issuer's JWKS
//! endpoint, fetched and cached with bounded refetches, or from keys pasted at registration.
//! [`TokenError`]'s text is safe to return to the caller; `KeysUnavailable` means the token could
//! not be checked now (UNAVAILABLE), every other refusal that it is not acceptable
//! (UNAUTHENTICATED).

mod claims;
mod config;
mod jwks;
mod keys;
mod metrics;
#[cfg(test)]
mod testkeys;
mod verify;

pub use config::{IssuerConfig, KeySource};
pub use jwks::{FetchOptions, MAX_BODY_BYTES};
pub use keys::{KeysError, MAX_KEYS};
pub use metrics::register_metrics;
pub use verify::{MAX_TOKEN_BYTES, TokenError, VerifiedToken, Verifier, peek_issuer};

//! The crate's Prometheus counters: enough to alert on an IdP whose keys we cannot fetch before
//! its users notice, since stale keys keep sign-ins working only until the IdP rotates.

use std::sync::LazyLock;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    pub issuer: String,
    /// ok or error.
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IssuerLabel {
    pub issuer: String,
}

/// JWKS fetches by issuer and outcome. The issuer label is bounded by the issuers operators
/// register, never by what tokens claim: only registered issuers are fetched.
pub static JWKS_FETCHES: LazyLock<Family<FetchLabels, Counter>> = LazyLock::new(Family::default);

/// Tokens verified with cached keys past their max-age because the refresh failed.
pub static JWKS_STALE_SERVED: LazyLock<Family<IssuerLabel, Counter>> = LazyLock::new(Family::default);

pub(crate) fn fetched(issuer: &str, ok: bool) {
    JWKS_FETCHES
        .get_or_create(&FetchLabels {
            issuer: issuer.to_owned(),
            outcome: if ok { "ok" } else { "error" },
        })
        .inc();
}

pub(crate) fn stale_served(issuer: &str) {
    JWKS_STALE_SERVED
        .get_or_create(&IssuerLabel {
            issuer: issuer.to_owned(),
        })
        .inc();
}

/// Adds the counters to a service's `/metrics`.
pub fn register_metrics(registry: &mut Registry) {
    registry.register(
        "attain_jwks_fetches",
        "JWKS fetches from registered identity providers, by issuer and outcome: ok or error",
        JWKS_FETCHES.clone(),
    );
    registry.register(
        "attain_jwks_stale_served",
        "Tokens verified with cached JWKS keys past their max-age because refreshing them failed",
        JWKS_STALE_SERVED.clone(),
    );
}

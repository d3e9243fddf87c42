//! Where a webhook may be sent: http(s) URLs only, and, unless the deployment allows private
//! targets, never to loopback, private or link-local addresses (the cloud metadata address
//! among them) — checked on create and update for addresses written in the URL, and again at
//! every send for the addresses the host name resolves to then (against DNS rebinding).

use std::{
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    task::{Context, Poll},
};

use attain_domain::webhook::is_private_target;
use http::Uri;
use hyper_util::client::legacy::connect::dns::Name;

/// Longest URL a subscription may have.
pub const MAX_URL_LEN: usize = 2048;

/// Host names that always mean this machine or the cloud metadata service.
const PRIVATE_NAMES: &[&str] = &["localhost", "metadata.google.internal", "metadata"];

/// Checks a subscription URL; the error says what is wrong, for a field violation.
pub fn check_url(url: &str, allow_private: bool) -> Result<Uri, String> {
    if url.is_empty() {
        return Err("is required: an http or https URL".into());
    }
    if url.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let uri: Uri = url.parse().map_err(|_| "is not a URL".to_string())?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("must start with http:// or https://".into()),
    }
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err("has no host".into());
    };
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("must not carry a user name or password".into());
    }
    if !allow_private {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>()
            && is_private_target(ip)
        {
            return Err(format!(
                "points at {ip}, a loopback, private or link-local address, which webhooks may not reach here"
            ));
        }
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        if PRIVATE_NAMES.contains(&name.as_str()) || name.ends_with(".localhost") || name.ends_with(".internal") {
            return Err(format!(
                "points at \"{name}\", a private host, which webhooks may not reach here"
            ));
        }
    }
    Ok(uri)
}

/// Resolves host names for the HTTP client, dropping the addresses webhooks may not reach; a
/// host with none left fails to connect. The client connects only to the addresses returned
/// here, so a name cannot pass the check and then resolve elsewhere.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl tower::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| allow_private || !is_private_target(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("{host} resolves only to addresses webhooks may not reach ({all:?})"),
                ));
            }
            Ok(allowed.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_to_public_hosts_pass_unless_private_targets_are_allowed() {
        assert!(check_url("https://hooks.slack.com/services/T/B/x", false).is_ok());
        assert!(check_url("http://93.184.216.34:8080/hook", false).is_ok());
        for bad in [
            "",
            "ftp://example.com/x",
            "file:///etc/passwd",
            "example.com/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]/x",
            "http://127.0.0.1:9000/x",
            "http://10.0.0.5/x",
            "http://localhost:8080/x",
            "http://metadata.google.internal/x",
            "http://user:pw@example.com/x",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_url("gopher://127.0.0.1/", true).is_err());
    }

    /// The check at send time: a name that resolves only to private addresses (as a rebound
    /// DNS name would) gets no address to connect to.
    #[tokio::test]
    async fn names_resolving_to_private_addresses_get_none_at_send_time() {
        use std::str::FromStr;
        use tower::ServiceExt;

        let name = || Name::from_str("localhost").expect("name");
        let refused = GuardedResolver { allow_private: false }.oneshot(name()).await;
        let err = refused.expect_err("localhost resolves to loopback only");
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        let allowed = GuardedResolver { allow_private: true }.oneshot(name()).await;
        assert!(allowed.expect("allowed").all(|a| a.ip().is_loopback()));
    }
}

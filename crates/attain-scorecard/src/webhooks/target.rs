//! Where a webhook may be sent: http(s) URLs only, and, unless the deployment allows private
//! targets, never to loopback, private or link-local addresses (the cloud metadata address
//! among them) — checked on create and update for addresses written in the URL in any spelling
//! (the URL is normalised first and stored so), and again at every send for the addresses the
//! host name resolves to then (against DNS rebinding). A refused send says "target not
//! allowed" and nothing of what the name resolved to.

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

/// What a refused delivery says: never the address a name resolved to, so that a tenant cannot
/// map the deployment's internal names by pointing webhooks at them.
pub const NOT_ALLOWED: &str = "target not allowed";

/// A subscription URL as stored and sent to: parsed the way browsers parse URLs (WHATWG), so
/// that every spelling of an address (`0x7f000001`, `2130706433`, `127.1`, `0177.0.0.1`, upper
/// case, a trailing dot) is written out once, in its usual form, and checked as that.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub uri: Uri,
}

/// Checks and normalises a subscription URL; the error says what is wrong, for a field
/// violation.
pub fn check_url(url: &str, allow_private: bool) -> Result<Target, String> {
    if url.is_empty() {
        return Err("is required: an http or https URL".into());
    }
    if url.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let parsed = url::Url::parse(url).map_err(|_| "is not a URL".to_string())?;
    match parsed.scheme() {
        "http" | "https" => {}
        _ => return Err("must start with http:// or https://".into()),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let host = match parsed.host() {
        None => return Err("has no host".into()),
        Some(url::Host::Domain("")) => return Err("has no host".into()),
        Some(url::Host::Ipv4(ip)) => Host::Ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Host::Ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => Host::Name(name.trim_end_matches('.').to_ascii_lowercase()),
    };
    if !allow_private {
        match host {
            Host::Ip(ip) if is_private_target(ip) => {
                return Err(format!(
                    "points at {ip}, a loopback, private or link-local address, which webhooks may not reach here"
                ));
            }
            Host::Name(name)
                if PRIVATE_NAMES.contains(&name.as_str())
                    || name.ends_with(".localhost")
                    || name.ends_with(".internal") =>
            {
                return Err(format!(
                    "points at \"{name}\", a private host, which webhooks may not reach here"
                ));
            }
            _ => {}
        }
    }
    let url = String::from(parsed);
    if url.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters once normalised"));
    }
    let uri: Uri = url.parse().map_err(|_| "is not a URL".to_string())?;
    Ok(Target { url, uri })
}

enum Host {
    Ip(IpAddr),
    Name(String),
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
                // The addresses stay in this process's log; the tenant's delivery record says
                // only that the target is not allowed.
                tracing::info!(host = %host, addresses = ?all, "webhook target resolves only to private addresses");
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, NOT_ALLOWED));
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

    #[test]
    fn every_spelling_of_a_private_address_is_refused_and_public_ones_are_normalised() {
        for bad in [
            "http://0x7f000001/",
            "http://2130706433/",
            "http://127.1/",
            "http://0177.0.0.1/",
            "http://0x7f.0.0.1/",
            "http://127.000.000.001/",
            "http://017700000001/",
            "http://0/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://169.254.169.254./x",
            "http://0xa9fea9fe/latest",
            "http://10.1/",
            "http://LOCALHOST/",
            "http://localhost./",
            "http://foo.LocalHost/",
            "http://[fd00::1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        let t = check_url("HTTPS://Hooks.Example.COM./a/b?x=1", false).expect("public");
        assert_eq!(t.url, "https://hooks.example.com./a/b?x=1");
        let t = check_url("http://0x5db8d822:8080/hook", false).expect("public, spelled in hex");
        assert_eq!(t.url, "http://93.184.216.34:8080/hook");
        assert_eq!(t.uri.host(), Some("93.184.216.34"));
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
        assert_eq!(err.to_string(), NOT_ALLOWED, "nothing of what it resolved to");
        let allowed = GuardedResolver { allow_private: true }.oneshot(name()).await;
        assert!(allowed.expect("allowed").all(|a| a.ip().is_loopback()));
    }
}

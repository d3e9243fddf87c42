//! One typed client per peer contract, the only code in Attain that calls another Attain
//! service: the org directory ([`org::OrgClient`], with [`crate::directory::Directory`] caching
//! what every call asks) and the scorecard service ([`scorecard::ScorecardClient`]). Every call
//! goes out on behalf of a [`Ctx`], with its credential and within its deadline; list calls go
//! through [`every_page`].

pub mod org;
pub mod scorecard;

use std::{future::Future, sync::Arc};

use crate::{
    ApiError,
    auth::{Authenticator, PeerIdentity},
    config::AuthArgs,
    directory::Directory,
    peer::PeerChannel,
};

/// Items one list call asks for per page.
pub const PAGE_SIZE: i32 = 1000;
/// Pages one list may run to before a peer answering in circles is given up on (ten million
/// items at [`PAGE_SIZE`]).
const MAX_PAGES: usize = 10_000;

/// Every page of a list call: `page(token)` asks for one page (the first with an empty token) and
/// returns its items and the next page's token, empty after the last page.
pub async fn every_page<T, F, Fut>(mut page: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), ApiError>>,
{
    let mut out = Vec::new();
    let mut token = String::new();
    for _ in 0..MAX_PAGES {
        let (items, next) = page(token.clone()).await?;
        out.extend(items);
        if next.is_empty() {
            return Ok(out);
        }
        if next == token {
            return Err(ApiError::internal(anyhow::anyhow!("a peer repeated its page token")));
        }
        token = next;
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "a peer list ran past {MAX_PAGES} pages"
    )))
}

/// The peers a service that reads the org and the scorecards calls (coaching, hiring), over one
/// lazily connected channel to the scorecard process, which serves the org directory too.
pub struct Peers {
    pub directory: Arc<Directory>,
    pub org: org::OrgClient,
    pub scorecards: scorecard::ScorecardClient,
}

impl Peers {
    /// What metrics, coaching and hiring start with: this process's peer identity (`service`
    /// signs its key checks), the deployment's page secret installed for the page tokens it
    /// hands out, the peers at `org_url` (`ATTAIN_ORG_URL`), and an authenticator that checks
    /// credentials with the org directory through the directory's caches.
    pub fn start(service: &str, org_url: &str, auth: &AuthArgs) -> anyhow::Result<(Arc<Peers>, Authenticator)> {
        let identity = PeerIdentity::new(service, auth.peer_secret.as_deref())?;
        crate::paging::install(auth)?;
        let peers = Arc::new(Peers::connect(org_url, identity)?);
        let authenticator = Authenticator::new(peers.directory.clone(), peers.directory.clone());
        Ok((peers, authenticator))
    }

    /// Connects lazily to the scorecard process at `url` (`ATTAIN_ORG_URL`); key checks are
    /// signed as `identity`.
    pub fn connect(url: &str, identity: PeerIdentity) -> anyhow::Result<Peers> {
        let channel = PeerChannel::lazy(url, "ATTAIN_ORG_URL")?;
        let org = org::OrgClient::new(channel.clone());
        Ok(Peers {
            directory: Arc::new(Directory::new(org.clone(), channel.clone(), identity)),
            org,
            scorecards: scorecard::ScorecardClient::new(channel),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_page_is_read_in_order() {
        let pages = every_page(|token: String| async move {
            let n: usize = if token.is_empty() { 0 } else { token.parse().unwrap() };
            let next = if n < 4 { (n + 1).to_string() } else { String::new() };
            Ok((vec![n * 10, n * 10 + 1], next))
        })
        .await
        .unwrap();
        assert_eq!(pages, vec![0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
    }

    #[tokio::test]
    async fn a_peer_repeating_its_token_is_given_up_on() {
        let out = every_page(|_| async { Ok((vec![1], "same".to_string())) }).await;
        assert!(out.is_err());
    }

    #[tokio::test]
    async fn a_failing_page_fails_the_list() {
        let out: Result<Vec<u8>, _> = every_page(|token: String| async move {
            if token.is_empty() {
                Ok((vec![1], "next".into()))
            } else {
                Err(ApiError::Unavailable("down".into()))
            }
        })
        .await;
        assert!(matches!(out, Err(ApiError::Unavailable(_))));
    }
}

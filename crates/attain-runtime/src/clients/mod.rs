//! One typed client per peer contract, the only code in Attain that calls another Attain
//! service: the org directory ([`org::OrgClient`], with [`crate::directory::Directory`] caching
//! what every call asks) and the scorecard service ([`scorecard::ScorecardClient`]). Every call
//! goes out on behalf of a [`Ctx`], with its credential and within its deadline; list calls go
//! through [`every_page`].

pub mod org;
pub mod scorecard;

use std::{future::Future, sync::Arc};

use futures::{Stream, TryStreamExt};

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

/// The pages of a list call, one at a time: `page(token)` asks for one page (the first with an
/// empty token) and returns its items and the next page's token, empty after the last page. A
/// peer that repeats a token or runs past [`MAX_PAGES`] ends the stream with an error. For lists
/// read to the end, [`every_page`]; for a search or a limit, stop pulling pages.
pub fn pages<T, E, F, Fut>(page: F) -> impl Stream<Item = Result<Vec<T>, E>>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), E>>,
    E: From<ApiError>,
{
    futures::stream::try_unfold((page, Some(String::new()), 0), |(mut page, token, asked)| async move {
        let Some(token) = token else { return Ok(None) };
        if asked >= MAX_PAGES {
            return Err(E::from(ApiError::internal(anyhow::anyhow!(
                "a peer list ran past {MAX_PAGES} pages"
            ))));
        }
        let (items, next) = page(token.clone()).await?;
        if !next.is_empty() && next == token {
            return Err(E::from(ApiError::internal(anyhow::anyhow!(
                "a peer repeated its page token"
            ))));
        }
        let next = (!next.is_empty()).then_some(next);
        Ok(Some((items, (page, next, asked + 1))))
    })
}

/// Every item of a list call, all pages read (see [`pages`]).
pub async fn every_page<T, E, F, Fut>(page: F) -> Result<Vec<T>, E>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), E>>,
    E: From<ApiError>,
{
    pages(page).try_concat().await
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
            Ok::<_, ApiError>((vec![n * 10, n * 10 + 1], next))
        })
        .await
        .unwrap();
        assert_eq!(pages, vec![0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
    }

    #[tokio::test]
    async fn a_peer_repeating_its_token_is_given_up_on() {
        let out = every_page(|_| async { Ok::<_, ApiError>((vec![1], "same".to_string())) }).await;
        assert!(out.is_err());
    }

    #[tokio::test]
    async fn a_search_stops_asking_once_it_has_found() {
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let listed = pages(|token: String| {
            asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                let n: usize = if token.is_empty() {
                    0
                } else {
                    token.parse().unwrap_or(0)
                };
                Ok::<_, ApiError>((vec![n], (n + 1).to_string()))
            }
        });
        let mut listed = std::pin::pin!(listed);
        let mut found = None;
        while let Some(page) = listed.try_next().await.expect("a page") {
            if page.contains(&2) {
                found = Some(2);
                break;
            }
        }
        assert_eq!(found, Some(2));
        assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 3);
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

//! List pagination (AIP-158): a page size with a default and a maximum, and opaque page tokens
//! that carry the position after the last item returned.
//!
//! A token is the position sealed with ChaCha20-Poly1305 (ring) under a key derived from the
//! deployment's page secret, with the tenant, the list and its filter as associated data. So a
//! token reveals nothing of the position, cannot be forged or edited, and is refused by another
//! tenant, another list, or the same list with another filter: all alike, with
//! `INVALID_ARGUMENT` on `page_token` and nothing of its insides. Every replica with the same
//! secret accepts every other's tokens; a new secret can be rolled out while the previous one
//! still opens tokens handed out before.

use std::sync::OnceLock;

use attain_domain::Violations;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{KeyInit, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use uuid::Uuid;

use crate::config::AuthArgs;

pub const DEFAULT_PAGE_SIZE: i64 = 100;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// Leading byte of every token: the format, so a later one can be told apart.
const VERSION: u8 = 1;
/// Longest token accepted before any work: a position is an id or a short key.
const MAX_TOKEN_LEN: usize = 1024;
const INVALID: &str = "is not a token from a previous page of this list";

/// The keys tokens are sealed with: the current one seals and opens, the previous one (during a
/// rotation) only opens.
pub struct PageKeys {
    current: LessSafeKey,
    previous: Option<LessSafeKey>,
}

fn derive(secret: &str) -> LessSafeKey {
    // HMAC as a key derivation: the page key is never the secret itself, so a secret shared with
    // another purpose (the peer secret, by default) yields an unrelated key here.
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"attain page tokens v1");
    let key: [u8; 32] = mac.finalize().into_bytes().into();
    LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &key).unwrap_or_else(|_| unreachable!("a 32-byte key")))
}

impl PageKeys {
    pub fn new(secret: &str, previous: Option<&str>) -> Self {
        PageKeys {
            current: derive(secret),
            previous: previous.map(derive),
        }
    }

    /// From the settings: `ATTAIN_PAGE_SECRET` (and `ATTAIN_PAGE_SECRET_PREVIOUS` while rotating),
    /// else a key derived from the peer secret every replica already shares; without either (a
    /// unit test), a key of this process only.
    pub fn from_args(auth: &AuthArgs) -> Self {
        match (&auth.page_secret, &auth.peer_secret) {
            (Some(secret), _) => PageKeys::new(secret, auth.page_secret_previous.as_deref()),
            (None, Some(peer)) => PageKeys::new(peer, auth.page_secret_previous.as_deref()),
            (None, None) => PageKeys::process_only(),
        }
    }

    fn process_only() -> Self {
        let bytes: [u8; 32] = rand::random();
        PageKeys::new(&URL_SAFE_NO_PAD.encode(bytes), None)
    }

    fn seal(&self, scope: &PageScope, position: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let mut sealed = position.as_bytes().to_vec();
        let aad = scope.associated_data();
        if self
            .current
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(&aad), &mut sealed)
            .is_err()
        {
            // Sealing fails only for inputs past ChaCha20's limits (gigabytes); no next page
            // is better than a broken one.
            return String::new();
        }
        let mut token = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        token.push(VERSION);
        token.extend_from_slice(&nonce_bytes);
        token.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(token)
    }

    fn open(&self, scope: &PageScope, token: &str) -> Option<String> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let (&version, rest) = bytes.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = scope.associated_data();
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|key| {
                let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
                let mut buffer = sealed.to_vec();
                let plain = key.open_in_place(nonce, Aad::from(&aad), &mut buffer).ok()?;
                String::from_utf8(plain.to_vec()).ok()
            })
            .filter(|p| !p.contains('\0'))
    }
}

static KEYS: OnceLock<PageKeys> = OnceLock::new();

/// Sets this process's page keys from the settings; the first call wins (every service of one
/// process is configured alike). A page secret shorter than 32 bytes is refused.
pub fn install(auth: &AuthArgs) -> anyhow::Result<()> {
    for (name, secret) in [
        ("ATTAIN_PAGE_SECRET", &auth.page_secret),
        ("ATTAIN_PAGE_SECRET_PREVIOUS", &auth.page_secret_previous),
    ] {
        if secret.as_ref().is_some_and(|s| s.len() < 32) {
            anyhow::bail!("{name} must be at least 32 bytes long");
        }
    }
    let _ = KEYS.set(PageKeys::from_args(auth));
    Ok(())
}

fn keys() -> &'static PageKeys {
    KEYS.get_or_init(PageKeys::process_only)
}

/// What a token belongs to: a tenant's list, with its filter (every request field but the page
/// size and token, as the list reads them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageScope {
    tenant: Uuid,
    list: &'static str,
    filter: String,
}

impl PageScope {
    /// `list` names the RPC, e.g. "org.ListTeams"; `filter` its filter fields.
    pub fn new(tenant: Uuid, list: &'static str, filter: &[&str]) -> Self {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        let filter = filter.iter().map(|f| format!("{}:{f}", f.len())).collect();
        PageScope { tenant, list, filter }
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(16 + self.list.len() + self.filter.len() + 2);
        aad.extend_from_slice(self.tenant.as_bytes());
        aad.extend_from_slice(self.list.as_bytes());
        aad.push(0);
        aad.extend_from_slice(self.filter.as_bytes());
        aad
    }
}

/// A list request: its page size and token, and the rest of it (the filter a token is bound to).
pub trait PagedRequest: prost::Message + Clone + Sized {
    fn page_size(&self) -> i32;
    fn page_token(&self) -> &str;
    /// The request without its page size and token: what stays the same from page to page.
    fn filter_only(&self) -> Self;
}

macro_rules! paged {
    ($($t:path),+ $(,)?) => {
        $(impl PagedRequest for $t {
            fn page_size(&self) -> i32 {
                self.page_size
            }
            fn page_token(&self) -> &str {
                &self.page_token
            }
            fn filter_only(&self) -> Self {
                let mut filter = self.clone();
                filter.page_size = 0;
                filter.page_token.clear();
                filter
            }
        })+
    };
}

paged!(
    attain_proto::audit::v1::ListAuditEventsRequest,
    attain_proto::coaching::v1::ListSessionsRequest,
    attain_proto::hiring::v1::ListCandidatesRequest,
    attain_proto::hiring::v1::ListProcessTemplatesRequest,
    attain_proto::hiring::v1::ListRequisitionsRequest,
    attain_proto::metrics::v1::ListMetricsRequest,
    attain_proto::org::v1::ListPeopleRequest,
    attain_proto::org::v1::ListTeamSubtreeRequest,
    attain_proto::org::v1::ListTeamsRequest,
    attain_proto::scorecard::v1::ListLeaderboardsRequest,
    attain_proto::scorecard::v1::ListRampsRequest,
    attain_proto::scorecard::v1::ListPraiseRequest,
    attain_proto::scorecard::v1::ListContestsRequest,
    attain_proto::scorecard::v1::ListIncentivePlansRequest,
    attain_proto::scorecard::v1::ListTemplatesRequest,
    attain_proto::webhooks::v1::ListDeliveriesRequest,
    attain_proto::webhooks::v1::ListMilestonesRequest,
    attain_proto::webhooks::v1::ListSubscriptionsRequest,
);

impl PageScope {
    /// The scope of a list request of `tenant`: the request's type is the list, the encoded rest
    /// of it the filter.
    pub fn of<R: PagedRequest>(tenant: Uuid, request: &R) -> Self {
        let filter = URL_SAFE_NO_PAD.encode(request.filter_only().encode_to_vec());
        PageScope::new(tenant, std::any::type_name::<R>(), &[&filter])
    }
}

/// One page of a list as a use case returns it: the items and the token of the next page
/// (empty after the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub next_page_token: String,
}

/// A checked page request: how many items, and after which position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub size: i64,
    pub after: Option<String>,
    scope: PageScope,
}

impl Page {
    /// Reads `page_size` (0 = default) and `page_token` (empty = first page) of the list
    /// `scope`.
    pub fn parse(v: &mut Violations, scope: PageScope, page_size: i32, page_token: &str) -> Page {
        Self::parse_with(keys(), v, scope, page_size, page_token)
    }

    /// Reads the page size and token of `tenant`'s list request `request`.
    pub fn of<R: PagedRequest>(v: &mut Violations, tenant: Uuid, request: &R) -> Page {
        Self::parse(
            v,
            PageScope::of(tenant, request),
            request.page_size(),
            request.page_token(),
        )
    }

    fn parse_with(keys: &PageKeys, v: &mut Violations, scope: PageScope, page_size: i32, page_token: &str) -> Page {
        let size = match i64::from(page_size) {
            0 => DEFAULT_PAGE_SIZE,
            n if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                v.add("page_size", format!("must be between 0 and {MAX_PAGE_SIZE}"));
                DEFAULT_PAGE_SIZE
            }
        };
        let after = if page_token.is_empty() {
            None
        } else {
            let opened = keys.open(&scope, page_token);
            if opened.is_none() {
                v.add("page_token", INVALID);
            }
            opened
        };
        Page { size, after, scope }
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Trims the extra row fetched by `fetch_limit` and returns the token for the next page.
    pub fn finish<T>(&self, items: &mut Vec<T>, position: impl Fn(&T) -> String) -> String {
        self.finish_with(keys(), items, position)
    }

    /// The page of `rows` (fetched with `fetch_limit`) with the token for the next.
    pub fn list<T>(&self, mut rows: Vec<T>, position: impl Fn(&T) -> String) -> Listed<T> {
        let next_page_token = self.finish(&mut rows, position);
        Listed {
            items: rows,
            next_page_token,
        }
    }

    fn finish_with<T>(&self, keys: &PageKeys, items: &mut Vec<T>, position: impl Fn(&T) -> String) -> String {
        if items.len() as i64 > self.size {
            items.truncate(self.size as usize);
            items
                .last()
                .map(|last| keys.seal(&self.scope, &position(last)))
                .unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// The position as a UUID (lists ordered by id); a position that is not one is reported on
    /// `page_token` like any bad token, though only a token this server sealed could hold it.
    pub fn after_id(&self, v: &mut Violations) -> Option<Uuid> {
        let after = self.after.as_deref()?;
        let id = Uuid::try_parse(after).ok();
        if id.is_none() {
            v.add("page_token", INVALID);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(tenant: u128, list: &'static str, filter: &[&str]) -> PageScope {
        PageScope::new(Uuid::from_u128(tenant), list, filter)
    }

    fn first_token(keys: &PageKeys, s: &PageScope) -> String {
        let mut v = Violations::new();
        let page = Page::parse_with(keys, &mut v, s.clone(), 2, "");
        page.finish_with(keys, &mut vec![1, 2, 3], |r| format!("position-{r}"))
    }

    #[test]
    fn pages_through_with_tokens_that_show_nothing_of_the_position() {
        let keys = PageKeys::new("a secret of the deployment", None);
        let s = scope(1, "org.ListTeams", &[""]);
        let next = first_token(&keys, &s);
        assert!(!next.is_empty());
        let raw = URL_SAFE_NO_PAD.decode(&next).expect("base64");
        assert!(!String::from_utf8_lossy(&raw).contains("position"), "opaque");
        let mut v = Violations::new();
        let page2 = Page::parse_with(&keys, &mut v, s, 2, &next);
        assert_eq!(page2.after.as_deref(), Some("position-2"));
        assert!(v.is_empty());
    }

    #[test]
    fn another_tenant_list_filter_secret_or_a_changed_byte_is_refused_alike() {
        let keys = PageKeys::new("a secret of the deployment", None);
        let s = scope(1, "org.ListTeams", &["parent-a"]);
        let token = first_token(&keys, &s);
        let mut tampered = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let cases = [
            (scope(2, "org.ListTeams", &["parent-a"]), token.clone()),
            (scope(1, "org.ListPeople", &["parent-a"]), token.clone()),
            (scope(1, "org.ListTeams", &["parent-b"]), token.clone()),
            (scope(1, "org.ListTeams", &["parent-", "a"]), token.clone()),
            (s.clone(), URL_SAFE_NO_PAD.encode(&tampered)),
            (s.clone(), "p1:0190".into()),
            (s.clone(), URL_SAFE_NO_PAD.encode("p1:\0")),
            (s.clone(), "x".repeat(5000)),
        ];
        for (i, (other, t)) in cases.into_iter().enumerate() {
            let mut v = Violations::new();
            let page = Page::parse_with(&keys, &mut v, other, 2, &t);
            assert!(page.after.is_none(), "case {i}");
            let found: Vec<_> = v.iter().map(|x| (x.field.as_str(), x.description.as_str())).collect();
            assert_eq!(found, [("page_token", INVALID)], "case {i}");
        }
        let stranger = PageKeys::new("another deployment", None);
        let mut v = Violations::new();
        assert!(Page::parse_with(&stranger, &mut v, s, 2, &token).after.is_none());
    }

    #[test]
    fn during_a_rotation_old_tokens_still_open_and_new_ones_use_the_new_secret() {
        let old = PageKeys::new("the old secret", None);
        let rotated = PageKeys::new("the new secret", Some("the old secret"));
        let after = PageKeys::new("the new secret", None);
        let s = scope(1, "hiring.ListCandidates", &[]);
        let from_old = first_token(&old, &s);
        let mut v = Violations::new();
        assert!(
            Page::parse_with(&rotated, &mut v, s.clone(), 2, &from_old)
                .after
                .is_some()
        );
        let from_rotated = first_token(&rotated, &s);
        assert!(
            Page::parse_with(&after, &mut v, s.clone(), 2, &from_rotated)
                .after
                .is_some()
        );
        assert!(v.is_empty());
        assert!(Page::parse_with(&after, &mut v, s, 2, &from_old).after.is_none());
    }

    #[test]
    fn last_page_has_no_token_and_bad_sizes_are_named() {
        let keys = PageKeys::new("s", None);
        let mut v = Violations::new();
        let page = Page::parse_with(&keys, &mut v, scope(1, "l", &[]), 0, "");
        assert_eq!(page.size, DEFAULT_PAGE_SIZE);
        assert_eq!(page.finish_with(&keys, &mut vec![1], |r| r.to_string()), "");
        Page::parse_with(&keys, &mut v, scope(1, "l", &[]), 5000, "not-a-token!");
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["page_size", "page_token"]);
    }
}

//! List pagination (AIP-158): a page size with a default and a maximum, and opaque page tokens
//! that carry the position after the last item returned.

use attain_domain::Violations;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

pub const DEFAULT_PAGE_SIZE: i64 = 100;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// A checked page request: how many items, and after which position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub size: i64,
    pub after: Option<String>,
}

impl Page {
    /// Reads `page_size` (0 = default) and `page_token` (empty = first page).
    pub fn parse(v: &mut Violations, page_size: i32, page_token: &str) -> Page {
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
            let decoded = URL_SAFE_NO_PAD
                .decode(page_token)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|s| s.strip_prefix("p1:").map(str::to_owned));
            if decoded.is_none() {
                v.add("page_token", "is not a token from a previous page of this list");
            }
            decoded
        };
        Page { size, after }
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Trims the extra row fetched by `fetch_limit` and returns the token for the next page.
    pub fn finish<T>(&self, items: &mut Vec<T>, position: impl Fn(&T) -> String) -> String {
        if items.len() as i64 > self.size {
            items.truncate(self.size as usize);
            items.last().map(|last| token(&position(last))).unwrap_or_default()
        } else {
            String::new()
        }
    }
}

fn token(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("p1:{position}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_through_with_tokens() {
        let mut v = Violations::new();
        let page = Page::parse(&mut v, 2, "");
        let mut rows = vec![1, 2, 3];
        let next = page.finish(&mut rows, |r| r.to_string());
        assert_eq!(rows, [1, 2]);
        let page2 = Page::parse(&mut v, 2, &next);
        assert_eq!(page2.after.as_deref(), Some("2"));
        assert!(v.is_empty());
    }

    #[test]
    fn last_page_has_no_token_and_bad_input_is_named() {
        let mut v = Violations::new();
        let page = Page::parse(&mut v, 0, "");
        assert_eq!(page.size, DEFAULT_PAGE_SIZE);
        assert_eq!(page.finish(&mut vec![1], |r| r.to_string()), "");
        Page::parse(&mut v, 5000, "not-a-token!");
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["page_size", "page_token"]);
    }
}

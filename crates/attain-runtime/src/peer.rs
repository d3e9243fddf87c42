//! Calls to another Attain service on the original caller's behalf, and short-lived caches of
//! their answers.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use tonic::{Code, Request, Status};

use crate::ApiError;

/// How long answers are reused. A revoked key keeps working this long in other services.
pub const TTL: Duration = Duration::from_secs(30);
/// Deadline of each call to another service, so a down peer fails calls fast instead of hanging.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Entries per cache before it is emptied, which bounds memory under many distinct keys.
const MAX_ENTRIES: usize = 100_000;

/// A map whose entries expire after `TTL`.
#[derive(Default)]
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Cache<K, V> {
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    /// Forgets `key`, after a change this process made to what it caches.
    pub fn remove(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    pub fn put(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }
}

/// Turns a peer's failure into the caller's error: a peer that is down is retryable. `peer` names
/// it for the message, e.g. "the org directory".
pub fn peer_error(peer: &str, status: Status) -> ApiError {
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
            ApiError::Unavailable(format!("{peer} is unavailable; retry"))
        }
        Code::Unauthenticated => ApiError::Unauthenticated(status.message().into()),
        Code::PermissionDenied => ApiError::PermissionDenied(status.message().into()),
        Code::NotFound => ApiError::NotFound(status.message().trim_end_matches(" not found").into()),
        // The caller's own bad input, passed on: keep the fields the peer named.
        Code::InvalidArgument => {
            use tonic_types::StatusExt;
            let mut v = attain_domain::Violations::new();
            for f in status
                .get_details_bad_request()
                .map(|b| b.field_violations)
                .unwrap_or_default()
            {
                v.add(f.field, f.description);
            }
            if v.is_empty() {
                v.add("request", status.message().to_string());
            }
            ApiError::InvalidArgument(v)
        }
        Code::FailedPrecondition => ApiError::FailedPrecondition(status.message().into()),
        Code::ResourceExhausted => ApiError::ResourceExhausted(format!("{peer} is overloaded; retry")),
        _ => ApiError::internal(anyhow::anyhow!("call to {peer} failed: {status:?}")),
    }
}

/// A request carrying the caller's own credential, with the peer call deadline.
pub fn on_behalf<T>(message: T, credential: &str) -> Result<Request<T>, ApiError> {
    let mut request = Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    let value = format!("Bearer {credential}")
        .parse()
        .map_err(|_| ApiError::Unauthenticated("credential is not valid header text".into()))?;
    request.metadata_mut().insert("authorization", value);
    Ok(request)
}

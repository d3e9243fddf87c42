//! The one error type of every Attain RPC. Each variant knows its gRPC code; internal causes are
//! logged with the request's trace and never returned to the caller.

use attain_domain::Violations;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; every bad field is named.
    #[error("invalid argument: {0}")]
    InvalidArgument(Violations),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    ResourceExhausted(String),
    /// A dependency (the database, another service) is down; the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    /// A concurrent change won (stale etag, serialization failure); the caller may re-read and retry.
    #[error("{0}")]
    Aborted(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Violations::new();
        v.add(field, description);
        ApiError::InvalidArgument(v)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::NotFound(what.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        ApiError::InvalidArgument(v)
    }
}

/// Longest status message, violation field and description sent. Statuses travel in HTTP/2
/// headers, which peers cap (16 KiB by default): a message that echoes a caller's 5,000-character
/// value would make the whole response a protocol error instead of INVALID_ARGUMENT.
const MAX_MESSAGE: usize = 2_000;
const MAX_FIELD: usize = 200;
const MAX_DESCRIPTION: usize = 300;
/// Violations listed in the details (the message lists them all, cut to MAX_MESSAGE).
const MAX_VIOLATIONS: usize = 20;

/// `text` cut to at most `max` bytes at a character boundary, marked when cut.
fn bounded(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

impl From<ApiError> for Status {
    fn from(err: ApiError) -> Status {
        let m = |text: String| bounded(text, MAX_MESSAGE);
        match err {
            ApiError::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in violations.iter().take(MAX_VIOLATIONS) {
                    details.add_bad_request_violation(
                        bounded(v.field.clone(), MAX_FIELD),
                        bounded(v.description.clone(), MAX_DESCRIPTION),
                    );
                }
                Status::with_error_details(
                    Code::InvalidArgument,
                    m(format!("invalid argument: {violations}")),
                    details,
                )
            }
            ApiError::NotFound(what) => Status::not_found(m(format!("{what} not found"))),
            ApiError::AlreadyExists(text) => Status::already_exists(m(text)),
            ApiError::FailedPrecondition(text) => Status::failed_precondition(m(text)),
            ApiError::PermissionDenied(text) => Status::permission_denied(m(text)),
            ApiError::Unauthenticated(text) => Status::unauthenticated(m(text)),
            ApiError::ResourceExhausted(text) => Status::resource_exhausted(m(text)),
            ApiError::Unavailable(text) => Status::unavailable(m(text)),
            ApiError::Aborted(text) => Status::aborted(m(text)),
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                Status::internal("internal error; the server log has the details")
            }
        }
    }
}

/// Classifies database errors once, so every service answers a lost connection with a
/// retryable UNAVAILABLE and a lost race with ABORTED.
impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) => match db.code().as_deref() {
                Some("23505") => ApiError::AlreadyExists("an entry with the same key already exists".into()),
                Some("40001" | "40P01") => ApiError::Aborted("a concurrent change conflicted; retry".into()),
                Some(code) if code.starts_with("08") || code.starts_with("57P") || code == "53300" => {
                    tracing::warn!(error = %err, "database unavailable");
                    ApiError::Unavailable("the database is unavailable; retry".into())
                }
                _ => ApiError::Internal(err.into()),
            },
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %err, "database unavailable");
                ApiError::Unavailable("the database is unavailable; retry".into())
            }
            _ => ApiError::Internal(err.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_stay_small_whatever_the_input_echoed() {
        let mut v = Violations::new();
        for i in 0..100 {
            v.add(
                format!("f{i}{}", "x".repeat(1_000)),
                format!("no metric \"{}\"", "é".repeat(5_000)),
            );
        }
        let status = Status::from(ApiError::InvalidArgument(v));
        assert!(status.message().len() <= MAX_MESSAGE, "{}", status.message().len());
        assert!(status.details().len() < 16 * 1024, "{}", status.details().len());
        assert_eq!(bounded("é".repeat(10), 7), "éé…");
        assert_eq!(bounded("short".into(), 7), "short");
    }

    #[test]
    fn invalid_argument_carries_every_field_violation() {
        let mut v = Violations::new();
        v.add("team.display_name", "is required");
        v.add("team.motion", "must be set");
        let status = Status::from(ApiError::InvalidArgument(v));
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status.get_details_bad_request().expect("bad request details");
        let fields: Vec<_> = bad.field_violations.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["team.display_name", "team.motion"]);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let status = Status::from(ApiError::internal(anyhow::anyhow!("password=hunter2 at db:5432")));
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("hunter2"));
    }

    #[test]
    fn pool_timeout_is_retryable_unavailable() {
        assert!(matches!(
            ApiError::from(sqlx::Error::PoolTimedOut),
            ApiError::Unavailable(_)
        ));
    }
}

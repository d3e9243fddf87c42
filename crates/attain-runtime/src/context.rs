//! The request context every use case takes: who is calling (tenant, person, role), the
//! credential to call other services with on their behalf, and how long the caller waits. It is
//! built once per call (or once per background job) and passed down whole, so that no function
//! threads a credential or a deadline by hand.

use std::{
    ops::Deref,
    time::{Duration, Instant},
};

use crate::{ApiError, Caller, auth::Credential, drain::Stopping};

#[derive(Clone)]
pub struct Ctx {
    caller: Caller,
    credential: Credential,
    /// When the caller stops waiting, from its `grpc-timeout`; `None` when it set none.
    deadline: Option<Instant>,
    /// Completes when the server stops accepting calls, so that a stream can end in time.
    stopping: Stopping,
}

impl std::fmt::Debug for Ctx {
    // Never print the credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("caller", &self.caller)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// A use case reads the caller through the context: `ctx.tenant_id`, `ctx.role`, and a
/// function that wants a `&Caller` takes `&ctx`.
impl Deref for Ctx {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Ctx {
    /// The context of a call that passed authentication (which put the caller and the
    /// credential into its extensions).
    pub fn of<T>(request: &tonic::Request<T>) -> Result<Ctx, ApiError> {
        let deadline = request
            .metadata()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(grpc_timeout)
            .map(|left| Instant::now() + left);
        Ok(Ctx {
            caller: Caller::of(request)?,
            credential: Credential::of(request)?,
            deadline,
            stopping: Stopping::of(request),
        })
    }

    /// The context of work no one waits on, e.g. a background job acting with the tenant's
    /// system key.
    pub fn background(caller: Caller, credential: impl Into<String>) -> Ctx {
        Ctx {
            caller,
            credential: Credential(credential.into()),
            deadline: None,
            stopping: Stopping::never(),
        }
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Completes when the server stops accepting calls: a stream ends then, with a status its
    /// client retries on another replica.
    pub fn stopping(&self) -> &Stopping {
        &self.stopping
    }

    /// The credential to call other services with, on the caller's behalf.
    pub fn credential(&self) -> &str {
        &self.credential.0
    }

    /// How long a call to another service may take: the peer deadline, or less when the caller
    /// gives up sooner (an answer after that is wasted work).
    pub fn peer_timeout(&self, at_most: Duration) -> Duration {
        match self.deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(at_most),
            None => at_most,
        }
    }
}

/// A `grpc-timeout` value: up to eight digits and a unit (H, M, S, m, u, n), per the gRPC HTTP/2
/// protocol; `None` for anything else.
fn grpc_timeout(text: &str) -> Option<Duration> {
    if text.len() < 2 || text.len() > 9 {
        return None;
    }
    let (digits, unit) = text.split_at(text.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_per_the_protocol() {
        assert_eq!(grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(grpc_timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "S", "5", "5s", "123456789S", "-1S", "1.5S", "\u{0}S"] {
            assert_eq!(grpc_timeout(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_peer_call_never_outlives_the_caller() {
        let caller = Caller {
            tenant_id: uuid::Uuid::nil(),
            person_id: None,
            role: attain_domain::org::AccessRole::Admin,
        };
        let mut ctx = Ctx::background(caller, "k");
        assert_eq!(ctx.peer_timeout(Duration::from_secs(5)), Duration::from_secs(5));
        ctx.deadline = Some(Instant::now() + Duration::from_millis(100));
        assert!(ctx.peer_timeout(Duration::from_secs(5)) <= Duration::from_millis(100));
        ctx.deadline = Some(Instant::now() - Duration::from_secs(1));
        assert_eq!(ctx.peer_timeout(Duration::from_secs(5)), Duration::ZERO);
    }
}

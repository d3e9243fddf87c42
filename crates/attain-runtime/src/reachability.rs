//! Whether the database answers, so that while it is down a call fails at once with a retryable
//! UNAVAILABLE (and readiness says why) instead of each call waiting the pool's whole acquire
//! timeout while the pool retries connecting.
//!
//! A connection that takes longer than [`FAST_PATH`] to come from the pool is either waiting
//! for a busy pool (fine: it keeps waiting) or for a database that does not answer. One probe
//! (a fresh connection outside the pool) tells which; its answer is kept for [`RECHECK`], so a
//! burst of calls costs one probe, and while the database is down the calls in between fail
//! without waiting at all. A database that answers with an error (too many connections, say)
//! is up: only a connection that cannot be made counts as down.

use std::{
    collections::HashMap,
    io,
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sqlx::{Connection, PgConnection, PgPool, Postgres, pool::PoolConnection};

/// How long a connection may take from the pool before the database is asked whether it is
/// there at all. A pool with an idle connection answers in microseconds.
const FAST_PATH: Duration = Duration::from_millis(200);
/// How long a probe's answer stands.
const RECHECK: Duration = Duration::from_secs(1);
/// Longest a probe waits to connect: a host that drops packets instead of refusing.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What is known about one database server (host and port), shared by every pool of the
/// process that reaches it: the services of `attain dev` and their background pools.
#[derive(Default)]
struct Server {
    known: Mutex<Option<Known>>,
    /// Held while probing, so that concurrent calls wait for one probe instead of each making one.
    probing: tokio::sync::Mutex<()>,
}

#[derive(Clone, Copy)]
struct Known {
    up: bool,
    at: Instant,
}

static SERVERS: LazyLock<Mutex<HashMap<String, Arc<Server>>>> = LazyLock::new(Default::default);

/// How many servers are known down. While none is, a call that gets its connection in time never
/// looks its server up (no lock, no key built): the healthy path costs one atomic read.
static DOWN: AtomicUsize = AtomicUsize::new(0);

fn server_of(pool: &PgPool) -> Arc<Server> {
    let options = pool.connect_options();
    let key = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let mut servers = SERVERS.lock().unwrap_or_else(|e| e.into_inner());
    servers.entry(key).or_default().clone()
}

impl Server {
    fn fresh(&self) -> Option<bool> {
        let known = *self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.filter(|k| k.at.elapsed() < RECHECK).map(|k| k.up)
    }

    fn set(&self, up: bool) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let was_down = known.is_some_and(|k| !k.up);
        if was_down && up {
            DOWN.fetch_sub(1, Ordering::Relaxed);
        } else if !was_down && !up {
            DOWN.fetch_add(1, Ordering::Relaxed);
        }
        *known = Some(Known { up, at: Instant::now() });
    }

    /// Whether the database answers, from a fresh probe or one made less than [`RECHECK`] ago.
    async fn answers(&self, pool: &PgPool) -> bool {
        if let Some(up) = self.fresh() {
            return up;
        }
        let _probing = self.probing.lock().await;
        // Another call may have probed while this one waited for the lock.
        if let Some(up) = self.fresh() {
            return up;
        }
        let up = match tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect_with(&pool.connect_options())).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
                true
            }
            Ok(Err(e)) => !cannot_connect(&e),
            Err(_) => false,
        };
        let was_up = self.fresh_or_stale() != Some(false);
        if was_up && !up {
            tracing::warn!("the database does not answer; calls fail with UNAVAILABLE until it does");
        } else if !was_up && up {
            tracing::info!("the database answers again");
        }
        self.set(up);
        up
    }

    fn fresh_or_stale(&self) -> Option<bool> {
        self.known.lock().unwrap_or_else(|e| e.into_inner()).map(|k| k.up)
    }
}

/// Errors that mean no connection could be made, as opposed to a server that answered "no".
fn cannot_connect(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
    ) || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P")))
}

/// The error a call gets while the database does not answer; the service maps it to
/// UNAVAILABLE (see [`crate::error::ApiError`]).
fn unreachable() -> sqlx::Error {
    sqlx::Error::Io(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "the database does not answer",
    ))
}

/// A connection from `pool`, or at once an error if the database is known not to answer.
pub async fn acquire(pool: &PgPool) -> Result<PoolConnection<Postgres>, sqlx::Error> {
    if known_down(pool) {
        return Err(unreachable());
    }
    let acquire = pool.acquire();
    tokio::pin!(acquire);
    match tokio::time::timeout(FAST_PATH, &mut acquire).await {
        Ok(Ok(connection)) => return Ok(connection),
        Ok(Err(e)) if !cannot_connect(&e) => return Err(e),
        // A connection failed outright: ask below whether the database is gone.
        Ok(Err(_)) | Err(_) => {}
    }
    if !server_of(pool).answers(pool).await {
        return Err(unreachable());
    }
    acquire.await
}

/// Whether the database was found not to answer less than a second ago: calls (readiness
/// among them) then fail without waiting.
fn known_down(pool: &PgPool) -> bool {
    DOWN.load(Ordering::Relaxed) > 0 && server_of(pool).fresh() == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_to_connect_count_as_down() {
        assert!(cannot_connect(&unreachable()));
        assert!(cannot_connect(&sqlx::Error::PoolTimedOut));
        assert!(!cannot_connect(&sqlx::Error::RowNotFound));
        assert!(!cannot_connect(&sqlx::Error::Protocol("unexpected message".into())));
    }

    #[tokio::test]
    async fn a_port_nobody_listens_on_is_down_and_stays_known_down_without_waiting() {
        // A port just freed: connections to it are refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(Duration::from_secs(3600))
            .connect_lazy(&format!("postgres://nobody@127.0.0.1:{port}/none"))
            .expect("a lazy pool");
        // With an hour's acquire timeout, only the probe can end this call; the minute is a
        // guard against hanging the suite, not a speed goal.
        let first = tokio::time::timeout(Duration::from_secs(60), acquire(&pool))
            .await
            .expect("the call fails without waiting the acquire timeout")
            .expect_err("nothing listens");
        assert!(matches!(first, sqlx::Error::Io(_)), "{first:?}");
        assert_eq!(server_of(&pool).fresh(), Some(false));
        assert!(known_down(&pool));
        assert!(acquire(&pool).await.is_err());
    }
}

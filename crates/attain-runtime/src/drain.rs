//! What a call needs to know about the server shutting down. On SIGTERM the server first reports
//! itself not ready while it keeps serving (the drain delay), then stops accepting calls and lets
//! unary calls finish; a stream cannot be waited for (it may run for minutes), so it is told to
//! end with a retryable status through [`Stopping`], and its client resumes on another replica.

use tokio::sync::watch;

/// Completes once the server has stopped accepting calls. Every request carries one in its
/// extensions (put there by [`crate::server::GrpcServer`]); a [`crate::Ctx`] hands it on.
#[derive(Clone, Debug)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    /// One that never completes: for background work and servers that never stop.
    pub fn never() -> Stopping {
        channel().1
    }

    /// Waits until the server stops accepting calls; never completes if it never does.
    pub async fn wait(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|stopping| *stopping).await.is_err() {
            // The server is gone without saying it stops: nothing left to wait for.
            std::future::pending::<()>().await;
        }
    }

    pub fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// The one the server put into `request`, or [`Stopping::never`] outside a server.
    pub fn of<T>(request: &tonic::Request<T>) -> Stopping {
        request
            .extensions()
            .get::<Stopping>()
            .cloned()
            .unwrap_or_else(Stopping::never)
    }
}

/// The server's end (send `true` when it stops accepting calls) and the calls' end.
pub(crate) fn channel() -> (watch::Sender<bool>, Stopping) {
    let (tx, rx) = watch::channel(false);
    (tx, Stopping(rx))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn calls_hear_the_server_stop() {
        let (tx, stopping) = channel();
        assert!(!stopping.is_stopping());
        let waiting = tokio::spawn({
            let stopping = stopping.clone();
            async move { stopping.wait().await }
        });
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
        assert!(stopping.is_stopping());
    }

    #[tokio::test]
    async fn never_means_never() {
        let waited = tokio::time::timeout(Duration::from_millis(50), Stopping::never().wait()).await;
        assert!(waited.is_err());
    }
}

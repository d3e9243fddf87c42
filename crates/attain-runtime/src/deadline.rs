//! The server's per-call deadline. Unary calls get `ATTAIN_REQUEST_TIMEOUT`; long-lived
//! streams (bulk loads) are exempt and bounded by the caller's own `grpc-timeout`, which tonic
//! enforces for every call.

use std::{
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use futures::future::BoxFuture;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

#[derive(Clone)]
pub struct DeadlineLayer {
    timeout: Duration,
    exempt: Arc<Vec<&'static str>>,
}

impl DeadlineLayer {
    pub fn new(timeout: Duration, exempt: Vec<&'static str>) -> Self {
        Self {
            timeout,
            exempt: Arc::new(exempt),
        }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    layer: DeadlineLayer,
}

impl<S, B> Service<http::Request<B>> for Deadline<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let exempt = self.layer.exempt.iter().any(|p| *p == req.uri().path());
        let timeout = self.layer.timeout;
        let call = self.inner.call(req);
        Box::pin(async move {
            if exempt {
                return call.await;
            }
            match tokio::time::timeout(timeout, call).await {
                Ok(response) => response,
                Err(_) => Ok(Status::deadline_exceeded(format!(
                    "the call took longer than the server's limit of {timeout:?}"
                ))
                .into_http()),
            }
        })
    }
}

//! The tower layer that authenticates every call except health checks and reflection, and puts
//! the [`Caller`] into the request's extensions for the service to read.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use super::Authenticator;

/// Paths this layer lets through without a tenant credential: probes and tools must work
/// without one, and the internal and operator APIs authenticate their callers themselves (a
/// peer token; a platform-operator key), never with a tenant's.
fn is_public(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.")
        || path.starts_with("/grpc.reflection.")
        || path.starts_with("/attain.org.v1.CredentialService/")
        || path.starts_with("/attain.operator.v1.OperatorService/")
}

#[derive(Clone)]
pub struct AuthLayer {
    auth: Authenticator,
}

impl AuthLayer {
    pub fn new(auth: Authenticator) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    auth: Authenticator,
}

impl<S, B> Service<http::Request<B>> for AuthService<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // The clone that was polled ready serves this call; the fresh clone waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            if is_public(req.uri().path()) {
                return inner.call(req).await;
            }
            let header = req
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            match auth.authenticate(header.as_deref()).await {
                Ok(caller) => {
                    tracing::Span::current().record("tenant", tracing::field::display(caller.tenant_id));
                    // Kept so calls to other services carry the original caller's identity.
                    let credential = header
                        .as_deref()
                        .and_then(|h| h.split_once(' '))
                        .map(|(_, t)| t.trim().to_string());
                    if let Some(token) = credential {
                        req.extensions_mut().insert(super::Credential(token));
                    }
                    req.extensions_mut().insert(caller);
                    inner.call(req).await
                }
                Err(err) => Ok(Status::from(err).into_http()),
            }
        })
    }
}

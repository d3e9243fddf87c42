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
            // An API key names its tenant in the clear: the lines written while it is checked
            // (a directory that does not answer, say) carry that tenant too. A key refused by the
            // check still names the tenant it claimed; its access line says UNAUTHENTICATED.
            let claimed = header
                .as_deref()
                .and_then(|h| h.split_once(' '))
                .and_then(|(_, token)| super::ApiKey::parse(token.trim()));
            let claimed_tenant = claimed.map(|key| key.tenant_id);
            if let Some(tenant) = claimed_tenant {
                tracing::Span::current().record("tenant", tracing::field::display(tenant));
            }
            match auth.authenticate(header.as_deref()).await {
                Ok(caller) => {
                    // Recorded once: a text log line repeats a field recorded twice.
                    if claimed_tenant != Some(caller.tenant_id) {
                        tracing::Span::current().record("tenant", tracing::field::display(caller.tenant_id));
                    }
                    // Kept so calls to other services carry the original caller's identity.
                    let credential = header
                        .as_deref()
                        .and_then(|h| h.split_once(' '))
                        .map(|(_, t)| t.trim().to_string());
                    if let Some(token) = credential {
                        req.extensions_mut().insert(actor_of(&token));
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

/// Who a verified credential is, for the audit trail: an API key by its id (never its secret),
/// a token by its issuer and subject.
fn actor_of(token: &str) -> crate::audit::Actor {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    if let Some(key) = super::ApiKey::parse(token) {
        return crate::audit::Actor {
            kind: "api_key",
            id: key.key_id.to_string(),
        };
    }
    let claims: Option<serde_json::Value> = token
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|json| serde_json::from_slice(&json).ok());
    let claim = |name: &str| {
        claims
            .as_ref()
            .and_then(|c| c.get(name))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .chars()
            .take(256)
            .collect::<String>()
    };
    crate::audit::Actor {
        kind: "token",
        id: format!("{}#{}", claim("iss"), claim("sub")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Instrument;

    use super::*;
    use crate::{
        ApiError,
        auth::{ApiKey, ApiKeyStore, Caller, TokenStore},
    };

    /// Every well-formed key belongs to the tenant it names: what the org directory answers for
    /// a key it holds.
    struct KeysOfTheirTenant;

    impl ApiKeyStore for KeysOfTheirTenant {
        fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<Option<Caller>, ApiError>> {
            Box::pin(async move {
                Ok(Some(Caller {
                    tenant_id: key.tenant_id,
                    person_id: None,
                    role: attain_domain::org::AccessRole::Admin,
                }))
            })
        }
    }

    impl TokenStore for KeysOfTheirTenant {
        fn verify_token<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Caller, ApiError>> {
            Box::pin(async { Err(ApiError::Unauthenticated("no tokens here".into())) })
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_keys_tenant_is_on_the_calls_lines_once() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let auth = Authenticator::new(Arc::new(KeysOfTheirTenant), Arc::new(KeysOfTheirTenant));
        let served = tower::service_fn(|_: http::Request<Body>| async {
            tracing::info!("served");
            Ok::<_, std::convert::Infallible>(http::Response::new(Body::empty()))
        });
        let mut service = AuthLayer::new(auth).layer(served);
        let tenant = "0123456789abcdef0123456789abcdef";
        let key = format!("attain_{tenant}_0123456789abcdef0123456789abcdef_{}", "ab".repeat(32));
        let request = http::Request::builder()
            .uri("/attain.metrics.v1.MetricsService/ListMetrics")
            .header(http::header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::empty())
            .expect("request");
        let span = tracing::info_span!("rpc", tenant = tracing::field::Empty);
        service.call(request).instrument(span).await.expect("served");
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        let line = text.lines().find(|l| l.contains("served")).expect("the served line");
        assert_eq!(line.matches("tenant=").count(), 1, "{line}");
        assert!(line.contains("tenant=01234567-89ab-cdef-0123-456789abcdef"), "{line}");
    }
}

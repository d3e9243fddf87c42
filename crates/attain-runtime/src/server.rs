//! The gRPC server every service runs: health, reflection, authentication, deadlines, message
//! size and concurrency limits with load shedding, and a graceful shutdown that drains
//! in-flight calls. Mounted here once so no service can forget one of them.

use std::{convert::Infallible, future::Future, time::Duration};

use anyhow::Context;
use tonic::{
    body::Body,
    server::NamedService,
    service::RoutesBuilder,
    transport::{Server, server::TcpIncoming},
};
use tonic_health::ServingStatus;
use tower::{Service, ServiceBuilder, limit::GlobalConcurrencyLimitLayer};

use crate::{
    audit::{AuditLayer, AuditSink},
    auth::{AuthLayer, Authenticator},
    config::ServerArgs,
    deadline::DeadlineLayer,
    limits::MessageLimitLayer,
    observe::ObserveLayer,
    rate_limit::RateLimitLayer,
};

/// A gRPC server being assembled from one or more services.
pub struct GrpcServer {
    args: ServerArgs,
    routes: RoutesBuilder,
    names: Vec<&'static str>,
    long_running: Vec<&'static str>,
    audit: Option<AuditSink>,
}

impl GrpcServer {
    pub fn new(args: &ServerArgs) -> Self {
        Self {
            args: args.clone(),
            routes: RoutesBuilder::default(),
            names: Vec::new(),
            long_running: Vec::new(),
            audit: None,
        }
    }

    /// Keeps the service's audit trail in `table` (e.g. `metrics.audit_events`): a row for every
    /// write call that ends OK (see [`crate::audit`]), and `AuditService` to list it.
    pub fn with_audit(mut self, pool: sqlx::PgPool, service: &'static str, table: &'static str) -> Self {
        self.audit = Some(AuditSink::new(pool.clone(), service, table));
        let max = self.args.max_message_bytes;
        self.add_service(crate::audit_api::AuditApi::new(pool, table).into_server(max))
    }

    /// Exempts a method (e.g. `/attain.metrics.v1.MetricsService/StreamEvents`) from the
    /// server's per-call deadline: a bulk stream may run for minutes, bounded by the caller's
    /// own deadline.
    pub fn long_running(mut self, path: &'static str) -> Self {
        self.long_running.push(path);
        self
    }

    /// The message size limit services must set on their generated servers.
    pub fn max_message_bytes(&self) -> usize {
        self.args.max_message_bytes
    }

    pub fn add_service<S>(mut self, svc: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes.add_service(svc);
        self
    }

    /// Serves on `incoming` until `shutdown` completes; then reports NOT_SERVING to health checks
    /// and keeps serving for the drain delay, then stops accepting calls (HTTP/2 GOAWAY), ends
    /// streams with UNAVAILABLE and lets unary calls finish within the grace period.
    pub async fn serve(
        mut self,
        incoming: TcpIncoming,
        auth: Authenticator,
        shutdown: impl Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        let (health, health_service) = tonic_health::server::health_reporter();
        for name in &self.names {
            health.set_service_status(*name, ServingStatus::Serving).await;
        }
        // Reflection lists exactly what this port serves: every descriptor is registered (so a
        // client can still resolve shared message types), but only these names are advertised.
        let reflection = || {
            let builder = tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(attain_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .with_service_name("grpc.health.v1.Health")
                .with_service_name("grpc.reflection.v1.ServerReflection")
                .with_service_name("grpc.reflection.v1alpha.ServerReflection");
            self.names
                .iter()
                .fold(builder, |builder, name| builder.with_service_name(*name))
        };
        let reflection_v1 = reflection().build_v1().context("building reflection")?;
        let reflection_v1alpha = reflection().build_v1alpha().context("building reflection")?;
        self.routes
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);

        let (stop_accepting, stopping) = crate::drain::channel();
        // Outermost, so that shed, timed-out and refused calls are counted and traced too.
        let layers = ServiceBuilder::new()
            .layer(ObserveLayer::new(&self.args))
            .map_request(move |mut request: http::Request<Body>| {
                request.extensions_mut().insert(stopping.clone());
                request
            })
            // Calls not yet known to be a tenant's (still being authenticated) are bounded too,
            // at twice the server's limit, so that a flood of new calls cannot pile up here.
            .load_shed()
            .layer(GlobalConcurrencyLimitLayer::new(
                self.args.concurrency_limit.saturating_mul(2),
            ))
            .layer(DeadlineLayer::new(self.args.request_timeout, self.long_running.clone()))
            .layer(AuthLayer::new(auth))
            .option_layer(
                (!self.args.rate_limits.is_empty()).then(|| RateLimitLayer::new(self.args.rate_limits.clone())),
            )
            // Past the rate limit, so a refused call is not counted open. It also holds the
            // server's own limit of calls, taken after each tenant's share (a tower limit takes
            // its place when the server asks whether it is ready, before anyone knows whose
            // call it is): one tenant's calls can take at most their share of it.
            .layer(crate::tenant_share::TenantShareLayer::new(
                self.args.tenant_max_calls,
                self.args.concurrency_limit,
            ))
            // Inside authentication, which tells it who called.
            .layer(AuditLayer::new(self.audit.clone()))
            .layer(MessageLimitLayer)
            .into_inner();

        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let names = self.names.clone();
        let delay = self.args.drain_delay;
        let signal = async move {
            shutdown.await;
            // Not ready first (the admin port's /readyz already says so), while calls are still
            // served: endpoints and peers' DNS answers need a moment to drop this replica, and a
            // call sent in that moment must not find the port closed.
            for name in names {
                health.set_service_status(name, ServingStatus::NotServing).await;
            }
            if !delay.is_zero() {
                tracing::info!(
                    ?delay,
                    "draining: reported not ready, still serving while endpoints update"
                );
                tokio::time::sleep(delay).await;
            }
            tracing::info!("shutting down: no new calls; in-flight calls finish, streams end with UNAVAILABLE");
            let _ = stop_accepting.send(true);
            let _ = drain_tx.send(());
        };
        let tls = crate::tls::ServerTls::from_args(&self.args.tls)?;
        let router = Server::builder().layer(layers).add_routes(self.routes.routes());
        let server: futures::future::BoxFuture<'_, Result<(), tonic::transport::Error>> = match tls {
            Some(tls) => Box::pin(router.serve_with_incoming_shutdown(tls.accept(incoming), signal)),
            None => Box::pin(router.serve_with_incoming_shutdown(incoming, signal)),
        };
        let grace = self.args.shutdown_grace;
        tokio::pin!(server);
        tokio::select! {
            served = &mut server => served.context("gRPC server failed")?,
            () = grace_expired(drain_rx, grace) => {
                tracing::warn!(?grace, "grace period over; stopping with calls still in flight");
            }
        }
        Ok(())
    }
}

async fn grace_expired(drain: tokio::sync::oneshot::Receiver<()>, grace: Duration) {
    if drain.await.is_ok() {
        tokio::time::sleep(grace).await;
    } else {
        std::future::pending::<()>().await;
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The signal a service's `serve` stops on. Boxed so that each service's whole server is
/// compiled once, in its own crate, instead of again in every crate that starts it with a
/// signal of its own type.
pub type Shutdown = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Binds a listener with TCP_NODELAY, which small request/response RPCs need to avoid
/// waiting on delayed ACKs.
pub fn bind(addr: std::net::SocketAddr) -> anyhow::Result<TcpIncoming> {
    let incoming = TcpIncoming::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    Ok(incoming.with_nodelay(Some(true)))
}

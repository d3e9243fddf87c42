//! Running one service from its [`Settings`]: the database pool, the gRPC listener, the admin
//! HTTP server (/healthz, /readyz, /metrics) beside it, and the service's own `serve`.

use std::sync::Arc;

use anyhow::bail;
use attain_runtime::{admin, config::ServerArgs, db, rpc_metrics::ServiceMetrics, server::Shutdown};

use crate::{
    service::{BUILT, Service},
    settings::Settings,
};

/// Serves `settings.service` on `settings.listen` (gRPC) and `settings.admin_listen` (/healthz,
/// /readyz, /metrics) until `shutdown` completes.
pub async fn serve(settings: &Settings, shutdown: Shutdown) -> anyhow::Result<()> {
    let service = settings.service;
    let Some(schemas) = service.schemas().filter(|_| BUILT.contains(&service)) else {
        bail!(
            "the {} service is not built yet; this version of attain serves: {}",
            service.name(),
            BUILT.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        );
    };
    attain_runtime::tls::set_peer_tls(&settings.server.tls)?;
    attain_runtime::balance::set_resolve_interval(settings.server.peer_resolve_interval);
    attain_runtime::tls::peer_connector(&settings.org_url, "ATTAIN_ORG_URL")?;
    attain_runtime::tls::peer_connector(&settings.metrics_url, "ATTAIN_METRICS_URL")?;
    // Checked before anything starts, so a bad file fails the start with its setting's name.
    attain_runtime::tls::ServerTls::from_args(&settings.server.tls)?;
    let pool = db::connect(&settings.db).await?;
    let incoming = attain_runtime::server::bind(settings.listen)?;
    let admin_listener = admin::bind(settings.admin_listen).await?;
    let mut metrics = ServiceMetrics::new();
    match service {
        Service::Metrics => attain_metrics::counters::register(metrics.registry_mut()),
        // The org directory (served here) verifies tokens against each tenant's issuers.
        Service::Scorecard => {
            attain_idp::register_metrics(metrics.registry_mut());
            attain_scorecard::counters::register(metrics.registry_mut());
        }
        Service::Coaching | Service::Hiring => {}
    }
    let metrics = Arc::new(metrics);
    // The servers count their calls into the registry the admin server exposes.
    let settings = Settings {
        server: ServerArgs {
            metrics: Some(metrics.clone()),
            service: Some(service.process_name()),
            ..settings.server.clone()
        },
        ..settings.clone()
    };
    let admin = admin::Admin::new(metrics, pool.clone(), schemas);
    tracing::info!(service = service.name(), listen = %settings.listen, admin = %settings.admin_listen, "serving gRPC");
    admin::serve_with_grpc(admin_listener, admin, shutdown, move |shutdown| async move {
        let common = settings.service_settings();
        match service {
            Service::Scorecard => {
                let scorecard = attain_scorecard::Settings {
                    service: common,
                    metrics_url: settings.metrics_url.clone(),
                    webhooks: settings.webhooks.clone(),
                };
                attain_scorecard::serve(&scorecard, pool, incoming, shutdown).await
            }
            Service::Metrics => attain_metrics::serve(&common, pool, incoming, shutdown).await,
            Service::Coaching => {
                let coaching = attain_coaching::Settings {
                    service: common,
                    survey_secret: settings.required_survey_secret()?.as_bytes().to_vec(),
                };
                attain_coaching::serve(&coaching, pool, incoming, shutdown).await
            }
            Service::Hiring => attain_hiring::serve(&common, pool, incoming, shutdown).await,
        }
    })
    .await
}

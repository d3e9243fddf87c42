//! Which service the current call is served by, for a process that runs several (`attain dev`):
//! the spans made inside a call name it, so that each service's spans are exported under its own
//! `service.name` (see `telemetry`).

use std::future::Future;

/// The span attribute that names the service (e.g. `attain-metrics`) a span was made for, in a
/// process that runs several.
pub const SERVICE_ATTRIBUTE: &str = "attain.service";

tokio::task_local! {
    /// The service whose call the current task serves, when the server was given one.
    static SERVICE: &'static str;
}

/// The service whose call is being served here, if the server named one.
pub(crate) fn current_service() -> Option<&'static str> {
    SERVICE.try_with(|service| *service).ok()
}

/// Runs `call` as a call of `service`: the spans made inside it (SQL statements, calls to other
/// services) name it too.
pub(crate) async fn in_service<F: Future>(service: Option<&'static str>, call: F) -> F::Output {
    match service {
        Some(service) => SERVICE.scope(service, call).await,
        None => call.await,
    }
}

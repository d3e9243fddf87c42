//! The dispatcher: claims due deliveries (any replica may run one; a delivery is claimed by one
//! at a time), POSTs each signed, and records the outcome: delivered, a retry after backoff,
//! or the dead letter once the attempts run out. A dispatcher that dies mid-delivery leaves a
//! claim whose lease runs out, after which the delivery is claimed and sent again: at least
//! once.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context;
use attain_domain::webhook::{AfterFailure, Backoff};
use attain_runtime::config::WebhookArgs;
use chrono::Utc;
use futures::FutureExt;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use sqlx::PgPool;

use super::{
    message,
    store::{self, Claimed, Outcome},
    target::{self, GuardedResolver},
};

type HttpClient = Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>;

/// Sends webhook deliveries until its shutdown future completes.
#[derive(Clone)]
pub struct Dispatcher {
    pool: PgPool,
    args: Arc<WebhookArgs>,
    client: HttpClient,
}

impl Dispatcher {
    pub fn new(pool: PgPool, args: &WebhookArgs) -> anyhow::Result<Dispatcher> {
        args.validate()?;
        let mut http = HttpConnector::new_with_resolver(GuardedResolver {
            allow_private: args.allow_private,
        });
        // https URLs are handed to the TLS wrapper, which needs the plain connector to accept them.
        http.enforce_http(false);
        http.set_connect_timeout(Some(args.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .context("setting up TLS for webhooks")?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Dispatcher {
            pool,
            args: Arc::new(args.clone()),
            client,
        })
    }

    /// Claims and sends due deliveries until `shutdown` completes. A batch being sent when it
    /// does is finished first (each send is bounded by the timeout), so no claim is left to run
    /// out on a clean stop.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        tracing::info!(batch = self.args.batch, "webhook dispatcher started");
        loop {
            let claimed = match store::claim(&self.pool, self.args.batch, self.args.lease).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying");
                    Vec::new()
                }
            };
            let full = claimed.len() >= self.args.batch as usize;
            if !full {
                // Between bursts: a queue that keeps up is read once a poll, not once a batch.
                self.report_backlog().await;
            }
            futures::future::join_all(claimed.into_iter().map(|c| self.deliver(c))).await;
            if full {
                // More may be due at once: go on unless asked to stop.
                if (&mut shutdown).now_or_never().is_some() {
                    break;
                }
            } else {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(self.args.poll) => {}
                }
            }
        }
        tracing::info!("webhook dispatcher stopped");
    }

    /// What waits to be sent, for /metrics (an alert fires when the oldest keeps ageing).
    async fn report_backlog(&self) {
        match store::backlog(&self.pool).await {
            Ok((pending, oldest)) => {
                crate::counters::WEBHOOK_BACKLOG.set(pending);
                crate::counters::WEBHOOK_OLDEST.set(oldest);
            }
            Err(e) => tracing::warn!(error = %e, "reading the webhook backlog failed"),
        }
    }

    async fn deliver(&self, claimed: Claimed) {
        let (status, error) = match self.send(&claimed).await {
            Ok(status) if (200..300).contains(&status) => (status, None),
            Ok(status) => (status, Some(format!("HTTP {status}"))),
            Err(error) => (0, Some(error)),
        };
        let status = i32::from(status);
        let outcome = match error {
            None => Outcome::Delivered { status },
            Some(error) => {
                let backoff = Backoff {
                    base: self.args.backoff,
                    max: self.args.backoff_max,
                    max_attempts: self.args.max_attempts,
                };
                let attempt = u32::try_from(claimed.attempts).unwrap_or(1);
                match backoff.after_failure(attempt, rand::random::<f64>()) {
                    AfterFailure::Retry(after) => Outcome::Retry { status, error, after },
                    AfterFailure::DeadLetter => {
                        crate::counters::WEBHOOK_DEAD.inc();
                        Outcome::Dead { status, error }
                    }
                }
            }
        };
        tracing::info!(
            delivery = %claimed.delivery_id,
            tenant = %claimed.tenant_id,
            attempt = claimed.attempts,
            outcome = ?outcome,
            "webhook attempt"
        );
        match store::finish(&self.pool, &claimed, &outcome).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                delivery = %claimed.delivery_id,
                "webhook claim expired before the attempt ended; another dispatcher owns it now"
            ),
            // The lease runs out and the delivery is sent again: at least once.
            Err(e) => tracing::warn!(delivery = %claimed.delivery_id, error = %e, "recording a webhook attempt failed"),
        }
    }

    /// POSTs the delivery; the HTTP status, or why there is none.
    async fn send(&self, c: &Claimed) -> Result<u16, String> {
        let uri = target::check_url(&c.url, self.args.allow_private)
            .map_err(|_| target::NOT_ALLOWED.to_string())?
            .uri;
        let format = c.format;
        let body = serde_json::to_vec(&message::body(format, c.tenant_id, c.delivery_id, &c.events))
            .map_err(|e| format!("encoding the body: {e}"))?;
        let timestamp = Utc::now().timestamp();
        let request = http::Request::post(uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("attain-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header("attain-delivery-id", c.delivery_id.to_string())
            .header("attain-event-type", message::event_type(&c.events))
            .header("attain-timestamp", timestamp.to_string())
            .header("attain-signature", message::signature(&c.secret, timestamp, &body))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("building the request: {e}"))?;
        match tokio::time::timeout(self.args.timeout, self.client.request(request)).await {
            Err(_) => Err(format!("timed out after {}", humanize(self.args.timeout))),
            Ok(Err(e)) => Err(chain(&e)),
            Ok(Ok(response)) => Ok(response.status().as_u16()),
        }
    }
}

/// An error with its causes, e.g. "client error (Connect): connection refused".
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(500).collect()
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

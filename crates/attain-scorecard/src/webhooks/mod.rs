//! Webhooks (`attain.webhooks.v1.WebhookService`): subscriptions per tenant, a transactional
//! outbox of deliveries in the `scorecard` schema, and the dispatcher that sends them signed,
//! at least once, with retries and a dead letter. Milestone detection calls [`enqueue`] inside
//! the transaction that records a milestone; the quiet rules and backoff are decided in
//! `attain_domain::webhook`.

mod app;
mod dispatch;
mod grpc;
pub mod message;
pub mod store;
pub mod target;

pub use app::WebhookApi;
pub use dispatch::Dispatcher;
pub use store::{MilestoneEvent, enqueue};

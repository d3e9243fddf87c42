//! Spans exported under the `service.name` of the service that made them, in a process that runs
//! several (`attain dev`). OTLP names the service once per exporter (its resource), so there is
//! one exporter per service, and each span goes to the one its `attain.service` attribute names;
//! a span without one (start-up, background work outside any call) goes under the process's own
//! name.

use std::time::Duration;

use opentelemetry::{KeyValue, Value};
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::{Resource, error::OTelSdkResult, trace::SpanData};

use crate::serving::SERVICE_ATTRIBUTE;

#[derive(Debug)]
pub(super) struct ByService {
    /// For spans of no named service.
    process: SpanExporter,
    services: Vec<(&'static str, SpanExporter)>,
}

impl ByService {
    pub(super) fn new(process: SpanExporter, services: Vec<(&'static str, SpanExporter)>) -> Self {
        Self { process, services }
    }

    /// Which exporter a span goes to: 0 for the process's, else 1 + the service's place.
    fn slot(&self, span: &SpanData) -> usize {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == SERVICE_ATTRIBUTE)
            .and_then(|kv| self.services.iter().position(|(name, _)| kv.value.as_str() == *name))
            .map_or(0, |place| place + 1)
    }

    fn exporter(&self, slot: usize) -> &SpanExporter {
        match slot {
            0 => &self.process,
            _ => &self.services[slot - 1].1,
        }
    }

    fn each(&self, mut f: impl FnMut(&SpanExporter) -> OTelSdkResult) -> OTelSdkResult {
        let mut outcome = f(&self.process);
        for (_, exporter) in &self.services {
            let result = f(exporter);
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }
}

impl opentelemetry_sdk::trace::SpanExporter for ByService {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut groups: Vec<Vec<SpanData>> = (0..=self.services.len()).map(|_| Vec::new()).collect();
        for span in batch {
            let slot = self.slot(&span);
            groups[slot].push(span);
        }
        let mut outcome = Ok(());
        for (slot, group) in groups.into_iter().enumerate() {
            if group.is_empty() {
                continue;
            }
            let result = self.exporter(slot).export(group).await;
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.each(|exporter| exporter.shutdown_with_timeout(timeout))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.each(|exporter| exporter.force_flush())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.process.set_resource(resource);
        for (name, exporter) in &mut self.services {
            exporter.set_resource(&renamed(resource, name));
        }
    }
}

/// `resource` with `service.name` set to `name`.
fn renamed(resource: &Resource, name: &'static str) -> Resource {
    let kept = resource
        .iter()
        .filter(|(key, _)| key.as_str() != "service.name")
        .map(|(key, value)| KeyValue::new(key.clone(), value.clone()));
    Resource::builder_empty()
        .with_attributes(kept)
        .with_attribute(KeyValue::new("service.name", Value::from(name)))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_resource_keeps_the_rest() {
        let resource = Resource::builder_empty()
            .with_service_name("attain-dev")
            .with_attribute(KeyValue::new("service.namespace", "attain"))
            .build();
        let renamed = renamed(&resource, "attain-metrics");
        let get = |key: &'static str| {
            renamed
                .get(&opentelemetry::Key::from_static_str(key))
                .map(|v| v.to_string())
        };
        assert_eq!(get("service.name").as_deref(), Some("attain-metrics"));
        assert_eq!(get("service.namespace").as_deref(), Some("attain"));
    }
}

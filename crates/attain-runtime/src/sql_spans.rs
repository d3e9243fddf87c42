//! A span per SQL statement, from the event sqlx writes when a statement finishes.
//!
//! sqlx does not open a span around a statement; it logs one event at the end with the SQL and
//! the time taken. This layer turns each such event into a client span that ends now and began
//! `elapsed` ago, as a child of the OpenTelemetry context active at that moment (the call's span,
//! entered while its future is polled). Installed only when traces are exported.

use std::time::{Duration, SystemTime};

use opentelemetry::{
    Context, KeyValue,
    trace::{Span as _, SpanKind, TraceContextExt, Tracer as _},
};
use opentelemetry_sdk::trace::SdkTracer;
use tracing::{Event, Subscriber, field::Field};
use tracing_subscriber::{Layer, layer};

/// Longest statement text kept on a span; batch inserts can be kilobytes of placeholders.
const MAX_STATEMENT: usize = 2048;

pub struct SqlSpans {
    tracer: SdkTracer,
}

impl SqlSpans {
    pub fn new(tracer: SdkTracer) -> Self {
        Self { tracer }
    }
}

impl<S: Subscriber> Layer<S> for SqlSpans {
    fn on_event(&self, event: &Event<'_>, _ctx: layer::Context<'_, S>) {
        let parent = Context::current();
        // A statement outside any call (migrations, the background folder) starts no trace.
        if !parent.span().span_context().is_valid() {
            return;
        }
        let mut fields = Statement::default();
        event.record(&mut fields);
        let end = SystemTime::now();
        let start = end
            .checked_sub(Duration::from_secs_f64(fields.elapsed_secs.max(0.0)))
            .unwrap_or(end);
        let text = if fields.statement.trim().is_empty() {
            fields.summary.clone()
        } else {
            fields.statement.trim().to_string()
        };
        let mut attributes = vec![
            KeyValue::new("db.system.name", "postgresql"),
            KeyValue::new("db.query.text", truncate(text, MAX_STATEMENT)),
            KeyValue::new("db.response.returned_rows", fields.rows_returned),
            KeyValue::new("db.rows_affected", fields.rows_affected),
        ];
        if let Some(service) = crate::serving::current_service() {
            attributes.push(KeyValue::new(crate::serving::SERVICE_ATTRIBUTE, service));
        }
        let mut span = self
            .tracer
            .span_builder(span_name(&fields.summary))
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, &parent);
        span.end_with_timestamp(end);
    }
}

/// "SELECT …" from sqlx's one-line summary: the statement's first word is what a trace view
/// has room for; the text is an attribute.
fn span_name(summary: &str) -> String {
    let verb = summary.split_whitespace().next().unwrap_or("SQL");
    format!("db {}", verb.to_ascii_uppercase())
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[derive(Default)]
struct Statement {
    summary: String,
    statement: String,
    elapsed_secs: f64,
    rows_returned: i64,
    rows_affected: i64,
}

impl tracing::field::Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        match field.name() {
            "rows_returned" => self.rows_returned = value,
            "rows_affected" => self.rows_affected = value,
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_truncation() {
        assert_eq!(span_name("select person_id, … from metrics.totals …"), "db SELECT");
        assert_eq!(span_name(""), "db SQL");
        assert_eq!(truncate("ab".repeat(10), 5), "ababa…");
        assert_eq!(truncate("é".repeat(3), 3), "é…");
        assert_eq!(truncate("short".into(), 10), "short");
    }
}

//! What a subscriber receives: the body in the subscription's format, and the signature.

use attain_domain::webhook::{DIGEST_EVENT_TYPE, Format};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::store::MilestoneEvent;

/// Slack refuses messages with more than 50 blocks; a digest lists at most this many events
/// one by one and counts the rest.
const MAX_LISTED: usize = 40;

/// The `Attain-Event-Type` of a delivery: the event's own, or `milestone.digest` for several.
pub fn event_type(events: &[MilestoneEvent]) -> &str {
    match events {
        [one] => &one.event_type,
        _ => DIGEST_EVENT_TYPE,
    }
}

/// The JSON body of a delivery of `events` (oldest first) for `tenant`.
pub fn body(format: Format, tenant: Uuid, delivery: Uuid, events: &[MilestoneEvent]) -> Value {
    match format {
        Format::Json => cloud_event(tenant, delivery, events),
        Format::Slack => slack(events),
        Format::Teams => teams(events),
    }
}

fn headline(events: &[MilestoneEvent]) -> String {
    match events {
        [one] => one.title.clone(),
        _ => format!("{} milestones", events.len()),
    }
}

fn event_data(e: &MilestoneEvent) -> Value {
    json!({
        "id": e.id.to_string(),
        "type": e.event_type,
        "title": e.title,
        "person_id": e.person_id.map(|p| p.to_string()),
        "team_path": e.team_path.iter().map(Uuid::to_string).collect::<Vec<_>>(),
        "time": e.time.to_rfc3339(),
        "details": e.data,
    })
}

/// A CloudEvents 1.0 structured-mode envelope. A single event keeps its id (so retries and
/// redeliveries repeat it); a digest is an event of its own, identified by the delivery.
fn cloud_event(tenant: Uuid, delivery: Uuid, events: &[MilestoneEvent]) -> Value {
    let source = format!("/attain/tenants/{tenant}");
    match events {
        [e] => json!({
            "specversion": "1.0",
            "id": e.id.to_string(),
            "source": source,
            "type": e.event_type,
            "time": e.time.to_rfc3339(),
            "subject": e.person_id.map(|p| p.to_string()),
            "datacontenttype": "application/json",
            "data": event_data(e),
        }),
        _ => json!({
            "specversion": "1.0",
            "id": delivery.to_string(),
            "source": source,
            "type": DIGEST_EVENT_TYPE,
            "time": events.last().map(|e| e.time.to_rfc3339()),
            "datacontenttype": "application/json",
            "data": {
                "title": headline(events),
                "events": events.iter().map(event_data).collect::<Vec<_>>(),
            },
        }),
    }
}

/// Slack's mrkdwn treats `&`, `<` and `>` as markup.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn slack(events: &[MilestoneEvent]) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": format!(":trophy: {}", headline(events))},
    })];
    if events.len() > 1 {
        for e in events.iter().take(MAX_LISTED) {
            blocks.push(json!({
                "type": "section",
                "text": {"type": "mrkdwn", "text": format!("• {}", slack_escape(&e.title))},
            }));
        }
        if events.len() > MAX_LISTED {
            blocks.push(json!({
                "type": "section",
                "text": {"type": "mrkdwn", "text": format!("… and {} more", events.len() - MAX_LISTED)},
            }));
        }
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": format!("Attain · {}", event_type(events))}],
    }));
    json!({"text": headline(events), "blocks": blocks})
}

fn teams(events: &[MilestoneEvent]) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "size": "Large",
        "weight": "Bolder",
        "wrap": true,
        "text": format!("🏆 {}", headline(events)),
    })];
    if events.len() > 1 {
        for e in events.iter().take(MAX_LISTED) {
            body.push(json!({"type": "TextBlock", "wrap": true, "text": format!("- {}", e.title)}));
        }
        if events.len() > MAX_LISTED {
            body.push(json!({"type": "TextBlock", "text": format!("… and {} more", events.len() - MAX_LISTED)}));
        }
    }
    body.push(json!({
        "type": "TextBlock",
        "isSubtle": true,
        "size": "Small",
        "text": format!("Attain · {}", event_type(events)),
    }));
    json!({
        "type": "message",
        "summary": headline(events),
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            },
        }],
    })
}

/// `v1=<hex HMAC-SHA256 of "{timestamp}.{body}" keyed with the secret>`, the
/// `Attain-Signature` header.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot run.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex(&mac.finalize().into_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A new signing secret: `whsec_` and 256 random bits in hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", hex(&bytes))
}

#[cfg(test)]
mod tests {
    use attain_domain::webhook::EventType;

    use super::*;

    fn event(title: &str) -> MilestoneEvent {
        MilestoneEvent::new(EventType::QuotaAttained, title, Some(Uuid::nil()), vec![])
    }

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let body = b"what do ya want for nothing?";
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(body);
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // What the README's Python receiver computes for the same input.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        assert_ne!(signature("a", 1, b"{}"), signature("a", 2, b"{}"));
    }

    #[test]
    fn one_event_keeps_its_id_and_type_and_a_digest_lists_every_event() {
        let one = [event("Ana hit 100% of her monthly quota")];
        let ce = body(Format::Json, Uuid::nil(), Uuid::max(), &one);
        assert_eq!(ce["id"], json!(one[0].id.to_string()));
        assert_eq!(ce["type"], "milestone.quota_attained");
        assert_eq!(ce["specversion"], "1.0");
        let two = [event("Ana <b>"), event("Bo")];
        let ce = body(Format::Json, Uuid::nil(), Uuid::max(), &two);
        assert_eq!(ce["type"], DIGEST_EVENT_TYPE);
        assert_eq!(ce["data"]["events"].as_array().map(Vec::len), Some(2));
        let s = body(Format::Slack, Uuid::nil(), Uuid::max(), &two);
        assert_eq!(s["text"], "2 milestones");
        assert!(s["blocks"].to_string().contains("Ana &lt;b&gt;"));
        let t = body(Format::Teams, Uuid::nil(), Uuid::max(), &one);
        assert_eq!(
            t["attachments"][0]["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
    }

    #[test]
    fn secrets_are_long_and_different() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 6 + 64);
        assert_ne!(a, b);
    }
}

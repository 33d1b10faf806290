//! What messages carry as JSON: the webhook body of each message, and a report email as its
//! run queued it in the outbox ([`ReportMail`]).

use super::{About, AlertPart, Message};
use crate::domain::AlertId;
use crate::domain::notification::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An alert message's webhook body, written from the message's own fields (in alphabetical
/// order, as a `serde_json` map would write them) without building a value tree first.
#[derive(Serialize)]
struct AlertBody<'a> {
    acknowledged_at: Option<String>,
    body: &'a Option<String>,
    company: CompanyRef<'a>,
    company_id: &'a str,
    event: &'a Event,
    id: &'a AlertId,
    key: &'a str,
    labels: &'a BTreeMap<String, String>,
    links: Links<'a>,
    opened_at: String,
    resolved_at: Option<String>,
    severity: &'static str,
    status: &'static str,
    timestamp: String,
    title: &'a str,
    #[serde(rename = "type")]
    kind: std::borrow::Cow<'static, str>,
}

#[derive(Serialize)]
struct CompanyRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Links<'a> {
    acknowledge: &'a Option<String>,
    alert: &'a str,
}

/// `alert.<event>`, written once for the events of alerts.
fn alert_type(event: Event) -> std::borrow::Cow<'static, str> {
    match event {
        Event::Opened => "alert.opened".into(),
        Event::Escalated => "alert.escalated".into(),
        Event::Renotified => "alert.renotified".into(),
        Event::Resolved => "alert.resolved".into(),
        other => format!("alert.{other}").into(),
    }
}

fn rfc3339(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

impl Message {
    /// The webhook's JSON body: an alert's fields, what happened and its links; for other
    /// messages, their type and text.
    pub fn webhook_text(&self) -> serde_json::Result<String> {
        match &self.about {
            About::Alert(part) => serde_json::to_string(&self.alert_body(part)),
            _ => serde_json::to_string(&self.note_body()),
        }
    }

    fn alert_body<'a>(&'a self, part: &'a AlertPart) -> AlertBody<'a> {
        let a = &part.alert;
        AlertBody {
            acknowledged_at: rfc3339(a.acknowledged_at),
            body: &a.body,
            company: CompanyRef {
                id: a.company_id.as_str(),
                name: &part.company_name,
            },
            company_id: a.company_id.as_str(),
            event: &self.notification.event,
            id: &a.id,
            key: &a.key,
            labels: &a.labels,
            links: Links {
                acknowledge: &part.ack_link,
                alert: &part.alert_link,
            },
            opened_at: a.opened_at.to_rfc3339(),
            resolved_at: rfc3339(a.resolved_at),
            severity: a.severity.as_str(),
            status: a.status.as_str(),
            timestamp: self.now.to_rfc3339(),
            title: &a.title,
            kind: alert_type(self.notification.event),
        }
    }

    /// The JSON body of a message that is not about an alert: its type and text (and the
    /// code, for a verification; the held counts, for a digest).
    fn note_body(&self) -> Value {
        let kind = match &self.about {
            About::Alert(_) => "alert",
            About::Verification { .. } => "method.verification",
            About::Digest(_) => "alert.digest",
            About::Report(_) => "report",
            _ => "method.test",
        };
        let mut body = json!({
            "type": kind,
            "timestamp": self.now.to_rfc3339(),
            "event": self.notification.event,
            "subject": self.subject(),
            "text": self.note_lines().join("\n"),
        });
        if let About::Verification { code, .. } = &self.about {
            body["code"] = json!(code);
        }
        if let About::Digest(lines) = &self.about {
            body["held"] =
                json!(lines
                .iter()
                .map(|l| json!({"company": l.company, "count": l.count, "critical": l.critical}))
                .collect::<Vec<_>>());
        }
        body
    }
}

/// What a report email carries through the outbox (its payload).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReportMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub csv_name: String,
    pub csv: String,
    /// The signed unsubscribe link, also sent as the RFC 8058 one-click headers (absent in
    /// payloads queued before it was carried).
    #[serde(default)]
    pub unsubscribe: Option<String>,
    /// The chart (PNG, base64), shown in the HTML part as `cid:chart`.
    #[serde(default)]
    pub chart_png: Option<String>,
}

/// The content id of a report's chart in its email.
pub const CHART_CID: &str = "chart";

#[cfg(test)]
mod tests {
    use super::super::card::tests::message;
    use crate::domain::notification::Event;
    use serde_json::json;

    #[test]
    fn an_alert_body_has_every_field_of_the_alert() {
        let mut message = message(Event::Opened, None);
        if let super::About::Alert(part) = &mut message.about {
            let alert = std::sync::Arc::make_mut(&mut part.alert);
            alert.labels.insert("zone".into(), "eu-1".into());
            alert.labels.insert("app".into(), "db \"quoted\"".into());
        }
        let text = message.webhook_text().unwrap();
        let t = "2026-12-02T10:00:00+00:00";
        let expected = json!({
            "acknowledged_at": null,
            "body": "Replica lag",
            "company": {"id": "co1", "name": "Northwind"},
            "company_id": "co1",
            "event": "opened",
            "id": "a1",
            "key": "db-1",
            "labels": {"app": "db \"quoted\"", "zone": "eu-1"},
            "links": {"acknowledge": "https://reach.test/ack/t", "alert": "https://reach.test/alerts/a1"},
            "opened_at": t,
            "resolved_at": null,
            "severity": "critical",
            "status": "firing",
            "timestamp": t,
            "title": "db-1 is down",
            "type": "alert.opened",
        });
        // Written in this order, as a map of the same fields would be.
        assert_eq!(text, serde_json::to_string(&expected).unwrap());
    }

    #[test]
    fn a_resolved_alert_has_no_acknowledge_link() {
        let text = message(Event::Resolved, None).webhook_text().unwrap();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["type"], "alert.resolved");
        assert_eq!(body["status"], "resolved");
        assert_eq!(body["resolved_at"], "2026-12-02T10:00:00+00:00");
        assert_eq!(body["links"]["acknowledge"], serde_json::Value::Null);
    }

    #[test]
    fn other_messages_carry_their_type_and_text() {
        let test = message(Event::Test, Some(super::About::Test));
        let body: serde_json::Value = serde_json::from_str(&test.webhook_text().unwrap()).unwrap();
        assert_eq!(body["type"], "method.test");
        assert_eq!(body["event"], "test");
        assert!(
            body["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
    }
}

//! What messages carry as JSON: the webhook body of each message, and a report email as its
//! run queued it in the outbox ([`ReportMail`]).

use super::{About, AlertPart, Message};
use crate::domain::AlertId;
use crate::domain::notification::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// An alert message's webhook body, written from the message's own fields: the same JSON as
/// [`Message::webhook_body`] gives, fields in its (alphabetical) order, without building the
/// value tree first.
#[derive(Serialize)]
struct AlertBody<'a> {
    acknowledged_at: Option<String>,
    body: &'a Option<String>,
    company: CompanyRef<'a>,
    company_id: String,
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
    kind: String,
}

#[derive(Serialize)]
struct CompanyRef<'a> {
    id: String,
    name: &'a str,
}

#[derive(Serialize)]
struct Links<'a> {
    acknowledge: &'a Option<String>,
    alert: &'a str,
}

fn rfc3339(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

impl Message {
    /// The webhook's body as sent: [`Message::webhook_body`], written out.
    pub fn webhook_text(&self) -> serde_json::Result<String> {
        match &self.about {
            About::Alert(part) => serde_json::to_string(&self.alert_body(part)),
            _ => serde_json::to_string(&self.webhook_body()),
        }
    }

    fn alert_body<'a>(&'a self, part: &'a AlertPart) -> AlertBody<'a> {
        let a = &part.alert;
        AlertBody {
            acknowledged_at: rfc3339(a.acknowledged_at),
            body: &a.body,
            company: CompanyRef {
                id: a.company_id.to_string(),
                name: &part.company_name,
            },
            company_id: a.company_id.to_string(),
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
            kind: format!("alert.{}", self.notification.event),
        }
    }

    /// The webhook's JSON body: the alert, what happened, and its links; for other messages,
    /// their type and text (and the code, for a verification).
    pub fn webhook_body(&self) -> Value {
        let part = match &self.about {
            About::Alert(part) => part,
            other => {
                let kind = match other {
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
                if let About::Verification { code, .. } = other {
                    body["code"] = json!(code);
                }
                if let About::Digest(lines) = other {
                    body["held"] = json!(lines
                        .iter()
                        .map(|l| json!({"company": l.company, "count": l.count, "critical": l.critical}))
                        .collect::<Vec<_>>());
                }
                return body;
            }
        };
        let a = &part.alert;
        let time = rfc3339;
        json!({
            "type": format!("alert.{}", self.notification.event),
            "timestamp": self.now.to_rfc3339(),
            "event": self.notification.event,
            "id": a.id,
            "company_id": a.company_id.to_string(),
            "company": {"id": a.company_id.to_string(), "name": part.company_name},
            "key": a.key,
            "severity": a.severity.as_str(),
            "status": a.status.as_str(),
            "title": a.title,
            "body": a.body,
            "labels": a.labels,
            "opened_at": a.opened_at.to_rfc3339(),
            "acknowledged_at": time(a.acknowledged_at),
            "resolved_at": time(a.resolved_at),
            "links": {"alert": part.alert_link, "acknowledge": part.ack_link},
        })
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

    #[test]
    fn an_alert_body_is_written_as_its_value_reads() {
        for event in [Event::Opened, Event::Escalated, Event::Resolved] {
            let mut message = message(event, None);
            if let super::About::Alert(part) = &mut message.about {
                part.alert.labels.insert("zone".into(), "eu-1".into());
                part.alert
                    .labels
                    .insert("app".into(), "db \"quoted\"".into());
            }
            let text = message.webhook_text().unwrap();
            assert_eq!(
                text,
                serde_json::to_string(&message.webhook_body()).unwrap()
            );
            assert!(text.contains(r#""type":"alert."#), "{text}");
        }
        let test = message(Event::Test, Some(super::About::Test));
        assert_eq!(
            test.webhook_text().unwrap(),
            serde_json::to_string(&test.webhook_body()).unwrap()
        );
    }
}

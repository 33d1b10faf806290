//! What messages carry as JSON: the webhook body of each message, and a report email as its
//! run queued it in the outbox ([`ReportMail`]).

use super::{About, Message};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

impl Message {
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
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
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

//! What a notification says: built when it is sent from the alert as it is then, in the
//! recipient's language and time zone.

use crate::delivery::links::{ACK_LINK_LIFETIME, AckGrant, LinkSigner};
use crate::domain::{AlertStatus, Severity};
use crate::i18n::Tr;
use crate::store::{Alert, DeliveryContext, Notification, RecipientInfo};
use askama::Template;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// One notification ready for its channel.
#[derive(Debug, Clone)]
pub struct Message {
    pub notification: Notification,
    pub recipient: RecipientInfo,
    pub account_name: String,
    pub alert: Alert,
    pub company_name: String,
    /// The alert's page in the web app.
    pub alert_link: String,
    /// Signed, expiring, no sign-in; only while the alert is firing and unacknowledged.
    pub ack_link: Option<String>,
    /// When the message is made.
    pub now: DateTime<Utc>,
}

impl Message {
    /// `None` when the context has no alert or no recipient (nothing to say, or nobody).
    pub fn new(
        notification: Notification,
        context: DeliveryContext,
        links: &LinkSigner,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let alert = context.alert?;
        let recipient = context.recipient?;
        let ack_link = (alert.status == AlertStatus::Firing && alert.acknowledged_at.is_none())
            .then(|| {
                links.ack_url(&AckGrant {
                    account_id: context.account_id.clone(),
                    alert_id: alert.id.clone(),
                    contact_id: notification.contact_id.clone(),
                    expires_at: now + ACK_LINK_LIFETIME,
                })
            });
        Some(Self {
            alert_link: format!("{}/alerts/{}", links.public_url(), alert.id),
            ack_link,
            company_name: context.company_name.unwrap_or_default(),
            account_name: context.account_name,
            notification,
            recipient,
            alert,
            now,
        })
    }

    fn tr(&self) -> Tr {
        Tr::new(self.recipient.locale)
    }

    fn local_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.recipient.timezone.tz())
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// The subject line: `[CRITICAL] Northwind: Disk full on srv-12`.
    pub fn subject(&self) -> String {
        let tr = self.tr();
        let tag = if self.notification.event == "resolved" {
            tr.t("mail-tag-resolved")
        } else {
            tr.t(severity_id(self.alert.severity)).to_uppercase()
        };
        tr.ta(
            "mail-subject",
            &[
                ("tag", &tag),
                ("company", &self.company_name),
                ("title", &self.alert.title),
            ],
        )
    }

    /// The email's text and HTML parts, from one template.
    pub fn email_parts(&self) -> Result<(String, String), askama::Error> {
        let tr = self.tr();
        let severity = tr.t(&format!("mail-severity-{}", self.alert.severity.as_str()));
        let event_id = match self.notification.event.as_str() {
            "escalated" => "mail-event-escalated",
            "renotified" => "mail-event-renotified",
            "resolved" => "mail-event-resolved",
            _ => "mail-event-opened",
        };
        let headline = tr.ta(
            event_id,
            &[("severity", &severity), ("company", &self.company_name)],
        );
        let mut facts = vec![
            (tr.t("mail-fact-company"), self.company_name.clone()),
            (
                tr.t("mail-fact-severity"),
                tr.t(severity_id(self.alert.severity)),
            ),
            (
                tr.t("mail-fact-status"),
                tr.t(match self.alert.status {
                    AlertStatus::Firing => "mail-status-firing",
                    AlertStatus::Resolved => "mail-status-resolved",
                }),
            ),
            (
                tr.t("mail-fact-started"),
                self.local_time(self.alert.opened_at),
            ),
        ];
        if let Some(at) = self.alert.resolved_at {
            facts.push((tr.t("mail-fact-resolved"), self.local_time(at)));
        }
        facts.push((tr.t("mail-fact-key"), self.alert.key.clone()));
        let fields = MailFields {
            lang: tr.lang(),
            subject: self.subject(),
            colour: match (self.notification.event.as_str(), self.alert.severity) {
                ("resolved", _) => "#1e8e3e",
                (_, Severity::Critical) => "#c5221f",
                (_, Severity::Warning) => "#e37400",
                (_, Severity::Info) => "#1f5fbf",
            },
            headline,
            title: &self.alert.title,
            facts,
            body: self.alert.body.as_deref(),
            labels: self.alert.labels.iter().collect(),
            labels_heading: tr.t("mail-labels"),
            ack_link: self.ack_link.as_deref(),
            ack_label: tr.t("mail-ack"),
            ack_note: tr.t("mail-ack-note"),
            alert_link: &self.alert_link,
            open_label: tr.t("mail-open"),
            footer: tr.ta(
                "mail-footer",
                &[
                    ("name", &self.recipient.name),
                    ("account", &self.account_name),
                ],
            ),
        };
        let html = AlertMail {
            html: true,
            m: &fields,
        }
        .render()?;
        let text = AlertMailText {
            html: false,
            m: &fields,
        }
        .render()?;
        Ok((text, html))
    }

    /// The webhook's JSON body: the alert, what happened, and its links.
    pub fn webhook_body(&self) -> Value {
        let a = &self.alert;
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        json!({
            "type": format!("alert.{}", self.notification.event),
            "timestamp": self.now.to_rfc3339(),
            "event": self.notification.event,
            "id": a.id,
            "company_id": a.company_id.to_string(),
            "company": {"id": a.company_id.to_string(), "name": self.company_name},
            "key": a.key,
            "severity": a.severity.as_str(),
            "status": a.status.as_str(),
            "title": a.title,
            "body": a.body,
            "labels": a.labels,
            "opened_at": a.opened_at.to_rfc3339(),
            "acknowledged_at": time(a.acknowledged_at),
            "resolved_at": time(a.resolved_at),
            "links": {"alert": self.alert_link, "acknowledge": self.ack_link},
        })
    }
}

fn severity_id(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "severity-info",
        Severity::Warning => "severity-warning",
        Severity::Critical => "severity-critical",
    }
}

/// What the alert email shows, for both its parts.
struct MailFields<'a> {
    lang: &'static str,
    subject: String,
    colour: &'static str,
    headline: String,
    title: &'a str,
    facts: Vec<(String, String)>,
    body: Option<&'a str>,
    labels: Vec<(&'a String, &'a String)>,
    labels_heading: String,
    ack_link: Option<&'a str>,
    ack_label: String,
    ack_note: String,
    alert_link: &'a str,
    open_label: String,
    footer: String,
}

/// The HTML part.
#[derive(Template)]
#[template(path = "email/alert.html", escape = "html")]
struct AlertMail<'a> {
    html: bool,
    m: &'a MailFields<'a>,
}

/// The same template and fields, not escaped: the plain-text part.
#[derive(Template)]
#[template(path = "email/alert.html", escape = "none")]
struct AlertMailText<'a> {
    html: bool,
    m: &'a MailFields<'a>,
}

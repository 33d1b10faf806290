//! What a notification says: built when it is sent, from the alert as it is then (or the test,
//! verification code or digest it carries), in the recipient's language and time zone.
//!
//! This module holds the [`Message`], what it is [`About`], and its subject, text message and
//! phone call; `alert` writes an alert's email, `note` the messages that are not alerts (test,
//! verification code, digest), and `json` the webhook body and a report's outbox payload
//! ([`ReportMail`]).

mod alert;
pub mod card;
mod json;
mod note;

pub use json::{CHART_CID, ReportMail};

use crate::domain::notification::Event;
use crate::domain::{AlertStatus, Severity};
use crate::i18n::Tr;
use crate::links::{ACK_LINK_LIFETIME, AckGrant, LinkSigner};
use crate::store::{Alert, DeliveryContext, Notification, RecipientInfo};
use chrono::{DateTime, Utc};

/// One notification ready for its channel.
#[derive(Debug, Clone)]
pub struct Message {
    pub notification: Notification,
    pub recipient: RecipientInfo,
    pub account_name: String,
    pub about: About,
    /// When the message is made.
    pub now: DateTime<Utc>,
}

/// What a message is about.
#[derive(Debug, Clone)]
pub enum About {
    Alert(Box<AlertPart>),
    /// "Send test": proves the method works.
    Test,
    /// A six-digit code to type back (and, in an email, a link that verifies the address).
    Verification {
        code: String,
        link: Option<String>,
    },
    /// What flood control held back since the last message to this destination.
    Digest(Vec<DigestLine>),
    /// A scheduled report, written when its run happened (email only).
    Report(Box<ReportMail>),
}

/// An alert notification's content.
#[derive(Debug, Clone)]
pub struct AlertPart {
    pub alert: std::sync::Arc<Alert>,
    pub company_name: String,
    /// The alert's page in the web app.
    pub alert_link: String,
    /// Signed, expiring, no sign-in; only while the alert is firing and unacknowledged.
    pub ack_link: Option<String>,
}

/// Alerts of one company held back by flood control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub company: String,
    pub count: i64,
    pub critical: i64,
}

impl Message {
    /// A message that is not about an alert.
    pub fn other(
        notification: Notification,
        recipient: RecipientInfo,
        account_name: String,
        about: About,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            notification,
            recipient,
            account_name,
            about,
            now,
        }
    }

    /// The alert part, for alert notifications.
    pub fn alert(&self) -> Option<&AlertPart> {
        match &self.about {
            About::Alert(part) => Some(part),
            _ => None,
        }
    }

    /// An alert notification; `None` when the context has no alert or no recipient.
    pub fn for_alert(
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
            about: About::Alert(Box::new(AlertPart {
                alert_link: links.alert_url(&alert.id),
                ack_link,
                company_name: context.company_name.unwrap_or_default(),
                alert,
            })),
            account_name: context.account_name,
            notification,
            recipient,
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

    /// The subject line: `[CRITICAL] Northwind: Disk full on srv-12`; for an SMS, the whole
    /// text of an alert.
    pub fn subject(&self) -> String {
        let tr = self.tr();
        let part = match &self.about {
            About::Alert(part) => part,
            About::Test => return tr.t("note-test-subject"),
            About::Verification { code, .. } => {
                return tr.ta("note-code-subject", &[("code", code)]);
            }
            About::Digest(lines) => {
                let total: i64 = lines.iter().map(|l| l.count).sum();
                return tr.ta("note-digest-subject", &[("count", &total.to_string())]);
            }
            About::Report(mail) => return mail.subject.clone(),
        };
        let tag = if self.notification.event == Event::Resolved {
            tr.t("mail-tag-resolved")
        } else {
            tr.t(severity_id(part.alert.severity)).to_uppercase()
        };
        tr.ta(
            "mail-subject",
            &[
                ("tag", &tag),
                ("company", &part.company_name),
                ("title", &part.alert.title),
            ],
        )
    }

    /// A text message's body: short, in the recipient's language.
    pub fn short_text(&self) -> String {
        let text = match &self.about {
            About::Alert(_) => self.subject(),
            _ => self.note_lines().join(" "),
        };
        text.chars().take(320).collect()
    }

    /// What a phone call says (the caller's TwiML repeats it once).
    pub fn spoken(&self) -> Vec<Spoken> {
        match &self.about {
            About::Alert(part) => {
                let tr = self.tr();
                let severity = tr.t(&format!("mail-severity-{}", part.alert.severity.as_str()));
                let id = if self.notification.event == Event::Resolved {
                    "voice-resolved"
                } else {
                    "voice-alert"
                };
                vec![Spoken::Text(tr.ta(
                    id,
                    &[
                        ("severity", &severity),
                        ("company", &part.company_name),
                        ("title", &part.alert.title),
                    ],
                ))]
            }
            About::Verification { code, .. } => {
                let tr = self.tr();
                vec![
                    Spoken::Text(tr.t("voice-code")),
                    Spoken::Digits(code.clone()),
                ]
            }
            _ => self.note_lines().into_iter().map(Spoken::Text).collect(),
        }
    }
}

fn severity_id(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "severity-info",
        Severity::Warning => "severity-warning",
        Severity::Critical => "severity-critical",
    }
}

/// A piece of a phone call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spoken {
    Text(String),
    /// Read digit by digit.
    Digits(String),
}

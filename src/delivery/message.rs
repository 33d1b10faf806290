//! What a notification says: built when it is sent, from the alert as it is then (or the test,
//! verification code or digest it carries), in the recipient's language and time zone.

use crate::domain::notification::Event;
use crate::domain::{AlertStatus, Severity};
use crate::i18n::Tr;
use crate::links::{ACK_LINK_LIFETIME, AckGrant, LinkSigner};
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
    pub alert: Alert,
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

    /// What a message that is not an alert says, as paragraphs.
    fn note_lines(&self) -> Vec<String> {
        let tr = self.tr();
        match &self.about {
            About::Alert(_) => Vec::new(),
            About::Report(mail) => vec![mail.subject.clone()],
            About::Test => vec![tr.ta(
                "note-test",
                &[
                    ("name", &self.recipient.name),
                    ("account", &self.account_name),
                ],
            )],
            About::Verification { code, .. } => vec![
                tr.ta("note-code", &[("code", code)]),
                tr.t("note-code-expiry"),
            ],
            About::Digest(lines) => {
                let mut out: Vec<String> = lines
                    .iter()
                    .map(|l| {
                        tr.ta(
                            "note-digest-line",
                            &[
                                ("count", &l.count.to_string()),
                                ("company", &l.company),
                                ("critical", &l.critical.to_string()),
                            ],
                        )
                    })
                    .collect();
                out.push(tr.t("note-digest-why"));
                out
            }
        }
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

    /// The email's text and HTML parts, from one template.
    pub fn email_parts(&self) -> Result<(String, String), askama::Error> {
        let tr = self.tr();
        if let About::Report(mail) = &self.about {
            return Ok((mail.text.clone(), mail.html.clone()));
        }
        let About::Alert(part) = &self.about else {
            return self.note_parts();
        };
        let severity = tr.t(&format!("mail-severity-{}", part.alert.severity.as_str()));
        let event_id = match self.notification.event {
            Event::Escalated => "mail-event-escalated",
            Event::Renotified => "mail-event-renotified",
            Event::Resolved => "mail-event-resolved",
            _ => "mail-event-opened",
        };
        let headline = tr.ta(
            event_id,
            &[("severity", &severity), ("company", &part.company_name)],
        );
        let mut facts = vec![
            (tr.t("mail-fact-company"), part.company_name.clone()),
            (
                tr.t("mail-fact-severity"),
                tr.t(severity_id(part.alert.severity)),
            ),
            (
                tr.t("mail-fact-status"),
                tr.t(match part.alert.status {
                    AlertStatus::Firing => "mail-status-firing",
                    AlertStatus::Resolved => "mail-status-resolved",
                }),
            ),
            (
                tr.t("mail-fact-started"),
                self.local_time(part.alert.opened_at),
            ),
        ];
        if let Some(at) = part.alert.resolved_at {
            facts.push((tr.t("mail-fact-resolved"), self.local_time(at)));
        }
        facts.push((tr.t("mail-fact-key"), part.alert.key.clone()));
        let fields = MailFields {
            lang: tr.lang(),
            subject: self.subject(),
            colour: match (self.notification.event, part.alert.severity) {
                (Event::Resolved, _) => "#1e8e3e",
                (_, Severity::Critical) => "#c5221f",
                (_, Severity::Warning) => "#e37400",
                (_, Severity::Info) => "#1f5fbf",
            },
            headline,
            title: &part.alert.title,
            facts,
            body: part.alert.body.as_deref(),
            labels: part.alert.labels.iter().collect(),
            labels_heading: tr.t("mail-labels"),
            ack_link: part.ack_link.as_deref(),
            ack_label: tr.t("mail-ack"),
            ack_note: tr.t("mail-ack-note"),
            alert_link: &part.alert_link,
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

    /// A message that is not an alert, as text and HTML, from one template.
    fn note_parts(&self) -> Result<(String, String), askama::Error> {
        let tr = self.tr();
        let fields = NoteFields {
            lang: tr.lang(),
            subject: self.subject(),
            code: match &self.about {
                About::Verification { code, .. } => Some(code.as_str()),
                _ => None,
            },
            link: match &self.about {
                About::Verification {
                    link: Some(link), ..
                } => Some((link.as_str(), tr.t("note-verify-link"))),
                _ => None,
            },
            lines: self.note_lines(),
            footer: tr.ta(
                "mail-footer",
                &[
                    ("name", &self.recipient.name),
                    ("account", &self.account_name),
                ],
            ),
        };
        let html = NoteMail {
            html: true,
            m: &fields,
        }
        .render()?;
        let text = NoteMailText {
            html: false,
            m: &fields,
        }
        .render()?;
        Ok((text, html))
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

/// A piece of a phone call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spoken {
    Text(String),
    /// Read digit by digit.
    Digits(String),
}

/// What a message that is not an alert shows, for both parts.
struct NoteFields<'a> {
    lang: &'static str,
    subject: String,
    code: Option<&'a str>,
    /// A button: where it goes and what it says.
    link: Option<(&'a str, String)>,
    lines: Vec<String>,
    footer: String,
}

#[derive(Template)]
#[template(path = "email/note.html", escape = "html")]
struct NoteMail<'a> {
    html: bool,
    m: &'a NoteFields<'a>,
}

#[derive(Template)]
#[template(path = "email/note.html", escape = "none")]
struct NoteMailText<'a> {
    html: bool,
    m: &'a NoteFields<'a>,
}

/// What a report email carries through the outbox (its payload).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReportMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub csv_name: String,
    pub csv: String,
    /// The chart (PNG, base64), shown in the HTML part as `cid:chart`.
    #[serde(default)]
    pub chart_png: Option<String>,
}

/// The content id of a report's chart in its email.
pub const CHART_CID: &str = "chart";

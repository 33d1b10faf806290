//! An alert's email: the text and HTML parts from one template (`templates/email/alert.html`),
//! rendered once escaped and once not.

use super::{About, AlertPart, Message, severity_id};
use crate::domain::notification::Event;
use crate::domain::{AlertStatus, Severity};
use askama::Template;

impl Message {
    /// The email's text and HTML parts, from one template.
    pub fn email_parts(&self) -> Result<(String, String), askama::Error> {
        let tr = self.tr();
        if let About::Report(mail) = &self.about {
            return Ok((mail.text.clone(), mail.html.clone()));
        }
        let About::Alert(part) = &self.about else {
            return self.note_parts();
        };
        let (headline, facts) = self.alert_summary(part);
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
}

impl Message {
    /// What happened, one line (`Critical alert for Northwind`), and the alert's facts
    /// (company, severity, status, started, resolved, key): the email's and every chat
    /// message's.
    pub(super) fn alert_summary(&self, part: &AlertPart) -> (String, Vec<(String, String)>) {
        let tr = self.tr();
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
        (headline, facts)
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

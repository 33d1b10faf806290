//! What a chat or push message shows, whatever the service: the [`Card`] of a message, in the
//! recipient's language. Each service's channel lays the same card out in its own format
//! (`delivery::chat`).

use super::{About, Message};
use crate::domain::Severity;
use crate::domain::notification::Event;

/// One message's content for a chat or push service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// What happened, one line: `Critical alert for Northwind`; a note's subject.
    pub headline: String,
    /// The alert's title; empty for notes.
    pub title: String,
    /// Labelled values (company, severity, status, started, key).
    pub facts: Vec<(String, String)>,
    /// Paragraphs: the alert's body, or what a note says.
    pub text: Vec<String>,
    /// A verification code, shown apart so it is easy to copy.
    pub code: Option<String>,
    /// The signed acknowledge link and its label, while the alert can be acknowledged.
    pub ack: Option<Link>,
    /// The alert's page in the web app.
    pub open: Option<Link>,
    /// The whole message on one line, for notification previews and text-only fallbacks.
    pub fallback: String,
    pub footer: String,
    pub tone: Tone,
}

/// A labelled link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// How urgent the message looks (colours, icons, push priority).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Critical,
    Warning,
    Info,
    Resolved,
    /// Not an alert: a test, a code, a digest.
    Note,
}

impl Tone {
    /// The colour of the alert email's band, as `0xRRGGBB`.
    pub fn rgb(self) -> u32 {
        match self {
            Self::Critical => 0xc5221f,
            Self::Warning => 0xe37400,
            Self::Info | Self::Note => 0x1f5fbf,
            Self::Resolved => 0x1e8e3e,
        }
    }

    /// The icon that starts the headline.
    pub fn icon(self) -> &'static str {
        match self {
            Self::Critical => "🔴",
            Self::Warning => "🟠",
            Self::Info => "🔵",
            Self::Resolved => "✅",
            Self::Note => "✉️",
        }
    }
}

impl Card {
    /// The headline after the tone's icon: `🔴 Critical alert for Northwind`.
    pub fn iconic_headline(&self) -> String {
        format!("{} {}", self.tone.icon(), self.headline)
    }
}

impl Message {
    /// The card of this message: an alert's headline, facts, body and links, or a note's
    /// subject and lines.
    pub fn card(&self) -> Card {
        let tr = self.tr();
        let footer = tr.ta(
            "mail-footer",
            &[
                ("name", &self.recipient.name),
                ("account", &self.account_name),
            ],
        );
        let About::Alert(part) = &self.about else {
            let subject = self.subject();
            let text = self.note_lines();
            return Card {
                headline: subject,
                title: String::new(),
                facts: Vec::new(),
                fallback: text.join(" "),
                text,
                code: match &self.about {
                    About::Verification { code, .. } => Some(code.clone()),
                    _ => None,
                },
                ack: None,
                open: None,
                footer,
                tone: Tone::Note,
            };
        };
        let tone = match (self.notification.event, part.alert.severity) {
            (Event::Resolved, _) => Tone::Resolved,
            (_, Severity::Critical) => Tone::Critical,
            (_, Severity::Warning) => Tone::Warning,
            (_, Severity::Info) => Tone::Info,
        };
        let (headline, facts) = self.alert_summary(part);
        Card {
            headline,
            title: part.alert.title.clone(),
            facts,
            text: part.alert.body.iter().cloned().collect(),
            code: None,
            ack: part.ack_link.as_ref().map(|url| Link {
                label: tr.t("mail-ack"),
                url: url.clone(),
            }),
            open: Some(Link {
                label: tr.t("chat-open"),
                url: part.alert_link.clone(),
            }),
            fallback: self.subject(),
            footer,
            tone,
        }
    }
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` cut to at most `max` bytes on a character boundary, ending in `…` when cut.
pub fn clip_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{AlertPart, DigestLine};
    use super::*;
    use crate::domain::notification::State;
    use crate::domain::{
        AlertId, AlertStatus, CompanyId, ContactId, Locale, MethodId, MethodType, NotificationId,
        TimeZone,
    };
    use crate::store::{Alert, Notification, RecipientInfo};
    use chrono::{DateTime, Utc};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_205_600, 0).unwrap_or_default()
    }

    /// A message to a Spanish recipient about a critical alert, for `event`.
    pub(in crate::delivery::message) fn message(event: Event, about: Option<About>) -> Message {
        let notification = Notification {
            id: NotificationId::from_string("n1"),
            alert_id: None,
            contact_id: ContactId::from_string("c1"),
            method_id: MethodId::from_string("m1"),
            kind: MethodType::Slack,
            address: "https://hooks.slack.com/services/T/B/X".into(),
            event,
            state: State::Sending,
            reason: None,
            escalation: false,
            held: false,
            attempts: 1,
            next_attempt_at: now(),
            created_at: now(),
            sent_at: None,
            escalation_step: None,
        };
        let resolved = event == Event::Resolved;
        let alert = Alert {
            id: AlertId::from_string("a1"),
            company_id: CompanyId::from_string("co1"),
            key: "db-1".into(),
            severity: Severity::Critical,
            status: if resolved {
                AlertStatus::Resolved
            } else {
                AlertStatus::Firing
            },
            title: "db-1 is down".into(),
            body: Some("Replica lag".into()),
            labels: Default::default(),
            opened_at: now(),
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: resolved.then(now),
        };
        let about = about.unwrap_or_else(|| {
            About::Alert(Box::new(AlertPart {
                alert: alert.into(),
                company_name: "Northwind".into(),
                alert_link: "https://reach.test/alerts/a1".into(),
                ack_link: (!resolved).then(|| "https://reach.test/ack/t".into()),
            }))
        });
        let recipient = RecipientInfo {
            name: "Marta".into(),
            locale: Locale::Es,
            timezone: TimeZone::parse("Europe/Madrid").unwrap_or_else(|e| panic!("{e}")),
            webhook_secret: None,
        };
        Message::other(notification, recipient, "Acme".into(), about, now())
    }

    #[test]
    fn every_message_kind_has_its_card() {
        let cases = [
            (
                Event::Opened,
                None,
                "Alerta crítica de Northwind",
                Tone::Critical,
                true,
            ),
            (
                Event::Escalated,
                None,
                "Sigue sin confirmar: alerta crítica de Northwind",
                Tone::Critical,
                true,
            ),
            (
                Event::Renotified,
                None,
                "Sigue activa: alerta crítica de Northwind",
                Tone::Critical,
                true,
            ),
            (
                Event::Resolved,
                None,
                "Resuelta: alerta de Northwind",
                Tone::Resolved,
                false,
            ),
            (
                Event::Test,
                Some(About::Test),
                "Mensaje de prueba de Reach",
                Tone::Note,
                false,
            ),
            (
                Event::Verification,
                Some(About::Verification {
                    code: "482913".into(),
                    link: None,
                }),
                "Tu código de verificación de Reach: 482913",
                Tone::Note,
                false,
            ),
            (
                Event::Digest,
                Some(About::Digest(vec![DigestLine {
                    company: "Contoso".into(),
                    count: 2,
                    critical: 1,
                }])),
                "Se retuvieron 2 alertas más",
                Tone::Note,
                false,
            ),
        ];
        for (event, about, headline, tone, ack) in cases {
            let card = message(event, about).card();
            assert_eq!(card.headline, headline, "{event}");
            assert_eq!(card.tone, tone, "{event}");
            assert_eq!(
                card.ack.is_some(),
                ack,
                "{event}: an acknowledge link while it can be used"
            );
            assert!(
                !card.footer.is_empty() && !card.fallback.is_empty(),
                "{event}"
            );
        }
        let code = message(
            Event::Verification,
            Some(About::Verification {
                code: "482913".into(),
                link: None,
            }),
        )
        .card();
        assert_eq!(code.code.as_deref(), Some("482913"));
        assert!(code.text.iter().any(|l| l.contains("482913")));
        let digest = message(
            Event::Digest,
            Some(About::Digest(vec![DigestLine {
                company: "Contoso".into(),
                count: 2,
                critical: 1,
            }])),
        )
        .card();
        assert!(digest.text[0].contains("Contoso"), "{:?}", digest.text);
    }

    #[test]
    fn clipping_keeps_characters_whole() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip_bytes("añb", 4), "añb");
        assert_eq!(clip_bytes("ññññ", 6), "ñ…");
        assert!(clip_bytes(&"é".repeat(5000), 4000).len() <= 4000);
    }
}

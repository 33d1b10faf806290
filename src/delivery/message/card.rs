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
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_characters_whole() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip_bytes("añb", 4), "añb");
        assert_eq!(clip_bytes("ññññ", 6), "ñ…");
        assert!(clip_bytes(&"é".repeat(5000), 4000).len() <= 4000);
    }
}

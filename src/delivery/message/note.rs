//! Messages that are not about an alert (a test, a verification code, a flood digest): what
//! they say, and their email from one template (`templates/email/note.html`).

use super::{About, Message};
use askama::Template;

impl Message {
    /// What a message that is not an alert says, as paragraphs.
    pub(super) fn note_lines(&self) -> Vec<String> {
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

    /// A message that is not an alert, as text and HTML, from one template.
    pub(super) fn note_parts(&self) -> Result<(String, String), askama::Error> {
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

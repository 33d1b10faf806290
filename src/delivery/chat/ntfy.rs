//! ntfy: the text POSTed to the method's topic URL, with the headers ntfy reads: `Title`,
//! `Priority` (5 critical, 4 warning, 3 info; a resolution or a note 3), `Tags` (an emoji and
//! the severity), `Click` (the alert's page) and `Actions` (`view, Acknowledge, <link>` and
//! the alert's page). A header value that is not plain ASCII is sent RFC 2047-encoded
//! (`=?UTF-8?B?...?=`), which ntfy decodes.

use super::super::message::card::{Card, Tone, clip_bytes};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Longer messages become attachments in ntfy.
const MESSAGE_MAX: usize = 4096;

/// The headers and the text of a card, as ntfy takes them.
pub fn parts(card: &Card) -> (Vec<(&'static str, String)>, String) {
    let (priority, tags) = match card.tone {
        Tone::Critical => ("5", "rotating_light,critical"),
        Tone::Warning => ("4", "warning"),
        Tone::Info => ("3", "information_source,info"),
        Tone::Resolved => ("3", "white_check_mark,resolved"),
        Tone::Note => ("3", "envelope"),
    };
    let mut headers = vec![
        ("Title", header_value(&card.headline)),
        ("Priority", priority.to_owned()),
        ("Tags", tags.to_owned()),
    ];
    if let Some(open) = &card.open {
        headers.push(("Click", open.url.clone()));
    }
    let actions: Vec<String> = [&card.ack, &card.open]
        .into_iter()
        .flatten()
        .map(|link| {
            format!(
                "view, {}, {}",
                link.label.replace([',', ';'], " "),
                link.url
            )
        })
        .collect();
    if !actions.is_empty() {
        headers.push(("Actions", header_value(&actions.join("; "))));
    }
    let mut text = Vec::new();
    if !card.title.is_empty() {
        text.push(card.title.clone());
    }
    text.extend(card.text.iter().cloned());
    let facts: Vec<String> = card
        .facts
        .iter()
        .map(|(label, value)| format!("{label}: {value}"))
        .collect();
    if !facts.is_empty() {
        text.push(facts.join("\n"));
    }
    (headers, clip_bytes(&text.join("\n\n"), MESSAGE_MAX))
}

/// The POST to the topic URL.
pub fn request(post: reqwest::RequestBuilder, card: &Card) -> reqwest::RequestBuilder {
    let (headers, text) = parts(card);
    headers
        .into_iter()
        .fold(post, |post, (name, value)| post.header(name, value))
        .header("content-type", "text/plain; charset=utf-8")
        .body(text)
}

/// Printable ASCII as it is; anything else as one RFC 2047 encoded word.
fn header_value(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        text.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(text))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn an_alert_is_text_with_title_priority_tags_and_actions() {
        let (headers, text) = parts(&card());
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("Title"), "Critical alert for Northwind & Co");
        assert_eq!(get("Priority"), "5");
        assert_eq!(get("Tags"), "rotating_light,critical");
        assert_eq!(
            get("Actions"),
            "view, Acknowledge, https://reach.test/ack/t0k; view, Open in Reach, https://reach.test/alerts/a1"
        );
        assert!(text.starts_with("Disk full <srv-12>\n\nThe disk"), "{text}");
        assert!(text.contains("Company: Northwind & Co"), "{text}");
    }

    #[test]
    fn other_text_is_encoded_for_headers() {
        assert_eq!(
            header_value("Alerta crítica"),
            "=?UTF-8?B?QWxlcnRhIGNyw610aWNh?="
        );
        assert_eq!(header_value("plain"), "plain");
    }
}

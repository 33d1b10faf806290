//! Matrix: the bot account's `PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}`
//! with the notification's id as the transaction id, so a retry of the same notification
//! never posts twice. The event is an `m.text` with a plain `body` and an HTML
//! `formatted_body` (`org.matrix.custom.html`); `m.mentions` is empty, so an alert's text
//! cannot ping the room.

use super::super::message::card::{Card, clip};
use super::html;
use serde_json::{Value, json};
use url::Url;

/// The longest body sent, in characters (up to 4 bytes each, and escaped in HTML).
const TEXT_MAX: usize = 4000;

/// The send URL: the room id and the transaction id as path segments, percent-encoded.
pub fn send_url(homeserver: &Url, room: &str, txn: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        homeserver.as_str().trim_end_matches('/'),
        encode(room),
        encode(txn)
    )
}

/// The event content.
pub fn payload(card: &Card) -> Value {
    let mut plain = vec![card.iconic_headline()];
    let mut rich = vec![format!(
        "<p><strong>{}</strong></p>",
        html(&card.iconic_headline())
    )];
    if !card.title.is_empty() {
        plain.push(card.title.clone());
        rich.push(format!("<h4>{}</h4>", html(&card.title)));
    }
    if !card.facts.is_empty() {
        plain.push(
            card.facts
                .iter()
                .map(|(l, v)| format!("{l}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let items: String = card
            .facts
            .iter()
            .map(|(l, v)| format!("<li><strong>{}:</strong> {}</li>", html(l), html(v)))
            .collect();
        rich.push(format!("<ul>{items}</ul>"));
    }
    // Events are at most 64 KiB, the body twice in them: it is kept well under.
    let body = clip(&card.text.join("\n\n"), TEXT_MAX);
    for paragraph in body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        plain.push(paragraph.to_owned());
        rich.push(format!("<p>{}</p>", html(paragraph).replace('\n', "<br>")));
    }
    if let Some(code) = &card.code {
        plain.push(code.clone());
        rich.push(format!("<p><code>{}</code></p>", html(code)));
    }
    let links: Vec<String> = [&card.ack, &card.open]
        .into_iter()
        .flatten()
        .map(|l| {
            plain.push(format!("{}: {}", l.label, l.url));
            format!("<a href=\"{}\">{}</a>", html(&l.url), html(&l.label))
        })
        .collect();
    if !links.is_empty() {
        rich.push(format!("<p>{}</p>", links.join(" · ")));
    }
    plain.push(card.footer.clone());
    rich.push(format!("<p><em>{}</em></p>", html(&card.footer)));
    json!({
        "msgtype": "m.text",
        "body": plain.join("\n\n"),
        "format": "org.matrix.custom.html",
        "formatted_body": rich.join(""),
        "m.mentions": {},
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn the_room_and_transaction_are_path_segments() {
        let base = Url::parse("https://matrix.example.org/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            send_url(&base, "!abc:example.org", "0193-ab"),
            "https://matrix.example.org/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/0193-ab"
        );
    }

    #[test]
    fn an_alert_is_an_m_text_with_html() {
        let body = payload(&card());
        assert_eq!(body["msgtype"], "m.text");
        assert_eq!(body["format"], "org.matrix.custom.html");
        let rich = body["formatted_body"].as_str().unwrap_or_default();
        assert!(
            rich.contains("<h4>Disk full &#60;srv-12&#62;</h4>"),
            "{rich}"
        );
        assert!(
            rich.contains("<a href=\"https://reach.test/ack/t0k\">Acknowledge</a>"),
            "{rich}"
        );
        let plain = body["body"].as_str().unwrap_or_default();
        assert!(plain.contains("Disk full <srv-12>"), "{plain}");
        assert_eq!(body["m.mentions"], json!({}));
    }
}

//! Telegram: the bot's `sendMessage` with the chat id, the message in Telegram's HTML (text
//! escaped; bold headline and title, the facts, the body, the code in `<code>`), link previews
//! off, and an inline keyboard of URL buttons (the acknowledge link first). Telegram refuses
//! buttons whose URL is not public (`localhost`, loopback): with such a `REACH_PUBLIC_URL` the
//! links go in the text instead, so the message still arrives.

use super::super::message::card::{Card, Link};
use super::html;
use serde_json::{Value, json};

/// Telegram's limit on a message's text (after entities are parsed; the raw HTML is kept
/// under it, so it is too).
const TEXT_MAX: usize = 4096;

/// Whether Telegram takes this URL on a button.
fn public(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| match u.host() {
        Some(url::Host::Domain(d)) => {
            d != "localhost" && !d.ends_with(".localhost") && d.contains('.')
        }
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback() && !ip.is_private(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        None => false,
    })
}

/// `chat_id` as the Bot API takes it: a number, or the `@username` string.
fn chat_id(address: &str) -> Value {
    address
        .parse::<i64>()
        .map_or_else(|_| json!(address), |id| json!(id))
}

/// `text` escaped, cut (before a character, never inside an entity) to at most `room`
/// characters, ending in `…` when cut.
fn escaped_within(text: &str, room: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let piece = html(c.encode_utf8(&mut [0; 4]));
        let n = piece.chars().count();
        if count + n + 1 > room {
            out.push('…');
            return out;
        }
        count += n;
        out.push_str(&piece);
    }
    out
}

/// The JSON body of `sendMessage`.
pub fn payload(card: &Card, address: &str) -> Value {
    let links: Vec<&Link> = [&card.ack, &card.open].into_iter().flatten().collect();
    let (buttons, inline): (Vec<&Link>, Vec<&Link>) =
        links.into_iter().partition(|l| public(&l.url));
    let mut head = vec![format!("<b>{}</b>", html(&card.iconic_headline()))];
    if !card.title.is_empty() {
        head.push(format!("<b>{}</b>", html(&card.title)));
    }
    let facts: Vec<String> = card
        .facts
        .iter()
        .map(|(label, value)| format!("<i>{}:</i> {}", html(label), html(value)))
        .collect();
    let mut tail = Vec::new();
    if !facts.is_empty() {
        tail.push(facts.join("\n"));
    }
    if let Some(code) = &card.code {
        tail.push(format!("<code>{}</code>", html(code)));
    }
    for link in inline {
        tail.push(format!(
            "<a href=\"{}\">{}</a>",
            html(&link.url),
            html(&link.label)
        ));
    }
    tail.push(format!("<i>{}</i>", html(&card.footer)));
    // The body is what may be long: it gets what the rest leaves, cut before escaping so no
    // entity is split.
    let fixed: usize = head
        .iter()
        .chain(&tail)
        .map(|p| p.chars().count() + 2)
        .sum();
    let room = TEXT_MAX.saturating_sub(fixed + 16);
    let body = card.text.join("\n\n");
    let mut parts = head;
    if !body.trim().is_empty() && room > 1 {
        parts.push(escaped_within(body.trim(), room));
    }
    parts.extend(tail);
    let mut body = json!({
        "chat_id": chat_id(address),
        "text": parts.join("\n\n"),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    });
    if !buttons.is_empty() {
        let rows: Vec<Value> = buttons
            .iter()
            .map(|l| json!([{"text": l.label, "url": l.url}]))
            .collect();
        body["reply_markup"] = json!({"inline_keyboard": rows});
    }
    body
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn an_alert_is_html_with_url_buttons() {
        let body = payload(&card(), "-1001234567890");
        assert_eq!(body["chat_id"], json!(-1_001_234_567_890_i64));
        assert_eq!(body["parse_mode"], "HTML");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.contains("<b>Disk full &#60;srv-12&#62;</b>"), "{text}");
        assert!(
            text.contains("<i>Company:</i> Northwind &#38; Co"),
            "{text}"
        );
        let keyboard = &body["reply_markup"]["inline_keyboard"];
        assert_eq!(keyboard[0][0]["url"], "https://reach.test/ack/t0k");
        assert_eq!(keyboard[1][0]["url"], "https://reach.test/alerts/a1");
        assert_eq!(payload(&card(), "@ops_alerts")["chat_id"], "@ops_alerts");
    }

    #[test]
    fn local_links_go_in_the_text_and_long_bodies_are_cut() {
        let mut c = card();
        c.ack = Some(Link {
            label: "Acknowledge".into(),
            url: "http://127.0.0.1:8080/ack/t0k".into(),
        });
        c.text = vec!["<&>".repeat(3000)];
        let body = payload(&c, "42");
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.contains("<a href=\"http://127.0.0.1:8080/ack/t0k\">Acknowledge</a>"));
        assert!(text.chars().count() <= TEXT_MAX, "{}", text.chars().count());
        assert_eq!(
            body["reply_markup"]["inline_keyboard"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
}

//! Discord: a webhook POST (`?wait=true`, so the answer says whether the message was made) of
//! `content` (the headline) and one embed: the title linking to the alert, the body, the facts
//! as inline fields, the acknowledge link, the severity's colour. `allowed_mentions` is empty,
//! so an alert's text cannot ping `@everyone` or anyone else, and text people wrote has its
//! markdown escaped, so it cannot show a link of its own dressed as the acknowledge link.

use super::super::message::card::{Card, clip};
use serde_json::{Value, json};

/// Discord's limits: content, an embed's title and description, a field's name and value,
/// the footer.
const CONTENT_MAX: usize = 2000;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1024;
const FOOTER_MAX: usize = 2048;

/// Discord's markdown characters backslash-escaped (Discord shows `\\x` as `x`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\*_~`|>#[]()<".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The JSON body posted to the method's URL.
pub fn payload(card: &Card) -> Value {
    let fields: Vec<Value> = card
        .facts
        .iter()
        .map(|(name, value)| {
            json!({
                "name": clip(&escape(name), FIELD_NAME_MAX),
                "value": clip(&escape(value), FIELD_VALUE_MAX),
                "inline": true,
            })
        })
        .collect();
    let mut description = escape(&card.text.join("\n\n"));
    if let Some(code) = &card.code {
        description.push_str(&format!("\n\n`{code}`"));
    }
    // Webhook messages have no buttons: the acknowledge link ends the description, where it
    // cannot be cut off by the limit.
    let ack = card
        .ack
        .as_ref()
        .map(|a| format!("\n\n**[{}]({})**", a.label, a.url))
        .unwrap_or_default();
    let title = if card.title.is_empty() {
        card.iconic_headline()
    } else {
        card.title.clone()
    };
    let mut embed = json!({
        "title": clip(&escape(&title), TITLE_MAX),
        "color": card.tone.rgb(),
        "footer": {"text": clip(&escape(&card.footer), FOOTER_MAX)},
    });
    let room = DESCRIPTION_MAX.saturating_sub(ack.chars().count());
    let description = format!("{}{ack}", clip(description.trim(), room));
    if !description.trim().is_empty() {
        embed["description"] = json!(description.trim());
    }
    if let Some(open) = &card.open {
        embed["url"] = json!(open.url);
    }
    if !fields.is_empty() {
        embed["fields"] = Value::Array(fields);
    }
    let mut body = json!({"embeds": [embed], "allowed_mentions": {"parse": []}});
    // A note's headline is already the embed's title.
    if !card.title.is_empty() {
        body["content"] = json!(clip(&escape(&card.iconic_headline()), CONTENT_MAX));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn an_alert_is_content_and_an_embed_that_pings_no_one() {
        let body = payload(&card());
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        let embed = &body["embeds"][0];
        assert_eq!(embed["title"], "Disk full \\<srv-12\\>");
        assert_eq!(embed["url"], "https://reach.test/alerts/a1");
        assert_eq!(embed["color"], 0xc5221f);
        let description = embed["description"].as_str().unwrap_or_default();
        assert!(
            description.ends_with("**[Acknowledge](https://reach.test/ack/t0k)**"),
            "{description}"
        );
        assert_eq!(body["content"], "🔴 Critical alert for Northwind & Co");
        let mut c = card();
        c.text = vec!["**[Acknowledge](https://evil.example)** @everyone".into()];
        let description = payload(&c)["embeds"][0]["description"].clone();
        assert!(
            description
                .as_str()
                .unwrap_or_default()
                .starts_with("\\*\\*\\[Acknowledge\\]\\(https://evil.example\\)\\*\\* @everyone"),
            "{description}"
        );
    }
}

//! Slack: an incoming-webhook POST of `text` (the fallback, for notifications) and `blocks`
//! (Block Kit): a header with the title, the headline, the facts, the body, and the links as
//! buttons (the acknowledge link first). Text people wrote goes in `plain_text` objects, which
//! Slack shows as written; the facts are `mrkdwn` with Slack's three characters escaped, so an
//! alert cannot mention `<!channel>`.

use super::super::message::card::{Card, clip};
use serde_json::{Value, json};

/// Block Kit's limits: a header's text, a section's text, a field's text, a button's label.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const FIELD_MAX: usize = 2000;
const BUTTON_MAX: usize = 75;

/// `&`, `<` and `>` as Slack's `mrkdwn` needs them.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn plain(text: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": clip(text, max), "emoji": true})
}

/// The JSON body posted to the method's URL.
pub fn payload(card: &Card) -> Value {
    let mut blocks = Vec::new();
    let header = if card.title.is_empty() {
        card.iconic_headline()
    } else {
        card.title.clone()
    };
    blocks.push(json!({"type": "header", "text": plain(&header, HEADER_MAX)}));
    if !card.title.is_empty() {
        blocks.push(
            json!({"type": "context", "elements": [plain(&card.iconic_headline(), SECTION_MAX)]}),
        );
    }
    if !card.facts.is_empty() {
        let fields: Vec<Value> = card
            .facts
            .iter()
            .take(10)
            .map(|(label, value)| {
                json!({
                    "type": "mrkdwn",
                    "text": clip(&format!("*{}*\n{}", escape(label), escape(value)), FIELD_MAX),
                })
            })
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    for paragraph in card.text.iter().filter(|p| !p.trim().is_empty()) {
        blocks.push(json!({"type": "section", "text": plain(paragraph, SECTION_MAX)}));
    }
    if let Some(code) = &card.code {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("`{}`", escape(code))},
        }));
    }
    let mut buttons = Vec::new();
    if let Some(ack) = &card.ack {
        buttons.push(json!({
            "type": "button",
            "action_id": "acknowledge",
            "text": plain(&ack.label, BUTTON_MAX),
            "url": ack.url,
            "style": "primary",
        }));
    }
    if let Some(open) = &card.open {
        buttons.push(json!({
            "type": "button",
            "action_id": "open",
            "text": plain(&open.label, BUTTON_MAX),
            "url": open.url,
        }));
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    blocks.push(json!({"type": "context", "elements": [plain(&card.footer, SECTION_MAX)]}));
    json!({
        "text": escape(&clip(&format!("{} {}", card.tone.icon(), card.fallback), SECTION_MAX)),
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn an_alert_is_blocks_with_an_acknowledge_button() {
        let body = payload(&card());
        assert!(
            body["text"]
                .as_str()
                .is_some_and(|t| t.contains("Disk full &lt;srv-12&gt;"))
        );
        let blocks = body["blocks"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<&str> = blocks.iter().filter_map(|b| b["type"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "header", "context", "section", "section", "actions", "context"
            ]
        );
        assert_eq!(blocks[0]["text"]["type"], "plain_text");
        assert_eq!(blocks[0]["text"]["text"], "Disk full <srv-12>");
        assert_eq!(
            blocks[2]["fields"][0]["text"],
            "*Company*\nNorthwind &amp; Co"
        );
        let ack = &blocks[4]["elements"][0];
        assert_eq!(ack["type"], "button");
        assert_eq!(ack["url"], "https://reach.test/ack/t0k");
        assert_eq!(ack["style"], "primary", "Slack's danger means destructive");
        assert_eq!(
            blocks[4]["elements"][1]["url"],
            "https://reach.test/alerts/a1"
        );
    }

    #[test]
    fn long_titles_are_cut_to_the_header_limit() {
        let mut c = card();
        c.title = "x".repeat(400);
        let body = payload(&c);
        let header = body["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(header.chars().count(), HEADER_MAX);
    }
}

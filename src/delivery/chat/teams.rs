//! Microsoft Teams: a Workflows webhook POST of a `message` with one Adaptive Card 1.4
//! attachment: a band in the severity's style with the headline and title, the facts, the
//! body, and `Action.OpenUrl` buttons to the acknowledge link and the alert. Every text is a
//! `RichTextBlock` of `TextRun`s, which Teams shows as written (no markdown).

use super::super::message::card::{Card, Tone, clip};
use serde_json::{Value, json};

/// Teams refuses cards over about 28 KB: the title and the body are kept well under it.
const TITLE_MAX: usize = 500;
const TEXT_MAX: usize = 4000;

/// The container style Teams colours by.
fn style(tone: Tone) -> &'static str {
    match tone {
        Tone::Critical => "attention",
        Tone::Warning => "warning",
        Tone::Resolved => "good",
        Tone::Info | Tone::Note => "accent",
    }
}

/// Text as Teams shows it without reading markdown: a `RichTextBlock` of one `TextRun`
/// (a `TextBlock` or a fact would turn `[text](url)` in an alert into a link).
fn text(run: Value) -> Value {
    json!({"type": "RichTextBlock", "inlines": [run]})
}

fn run(text: &str) -> Value {
    json!({"type": "TextRun", "text": text})
}

/// The Adaptive Card.
pub fn card_json(card: &Card) -> Value {
    let bold = |t: &str| {
        let mut r = run(t);
        r["weight"] = json!("Bolder");
        r
    };
    let mut band = vec![text(bold(&card.iconic_headline()))];
    if !card.title.is_empty() {
        let mut title = bold(&clip(&card.title, TITLE_MAX));
        title["size"] = json!("Large");
        band.push(text(title));
    }
    let mut body = vec![json!({
        "type": "Container",
        "style": style(card.tone),
        "bleed": true,
        "items": band,
    })];
    if !card.facts.is_empty() {
        let facts: Vec<Value> = card
            .facts
            .iter()
            .map(|(label, value)| {
                json!({
                    "type": "RichTextBlock",
                    "spacing": "None",
                    "inlines": [bold(&format!("{label}: ")), run(value)],
                })
            })
            .collect();
        body.push(json!({"type": "Container", "items": facts}));
    }
    let paragraphs = clip(&card.text.join("\n\n"), TEXT_MAX);
    for paragraph in paragraphs.split("\n\n").filter(|p| !p.trim().is_empty()) {
        body.push(text(run(paragraph)));
    }
    if let Some(code) = &card.code {
        body.push(json!({
            "type": "TextBlock",
            "text": code,
            "fontType": "Monospace",
            "size": "ExtraLarge",
            "weight": "Bolder",
        }));
    }
    let mut footer = run(&card.footer);
    footer["isSubtle"] = json!(true);
    footer["size"] = json!("Small");
    body.push(text(footer));
    let mut actions = Vec::new();
    if let Some(ack) = &card.ack {
        actions.push(json!({
            "type": "Action.OpenUrl",
            "title": ack.label,
            "url": ack.url,
            "style": "positive",
        }));
    }
    if let Some(open) = &card.open {
        actions.push(json!({"type": "Action.OpenUrl", "title": open.label, "url": open.url}));
    }
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "fallbackText": card.fallback,
        "body": body,
        "msteams": {"width": "Full"},
    });
    if !actions.is_empty() {
        content["actions"] = Value::Array(actions);
    }
    content
}

/// The JSON body posted to the method's URL.
pub fn payload(card: &Card) -> Value {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card_json(card),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::card;
    use super::*;

    #[test]
    fn an_alert_is_an_adaptive_card_with_an_acknowledge_action() {
        let body = payload(&card());
        assert_eq!(body["type"], "message");
        let attachment = &body["attachments"][0];
        assert_eq!(
            attachment["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        let content = &attachment["content"];
        assert_eq!(content["type"], "AdaptiveCard");
        assert_eq!(content["version"], "1.4");
        assert_eq!(content["body"][0]["style"], "attention");
        assert_eq!(
            content["body"][0]["items"][1]["inlines"][0]["text"],
            "Disk full <srv-12>"
        );
        let fact = &content["body"][1]["items"][0];
        assert_eq!(fact["type"], "RichTextBlock");
        assert_eq!(fact["inlines"][0]["text"], "Company: ");
        assert_eq!(fact["inlines"][1]["text"], "Northwind & Co");
        assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(content["actions"][0]["url"], "https://reach.test/ack/t0k");
    }
}

//! Microsoft Teams: a Workflows webhook POST of a `message` with one Adaptive Card 1.4
//! attachment: a band in the severity's style with the headline and title, the facts (a
//! `FactSet`), the body, and `Action.OpenUrl` buttons to the acknowledge link and the alert.

use super::super::message::card::{Card, Tone};
use serde_json::{Value, json};

/// The container style Teams colours by.
fn style(tone: Tone) -> &'static str {
    match tone {
        Tone::Critical => "attention",
        Tone::Warning => "warning",
        Tone::Resolved => "good",
        Tone::Info | Tone::Note => "accent",
    }
}

/// The Adaptive Card.
pub fn card_json(card: &Card) -> Value {
    let mut band = vec![json!({
        "type": "TextBlock",
        "text": card.iconic_headline(),
        "weight": "Bolder",
        "wrap": true,
    })];
    if !card.title.is_empty() {
        band.push(json!({
            "type": "TextBlock",
            "text": card.title,
            "size": "Large",
            "weight": "Bolder",
            "wrap": true,
        }));
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
            .map(|(title, value)| json!({"title": title, "value": value}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    for paragraph in card.text.iter().filter(|p| !p.trim().is_empty()) {
        body.push(json!({"type": "TextBlock", "text": paragraph, "wrap": true}));
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
    body.push(json!({
        "type": "TextBlock",
        "text": card.footer,
        "isSubtle": true,
        "size": "Small",
        "wrap": true,
    }));
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
        assert_eq!(content["body"][0]["items"][1]["text"], "Disk full <srv-12>");
        assert_eq!(content["body"][1]["type"], "FactSet");
        assert_eq!(content["body"][1]["facts"][0]["value"], "Northwind & Co");
        assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(content["actions"][0]["url"], "https://reach.test/ack/t0k");
    }
}

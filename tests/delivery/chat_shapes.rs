//! What each chat service's documented API accepts, written here from its documentation, for
//! the stand-ins of `chat_services.rs`: every function returns the ways a request breaks it
//! (none for a good one).

use serde_json::Value;

fn len(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn text_within(problems: &mut Vec<String>, what: &str, v: &Value, max: usize) {
    match v.as_str() {
        Some(s) if !s.is_empty() && s.chars().count() <= max => {}
        _ => problems.push(format!(
            "{what}: a string of 1 to {max} characters, got {v}"
        )),
    }
}

fn http_url(problems: &mut Vec<String>, what: &str, v: &Value) {
    let ok = v
        .as_str()
        .and_then(|s| url::Url::parse(s).ok())
        .is_some_and(|u| matches!(u.scheme(), "http" | "https"));
    if !ok {
        problems.push(format!("{what}: an http(s) URL, got {v}"));
    }
}

/// Slack incoming webhooks: `text` and Block Kit `blocks` (header, section, context, actions).
pub fn slack(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    text_within(&mut p, "text", &body["text"], 40_000);
    let Some(blocks) = body["blocks"].as_array() else {
        return vec!["blocks: an array".into()];
    };
    if blocks.is_empty() || blocks.len() > 50 {
        p.push(format!("blocks: 1 to 50, got {}", blocks.len()));
    }
    let text_object = |p: &mut Vec<String>, what: &str, t: &Value, max: usize, plain_only: bool| {
        let kind = t["type"].as_str().unwrap_or("");
        if kind != "plain_text" && (plain_only || kind != "mrkdwn") {
            p.push(format!("{what}: a text object of the right type, got {t}"));
        }
        text_within(p, what, &t["text"], max);
    };
    for (i, block) in blocks.iter().enumerate() {
        let what = format!("blocks[{i}]");
        match block["type"].as_str().unwrap_or("") {
            "header" => text_object(&mut p, &what, &block["text"], 150, true),
            "section" => {
                if block["text"].is_null() && block["fields"].is_null() {
                    p.push(format!("{what}: a section needs text or fields"));
                }
                if !block["text"].is_null() {
                    text_object(&mut p, &what, &block["text"], 3000, false);
                }
                if let Some(fields) = block["fields"].as_array() {
                    if fields.len() > 10 {
                        p.push(format!("{what}: at most 10 fields"));
                    }
                    for f in fields {
                        text_object(&mut p, &what, f, 2000, false);
                    }
                }
            }
            "context" => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.is_empty() || elements.len() > 10 {
                    p.push(format!("{what}: 1 to 10 context elements"));
                }
                for e in &elements {
                    text_object(&mut p, &what, e, 3000, false);
                }
            }
            "actions" => {
                let elements = block["elements"].as_array().cloned().unwrap_or_default();
                if elements.is_empty() || elements.len() > 25 {
                    p.push(format!("{what}: 1 to 25 elements"));
                }
                let mut ids = std::collections::HashSet::new();
                for e in &elements {
                    if e["type"] != "button" {
                        p.push(format!("{what}: only buttons are sent, got {e}"));
                    }
                    text_object(&mut p, &what, &e["text"], 75, true);
                    http_url(&mut p, &what, &e["url"]);
                    if len(&e["url"]) > 3000 {
                        p.push(format!("{what}: a button's url is at most 3000 characters"));
                    }
                    if !e["style"].is_null()
                        && !matches!(e["style"].as_str(), Some("primary" | "danger"))
                    {
                        p.push(format!("{what}: style is primary or danger"));
                    }
                    if !ids.insert(e["action_id"].to_string()) {
                        p.push(format!("{what}: action_id must be unique"));
                    }
                }
            }
            "divider" => {}
            other => p.push(format!("{what}: unknown block type {other:?}")),
        }
    }
    p
}

/// Adaptive Card elements Reach may send, checked recursively.
fn card_elements(p: &mut Vec<String>, what: &str, elements: &Value) {
    let Some(list) = elements.as_array() else {
        p.push(format!("{what}: an array"));
        return;
    };
    for (i, e) in list.iter().enumerate() {
        let at = format!("{what}[{i}]");
        match e["type"].as_str().unwrap_or("") {
            "TextBlock" => {
                if !e["text"].is_string() {
                    p.push(format!("{at}: a TextBlock needs text"));
                }
            }
            "RichTextBlock" => {
                let inlines = e["inlines"].as_array().cloned().unwrap_or_default();
                let runs_ok = inlines
                    .iter()
                    .all(|r| r.is_string() || (r["type"] == "TextRun" && r["text"].is_string()));
                if inlines.is_empty() || !runs_ok {
                    p.push(format!("{at}: a RichTextBlock needs inlines of TextRuns"));
                }
            }
            "FactSet" => {
                let facts = e["facts"].as_array().cloned().unwrap_or_default();
                if facts.is_empty()
                    || facts
                        .iter()
                        .any(|f| !f["title"].is_string() || !f["value"].is_string())
                {
                    p.push(format!("{at}: facts of title and value strings"));
                }
            }
            "Container" => {
                let styles = [
                    "default",
                    "emphasis",
                    "good",
                    "attention",
                    "warning",
                    "accent",
                ];
                if !e["style"].is_null() && !styles.iter().any(|s| e["style"] == *s) {
                    p.push(format!("{at}: container style {}", e["style"]));
                }
                card_elements(p, &format!("{at}.items"), &e["items"]);
            }
            other => p.push(format!("{at}: element type {other:?}")),
        }
    }
}

/// Teams Workflows webhooks: a `message` whose attachment is an Adaptive Card (1.4 and older).
pub fn teams(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if body["type"] != "message" {
        p.push("type: \"message\"".into());
    }
    let Some(attachment) = body["attachments"].as_array().and_then(|a| a.first()) else {
        return vec!["attachments: one or more".into()];
    };
    if attachment["contentType"] != "application/vnd.microsoft.card.adaptive" {
        p.push("attachments[0].contentType".into());
    }
    let card = &attachment["content"];
    if card["type"] != "AdaptiveCard" {
        p.push("content.type: AdaptiveCard".into());
    }
    if !matches!(
        card["version"].as_str(),
        Some("1.0" | "1.1" | "1.2" | "1.3" | "1.4")
    ) {
        p.push(format!(
            "content.version {} (Teams renders up to 1.4 in webhooks)",
            card["version"]
        ));
    }
    card_elements(&mut p, "content.body", &card["body"]);
    for (i, a) in card["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if a["type"] != "Action.OpenUrl" {
            p.push(format!("actions[{i}]: type {}", a["type"]));
        }
        http_url(&mut p, &format!("actions[{i}].url"), &a["url"]);
        text_within(&mut p, &format!("actions[{i}].title"), &a["title"], 200);
        if !a["style"].is_null()
            && !matches!(
                a["style"].as_str(),
                Some("default" | "positive" | "destructive")
            )
        {
            p.push(format!("actions[{i}].style"));
        }
    }
    p
}

/// Discord webhooks: `content` and up to 10 embeds within Discord's limits.
pub fn discord(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if len(&body["content"]) > 2000 {
        p.push("content: at most 2000 characters".into());
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > 10 || (embeds.is_empty() && len(&body["content"]) == 0) {
        p.push("content or 1 to 10 embeds".into());
    }
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let at = format!("embeds[{i}]");
        for (field, max) in [("title", 256), ("description", 4096)] {
            if !e[field].is_null() {
                text_within(&mut p, &format!("{at}.{field}"), &e[field], max);
                total += len(&e[field]);
            }
        }
        if !e["url"].is_null() {
            http_url(&mut p, &format!("{at}.url"), &e["url"]);
        }
        if e["color"].as_u64().is_none_or(|c| c > 0xFF_FFFF) {
            p.push(format!("{at}.color: an integer colour"));
        }
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            p.push(format!("{at}.fields: at most 25"));
        }
        for f in &fields {
            text_within(&mut p, &format!("{at}.fields.name"), &f["name"], 256);
            text_within(&mut p, &format!("{at}.fields.value"), &f["value"], 1024);
            total += len(&f["name"]) + len(&f["value"]);
        }
        if !e["footer"].is_null() {
            text_within(
                &mut p,
                &format!("{at}.footer.text"),
                &e["footer"]["text"],
                2048,
            );
            total += len(&e["footer"]["text"]);
        }
    }
    if total > 6000 {
        p.push(format!(
            "embeds: at most 6000 characters in all, got {total}"
        ));
    }
    let parse = body["allowed_mentions"]["parse"].as_array().cloned();
    if parse.is_none_or(|kinds| {
        kinds
            .iter()
            .any(|k| !matches!(k.as_str(), Some("roles" | "users" | "everyone")))
    }) {
        p.push("allowed_mentions.parse: a list of roles, users, everyone".into());
    }
    p
}

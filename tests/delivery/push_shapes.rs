//! What ntfy, the Telegram Bot API and the Matrix client-server API accept, written here from
//! their documentation, for the stand-ins of `chat_services.rs` (Slack, Teams and Discord are in
//! `chat_shapes.rs`).

use axum::http::HeaderMap;
use base64::Engine as _;
use serde_json::Value;

/// A header as ntfy reads it: RFC 2047 `=?UTF-8?B?...?=` decoded.
pub fn ntfy_header(headers: &HeaderMap, name: &str) -> Option<String> {
    let raw = headers.get(name)?.to_str().ok()?;
    match raw
        .strip_prefix("=?UTF-8?B?")
        .and_then(|r| r.strip_suffix("?="))
    {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        None => Some(raw.to_owned()),
    }
}

/// ntfy publishing: the message as the body of a POST to the topic, with `Title`, `Priority`,
/// `Tags`, `Click` and `Actions` (`view, <label>, <url>`, at most 3, `;`-separated).
pub fn ntfy(topic: &str, headers: &HeaderMap, body: &[u8]) -> Vec<String> {
    let mut p = Vec::new();
    if topic.is_empty()
        || topic.len() > 64
        || !topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        p.push(format!("topic {topic:?}"));
    }
    if body.is_empty() || body.len() > 4096 || std::str::from_utf8(body).is_err() {
        p.push(format!(
            "message: 1 to 4096 bytes of UTF-8, got {}",
            body.len()
        ));
    }
    let priority = ntfy_header(headers, "Priority").unwrap_or_default();
    if ![
        "1", "2", "3", "4", "5", "min", "low", "default", "high", "max", "urgent",
    ]
    .contains(&priority.as_str())
    {
        p.push(format!("Priority {priority:?}"));
    }
    if ntfy_header(headers, "Title").is_none_or(|t| t.is_empty()) {
        p.push("Title".into());
    }
    if let Some(click) = ntfy_header(headers, "Click") {
        if url::Url::parse(&click).is_err() {
            p.push(format!("Click {click:?}"));
        }
    }
    if let Some(actions) = ntfy_header(headers, "Actions") {
        let list: Vec<&str> = actions.split(';').collect();
        if list.len() > 3 {
            p.push("Actions: at most 3".into());
        }
        for action in list {
            let parts: Vec<&str> = action.split(',').map(str::trim).collect();
            let ok = parts.len() >= 3
                && parts[0] == "view"
                && !parts[1].is_empty()
                && url::Url::parse(parts[2]).is_ok();
            if !ok {
                p.push(format!("Actions: {action:?} is not `view, label, url`"));
            }
        }
    }
    p
}

/// Telegram's HTML: only its tags, closed in order, and only its entities (`&lt;`, `&gt;`,
/// `&amp;`, `&quot;` and numeric ones). The error, as Telegram words it.
pub fn telegram_html(text: &str) -> Result<usize, String> {
    let allowed = [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
    ];
    let mut open: Vec<String> = Vec::new();
    let mut visible = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').ok_or("Can't find end of the entity")?;
            let tag = &rest[1..end];
            if let Some(name) = tag.strip_prefix('/') {
                if open.pop().as_deref() != Some(name) {
                    return Err(format!(
                        "Can't find end tag corresponding to start tag {name}"
                    ));
                }
            } else {
                let name = tag.split_whitespace().next().unwrap_or("");
                if !allowed.contains(&name) {
                    return Err(format!("Unsupported start tag \"{name}\""));
                }
                if name == "a" && !tag.contains("href=\"") {
                    return Err("a link needs href".into());
                }
                open.push(name.to_owned());
            }
            rest = &rest[end + 1..];
        } else if c == '&' {
            let end = rest.find(';').ok_or("Unclosed entity")?;
            let entity = &rest[1..end];
            let ok = ["lt", "gt", "amp", "quot"].contains(&entity)
                || entity
                    .strip_prefix('#')
                    .is_some_and(|n| n.parse::<u32>().is_ok());
            if !ok {
                return Err(format!("Unsupported entity &{entity};"));
            }
            visible += 1;
            rest = &rest[end + 1..];
        } else {
            visible += 1;
            rest = &rest[c.len_utf8()..];
        }
    }
    match open.pop() {
        Some(name) => Err(format!(
            "Can't find end tag corresponding to start tag {name}"
        )),
        None => Ok(visible),
    }
}

/// `sendMessage`: `chat_id` (an integer or `@username`), `text` (1 to 4096 characters once
/// parsed), `parse_mode`, and an inline keyboard of URL buttons.
pub fn telegram(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let chat = &body["chat_id"];
    if !(chat.is_i64() || chat.as_str().is_some_and(|s| s.starts_with('@'))) {
        p.push(format!("chat_id {chat}"));
    }
    if body["parse_mode"] != "HTML" {
        p.push("parse_mode: HTML".into());
    }
    match body["text"].as_str().map(telegram_html) {
        Some(Ok(n)) if (1..=4096).contains(&n) => {}
        Some(Ok(n)) => p.push(format!("text: 1 to 4096 characters, got {n}")),
        Some(Err(e)) => p.push(format!("Bad Request: can't parse entities: {e}")),
        None => p.push("text".into()),
    }
    if !body["reply_markup"].is_null() {
        let rows = body["reply_markup"]["inline_keyboard"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if rows.is_empty() {
            p.push("reply_markup.inline_keyboard: rows of buttons".into());
        }
        for button in rows
            .iter()
            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
        {
            let url_ok = button["url"]
                .as_str()
                .and_then(|u| url::Url::parse(u).ok())
                .is_some_and(|u| {
                    u.host_str()
                        .is_some_and(|h| h.contains('.') && h != "127.0.0.1")
                });
            if button["text"].as_str().is_none_or(str::is_empty) || !url_ok {
                p.push(format!("Bad Request: BUTTON_URL_INVALID {button}"));
            }
        }
    }
    p
}

/// `m.room.message` of `msgtype` `m.text`: a `body`, and with `format`
/// `org.matrix.custom.html` a `formatted_body`.
pub fn matrix(body: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if body["msgtype"] != "m.text" {
        p.push("msgtype: m.text".into());
    }
    if body["body"].as_str().is_none_or(str::is_empty) {
        p.push("body: a string".into());
    }
    if !body["format"].is_null()
        && (body["format"] != "org.matrix.custom.html" || !body["formatted_body"].is_string())
    {
        p.push("format org.matrix.custom.html with formatted_body".into());
    }
    if body.to_string().len() > 65_536 {
        p.push("M_TOO_LARGE".into());
    }
    p
}

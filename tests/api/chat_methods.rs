//! SPEC §1: the chat and push method types. Their URLs are checked as webhook URLs are (any
//! host and path, `https` only, nothing that is not globally routable); Telegram chat ids and
//! Matrix room ids have their own forms. A bad address is a 422 on `address` that says what is
//! expected, and stores nothing; chat methods default to `warning` and carry no secret.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::json;

pub async fn chat_methods_are_checked_and_default_to_warning(app: &TestApp) {
    let token = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            token,
            json!({"name": "Ops room", "companies": "all"}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{}", contact.body);
    let methods = format!("/api/v1/contacts/{}/methods", contact.str("/id"));
    let before = app.snapshot().await;
    for (kind, address, says) in [
        (
            "slack",
            "http://hooks.slack.com/services/T0/B0/x",
            "https://",
        ),
        ("slack", "https://10.1.2.3/services/T0/B0/x", "private"),
        ("teams", "https://169.254.169.254/workflows/x", "link-local"),
        (
            "discord",
            "https://[::ffff:192.168.0.1]/api/webhooks/1/x",
            "private",
        ),
        ("ntfy", "https://localhost/ops", "loopback"),
        ("ntfy", "ntfy.sh/ops", "URL"),
        ("telegram", "@abc", "Telegram chat id"),
        ("telegram", "https://t.me/ops", "Telegram chat id"),
        ("matrix", "#ops:example.org", "Matrix room id"),
        ("matrix", "!abc:exa mple.org", "Matrix room id"),
        ("signal", "+34612345678", "one of"),
    ] {
        let answer = app
            .post(&methods, token, json!({"type": kind, "address": address}))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {address}: {}",
            answer.body
        );
        let field = if kind == "signal" { "type" } else { "address" };
        assert_eq!(answer.body["errors"][0]["field"], field, "{kind} {address}");
        let message = answer.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(says), "{kind} {address}: {message}");
    }
    assert_eq!(app.snapshot().await, before, "nothing was stored");

    for (kind, address) in [
        ("slack", "https://hooks.slack.com/services/T0001/B0001/XXXX"),
        (
            "teams",
            "https://prod-01.westeurope.logic.azure.com:443/workflows/4f/triggers/manual/paths/invoke?api-version=2016-06-01&sig=abc",
        ),
        ("discord", "https://discord.com/api/webhooks/1234/tok"),
        ("ntfy", "https://ntfy.example.net/ops-pager"),
        ("telegram", " -1001234567890 "),
        ("matrix", "!abcdef:matrix.example.org"),
    ] {
        let made = app
            .post(&methods, token, json!({"type": kind, "address": address}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{kind}: {}", made.body);
        assert_eq!(made.body["type"], kind);
        // Normalised: trimmed, the default port dropped.
        assert_eq!(made.body["address"], address.trim().replace(":443/", "/"));
        assert_eq!(made.body["min_severity"], "warning", "{kind}");
        assert_eq!(made.body["reports"], false, "{kind}");
        assert!(
            made.body.get("secret").is_none(),
            "{kind}: chat methods have no signing secret"
        );
    }
    let reports = app
        .post(&methods, token, json!({"type": "slack", "address": "https://hooks.slack.com/services/T/B/Y", "reports": true}))
        .await;
    assert_eq!(
        reports.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reports go to email only"
    );
    assert_eq!(reports.body["errors"][0]["field"], "reports");
}

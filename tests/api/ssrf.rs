//! SPEC §1: a webhook URL whose address is not globally routable is refused at input, the
//! loopback setting or not: a 422 on `address`, and nothing stored.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::json;

pub async fn webhooks_to_addresses_that_are_not_global_are_refused(app: &TestApp) {
    let token = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            token,
            json!({"name": "Ops bot", "companies": "all"}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{}", contact.body);
    let methods = format!("/api/v1/contacts/{}/methods", contact.str("/id"));
    let before = app.snapshot().await;
    for url in [
        "https://10.0.0.1/",
        "https://172.16.0.1/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://192.0.0.8/",
        "https://198.18.0.1/",
        "https://240.0.0.1/",
        "https://255.255.255.255/",
        "https://224.0.0.1/",
        "https://[fc00::1]/",
        "https://[fe80::1]/",
        "https://[fec0::1]/",
        "https://[ff02::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[::ffff:100.64.0.1]/",
        "https://[::10.0.0.1]/",
        "http://[64:ff9b::a00:5]/",
        "https://[64:ff9b::808:808]/",
        "https://[2002:a00:1::1]/",
        // Loopback (refused while the deployment does not allow it), in every notation.
        "https://0x7f000001/",
        "https://2130706433/",
        "https://017700000001/",
        "https://[::ffff:127.0.0.1]/",
        // Private addresses in other notations.
        "https://0xa000001/",
        "https://167772161/",
    ] {
        let answer = app
            .post(&methods, token, json!({"type": "webhook", "address": url}))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            answer.body
        );
        assert_eq!(answer.body["errors"][0]["field"], "address", "{url}");
    }
    assert_eq!(app.snapshot().await, before, "nothing was stored");
    let fine = app
        .post(
            &methods,
            token,
            json!({"type": "webhook", "address": "https://8.8.8.8/hook"}),
        )
        .await;
    assert_eq!(fine.status, StatusCode::CREATED, "{}", fine.body);
    assert!(fine.str("/secret").starts_with("whsec_"), "shown once");
    let again = app
        .get(&format!("{methods}/{}", fine.str("/id")), token)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.get("secret").is_none(), "never again");
}

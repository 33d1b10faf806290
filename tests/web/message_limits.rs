//! Send test and Verify refused by the rate limit of test and verification messages: the page
//! says so in the viewer's language (429, with `Retry-After`) and nothing is queued.

use crate::app::{Answer, TestApp};
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

async fn notifications(app: &TestApp) -> i64 {
    let mut db = app.db.store.read().await.expect("read");
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications")
        .fetch_one(&mut *db)
        .await
        .expect("count")
}

/// A form post in English.
async fn post_in_english(browser: &mut Browser<'_>, path: &str, csrf: &str) -> Answer {
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en-US,en;q=0.9");
    browser
        .send(request, Body::from(format!("csrf={csrf}")))
        .await
}

pub async fn send_test_and_verify_say_when_to_try_again(app: &TestApp) {
    with_passwords(app).await;
    let admin = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Nora", "companies": [app.northwind.id.to_string()]}),
        )
        .await
        .str("/id");
    let sms = app
        .post(
            &format!("/api/v1/contacts/{contact}/methods"),
            admin,
            json!({"type": "sms", "address": "+34612345678"}),
        )
        .await
        .str("/id");
    let base = format!("/configure/contacts/{contact}/methods/{sms}");
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let csrf = browser.csrf();

    let sent = browser
        .post(&format!("{base}/test"), &[("csrf", &csrf)])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", html(&sent));
    let before = notifications(app).await;

    let again = browser
        .post(&format!("{base}/test"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(again.headers.contains_key("retry-after"));
    assert!(
        html(&again).contains("Demasiados mensajes de prueba y de verificación a esta dirección")
            && html(&again).contains("dentro de un minuto"),
        "{}",
        html(&again)
    );

    let english = post_in_english(&mut browser, &format!("{base}/test"), &csrf).await;
    assert_eq!(english.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html(&english).contains("Too many test and verification messages to this address")
            && html(&english).contains("try again in a minute"),
        "{}",
        html(&english)
    );

    // Verify: the code form, with why no new code went.
    let code = post_in_english(&mut browser, &format!("{base}/verify"), &csrf).await;
    assert_eq!(code.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(code.headers.contains_key("retry-after"));
    assert!(
        html(&code).contains("role=\"alert\">Too many test and verification messages")
            && html(&code).contains("name=\"code\""),
        "{}",
        html(&code)
    );
    assert_eq!(notifications(app).await, before, "nothing queued");
}

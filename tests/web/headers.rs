//! Security headers on every answer, no inline script or style on any page, and CSRF tokens
//! bound to the session.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use reach::config::Secret;
use reach::http::AppState;
use std::sync::Arc;
use tower::ServiceExt;

fn header<'a>(answer: &'a crate::app::Answer, name: &str) -> &'a str {
    answer
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ascii"))
        .unwrap_or_default()
}

fn assert_secure(answer: &crate::app::Answer, referrer: &str, what: &str) {
    let csp = header(answer, "content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{what}: {part} in {csp:?}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        header(answer, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(answer, "referrer-policy"), referrer, "{what}");
    assert!(
        answer.headers.get("strict-transport-security").is_none(),
        "{what}: no HSTS over plain http"
    );
    let page = html(answer);
    for inline in ["<script", "<style", " style=", " onclick=", " onsubmit="] {
        assert!(!page.contains(inline), "{what}: {inline} in the page");
    }
}

pub async fn every_answer_has_security_headers_and_link_pages_send_no_referrer(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    assert_secure(&browser.get("/").await, "same-origin", "the sign-in page");
    browser.sign_in("ana@acme.example", PASSWORD).await;
    for path in ["/configure/contacts", "/configure/users", "/alerts"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_secure(&page, "same-origin", path);
    }
    let docs = app.call("GET", "/api/docs", None, None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert_secure(&docs, "same-origin", "/api/docs");
    let css = app.call("GET", "/assets/api-docs.css", None, None).await;
    assert_eq!(css.status, StatusCode::OK, "the docs' stylesheet is served");
    let json = app.get("/api/v1/contacts", &app.admin.token).await;
    assert_secure(&json, "same-origin", "a JSON answer");
    let missing = app.call("GET", "/no/such/path", None, None).await;
    assert_secure(&missing, "same-origin", "a 404");

    // The pages signed links open carry their token in the path: no referrer leaves them.
    let nora = app
        .post(
            "/api/v1/contacts",
            &app.admin.token,
            serde_json::json!({"name": "Nora", "companies": "all"}),
        )
        .await
        .str("/id");
    let method = app
        .post(
            &format!("/api/v1/contacts/{nora}/methods"),
            &app.admin.token,
            serde_json::json!({"type": "email", "address": "nora@example.com"}),
        )
        .await
        .str("/id");
    let account = app
        .get("/api/v1/account", &app.admin.token)
        .await
        .str("/id");
    let signer =
        reach::links::LinkSigner::new("test-secret-key-test-secret-key-00", "http://reach.test");
    let soon = chrono::Utc::now() + chrono::Duration::minutes(10);
    let verify = signer.verify_url(&account, &nora, &method, "nora@example.com", soon);
    let mut visitor = Browser::new(app);
    let shown = visitor
        .get(verify.trim_start_matches("http://reach.test"))
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_secure(&shown, "no-referrer", "a verify link page");
    for path in ["/ack/not-a-token", "/set-password/not-a-token"] {
        let answer = visitor.get(path).await;
        assert_eq!(
            header(&answer, "referrer-policy"),
            "no-referrer",
            "{path} (even refused)"
        );
    }
}

pub async fn hsts_is_sent_only_when_the_public_url_is_https(app: &TestApp) {
    let healthz = || {
        Request::get("/healthz")
            .body(Body::empty())
            .expect("request")
    };
    let plain = app.router.clone().oneshot(healthz()).await.expect("answer");
    assert!(plain.headers().get("strict-transport-security").is_none());
    let state = Arc::new(AppState::new(
        app.db.store.clone(),
        Secret::from("test-secret-key-test-secret-key-00".to_owned()),
        false,
        "https://reach.example",
        reach::runtime::Wakeup::default(),
    ));
    let secure = reach::http::router(state)
        .oneshot(healthz())
        .await
        .expect("answer");
    assert_eq!(secure.status(), StatusCode::OK);
    let hsts = secure
        .headers()
        .get("strict-transport-security")
        .expect("HSTS behind https")
        .to_str()
        .expect("ascii");
    assert!(hsts.starts_with("max-age="), "{hsts}");
}

/// A token is worth something only with the session it was made for: another user's token,
/// or another session's of the same user, is refused even with that browser's CSRF cookie
/// planted beside it, and nothing changes.
pub async fn a_form_with_another_sessions_token_is_refused(app: &TestApp) {
    with_passwords(app).await;
    let mut attacker = Browser::new(app);
    attacker.sign_in("tess@acme.example", PASSWORD).await;
    let mut other_tab = Browser::new(app);
    other_tab.sign_in("ana@acme.example", PASSWORD).await;
    let mut victim = Browser::new(app);
    victim.sign_in("ana@acme.example", PASSWORD).await;
    let own = victim.csrf();
    let before = app.snapshot().await;
    for thief in [&attacker, &other_tab] {
        let token = thief.csrf();
        let cookie = thief.cookie("reach_csrf").expect("csrf cookie").to_owned();
        assert_ne!(token, own);
        let mut planted = victim.cookies.clone();
        planted.retain(|(n, _)| n != "reach_csrf");
        planted.push(("reach_csrf".to_owned(), cookie));
        let saved = std::mem::replace(&mut victim.cookies, planted);
        let refused = victim
            .post(
                "/configure/contacts",
                &[("csrf", &token), ("name", "Forged"), ("access", "all")],
            )
            .await;
        victim.cookies = saved;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.snapshot().await, before, "nothing changed");
    let added = victim
        .post(
            "/configure/contacts",
            &[("csrf", &own), ("name", "Real"), ("access", "all")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "its own token works");
}

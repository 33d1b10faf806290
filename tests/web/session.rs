//! Sessions: HTTP-only cookies and sign-out, CSRF, and the failed sign-in lock.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;

pub async fn sessions_are_http_only_cookies_and_sign_out_ends_them(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    let signed_in = browser.sign_in("ana@acme.example", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers["location"], "/configure/contacts");
    let set = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    let session = set
        .iter()
        .find(|c| c.starts_with("reach_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http in tests");
    let page = browser.get("/configure/contacts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html(&page).contains("<html lang=\"es\">"),
        "Accept-Language picks Spanish"
    );
    assert!(html(&page).contains("Añadir un contacto"));
    assert!(!html(&page).contains("type=\"password\""));
    let csrf = browser.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    browser.cookies.push((
        "reach_session".into(),
        session
            .split(';')
            .next()
            .unwrap_or_default()
            .trim_start_matches("reach_session=")
            .to_owned(),
    ));
    let after = browser.get("/configure/contacts").await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old session id is dead"
    );
}

pub async fn forms_without_the_csrf_token_change_nothing(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let before = app.snapshot().await;
    for token in ["", "forged-token-forged-token-forged-token-00"] {
        let refused = browser
            .post(
                "/configure/contacts",
                &[("csrf", token), ("name", "Forged"), ("access", "all")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.snapshot().await, before);
}

pub async fn failed_sign_ins_are_slowed_then_locked(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    for _ in 0..5 {
        let wrong = browser
            .sign_in("ana@acme.example", "not the password")
            .await;
        assert_eq!(wrong.status, StatusCode::OK);
        assert!(html(&wrong).contains("role=\"alert\""));
    }
    let locked = browser.sign_in("ana@acme.example", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::OK,
        "even the right password waits for the lock"
    );
    assert!(
        html(&locked).contains("Demasiados intentos"),
        "{}",
        html(&locked)
    );
    let other = Browser::new(app)
        .sign_in("tess@acme.example", PASSWORD)
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "the lock is per email");
}

//! My Account (SPEC §3): a new password or primary email needs the current password; a new
//! password ends the user's other web sessions and keeps the one it was changed in.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;

const NEW_PASSWORD: &str = "tess brand new password";

pub async fn a_new_password_ends_the_other_sessions_only(app: &TestApp) {
    with_passwords(app).await;
    let mut here = Browser::new(app);
    let mut there = Browser::new(app);
    for browser in [&mut here, &mut there] {
        let signed_in = browser.sign_in("tess@acme.example", PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    }
    let csrf = here.csrf();
    for current in ["", "not my password"] {
        let refused = here
            .post(
                "/configure/account/password",
                &[
                    ("csrf", &csrf),
                    ("current_password", current),
                    ("new", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = html(&refused);
        assert!(
            page.contains(r#"id="f-current_password" name="current_password" type="password" value="" aria-invalid="true""#),
            "{page}"
        );
    }
    assert_eq!(
        there.get("/configure/account").await.status,
        StatusCode::OK,
        "refused changes end nothing"
    );

    let changed = here
        .post(
            "/configure/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", html(&changed));
    assert_eq!(here.get("/configure/account").await.status, StatusCode::OK);
    assert_eq!(
        there.get("/configure/account").await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    let again = Browser::new(app)
        .sign_in("tess@acme.example", NEW_PASSWORD)
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

pub async fn a_new_primary_email_needs_the_current_password(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("tess@acme.example", PASSWORD).await;
    let csrf = browser.csrf();
    let profile = |email: &'static str, current: &'static str| {
        [
            ("name", "Tess Tech"),
            ("email", email),
            ("locale", ""),
            ("timezone", ""),
            ("current_password", current),
        ]
    };
    let before = app.snapshot().await;
    for current in ["", "not my password"] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(profile("tess.new@acme.example", current));
        let refused = browser.post("/configure/account", &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = html(&refused);
        assert!(
            page.contains(r#"id="f-profile-current-password-error""#),
            "{page}"
        );
        assert!(
            !page.contains("not my password"),
            "a typed password is never shown"
        );
    }
    assert_eq!(app.snapshot().await, before, "nothing changed");

    // The same email needs no password; a new one with it is saved.
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(profile("tess@acme.example", ""));
    let same = browser.post("/configure/account", &fields).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", html(&same));
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(profile("tess.new@acme.example", PASSWORD));
    let saved = browser.post("/configure/account", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", html(&saved));
    let signed_in = Browser::new(app)
        .sign_in("tess.new@acme.example", PASSWORD)
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
}

//! Signed links: setting a password, verifying an email, unsubscribing from reports.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;

pub async fn a_new_user_sets_their_password_with_a_one_time_link(app: &TestApp) {
    with_passwords(app).await;
    let mut admin = Browser::new(app);
    admin.sign_in("ana@acme.example", PASSWORD).await;
    let csrf = admin.csrf();
    let added = admin
        .post(
            "/configure/users",
            &[
                ("csrf", &csrf),
                ("name", "Nuevo Usuario"),
                ("email", "nuevo@acme.example"),
                ("role", "technician"),
                ("access", "all"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let page = html(&added);
    let start = page
        .find("http://reach.test/set-password/")
        .expect("the link is shown");
    let link = &page[start..];
    let link = &link[..link.find('<').expect("end of link")];
    let path = link.trim_start_matches("http://reach.test");

    let mut newcomer = Browser::new(app);
    assert_eq!(newcomer.get(path).await.status, StatusCode::OK);
    let csrf = newcomer.csrf();
    let short = newcomer
        .post(path, &[("csrf", &csrf), ("password", "short")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&short).contains("Al menos 12 caracteres"));
    let set = newcomer
        .post(path, &[("csrf", &csrf), ("password", "my own password 42")])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(set.headers["location"], "/?done=password-set");
    let signed_in = newcomer
        .sign_in("nuevo@acme.example", "my own password 42")
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let again = Browser::new(app).get(path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "the link works once");
    let csrf = newcomer.csrf();
    let reuse = newcomer
        .post(
            path,
            &[("csrf", &csrf), ("password", "another password 43")],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::NOT_FOUND);
}

/// An email method is verified with the signed link of its verification email: opening it
/// changes nothing, the button verifies; a link for an old address or a forged one does not.
pub async fn an_email_is_verified_by_its_signed_link(app: &TestApp) {
    use reach::links::LinkSigner;
    let admin = &app.admin.token;
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            serde_json::json!({"name": "Nora", "companies": "all", "locale": "es"}),
        )
        .await
        .str("/id");
    let method = app
        .post(
            &format!("/api/v1/contacts/{nora}/methods"),
            admin,
            serde_json::json!({"type": "email", "address": "nora@example.com"}),
        )
        .await
        .str("/id");
    let signer = LinkSigner::new("test-secret-key-test-secret-key-00", "http://reach.test");
    let account = app.get("/api/v1/account", admin).await.str("/id");
    let soon = chrono::Utc::now() + chrono::Duration::minutes(10);
    let url = signer.verify_url(&account, &nora, &method, "nora@example.com", soon);
    let path = url.trim_start_matches("http://reach.test");
    let verified = || async {
        app.get(&format!("/api/v1/contacts/{nora}/methods/{method}"), admin)
            .await
            .body["verified"]
            .clone()
    };

    let mut visitor = Browser::new(app);
    let shown = visitor.get(path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        html(&shown).contains("¿Es tuya nora@example.com?"),
        "in Nora's language"
    );
    assert_eq!(verified().await, false, "opening the link changes nothing");
    let csrf = visitor.csrf();
    let done = visitor.post(path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(html(&done).contains("El método de contacto está verificado."));
    assert_eq!(verified().await, true);

    // A link for another address of this method, an expired one, and a forged one.
    let other = signer.verify_url(&account, &nora, &method, "old@example.com", soon);
    let expired = signer.verify_url(
        &account,
        &nora,
        &method,
        "nora@example.com",
        chrono::Utc::now(),
    );
    let forged = LinkSigner::new("another-key-another-key-another-key", "http://reach.test")
        .verify_url(&account, &nora, &method, "nora@example.com", soon);
    for url in [other, expired, forged] {
        let answer = Browser::new(app)
            .get(url.trim_start_matches("http://reach.test"))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{url}");
    }
}

/// The unsubscribe link of a report email turns reports off for that method only; opening it
/// changes nothing.
pub async fn a_report_unsubscribe_link_turns_reports_off(app: &TestApp) {
    use reach::links::LinkSigner;
    let admin = &app.admin.token;
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            serde_json::json!({"name": "Nora", "companies": "all"}),
        )
        .await
        .str("/id");
    let mut methods = Vec::new();
    for address in ["nora@example.com", "nora@home.example"] {
        methods.push(
            app.post(
                &format!("/api/v1/contacts/{nora}/methods"),
                admin,
                serde_json::json!({"type": "email", "address": address}),
            )
            .await
            .str("/id"),
        );
    }
    let account = app.get("/api/v1/account", admin).await.str("/id");
    let signer = LinkSigner::new("test-secret-key-test-secret-key-00", "http://reach.test");
    let url = signer.unsubscribe_url(
        &account,
        &nora,
        &methods[0],
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let path = url.trim_start_matches("http://reach.test");
    let reports = |m: &str| {
        let path = format!("/api/v1/contacts/{nora}/methods/{m}");
        async move { app.get(&path, admin).await.body["reports"].clone() }
    };
    let mut visitor = Browser::new(app);
    let shown = visitor.get(path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(html(&shown).contains("nora@example.com"));
    assert_eq!(reports(&methods[0]).await, true, "opening changes nothing");
    let csrf = visitor.csrf();
    let done = visitor.post(path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(reports(&methods[0]).await, false);
    assert_eq!(reports(&methods[1]).await, true, "only that method");
    let forged = LinkSigner::new("another-key-another-key-another-key", "http://reach.test")
        .unsubscribe_url(
            &account,
            &nora,
            &methods[1],
            chrono::Utc::now() + chrono::Duration::days(1),
        );
    let refused = Browser::new(app)
        .post(
            forged.trim_start_matches("http://reach.test"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_ne!(refused.status, StatusCode::OK);
    assert_eq!(reports(&methods[1]).await, true);
}

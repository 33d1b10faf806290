//! My Account > API tokens: create one (shown once), see it listed, revoke it after a
//! confirmation; bad input is a form error; another user's token is not found.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;
use serde_json::Value;

/// The id of the caller's token named `name`, through the API.
async fn token_id(app: &TestApp, token: &str, name: &str) -> Option<String> {
    app.get("/api/v1/tokens", token).await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["id"].as_str().map(str::to_owned))
}

pub async fn a_user_creates_and_revokes_an_api_token_on_my_account(app: &TestApp) {
    with_passwords(app).await;
    let mut tess = Browser::new(app);
    tess.sign_in("tess@acme.example", PASSWORD).await;
    let page = tess.get("/configure/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html(&page).contains("Tokens de API"),
        "the section, in Spanish"
    );
    assert!(html(&page).contains("Último uso"));
    assert!(
        html(&page).contains("Aún sin usar"),
        "tess's token is not used yet"
    );
    let csrf = tess.csrf();

    // Bad input: the form again with its errors, nothing made.
    let before = app.get("/api/v1/tokens", &app.tech.token).await.body;
    for (name, days, message) in [
        ("", "", "Este campo es obligatorio"),
        ("Grafana", "0", "Introduce un número entero de"),
        ("Grafana", "mañana", "Introduce un número entero de"),
    ] {
        let bad = tess
            .post(
                "/configure/account/tokens",
                &[("csrf", &csrf), ("name", name), ("expires_in_days", days)],
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name} {days}"
        );
        assert!(html(&bad).contains("aria-invalid=\"true\""));
        assert!(html(&bad).contains(message), "{}", html(&bad));
    }
    assert_eq!(
        app.get("/api/v1/tokens", &app.tech.token).await.body,
        before
    );

    // Made: shown once, and it works.
    let made = tess
        .post(
            "/configure/account/tokens",
            &[
                ("csrf", &csrf),
                ("name", "Grafana"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let shown = html(&made);
    let start = shown
        .find("readonly value=\"")
        .map(|i| i + "readonly value=\"".len())
        .expect("the token is shown");
    let token = &shown[start..start + shown[start..].find('"').expect("end")];
    assert!(token.starts_with("reach_"), "{token}");
    assert_eq!(app.get("/api/v1/me", token).await.status, StatusCode::OK);
    let listed = tess.get("/configure/account").await;
    assert!(html(&listed).contains("Grafana"));
    assert!(
        !html(&listed).contains(token),
        "the list never shows the token"
    );
    let id = token_id(app, &app.tech.token, "Grafana")
        .await
        .expect("listed");
    let expires = app.get("/api/v1/tokens", token).await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == id.as_str())
        .map(|t| t["expires_at"].clone());
    assert!(matches!(expires, Some(Value::String(_))), "{expires:?}");

    // Revoke: a confirmation first; without the CSRF token nothing happens.
    let path = format!("/configure/account/tokens/{id}/revoke");
    let question = tess.get(&path).await;
    assert_eq!(question.status, StatusCode::OK);
    assert!(html(&question).contains("¿Revocar el token de API"));
    let forged = tess.post(&path, &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", token).await.status, StatusCode::OK);
    let revoked = tess.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        revoked.headers["location"],
        "/configure/account?done=token-revoked"
    );
    assert_eq!(
        app.get("/api/v1/me", token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let after = tess.get("/configure/account?done=token-revoked").await;
    assert!(html(&after).contains("Se ha revocado el token de API"));
    assert!(!html(&after).contains("Grafana"));

    // Another user's token: not found, and it keeps working.
    let admins = token_id(app, &app.admin.token, "tests")
        .await
        .expect("the admin's token");
    let theirs = format!("/configure/account/tokens/{admins}/revoke");
    assert_eq!(tess.get(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        tess.post(&theirs, &[("csrf", &csrf)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/me", &app.admin.token).await.status,
        StatusCode::OK
    );
}

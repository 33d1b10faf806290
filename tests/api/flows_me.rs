//! `PATCH /api/v1/me` (SPEC §3): a new password or primary email needs `current_password`;
//! a new password ends the user's web sessions and leaves their API tokens.

use crate::app::{TestApp, User};
use crate::{read, tx};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use reach::auth;

use serde_json::json;

/// A web session of `user`, as signing in would make: the cookie's value.
async fn web_session(app: &TestApp, user: &User) -> String {
    let login = read!(
        app.db.store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(&user.token)
    )
    .await
    .expect("login")
    .expect("user")
    .login;
    let session = auth::generate_password() + &auth::generate_password();
    tx!(
        app.db.store,
        reach::store::sessions::create,
        &login.account_id,
        &login.user_id,
        &auth::hash_token(&session),
        chrono::Utc::now() + chrono::Duration::days(1)
    )
    .await
    .expect("session");
    session
}

/// Whether the session cookie still opens a page.
async fn signed_in(app: &TestApp, session: &str) -> bool {
    let request = Request::get("/configure/contacts")
        .header("cookie", format!("reach_session={session}"))
        .body(Body::empty())
        .expect("request");
    let status = app.send(request).await.status;
    assert!(
        status == StatusCode::OK || status == StatusCode::SEE_OTHER,
        "{status}"
    );
    status == StatusCode::OK
}

/// Whether `password` is the stored password of `user`.
async fn has_password(app: &TestApp, user: &User, password: &str) -> bool {
    let login = read!(
        app.db.store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(&user.token)
    )
    .await
    .expect("login")
    .expect("user")
    .login;
    auth::verify_password(password, login.password_hash.as_deref())
        .await
        .expect("verify")
}

pub async fn a_new_password_or_email_needs_the_current_password(app: &TestApp) {
    let tess = &app.tech;
    app.set_password(tess, "tess old password").await;
    let session = web_session(app, tess).await;
    assert!(signed_in(app, &session).await);
    let before = app.get("/api/v1/me", &tess.token).await.body;

    let new_password = json!({"password": "tess new password"});
    let new_email = json!({"email": "tess.new@acme.example"});
    let wrong = |mut body: serde_json::Value| {
        body["current_password"] = json!("not my password");
        body
    };
    for body in [
        new_password.clone(),
        wrong(new_password.clone()),
        new_email.clone(),
        wrong(new_email.clone()),
        json!({"password": "tess new password", "current_password": ""}),
    ] {
        let refused = app.patch("/api/v1/me", &tess.token, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.body
        );
        assert_eq!(
            refused.body["errors"][0]["field"], "current_password",
            "{}",
            refused.body
        );
    }
    assert_eq!(app.get("/api/v1/me", &tess.token).await.body, before);
    assert!(has_password(app, tess, "tess old password").await);
    assert!(
        signed_in(app, &session).await,
        "refused changes end nothing"
    );

    // The email as it is, and other fields, need no password.
    let same = app
        .patch(
            "/api/v1/me",
            &tess.token,
            json!({"email": before["email"], "name": "Tess T"}),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(signed_in(app, &session).await);

    let changed = app
        .patch(
            "/api/v1/me",
            &tess.token,
            json!({"password": "tess new password", "current_password": "tess old password"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(has_password(app, tess, "tess new password").await);
    assert!(
        !signed_in(app, &session).await,
        "a new password ends the web sessions"
    );
    assert_eq!(
        app.get("/api/v1/me", &tess.token).await.status,
        StatusCode::OK,
        "API tokens stay"
    );

    let email = app
        .patch(
            "/api/v1/me",
            &tess.token,
            json!({"email": "tess.new@acme.example", "current_password": "tess new password"}),
        )
        .await;
    assert_eq!(email.status, StatusCode::OK, "{}", email.body);
    assert_eq!(email.body["email"], "tess.new@acme.example");
}

/// Guessing the current password through `PATCH /me` (a stolen token or session) is counted
/// like sign-ins: after five wrong tries even the right one is refused, without a change.
pub async fn current_password_guesses_are_limited_like_sign_ins(app: &TestApp) {
    let olga = &app.outsider;
    app.set_password(olga, "olga old password").await;
    for _ in 0..5 {
        let wrong = app
            .patch(
                "/api/v1/me",
                &olga.token,
                json!({"password": "olga new password", "current_password": "a guess at it"}),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            wrong.body["errors"][0]["message"], "The password is not right",
            "{}",
            wrong.body
        );
    }
    let locked = app
        .patch(
            "/api/v1/me",
            &olga.token,
            json!({"password": "olga new password", "current_password": "olga old password"}),
        )
        .await;
    assert_eq!(
        (
            locked.status,
            locked.body["errors"][0]["field"].clone(),
            locked.body["errors"][0]["message"].clone()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("current_password"),
            json!("Too many wrong passwords: try again in 15 minutes")
        ),
        "{}",
        locked.body
    );
    assert!(has_password(app, olga, "olga old password").await);
}

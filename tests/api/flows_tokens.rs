//! SPEC §3 `/api/v1/tokens`: a user's own API tokens — shown once, listed without the secret,
//! their last use recorded to within a minute, expiry and revocation answered with 401, and
//! nobody else's token reachable.

use crate::app::TestApp;
use crate::{read, tx};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use reach::auth;
use reach::domain::token::NewToken;
use reach::domain::{Name, TokenId};
use serde_json::{Value, json};

const FIELDS: [&str; 5] = ["id", "name", "created_at", "expires_at", "last_used_at"];

/// The caller's token `id` as the list shows it.
async fn listed(app: &TestApp, token: &str, id: &str) -> Option<Value> {
    let list = app.get("/api/v1/tokens", token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["next_cursor"], Value::Null);
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Sets a token's recorded last use, as if it had been used then.
async fn used_at(app: &TestApp, id: &str, at: DateTime<Utc>) {
    tx!(
        app.db.store,
        reach::store::tokens::record_use,
        &TokenId::from_string(id.to_owned()),
        at,
        DateTime::<Utc>::MAX_UTC
    )
    .await
    .expect("record use");
}

pub async fn a_token_is_shown_once_records_its_use_and_dies_when_revoked(app: &TestApp) {
    let admin = &app.admin.token;
    let created = app
        .post("/api/v1/tokens", admin, json!({"name": " CI runner "}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let (id, token) = (created.str("/id"), created.str("/token"));
    assert!(token.starts_with("reach_"), "{token}");
    assert_eq!(created.body["name"], "CI runner");
    for field in FIELDS {
        assert!(
            created.body.get(field).is_some(),
            "create answer has {field}"
        );
    }
    assert_eq!(created.body["expires_at"], Value::Null);
    assert_eq!(created.body["last_used_at"], Value::Null);

    // Reads never carry the token; every named field is present, null when unset.
    let item = listed(app, admin, &id).await.expect("listed");
    assert_eq!(item.get("token"), None);
    assert!(!item.to_string().contains(&token));
    let mut keys: Vec<&str> = item
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = FIELDS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(item["last_used_at"], Value::Null);

    // A use writes last_used_at before its answer...
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    let first = listed(app, &token, &id).await.expect("listed")["last_used_at"].clone();
    let first_at = instant(&first);
    assert!(
        (Utc::now() - first_at).abs() < Duration::minutes(1),
        "{first}"
    );
    // ...and uses within the minute after it leave it as it is.
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    assert_eq!(
        listed(app, admin, &id).await.expect("listed")["last_used_at"],
        first
    );
    let half_a_minute_ago = Utc::now() - Duration::seconds(30);
    used_at(app, &id, half_a_minute_ago).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    assert_eq!(
        instant(&listed(app, admin, &id).await.expect("listed")["last_used_at"]),
        DateTime::from_timestamp_millis(half_a_minute_ago.timestamp_millis()).expect("ms"),
        "used again within the minute: not rewritten"
    );
    // Over a minute old, the next use writes it again.
    let two_minutes_ago = Utc::now() - Duration::minutes(2);
    used_at(app, &id, two_minutes_ago).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    let rewritten = instant(&listed(app, admin, &id).await.expect("listed")["last_used_at"]);
    assert!(
        rewritten > two_minutes_ago + Duration::minutes(1),
        "{rewritten}"
    );

    // Revoked: 401 from then on, gone from the list, a second revoke is 404.
    let revoked = app.delete(&format!("/api/v1/tokens/{id}"), admin).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
    assert_eq!(
        app.get("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(listed(app, admin, &id).await, None);
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{id}"), admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Both changes are audited, without the secret.
    let log = app.get(&format!("/api/v1/audit?object={id}"), admin).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let actions: Vec<(&str, &str)> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default(),
                e["object_type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [("delete", "api_token"), ("create", "api_token")],
        "{}",
        log.body
    );
    assert!(!log.body.to_string().contains(&token), "no secret audited");
    assert!(!log.body.to_string().contains(&auth::hash_token(&token)));
}

pub async fn expiry_must_be_in_the_future_and_an_expired_token_is_refused(app: &TestApp) {
    let admin = &app.admin.token;
    let before = app.get("/api/v1/tokens", admin).await.body;
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    for (body, field) in [
        (json!({"name": "old", "expires_at": past}), "expires_at"),
        (
            json!({"name": "bad", "expires_at": "next tuesday"}),
            "expires_at",
        ),
        (json!({"name": "  "}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "a\u{7}b"}), "name"),
        (json!({"expires_at": null}), "name"),
        (json!({"name": "ok", "token": "reach_mine"}), ""),
    ] {
        let refused = app.post("/api/v1/tokens", admin, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.body
        );
        if !field.is_empty() {
            assert_eq!(
                refused.body["errors"][0]["field"], field,
                "{}",
                refused.body
            );
        }
    }
    assert_eq!(
        app.get("/api/v1/tokens", admin).await.body,
        before,
        "nothing written"
    );

    // A future expiry is kept and the token works until then.
    let tomorrow = Utc::now() + Duration::days(1);
    let created = app
        .post(
            "/api/v1/tokens",
            admin,
            json!({"name": "tomorrow", "expires_at": tomorrow.to_rfc3339()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        instant(&created.body["expires_at"]),
        DateTime::from_timestamp_millis(tomorrow.timestamp_millis()).expect("ms")
    );
    let token = created.str("/token");
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);
    // An expiring token cannot make one that outlives it (nor one without expiry).
    let later = (tomorrow + Duration::hours(1)).to_rfc3339();
    for body in [
        json!({"name": "heir"}),
        json!({"name": "heir", "expires_at": later}),
    ] {
        let refused = app.post("/api/v1/tokens", &token, body).await;
        assert_eq!(
            (refused.status, refused.body["errors"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("expires_at")),
            "{}",
            refused.body
        );
    }
    let sooner = (tomorrow - Duration::hours(1)).to_rfc3339();
    let heir = app
        .post(
            "/api/v1/tokens",
            &token,
            json!({"name": "heir", "expires_at": sooner}),
        )
        .await;
    assert_eq!(heir.status, StatusCode::CREATED, "{}", heir.body);

    // A token whose expiry has passed answers 401 (written through the store: the API
    // refuses to make one).
    let me = read!(
        app.db.store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(admin)
    )
    .await
    .expect("lookup")
    .expect("admin")
    .login;
    let (expired, hash) = auth::generate_token();
    tx!(
        app.db.store,
        reach::store::tokens::create,
        &me.account_id,
        &me.user_id,
        &NewToken {
            name: Name::parse("expired").expect("name"),
            expires_at: Some(Utc::now() - Duration::seconds(1)),
        },
        &hash
    )
    .await
    .expect("token");
    let refused = app.get("/api/v1/me", &expired).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(
        app.get("/api/v1/companies", &expired).await.status,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn nobody_reaches_another_users_tokens(app: &TestApp) {
    let admin = &app.admin.token;
    let created = app
        .post("/api/v1/tokens", admin, json!({"name": "admin's"}))
        .await;
    let (id, token) = (created.str("/id"), created.str("/token"));
    for who in [&app.tech.token, &app.outsider.token] {
        let answer = app.delete(&format!("/api/v1/tokens/{id}"), who).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
        assert_eq!(listed(app, who, &id).await, None, "not in their list");
    }
    assert_eq!(app.get("/api/v1/me", &token).await.status, StatusCode::OK);

    // A technician manages their own tokens, and only them.
    let tech = &app.tech.token;
    let own = app
        .post("/api/v1/tokens", tech, json!({"name": "tess"}))
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    let own_id = own.str("/id");
    let theirs: Vec<Value> = app.get("/api/v1/tokens", tech).await.body["items"]
        .as_array()
        .expect("items")
        .clone();
    assert!(theirs.iter().any(|t| t["id"] == own_id.as_str()));
    assert!(theirs.iter().all(|t| t["id"] != id.as_str()));
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{own_id}"), admin)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "an admin does not revoke others' tokens either"
    );
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{own_id}"), tech)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", &own.str("/token")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

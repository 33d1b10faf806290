use crate::app::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

fn is_problem(answer: &crate::app::Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(answer.body["status"], status.as_u16());
    assert!(answer.body["title"].is_string() && answer.body["detail"].is_string());
}

pub async fn errors_are_problem_documents_with_the_right_status(app: &TestApp) {
    let none = app.call("GET", "/api/v1/contacts", None, None).await;
    is_problem(&none, StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    is_problem(
        &app.call("GET", "/api/v1/me", Some("reach_not-a-token"), None)
            .await,
        StatusCode::UNAUTHORIZED,
    );
    is_problem(
        &app.get("/api/v1/nothing-here", &app.admin.token).await,
        StatusCode::NOT_FOUND,
    );
    is_problem(
        &app.get(
            &format!("/api/v1/contacts/{}", "no-such-id"),
            &app.admin.token,
        )
        .await,
        StatusCode::NOT_FOUND,
    );

    let request = |content_type: &str, body: Vec<u8>| {
        Request::post("/api/v1/contacts")
            .header("authorization", format!("Bearer {}", app.admin.token))
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request")
    };
    let before = app.snapshot().await;
    let json_body = json!({"name": "X", "companies": "all"})
        .to_string()
        .into_bytes();
    is_problem(
        &app.send(request("text/plain", json_body.clone())).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    );
    let huge = json!({"name": "x".repeat(70 * 1024), "companies": "all"})
        .to_string()
        .into_bytes();
    is_problem(
        &app.send(request("application/json", huge)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    is_problem(
        &app.send(request("application/json", b"{\"name\": ".to_vec()))
            .await,
        StatusCode::BAD_REQUEST,
    );
    is_problem(
        &app.send(request("application/json", b"not json".to_vec()))
            .await,
        StatusCode::BAD_REQUEST,
    );
    let ok = app
        .send(request("application/json; charset=utf-8", json_body))
        .await;
    assert_eq!(
        ok.status,
        StatusCode::CREATED,
        "a charset parameter is fine"
    );
    let after_create = app.snapshot().await;
    assert_ne!(after_create, before);

    // A technician is refused before their body is even read.
    let refused = app
        .post("/api/v1/companies", &app.tech.token, json!({"name": 5}))
        .await;
    is_problem(&refused, StatusCode::FORBIDDEN);
    let dup = app
        .post("/api/v1/users", &app.admin.token, json!({"name": "Dup", "email": "TESS@acme.example", "role": "admin", "companies": "all"}))
        .await;
    is_problem(&dup, StatusCode::CONFLICT);
    assert_eq!(dup.body["errors"][0]["field"], "email");
    let dup_company = app
        .post(
            "/api/v1/companies",
            &app.admin.token,
            json!({"name": "northwind"}),
        )
        .await;
    is_problem(&dup_company, StatusCode::CONFLICT);
    assert_eq!(app.snapshot().await, after_create);
}

pub async fn bad_values_name_their_field_and_store_nothing(app: &TestApp) {
    let admin = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Valid", "companies": "all"}),
        )
        .await
        .str("/id");
    let methods = format!("/api/v1/contacts/{contact}/methods");
    let before = app.snapshot().await;
    let cases = [
        (
            "/api/v1/contacts",
            json!({"name": 5, "companies": "all"}),
            "name",
        ),
        ("/api/v1/contacts", json!({"companies": "all"}), "name"),
        (
            "/api/v1/contacts",
            json!({"name": "X", "companies": "some"}),
            "companies",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "X", "companies": []}),
            "companies",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "X", "companies": "all", "colour": "red"}),
            "colour",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "a".repeat(201), "companies": "all"}),
            "name",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "Tab\there", "companies": "all"}),
            "name",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "X", "companies": "all", "locale": "fr"}),
            "locale",
        ),
        (
            "/api/v1/contacts",
            json!({"name": "X", "companies": "all", "timezone": "Mars/Base"}),
            "timezone",
        ),
        (
            methods.as_str(),
            json!({"type": "fax", "address": "1"}),
            "type",
        ),
        (
            methods.as_str(),
            json!({"type": "email", "address": "a@b.c\r\nBcc: x@y.z"}),
            "address",
        ),
        (
            methods.as_str(),
            json!({"type": "sms", "address": "12"}),
            "address",
        ),
        (
            methods.as_str(),
            json!({"type": "webhook", "address": "http://hooks.example.com"}),
            "address",
        ),
        (
            methods.as_str(),
            json!({"type": "webhook", "address": "https://169.254.169.254/"}),
            "address",
        ),
        (
            methods.as_str(),
            json!({"type": "email", "address": "a@example.com", "min_severity": "urgent"}),
            "min_severity",
        ),
        (
            methods.as_str(),
            json!({"type": "sms", "address": "612345678", "reports": true}),
            "reports",
        ),
        (
            methods.as_str(),
            json!({"type": "email", "address": "a@example.com", "delay_minutes": 1441}),
            "delay_minutes",
        ),
        (
            methods.as_str(),
            json!({"type": "email", "address": "a@example.com", "delay_minutes": "soon"}),
            "delay_minutes",
        ),
        (
            methods.as_str(),
            json!({"type": "email", "address": "a@example.com", "quiet_hours": {"from": "25:00", "to": "07:00"}}),
            "quiet_hours.from",
        ),
        (
            "/api/v1/users",
            json!({"name": "U", "email": "u@acme.example", "role": "root", "companies": "all"}),
            "role",
        ),
        (
            "/api/v1/users",
            json!({"name": "U", "email": "u@acme.example", "role": "admin", "companies": "all", "password": "short"}),
            "password",
        ),
    ];
    for (path, body, field) in cases {
        let answer = app.post(path, admin, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.body
        );
        let fields: Vec<_> = answer.body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].clone())
            .collect();
        assert!(
            fields.contains(&json!(field)),
            "{body}: expected {field}, got {fields:?}"
        );
    }
    let email = app
        .post(
            "/api/v1/users",
            admin,
            json!({"name": "U", "email": "not an email", "role": "admin", "companies": "all"}),
        )
        .await;
    assert_eq!(
        email.body["errors"][0]["message"],
        "Enter a valid email address"
    );
    let account = app
        .patch(
            "/api/v1/account",
            admin,
            json!({"default_region": "XX", "repeat_interval_minutes": 0}),
        )
        .await;
    assert_eq!(account.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(account.body["errors"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.snapshot().await, before, "nothing was stored");
}

/// With the database gone, the answer is a bare 500 problem: nothing of the cause leaks.
pub async fn internal_errors_show_nothing_of_their_cause(app: &TestApp) {
    app.db.store.close().await;
    // A database that cannot be reached is a 503 (try again), saying nothing of why.
    let answer = app.get("/api/v1/contacts", &app.admin.token).await;
    is_problem(&answer, StatusCode::SERVICE_UNAVAILABLE);
    let text = answer.body.to_string().to_lowercase();
    for leak in ["pool", "sql", "database", "closed", "postgres", "sqlite"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let ready = app.call("GET", "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
}

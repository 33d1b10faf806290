//! Hostile input found by schemathesis: NUL and control characters in ids, paths, bodies and
//! queries are client errors, never server errors.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::json;

/// Found by schemathesis: ids with control characters (PostgreSQL refuses NUL) are field
/// errors, never a server error.
pub async fn ids_with_control_characters_are_field_errors(app: &TestApp) {
    let admin = &app.admin.token;
    let report = app
        .post(
            "/api/v1/reports",
            admin,
            json!({"name": "R", "kind": "coverage", "companies": ["x\u{0}y"], "schedule": {"every": "day", "at": "07:00", "timezone": "UTC"}, "recipients": ["a\u{0}b", ""]}),
        )
        .await;
    assert_eq!(
        report.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        report.body
    );
    let fields: Vec<_> = report.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("companies"), json!("recipients")]);
    let contact = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "C", "companies": ["\u{0}"]}),
        )
        .await;
    assert_eq!(
        contact.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        contact.body
    );
}

pub async fn ids_with_nul_in_paths_are_not_found(app: &TestApp) {
    let admin = &app.admin.token;
    for path in [
        "/api/v1/reports/a%00b",
        "/api/v1/contacts/a%00b",
        "/api/v1/alerts/a%00b",
        "/api/v1/companies/a%00b",
    ] {
        let answer = app.get(path, admin).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.body
        );
    }
}

pub async fn nul_in_bodies_and_queries_is_refused_not_a_server_error(app: &TestApp) {
    let admin = &app.admin.token;
    let nw = app.northwind.id.to_string();
    let alert = app
        .post("/api/v1/alerts", admin, json!({"company_id": nw, "key": "k\u{0}", "severity": "info", "title": "t\u{0}", "body": "b\u{0}", "labels": {"a\u{0}": "b\u{0}"}}))
        .await;
    assert_eq!(
        alert.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        alert.body
    );
    // A NUL in the company id names no company: a field error, not the database's refusal.
    let alert = app
        .post("/api/v1/alerts", admin, json!({"company_id": format!("{nw}\u{0}"), "key": "k", "severity": "info", "title": "t"}))
        .await;
    assert_eq!(
        (alert.status, alert.body["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("company_id")),
        "{}",
        alert.body
    );
    for path in [
        "/api/v1/notifications?alert=a%00b",
        "/api/v1/contacts?company=a%00b",
        "/api/v1/contacts?q=a%00b",
        "/api/v1/alerts?company=%00",
    ] {
        let answer = app.get(path, admin).await;
        assert!(
            answer.status.is_client_error(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
    }
}

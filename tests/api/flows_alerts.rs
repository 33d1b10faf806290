//! SPEC flows for alerts: ingest with notifications, scope, acknowledgement, maintenance, and
//! the Prometheus metrics.

use crate::app::{METRICS_TOKEN, TestApp};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn alerts_are_stored_with_their_notifications_before_the_answer(app: &TestApp) {
    let admin = &app.admin.token;
    let nw = app.northwind.id.to_string();
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Nora", "companies": [nw]}),
        )
        .await
        .str("/id");
    app.post(&format!("/api/v1/contacts/{nora}/methods"), admin, json!({"type": "webhook", "address": "https://hooks.example.com/n", "min_severity": "info"})).await;
    let one = app.post("/api/v1/alerts", &app.tech.token, json!({"company_id": nw, "key": "disk-full:srv-12", "severity": "warning", "title": "Disk full", "labels": {"host": "srv-12"}})).await;
    assert_eq!(one.status, StatusCode::ACCEPTED, "{}", one.body);
    assert_eq!(
        (
            one.body["status"].clone(),
            one.body["labels"]["host"].clone()
        ),
        (json!("firing"), json!("srv-12"))
    );
    let id = one.str("/id");
    let log = app
        .get(&format!("/api/v1/notifications?alert={id}"), admin)
        .await;
    let addresses: Vec<_> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["address"].clone())
        .collect();
    assert!(
        addresses.contains(&json!("https://hooks.example.com/n")),
        "{}",
        log.body
    );
    assert!(
        addresses.contains(&json!("ana@acme.example")),
        "the admin's primary email takes warnings"
    );
    assert!(
        log.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["state"] == "queued")
    );

    // An empty batch is accepted and stores nothing (it once was a server error on PostgreSQL).
    let empty = app.post("/api/v1/alerts", admin, json!([])).await;
    assert_eq!(
        (empty.status, empty.body.clone()),
        (StatusCode::ACCEPTED, json!([]))
    );
    let before = app.get("/api/v1/alerts?limit=500", admin).await.body["items"]
        .as_array()
        .map(Vec::len);
    let bad = app
        .post(
            "/api/v1/alerts",
            admin,
            json!([
                {"company_id": nw, "key": "a", "severity": "info", "title": "A"},
                {"company_id": nw, "key": "b", "severity": "urgent", "title": "B"},
                {"company_id": "elsewhere", "key": "c", "severity": "info", "title": "C"},
            ]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "[1].severity");
    let unknown = app
        .post(
            "/api/v1/alerts",
            admin,
            json!([{"company_id": "elsewhere", "key": "c", "severity": "info", "title": "C"}]),
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["field"], "[0].company_id");
    assert_eq!(
        app.get("/api/v1/alerts?limit=500", admin).await.body["items"]
            .as_array()
            .map(Vec::len),
        before,
        "nothing stored"
    );

    // A batch well over 64 KiB is fine (the limit for alerts is 1 MiB); over 1 MiB is 413.
    let big: Vec<_> = (0..300).map(|i| json!({"company_id": nw, "key": format!("k{i}"), "severity": "info", "title": "x".repeat(400)})).collect();
    let many = app.post("/api/v1/alerts", admin, Value::Array(big)).await;
    assert_eq!(many.status, StatusCode::ACCEPTED, "{}", many.body);
    assert_eq!(many.body.as_array().map(Vec::len), Some(300));
    let huge: Vec<_> = (0..1000).map(|i| json!({"company_id": nw, "key": format!("h{i}"), "severity": "info", "title": "x".repeat(500), "body": "y".repeat(600)})).collect();
    assert_eq!(
        app.post("/api/v1/alerts", admin, Value::Array(huge))
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Technicians see their companies' alerts only; other accounts see nothing.
    let co = app.post("/api/v1/alerts", admin, json!({"company_id": app.contoso.id.to_string(), "key": "co", "severity": "critical", "title": "Contoso down"})).await.str("/id");
    assert_eq!(
        app.get(&format!("/api/v1/alerts/{co}"), &app.tech.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/alerts/{id}"), &app.tech.token)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/alerts/{id}"), &app.outsider.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = app
        .get(
            &format!("/api/v1/notifications?alert={co}"),
            &app.tech.token,
        )
        .await;
    assert_eq!(theirs.body["items"], json!([]));

    // Acknowledgement: technicians for their companies, recorded once, 404 outside scope.
    let acked = app
        .call(
            "POST",
            &format!("/api/v1/alerts/{id}/ack"),
            Some(&app.tech.token),
            None,
        )
        .await;
    assert_eq!(acked.status, StatusCode::OK, "{}", acked.body);
    let first = acked.body["acknowledged_at"].clone();
    assert!(first.is_string());
    let again = app
        .call(
            "POST",
            &format!("/api/v1/alerts/{id}/ack"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(
        again.body["acknowledged_at"], first,
        "the first acknowledgement stands"
    );
    let hidden = app
        .call(
            "POST",
            &format!("/api/v1/alerts/{co}/ack"),
            Some(&app.tech.token),
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let unacked = app.get(&format!("/api/v1/alerts/{co}"), admin).await;
    assert_eq!(
        unacked.body["acknowledged_at"],
        Value::Null,
        "a refused call changed nothing"
    );

    // Maintenance windows: admins add and remove them; they suppress what they cover.
    let windows = format!("/api/v1/companies/{nw}/maintenance");
    let now = chrono::Utc::now();
    let bad = app.post(&windows, admin, json!({"starts_at": now.to_rfc3339(), "ends_at": (now - chrono::Duration::hours(1)).to_rfc3339()})).await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("ends_at"))
    );
    let window = app
        .post(&windows, admin, json!({"starts_at": (now - chrono::Duration::minutes(1)).to_rfc3339(), "ends_at": (now + chrono::Duration::hours(1)).to_rfc3339(), "reason": "patching"}))
        .await;
    assert_eq!(window.status, StatusCode::CREATED, "{}", window.body);
    assert_eq!(
        app.post(
            &windows,
            &app.tech.token,
            json!({"starts_at": now.to_rfc3339(), "ends_at": now.to_rfc3339()})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let quiet = app.post("/api/v1/alerts", admin, json!({"company_id": nw, "key": "during", "severity": "critical", "title": "During maintenance"})).await.str("/id");
    let log = app
        .get(&format!("/api/v1/notifications?alert={quiet}"), admin)
        .await;
    let items = log.body["items"].as_array().expect("items");
    assert!(
        !items.is_empty()
            && items
                .iter()
                .all(|n| n["state"] == "suppressed" && n["reason"] == "maintenance"),
        "{}",
        log.body
    );
    let listed = app.get(&windows, &app.tech.token).await;
    assert_eq!(listed.body["items"][0]["reason"], "patching");
    let id = window.str("/id");
    assert_eq!(
        app.delete(&format!("{windows}/{id}"), admin).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&windows, admin).await.body["items"], json!([]));
}

/// `GET /metrics`: Prometheus text. The operator's token reads the deployment's numbers, an
/// admin's token its own account's only (the same series), a technician's 403, none 401.
pub async fn metrics_are_prometheus_text_for_admins(app: &TestApp) {
    let admin = &app.admin.token;
    let nw = app.northwind.id.to_string();
    let posted = app
        .post(
            "/api/v1/alerts",
            admin,
            json!({"company_id": nw, "key": "m", "severity": "critical", "title": "M"}),
        )
        .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let metrics = |token: &str| metrics_text(app, token.to_owned());
    let text = metrics(admin).await;
    assert!(text.contains("reach_alerts_firing 1"), "{text}");
    // The admin and the technician (Northwind) take critical alerts by email.
    assert!(
        text.contains(r#"reach_notifications{state="queued",channel="email"} 2"#),
        "{text}"
    );
    // Another account's admin sees the same series over their own account: nothing yet.
    let other = metrics(&app.outsider.token).await;
    assert!(other.contains("reach_alerts_firing 0"), "{other}");
    assert!(!other.contains("reach_notifications{"), "{other}");
    let company = app
        .post(
            "/api/v1/companies",
            &app.outsider.token,
            json!({"name": "Elsewhere"}),
        )
        .await;
    assert_eq!(company.status, StatusCode::CREATED);
    let posted = app
        .post(
            "/api/v1/alerts",
            &app.outsider.token,
            json!([
                {"company_id": company.body["id"], "key": "o1", "severity": "critical", "title": "O"},
                {"company_id": company.body["id"], "key": "o2", "severity": "critical", "title": "O"}
            ]),
        )
        .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    assert!(
        metrics(&app.outsider.token)
            .await
            .contains("reach_alerts_firing 2")
    );
    assert!(metrics(admin).await.contains("reach_alerts_firing 1"));
    // The operator's token: the whole deployment.
    let all = metrics(METRICS_TOKEN).await;
    assert!(all.contains("reach_alerts_firing 3"), "{all}");
    assert_eq!(
        app.call("GET", "/metrics", Some(&METRICS_TOKEN[1..]), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call("GET", "/metrics", Some(&app.tech.token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("GET", "/metrics", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn metrics_text(app: &TestApp, token: String) -> String {
    let answer = app.call("GET", "/metrics", Some(&token), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = answer.body.as_str().expect("text").to_owned();
    assert!(text.contains("reach_outbox_oldest_due_seconds"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
    text
}

//! Hostile or out-of-scope alerts (SPEC §4 "Isolation", "Hostile input and abuse"): a
//! technician cannot post for a company outside their access, and control characters are
//! field errors; either way nothing of the batch is stored.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn alert_count(app: &TestApp) -> Option<usize> {
    app.get("/api/v1/alerts?limit=500", &app.admin.token)
        .await
        .body["items"]
        .as_array()
        .map(Vec::len)
}

fn fields(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn a_technician_cannot_post_alerts_for_companies_outside_their_access(app: &TestApp) {
    let (nw, contoso) = (app.northwind.id.to_string(), app.contoso.id.to_string());
    let tech = &app.tech.token;
    // Contoso has a firing alert under the key the technician will try.
    let firing = app
        .post("/api/v1/alerts", &app.admin.token, json!({"company_id": contoso, "key": "db-down", "severity": "critical", "title": "Contoso DB down"}))
        .await;
    assert_eq!(firing.status, StatusCode::ACCEPTED, "{}", firing.body);
    let before = alert_count(app).await;

    let batch = app
        .post(
            "/api/v1/alerts",
            tech,
            json!([
                {"company_id": nw, "key": "disk", "severity": "warning", "title": "Disk"},
                {"company_id": contoso, "key": "db-down", "severity": "critical", "title": "Still down"},
            ]),
        )
        .await;
    assert_eq!(
        batch.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        batch.body
    );
    assert_eq!(
        fields(&batch.body)
            .into_iter()
            .map(|(f, _)| f)
            .collect::<Vec<_>>(),
        ["[1].company_id"]
    );
    assert_eq!(
        alert_count(app).await,
        before,
        "nothing of the batch stored"
    );

    // The answer for a company they cannot see is the answer for a company that does not exist.
    let one = |company: &str| json!({"company_id": company, "key": "db-down", "severity": "critical", "title": "Down"});
    let hidden = app.post("/api/v1/alerts", tech, one(&contoso)).await;
    let unknown = app
        .post(
            "/api/v1/alerts",
            tech,
            one("0190aaaa-0000-7000-8000-000000000000"),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (hidden.status, hidden.body.clone()),
        (unknown.status, unknown.body.clone())
    );
    // A single alert's field is named alone, as SPEC §4 says: "a 422 on its company_id".
    assert_eq!(fields(&hidden.body)[0].0, "company_id");
    assert!(
        !hidden.body.to_string().contains("Contoso"),
        "{}",
        hidden.body
    );
    assert_eq!(alert_count(app).await, before);

    // Their own companies are fine; admins post for every company.
    let ok = app.post("/api/v1/alerts", tech, one(&nw)).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let admin = app
        .post(
            "/api/v1/alerts",
            &app.admin.token,
            json!([{"company_id": contoso, "key": "web", "severity": "info", "title": "Web"}]),
        )
        .await;
    assert_eq!(admin.status, StatusCode::ACCEPTED, "{}", admin.body);
}

pub async fn control_characters_in_alerts_are_field_errors(app: &TestApp) {
    let nw = app.northwind.id.to_string();
    let admin = &app.admin.token;
    let before = alert_count(app).await;
    let good =
        |key: &str| json!({"company_id": nw, "key": key, "severity": "info", "title": "Fine"});
    let mut bad = Vec::new();
    for (field, value) in [
        ("title", json!("Disk full\nrm -rf")),
        ("title", json!("Disk full\u{85}")),
        ("key", json!("disk\r\n")),
        ("key", json!("disk\u{7f}")),
        ("body", json!("ok\n\tok\u{1b}[31m")),
        ("labels", json!({"host": "srv\n12"})),
        ("labels", json!({"ho\u{9b}st": "srv-12"})),
    ] {
        let mut alert = good("k");
        alert[field] = value;
        bad.push(alert);
    }
    let mut batch = vec![good("fine-first")];
    batch.extend(bad);
    let answer = app.post("/api/v1/alerts", admin, Value::Array(batch)).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    let got: Vec<String> = fields(&answer.body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        got,
        [
            "[1].title",
            "[2].title",
            "[3].key",
            "[4].key",
            "[5].body",
            "[6].labels.host",
            "[7].labels",
        ]
    );
    assert!(
        fields(&answer.body)
            .iter()
            .all(|(_, m)| m.contains("control characters")),
        "{}",
        answer.body
    );
    assert_eq!(alert_count(app).await, before, "nothing stored");

    // Line breaks and tabs are fine in a body, and kept.
    let body = "line 1\r\nline 2\n\tindented\rend";
    let ok = app
        .post("/api/v1/alerts", admin, json!({"company_id": nw, "key": "multi", "severity": "info", "title": "Fine", "body": body}))
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    assert_eq!(ok.body["body"], body);
}

/// Batches posted at once (on SQLite those waiting for the writer share a transaction): each is
/// stored or refused as if alone. A batch naming an unknown company is refused on its own field
/// and stores nothing; the others are stored whole; batches with the same key give one alert,
/// opened by one and repeated by the others (also on PostgreSQL, where their transactions race).
pub async fn batches_posted_at_once_are_each_stored_or_refused_alone(app: &TestApp) {
    let nw = app.northwind.id.to_string();
    let admin = &app.admin.token;
    let before = alert_count(app).await.unwrap_or_default();
    let alert = |company: &str, key: &str| json!({"company_id": company, "key": key, "severity": "warning", "title": key});
    let batches = [
        json!([alert(&nw, "together-a"), alert(&nw, "together-b")]),
        json!([alert(&nw, "together-shared")]),
        json!([alert(&nw, "together-c")]),
        json!([
            alert("0190aaaa-0000-7000-8000-000000000000", "together-bad"),
            alert(&nw, "together-d")
        ]),
        json!([alert(&nw, "together-shared"), alert(&nw, "together-e")]),
        json!([alert(&nw, "together-f")]),
    ];
    let post = |i: usize| app.post("/api/v1/alerts", admin, batches[i].clone());
    let (a0, a1, a2, a3, a4, a5) =
        tokio::join!(post(0), post(1), post(2), post(3), post(4), post(5));
    let answers = [a0, a1, a2, a3, a4, a5];
    for (i, answer) in answers.iter().enumerate() {
        let expected = if i == 3 {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::ACCEPTED
        };
        assert_eq!(answer.status, expected, "batch {i}: {}", answer.body);
    }
    assert_eq!(
        fields(&answers[3].body)
            .into_iter()
            .map(|(f, _)| f)
            .collect::<Vec<_>>(),
        ["[0].company_id"]
    );
    assert_eq!(
        answers[1].body[0]["id"], answers[4].body[0]["id"],
        "one alert under the shared key"
    );
    assert_eq!(answers[4].body.as_array().map(Vec::len), Some(2));
    // a, b, shared, c, e, f: nothing of the refused batch (not even its good alert "d").
    assert_eq!(alert_count(app).await, Some(before + 6));

    // The same alert from several senders at once (an HA pair of monitors): one opens it, the
    // others repeat it; nobody is told the key is taken.
    let same = || {
        app.post(
            "/api/v1/alerts",
            admin,
            json!([alert(&nw, "together-burst")]),
        )
    };
    let (b0, b1, b2, b3, b4, b5) = tokio::join!(same(), same(), same(), same(), same(), same());
    let burst = [b0, b1, b2, b3, b4, b5];
    for answer in &burst {
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        assert_eq!(answer.body[0]["id"], burst[0].body[0]["id"]);
    }
    assert_eq!(alert_count(app).await, Some(before + 7));
}

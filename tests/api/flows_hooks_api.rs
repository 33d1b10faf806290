//! `POST /hooks/{token}` with an integration made through `/api/v1/integrations`: the URL of
//! the create answer takes alerts with no other credential, the integration shows what it
//! received, and rotating kills the old URL (404) while the new one works.

use crate::app::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

fn fixture(kind: &str, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/integrations/{kind}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn hook(app: &TestApp, url: &str, body: &str) -> crate::app::Answer {
    let path = url.strip_prefix("http://reach.test").expect("public URL");
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    app.send(request).await
}

pub async fn hooks_take_alerts_at_the_url_of_an_api_made_integration(app: &TestApp) {
    let admin = &app.admin.token;
    let made = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "Prometheus", "kind": "alertmanager", "company_id": app.contoso.id.to_string()}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let (id, url) = (made.str("/id"), made.str("/url"));
    assert_eq!(made.body["last_received_at"], json!(null));

    let body = fixture("alertmanager", "firing_and_resolved");
    let answer = hook(app, &url, &body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body, json!({"accepted": 3}));
    let shown = app.get(&format!("/api/v1/integrations/{id}"), admin).await;
    assert_eq!(shown.body["alerts_accepted"], json!(3), "{}", shown.body);
    assert!(shown.body["last_received_at"].is_string(), "{}", shown.body);
    let firing = app
        .get("/api/v1/alerts?status=firing&limit=500", admin)
        .await;
    let companies: Vec<_> = firing.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["company_id"].clone())
        .collect();
    assert_eq!(companies, vec![json!(app.contoso.id.to_string()); 2]);

    let rotated = app
        .post(
            &format!("/api/v1/integrations/{id}/rotate"),
            admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let new_url = rotated.str("/url");
    assert_ne!(new_url, url);
    let old = hook(app, &url, &body).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "{}", old.body);
    let new = hook(app, &new_url, &fixture("alertmanager", "no_alerts")).await;
    assert_eq!(new.body, json!({"accepted": 0}), "{}", new.body);
}

/// A heartbeat alerts only through its company: deleting that company is refused (409, nothing
/// changed) until the heartbeat moves or goes.
pub async fn a_heartbeats_company_is_kept_until_the_heartbeat_moves(app: &TestApp) {
    let admin = &app.admin.token;
    let company = app
        .post("/api/v1/companies", admin, json!({"name": "Backups Ltd"}))
        .await
        .str("/id");
    let beat = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "Nightly backup", "kind": "heartbeat", "company_id": company, "heartbeat_minutes": 1440}),
        )
        .await;
    assert_eq!(beat.status, StatusCode::CREATED, "{}", beat.body);
    let path = format!("/api/v1/companies/{company}");
    let refused = app.call("DELETE", &path, Some(admin), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(app.get(&path, admin).await.status, StatusCode::OK);
    let moved = app
        .patch(
            &format!("/api/v1/integrations/{}", beat.str("/id")),
            admin,
            json!({"company_id": app.northwind.id.to_string()}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let gone = app.call("DELETE", &path, Some(admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
}

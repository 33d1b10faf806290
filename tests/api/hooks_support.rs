//! What the `/hooks/{token}` tests share: fixtures, integrations made through the store, posting
//! to a hook, and reading back what was stored.

use crate::app::TestApp;
use crate::{read, tx};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use reach::auth;
use reach::domain::integration::{IntegrationKind, NewIntegration};
use reach::domain::{AccountId, CompanyId, Name, Severity};
use reach::store::Integration;
use serde_json::json;

/// A fixture of `tests/fixtures/integrations/<kind>/<name>.json`, as the sender sends it.
pub(crate) fn fixture(kind: &str, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/integrations/{kind}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub(crate) async fn account(app: &TestApp) -> AccountId {
    read!(
        app.db.store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(&app.admin.token)
    )
    .await
    .expect("login")
    .expect("admin")
    .login
    .account_id
}

/// A new integration of Acme's and its URL's path.
pub(crate) async fn integration(
    app: &TestApp,
    kind: IntegrationKind,
    company: Option<&CompanyId>,
) -> (Integration, String) {
    let account = account(app).await;
    let (token, hash) = auth::generate_token();
    let new = NewIntegration {
        name: Name::parse(&format!("{} {}", kind.as_str(), &hash[..8])).expect("name"),
        kind,
        company_id: company.cloned(),
        company_label: "company".to_owned(),
        default_severity: Severity::Warning,
        heartbeat_minutes: (kind == IntegrationKind::Heartbeat).then_some(5),
    };
    let created = tx!(
        app.db.store,
        reach::store::integrations::create,
        &account,
        &new,
        &hash,
        chrono::Utc::now()
    )
    .await
    .expect("integration");
    (created, format!("/hooks/{token}"))
}

pub(crate) async fn reload(app: &TestApp, id: &Integration) -> Integration {
    let account = account(app).await;
    read!(
        app.db.store,
        reach::store::integrations::get,
        &account,
        &id.id
    )
    .await
    .expect("integration")
}

/// Posts `body` as is, with `content_type` when given and no credential.
pub(crate) async fn hook(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> crate::app::Answer {
    let mut request = Request::builder().method("POST").uri(path);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    app.send(request.body(Body::from(body.to_owned())).expect("request"))
        .await
}

pub(crate) async fn json_hook(app: &TestApp, path: &str, body: &str) -> crate::app::Answer {
    hook(app, path, Some("application/json"), body).await
}

/// Acme's alerts as `(company_id, key, status, severity)`, sorted.
pub(crate) async fn alerts(app: &TestApp) -> Vec<(String, String, String, String)> {
    let list = app.get("/api/v1/alerts?limit=500", &app.admin.token).await;
    let mut all: Vec<_> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| {
            let s = |f: &str| a[f].as_str().unwrap_or_default().to_owned();
            (s("company_id"), s("key"), s("status"), s("severity"))
        })
        .collect();
    all.sort();
    all
}

pub(crate) async fn notification_count(app: &TestApp) -> usize {
    app.get("/api/v1/notifications?limit=500", &app.admin.token)
        .await
        .body["items"]
        .as_array()
        .map_or(0, Vec::len)
}

pub(crate) fn row(
    company: &CompanyId,
    key: &str,
    status: &str,
    severity: &str,
) -> (String, String, String, String) {
    (
        company.to_string(),
        key.to_owned(),
        status.to_owned(),
        severity.to_owned(),
    )
}

pub(crate) fn accepted(answer: &crate::app::Answer, n: u64) {
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body, json!({ "accepted": n }));
}

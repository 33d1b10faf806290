//! SPEC §2 "Alerts in: integrations", §3 `/api/v1/integrations`: admins manage integrations;
//! the secret URL is shown once (create, rotate), only its hash kept; bad settings store
//! nothing; technicians are refused, other accounts find nothing; audit has no token.

use crate::app::TestApp;
use crate::read;
use axum::http::StatusCode;
use reach::auth;
use serde_json::{Value, json};

const FIELDS: [&str; 10] = [
    "id",
    "name",
    "kind",
    "company_id",
    "company_label",
    "default_severity",
    "heartbeat_minutes",
    "created_at",
    "last_received_at",
    "alerts_accepted",
];

fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    keys.sort_unstable();
    keys
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    v.sort_unstable();
    v
}

/// The token inside a hook URL.
fn token_of(url: &str) -> String {
    url.strip_prefix("http://reach.test/hooks/")
        .unwrap_or_else(|| panic!("not a hook URL: {url}"))
        .to_owned()
}

/// The integration id the store finds by the token's hash, if any.
async fn found_by(app: &TestApp, token: &str) -> Option<String> {
    read!(
        app.db.store,
        reach::store::integrations::by_token,
        &auth::hash_token(token)
    )
    .await
    .expect("by token")
    .map(|(_, i)| i.id.to_string())
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.get("/api/v1/integrations", token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["next_cursor"], Value::Null);
    list.body["items"].as_array().expect("items").clone()
}

fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub async fn integrations_of_each_kind_show_their_url_once(app: &TestApp) {
    let admin = &app.admin.token;
    let northwind = app.northwind.id.to_string();
    let kinds = [
        "alertmanager",
        "grafana",
        "zabbix",
        "uptime_kuma",
        "generic",
        "heartbeat",
    ];
    let mut urls = Vec::new();
    for kind in kinds {
        let body = if kind == "heartbeat" {
            json!({"name": format!("My {kind}"), "kind": kind, "company_id": northwind, "heartbeat_minutes": 15})
        } else {
            json!({"name": format!(" My {kind} "), "kind": kind})
        };
        let created = app.post("/api/v1/integrations", admin, body).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{kind}: {}",
            created.body
        );
        let mut with_url = FIELDS.to_vec();
        with_url.push("url");
        assert_eq!(keys(&created.body), sorted(&with_url), "{kind}");
        assert_eq!(created.body["name"], format!("My {kind}"));
        assert_eq!(created.body["kind"], kind);
        assert_eq!(created.body["company_label"], "company");
        assert_eq!(created.body["default_severity"], "warning");
        assert_eq!(created.body["last_received_at"], Value::Null);
        assert_eq!(created.body["alerts_accepted"], 0);
        if kind == "heartbeat" {
            assert_eq!(created.body["company_id"], northwind.as_str());
            assert_eq!(created.body["heartbeat_minutes"], 15);
        } else {
            assert_eq!(created.body["company_id"], Value::Null);
            assert_eq!(created.body["heartbeat_minutes"], Value::Null);
        }
        let url = created.str("/url");
        let token = token_of(&url);
        assert_eq!(
            found_by(app, &token).await.as_deref(),
            Some(created.str("/id").as_str())
        );
        urls.push((created.str("/id"), url, token));
    }

    // Reads carry every named field and never the token.
    let items = list(app, admin).await;
    assert_eq!(items.len(), kinds.len());
    for item in &items {
        assert_eq!(keys(item), sorted(&FIELDS));
    }
    for (id, url, token) in &urls {
        let one = app.get(&format!("/api/v1/integrations/{id}"), admin).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert_eq!(keys(&one.body), sorted(&FIELDS));
        for text in [
            one.body.to_string(),
            Value::Array(items.clone()).to_string(),
        ] {
            assert!(!text.contains(token.as_str()) && !text.contains(url.as_str()));
        }
    }

    // Each creation is audited, without the token.
    let (id, _, token) = &urls[0];
    let log = app.get(&format!("/api/v1/audit?object={id}"), admin).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let entries = log.body["items"].as_array().expect("items");
    assert_eq!(entries.len(), 1, "{}", log.body);
    assert_eq!(entries[0]["action"], "create");
    assert_eq!(entries[0]["object_type"], "integration");
    assert_eq!(entries[0]["after"]["name"], "My alertmanager");
    assert!(!log.body.to_string().contains(token.as_str()));
    let whole = app
        .get("/api/v1/audit?limit=500", admin)
        .await
        .body
        .to_string();
    for (_, _, token) in &urls {
        assert!(!whole.contains(token.as_str()));
    }
}

pub async fn bad_integrations_are_field_errors_and_store_nothing(app: &TestApp) {
    let admin = &app.admin.token;
    let northwind = app.northwind.id.to_string();
    let foreign = app
        .post(
            "/api/v1/companies",
            &app.outsider.token,
            json!({"name": "Elsewhere"}),
        )
        .await
        .str("/id");
    let table = [
        (json!({"name": "A", "kind": "pagerduty"}), vec!["kind"]),
        (json!({"kind": "generic"}), vec!["name"]),
        (
            json!({"name": "H", "kind": "heartbeat", "heartbeat_minutes": 5}),
            vec!["company_id"],
        ),
        (
            json!({"name": "H", "kind": "heartbeat", "company_id": northwind, "heartbeat_minutes": 0}),
            vec!["heartbeat_minutes"],
        ),
        (
            json!({"name": "H", "kind": "heartbeat", "company_id": northwind, "heartbeat_minutes": 10081}),
            vec!["heartbeat_minutes"],
        ),
        (
            json!({"name": "A", "kind": "alertmanager", "heartbeat_minutes": 5}),
            vec!["heartbeat_minutes"],
        ),
        (
            json!({"name": "A", "kind": "generic", "company_id": foreign}),
            vec!["company_id"],
        ),
        (
            json!({"name": "A", "kind": "generic", "company_id": "no-such-company"}),
            vec!["company_id"],
        ),
        (
            json!({"name": "A", "kind": "generic", "default_severity": "fatal", "company_label": ""}),
            vec!["default_severity"],
        ),
        (
            json!({"name": "", "kind": "x", "company_label": "l".repeat(101), "heartbeat_minutes": -3}),
            vec!["name", "kind", "company_label", "heartbeat_minutes"],
        ),
    ];
    for (body, want) in table {
        let answer = app.post("/api/v1/integrations", admin, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.body
        );
        assert_eq!(error_fields(&answer.body), want, "{body}");
    }
    assert_eq!(list(app, admin).await, Vec::<Value>::new());
    assert_eq!(
        app.get("/api/v1/audit?limit=500", admin).await.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["object_type"] == "integration")
            .count(),
        0
    );

    // A taken name, in any letter case, is a conflict; nothing more is stored.
    let first = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "Prometheus", "kind": "alertmanager"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "PROMETHEUS", "kind": "grafana"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(error_fields(&again.body), ["name"]);
    assert_eq!(list(app, admin).await.len(), 1);
    // Another account may use the same name.
    let theirs = app
        .post(
            "/api/v1/integrations",
            &app.outsider.token,
            json!({"name": "Prometheus", "kind": "alertmanager"}),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);

    // A change that breaks a rule is refused as a whole.
    let id = first.str("/id");
    let bad = app
        .patch(
            &format!("/api/v1/integrations/{id}"),
            admin,
            json!({"name": "Renamed", "kind": "heartbeat"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(error_fields(&bad.body), ["company_id", "heartbeat_minutes"]);
    let same = app.get(&format!("/api/v1/integrations/{id}"), admin).await;
    assert_eq!(same.body["name"], "Prometheus");
}

pub async fn integrations_change_rotate_and_delete(app: &TestApp) {
    let admin = &app.admin.token;
    let northwind = app.northwind.id.to_string();
    let contoso = app.contoso.id.to_string();
    let created = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "Beat", "kind": "heartbeat", "company_id": northwind, "heartbeat_minutes": 10, "company_label": "site", "default_severity": "info"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.str("/id");
    let path = format!("/api/v1/integrations/{id}");
    let old = token_of(&created.str("/url"));

    // PATCH changes what it names and keeps the rest.
    let changed = app
        .patch(
            &path,
            admin,
            json!({"name": "Beat 2", "company_id": contoso}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(keys(&changed.body), sorted(&FIELDS));
    assert_eq!(changed.body["name"], "Beat 2");
    assert_eq!(changed.body["company_id"], contoso.as_str());
    assert_eq!(changed.body["company_label"], "site");
    assert_eq!(changed.body["default_severity"], "info");
    assert_eq!(changed.body["heartbeat_minutes"], 10);
    // Another kind drops the heartbeat's minutes; `null` clears the company.
    let generic = app
        .patch(&path, admin, json!({"kind": "generic", "company_id": null}))
        .await;
    assert_eq!(generic.status, StatusCode::OK, "{}", generic.body);
    assert_eq!(generic.body["kind"], "generic");
    assert_eq!(generic.body["heartbeat_minutes"], Value::Null);
    assert_eq!(generic.body["company_id"], Value::Null);
    // The URL stays through changes.
    assert_eq!(found_by(app, &old).await.as_deref(), Some(id.as_str()));

    // Rotating gives a new URL; the old token finds nothing from then on.
    let rotated = app
        .call("POST", &format!("{path}/rotate"), Some(admin), None)
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let mut with_url = FIELDS.to_vec();
    with_url.push("url");
    assert_eq!(keys(&rotated.body), sorted(&with_url));
    let new = token_of(&rotated.str("/url"));
    assert_ne!(new, old);
    assert_eq!(found_by(app, &old).await, None);
    assert_eq!(found_by(app, &new).await.as_deref(), Some(id.as_str()));
    let read = app.get(&path, admin).await;
    assert!(!read.body.to_string().contains(&new));

    // Deleting: 204, then 404 everywhere, and the token finds nothing.
    let deleted = app.delete(&path, admin).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    assert_eq!(app.get(&path, admin).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path, admin).await.status, StatusCode::NOT_FOUND);
    let again = app
        .call("POST", &format!("{path}/rotate"), Some(admin), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(found_by(app, &new).await, None);

    // Every step is in the audit log, newest first, without a token.
    let log = app.get(&format!("/api/v1/audit?object={id}"), admin).await;
    let entries = log.body["items"].as_array().expect("items");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actions, ["delete", "rotate", "update", "update", "create"]);
    assert!(entries.iter().all(|e| e["object_type"] == "integration"));
    assert_eq!(entries[3]["before"]["name"], "Beat");
    assert_eq!(entries[3]["after"]["name"], "Beat 2");
    let text = log.body.to_string();
    assert!(!text.contains(&old) && !text.contains(&new) && !text.contains("/hooks/"));
}

pub async fn integrations_are_the_admins_of_their_own_account(app: &TestApp) {
    let admin = &app.admin.token;
    let created = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": "Grafana", "kind": "grafana"}),
        )
        .await;
    let id = created.str("/id");
    let path = format!("/api/v1/integrations/{id}");
    let rotate = format!("{path}/rotate");
    let before = app.get(&path, admin).await.body;
    let calls: [(&str, &str, Option<Value>); 6] = [
        ("GET", "/api/v1/integrations", None),
        (
            "POST",
            "/api/v1/integrations",
            Some(json!({"name": "Mine", "kind": "generic"})),
        ),
        ("GET", &path, None),
        ("PATCH", &path, Some(json!({"name": "Taken over"}))),
        ("POST", &rotate, None),
        ("DELETE", &path, None),
    ];
    for (method, target, body) in calls {
        let tech = app
            .call(method, target, Some(&app.tech.token), body.clone())
            .await;
        assert_eq!(tech.status, StatusCode::FORBIDDEN, "{method} {target}");
        if target != "/api/v1/integrations" {
            let other = app
                .call(method, target, Some(&app.outsider.token), body)
                .await;
            assert_eq!(other.status, StatusCode::NOT_FOUND, "{method} {target}");
        }
    }
    // Nothing changed, and the other account lists none of ours.
    assert_eq!(app.get(&path, admin).await.body, before);
    assert_eq!(list(app, admin).await.len(), 1);
    assert_eq!(list(app, &app.outsider.token).await, Vec::<Value>::new());
    let old = token_of(&created.str("/url"));
    assert_eq!(found_by(app, &old).await.as_deref(), Some(id.as_str()));
}

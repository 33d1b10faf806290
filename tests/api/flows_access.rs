//! SPEC flows for who sees what: a second account, technicians scoped to their companies, and
//! the audit log.

use crate::app::{TestApp, names};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub async fn a_second_account_sees_nothing(app: &TestApp) {
    let token = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            token,
            json!({"name": "Secret Sam", "companies": "all"}),
        )
        .await;
    let id = contact.str("/id");
    let method = app
        .post(
            &format!("/api/v1/contacts/{id}/methods"),
            token,
            json!({"type": "email", "address": "sam@acme.example"}),
        )
        .await;
    let mid = method.str("/id");
    let outsider = &app.outsider.token;
    let list = app.get("/api/v1/contacts?q=sam", outsider).await;
    assert_eq!(list.body["items"], json!([]));
    assert_eq!(
        names(&app.get("/api/v1/contacts", outsider).await.body),
        ["Olga Other"]
    );
    assert_eq!(
        app.get("/api/v1/companies", outsider).await.body["items"],
        json!([])
    );
    let before = app.snapshot().await;
    let northwind = app.northwind.id.to_string();
    for (method, path, body) in [
        ("GET", format!("/api/v1/contacts/{id}"), None),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}"),
            Some(json!({"name": "Mine"})),
        ),
        ("DELETE", format!("/api/v1/contacts/{id}"), None),
        (
            "POST",
            format!("/api/v1/contacts/{id}/methods"),
            Some(json!({"type": "sms", "address": "612345678"})),
        ),
        ("GET", format!("/api/v1/contacts/{id}/methods/{mid}"), None),
        (
            "PATCH",
            format!("/api/v1/contacts/{id}/methods/{mid}"),
            Some(json!({"label": "x"})),
        ),
        (
            "DELETE",
            format!("/api/v1/contacts/{id}/methods/{mid}"),
            None,
        ),
        ("GET", format!("/api/v1/companies/{northwind}"), None),
        (
            "PATCH",
            format!("/api/v1/companies/{northwind}"),
            Some(json!({"name": "Mine"})),
        ),
        ("DELETE", format!("/api/v1/companies/{northwind}"), None),
        ("GET", format!("/api/v1/users/{}", app.admin.id), None),
        (
            "PATCH",
            format!("/api/v1/users/{}", app.admin.id),
            Some(json!({"disabled": true})),
        ),
        ("DELETE", format!("/api/v1/users/{}", app.admin.id), None),
    ] {
        let answer = app.call(method, &path, Some(outsider), body).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            answer.body
        );
    }
    // A foreign company id in a body is a field error.
    let foreign = app
        .post(
            "/api/v1/contacts",
            outsider,
            json!({"name": "X", "companies": [northwind]}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign.body["errors"][0]["field"], "companies");
    assert_eq!(app.snapshot().await, before);
}

pub async fn technicians_see_their_companies_and_manage_their_own_methods(app: &TestApp) {
    let admin = &app.admin.token;
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Nora Northwind", "companies": [app.northwind.id.to_string()]}),
        )
        .await
        .str("/id");
    let carl = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Carl Contoso", "companies": [app.contoso.id.to_string()]}),
        )
        .await
        .str("/id");
    let tech = &app.tech.token;
    assert_eq!(
        names(&app.get("/api/v1/contacts", tech).await.body),
        ["Ana Admin", "Nora Northwind", "Tess Tech"]
    );
    let companies = app.get("/api/v1/companies", tech).await;
    assert_eq!(names(&companies.body), ["Northwind"]);
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{carl}"), tech)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/companies/{}", app.contoso.id), tech)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{nora}"), tech)
            .await
            .status,
        StatusCode::OK
    );

    let before = app.snapshot().await;
    let post_method = |id: &str| format!("/api/v1/contacts/{id}/methods");
    let sms = json!({"type": "sms", "address": "612 34 56 78"});
    assert_eq!(
        app.post(&post_method(&nora), tech, sms.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&post_method(&carl), tech, sms.clone())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(
            "/api/v1/contacts",
            tech,
            json!({"name": "X", "companies": "all"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{nora}"), tech)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.snapshot().await, before);

    let own = app.post(&post_method(&app.tech.id), tech, sms).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.body);
    let own_method = format!("{}/{}", post_method(&app.tech.id), own.str("/id"));
    assert_eq!(
        app.patch(&own_method, tech, json!({"delay_minutes": 5}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.delete(&own_method, tech).await.status,
        StatusCode::NO_CONTENT
    );
}

pub async fn every_change_is_in_the_audit_log(app: &TestApp) {
    let admin = &app.admin.token;
    let created = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Audited", "companies": "all"}),
        )
        .await;
    let id = created.str("/id");
    app.patch(
        &format!("/api/v1/contacts/{id}"),
        admin,
        json!({"name": "Audited Twice"}),
    )
    .await;
    app.delete(&format!("/api/v1/contacts/{id}"), admin).await;
    let log = app.get(&format!("/api/v1/audit?object={id}"), admin).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let items = log.body["items"].as_array().expect("items");
    let actions: Vec<_> = items.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [json!("delete"), json!("update"), json!("create")]);
    assert_eq!(items[1]["before"]["name"], "Audited");
    assert_eq!(items[1]["after"]["name"], "Audited Twice");
    assert_eq!(items[0]["after"], Value::Null);
    assert_eq!(items[2]["actor_id"], app.admin.id.as_str());
    assert_eq!(items[2]["actor_name"], "Ana Admin");
    let by_actor = app
        .get(&format!("/api/v1/audit?actor={}", app.tech.id), admin)
        .await;
    assert_eq!(by_actor.body["items"], json!([]));
    assert_eq!(
        app.get("/api/v1/audit", &app.tech.token).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/audit", &app.outsider.token).await.body["items"],
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/audit?since=yesterday", admin).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

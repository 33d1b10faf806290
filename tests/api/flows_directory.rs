//! SPEC flows for the directory: users beside contacts, renaming, the last admin, and the
//! contacts list (search, filters, pages).

use crate::app::{TestApp, names};
use axum::http::StatusCode;
use serde_json::json;

pub async fn users_are_listed_beside_contacts(app: &TestApp) {
    let token = &app.admin.token;
    app.post(
        "/api/v1/contacts",
        token,
        json!({"name": "Carla Contact", "companies": "all"}),
    )
    .await;
    let list = app.get("/api/v1/contacts", token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        names(&list.body),
        ["Ana Admin", "Carla Contact", "Tess Tech"]
    );
    let items = list.body["items"].as_array().expect("items");
    let kinds: Vec<_> = items.iter().map(|c| c["kind"].clone()).collect();
    assert_eq!(kinds, [json!("user"), json!("contact"), json!("user")]);
    assert_eq!(items[0]["email"], "ana@acme.example");
    assert_eq!(items[0]["role"], "admin");
    assert_eq!(items[0]["methods"][0]["address"], "ana@acme.example");
    assert_eq!(items[0]["methods"][0]["primary"], true);
    assert!(
        items[1].get("email").is_none(),
        "plain contacts have no login fields"
    );
    let users = app.get("/api/v1/users", token).await;
    assert_eq!(names(&users.body), ["Ana Admin", "Tess Tech"]);
    let created = app
        .post("/api/v1/users", token, json!({"name": "Uma User", "email": "uma@acme.example", "role": "technician", "companies": [app.contoso.id.to_string()], "password": "a long enough password"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["kind"], "user");
    let primary = format!(
        "/api/v1/contacts/{}/methods/{}",
        created.str("/id"),
        created.str("/methods/0/id")
    );
    let refused = app.delete(&primary, token).await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "the primary email stays: {}",
        refused.body
    );
}

pub async fn a_technician_renames_themself_and_nobody_renames_others(app: &TestApp) {
    let me = app
        .patch(
            "/api/v1/me",
            &app.tech.token,
            json!({"name": "Tess Ortiz", "locale": "es", "timezone": "Europe/Madrid"}),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(
        (me.body["name"].clone(), me.body["locale"].clone()),
        (json!("Tess Ortiz"), json!("es"))
    );
    assert_eq!(
        app.get("/api/v1/me", &app.tech.token).await.body["name"],
        "Tess Ortiz"
    );
    // A new primary email needs the current password (SPEC §3).
    app.set_password(&app.tech, "tess password 12").await;
    let email = app
        .patch(
            "/api/v1/me",
            &app.tech.token,
            json!({"email": "Tess.Ortiz@Acme.Example", "current_password": "tess password 12"}),
        )
        .await;
    assert_eq!(email.body["email"], "Tess.Ortiz@acme.example");
    assert_eq!(
        email.body["methods"][0]["address"],
        "Tess.Ortiz@acme.example"
    );

    let before = app.snapshot().await;
    let tess = format!("/api/v1/users/{}", app.tech.id);
    for body in [
        json!({"name": "Renamed by admin"}),
        json!({"email": "x@acme.example"}),
        json!({"role": "admin", "name": "X"}),
    ] {
        let refused = app.patch(&tess, &app.admin.token, body).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    let via_contacts = app
        .patch(
            &format!("/api/v1/contacts/{}", app.tech.id),
            &app.admin.token,
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(via_contacts.status, StatusCode::FORBIDDEN);
    let other = app
        .patch(
            &format!("/api/v1/users/{}", app.admin.id),
            &app.tech.token,
            json!({"role": "technician"}),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before, "denied calls changed nothing");
    let role = app
        .patch(
            &tess,
            &app.admin.token,
            json!({"role": "admin", "companies": "all"}),
        )
        .await;
    assert_eq!(
        (role.status, role.body["role"].clone()),
        (StatusCode::OK, json!("admin"))
    );
}

pub async fn the_last_admin_cannot_be_removed(app: &TestApp) {
    let admin = &app.admin.token;
    let me = format!("/api/v1/users/{}", app.admin.id);
    let before = app.snapshot().await;
    for body in [json!({"role": "technician"}), json!({"disabled": true})] {
        let refused = app.patch(&me, admin, body).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert_eq!(refused.headers["content-type"], "application/problem+json");
    }
    assert_eq!(app.delete(&me, admin).await.status, StatusCode::CONFLICT);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{}", app.admin.id), admin)
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(app.snapshot().await, before);
    // Disabling a user also shuts their token out.
    let off = app
        .patch(
            &format!("/api/v1/users/{}", app.tech.id),
            admin,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(off.body["disabled"], true);
    assert_eq!(
        app.get("/api/v1/me", &app.tech.token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn the_contacts_list_filters_searches_and_pages(app: &TestApp) {
    let admin = &app.admin.token;
    for (name, companies) in [
        ("Zoe", json!("all")),
        ("Álvaro", json!([app.contoso.id.to_string()])),
        ("bob", json!([app.northwind.id.to_string()])),
    ] {
        let c = app
            .post(
                "/api/v1/contacts",
                admin,
                json!({"name": name, "companies": companies}),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED);
    }
    let get = |query: &str| {
        let path = format!("/api/v1/contacts?{query}");
        async move { app.get(&path, admin).await }
    };
    assert_eq!(names(&get("q=ÁLV").await.body), ["Álvaro"]);
    assert_eq!(
        names(&get("q=acme.example").await.body),
        ["Ana Admin", "Tess Tech"]
    );
    assert_eq!(
        names(&get("kind=contact").await.body),
        ["bob", "Zoe", "Álvaro"]
    );
    assert_eq!(
        names(&get(&format!("company={}", app.contoso.id)).await.body),
        ["Ana Admin", "Zoe", "Álvaro"]
    );
    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let page = get(&query).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(names(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["Ana Admin", "bob", "Tess Tech", "Zoe", "Álvaro"]);
    for bad in ["kind=robot", "limit=0", "limit=many", "cursor=%25%25"] {
        let answer = get(bad).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            answer.body
        );
    }
}

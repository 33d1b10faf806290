use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub async fn add_a_contact_add_methods_of_each_type_edit_and_delete(app: &TestApp) {
    let token = &app.admin.token;
    let created = app
        .post(
            "/api/v1/contacts",
            token,
            json!({"name": "  María José  ", "companies": [app.northwind.id.to_string()]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["name"], "María José");
    assert_eq!(created.body["kind"], "contact");
    assert_eq!(
        created.body["companies"],
        json!([app.northwind.id.to_string()])
    );
    assert_eq!(created.body["methods"], json!([]));
    let id = created.str("/id");
    let methods = format!("/api/v1/contacts/{id}/methods");
    let cases = [
        (
            json!({"type": "email", "address": "Maria@Ejemplo.ES"}),
            "Maria@ejemplo.es",
            json!("warning"),
            true,
        ),
        (
            json!({"type": "sms", "address": "612 34 56 78"}),
            "+34612345678",
            json!("critical"),
            false,
        ),
        (
            json!({"type": "phone", "address": "+1 (415) 555-2671"}),
            "+14155552671",
            json!("critical"),
            false,
        ),
        (
            json!({"type": "webhook", "address": "https://hooks.example.com/reach"}),
            "https://hooks.example.com/reach",
            json!("warning"),
            false,
        ),
    ];
    let mut ids = Vec::new();
    for (body, address, severity, reports) in cases {
        let m = app.post(&methods, token, body).await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
        assert_eq!(m.body["address"], address);
        assert_eq!(m.body["min_severity"], severity);
        assert_eq!(m.body["reports"], reports);
        assert_eq!(m.body["verified"], false);
        ids.push(m.str("/id"));
    }
    let contact = app.get(&format!("/api/v1/contacts/{id}"), token).await;
    let types: Vec<_> = contact.body["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .map(|m| m["type"].clone())
        .collect();
    assert_eq!(
        types,
        [
            json!("email"),
            json!("sms"),
            json!("phone"),
            json!("webhook")
        ]
    );

    let edited = app
        .patch(
            &format!("/api/v1/contacts/{id}"),
            token,
            json!({"name": "María José Ruiz", "companies": "all", "locale": "es"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(
        (
            edited.body["name"].clone(),
            edited.body["companies"].clone(),
            edited.body["locale"].clone()
        ),
        (json!("María José Ruiz"), json!("all"), json!("es"))
    );
    let method = format!("{methods}/{}", ids[1]);
    let quiet = app
        .patch(&method, token, json!({"min_severity": "warning", "delay_minutes": 10, "quiet_hours": {"from": "22:00", "to": "07:00"}, "label": "Mobile"}))
        .await;
    assert_eq!(quiet.status, StatusCode::OK, "{}", quiet.body);
    assert_eq!(
        quiet.body["quiet_hours"],
        json!({"from": "22:00", "to": "07:00"})
    );
    assert_eq!(
        (
            quiet.body["delay_minutes"].clone(),
            quiet.body["label"].clone()
        ),
        (json!(10), json!("Mobile"))
    );
    assert_eq!(
        quiet.body["address"], "+34612345678",
        "unpatched fields stay"
    );
    let unset = app
        .patch(
            &method,
            token,
            json!({"min_severity": null, "quiet_hours": null}),
        )
        .await;
    assert_eq!(
        (
            unset.body["min_severity"].clone(),
            unset.body["quiet_hours"].clone()
        ),
        (Value::Null, Value::Null)
    );
    assert_eq!(app.get(&method, token).await.body, unset.body);

    assert_eq!(
        app.delete(&method, token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&method, token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{id}"), token)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{id}"), token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{methods}/{}", ids[0]), token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

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
    let email = app
        .patch(
            "/api/v1/me",
            &app.tech.token,
            json!({"email": "Tess.Ortiz@Acme.Example"}),
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

pub async fn send_test_verification_codes_and_flood_limits(app: &TestApp) {
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
    let sms = app
        .post(
            &format!("/api/v1/contacts/{nora}/methods"),
            admin,
            json!({"type": "sms", "address": "+34612345678"}),
        )
        .await
        .str("/id");
    let base = format!("/api/v1/contacts/{nora}/methods/{sms}");
    let test = app.post(&format!("{base}/test"), admin, json!(null)).await;
    assert_eq!(test.status, StatusCode::ACCEPTED, "{}", test.body);
    assert_eq!(
        (test.body["method_id"].clone(), test.body["state"].clone()),
        (json!(sms), json!("queued"))
    );
    // Typing a code before one was sent, then a wrong one: 422 on `code`, still unverified.
    for code in ["123456", "12ab56"] {
        let refused = app
            .post(
                &format!("{base}/verification/confirm"),
                admin,
                json!({"code": code}),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(
            refused.body["errors"][0]["field"], "code",
            "{}",
            refused.body
        );
    }
    let sent = app
        .post(&format!("{base}/verification"), admin, json!(null))
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    let wrong = app
        .post(
            &format!("{base}/verification/confirm"),
            admin,
            json!({"code": "000000"}),
        )
        .await;
    // One chance in a million that 000000 is the code; then the method is verified.
    if wrong.status == StatusCode::UNPROCESSABLE_ENTITY {
        assert_eq!(wrong.body["errors"][0]["message"], "This code is not right");
        assert_eq!(app.get(&base, admin).await.body["verified"], false);
    }
    // The technician may not test or verify someone else's method.
    let denied = app
        .post(&format!("{base}/test"), &app.tech.token, json!(null))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // Flood limits: defaults, a change, and field errors.
    let account = app.get("/api/v1/account", admin).await;
    assert_eq!(
        account.body["flood_limits"],
        json!({"email": 30, "sms": 10, "phone": 10, "webhook": null})
    );
    let changed = app
        .patch(
            "/api/v1/account",
            admin,
            json!({"flood_limits": {"sms": 5, "email": null}}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        changed.body["flood_limits"],
        json!({"email": null, "sms": 5, "phone": 10, "webhook": null})
    );
    let bad = app
        .patch(
            "/api/v1/account",
            admin,
            json!({"flood_limits": {"sms": 0, "fax": 3}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert!(
        fields.contains(&json!("flood_limits.sms")) && fields.contains(&json!("flood_limits.fax")),
        "{fields:?}"
    );
    assert_eq!(
        app.get("/api/v1/account", admin).await.body["flood_limits"]["sms"],
        5,
        "nothing written"
    );
}

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

/// `GET /metrics`: Prometheus text for admins (counts of the deployment), refused otherwise.
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
    let answer = app.call("GET", "/metrics", Some(admin), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = answer.body.as_str().expect("text").to_owned();
    assert!(text.contains("reach_alerts_firing 1"), "{text}");
    // The admin and the technician (Northwind) take critical alerts by email.
    assert!(
        text.contains(r#"reach_notifications{state="queued",channel="email"} 2"#),
        "{text}"
    );
    assert!(text.contains("reach_outbox_oldest_due_seconds"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
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

//! SPEC flows for contact methods: each type added, edited and deleted; send test,
//! verification codes and flood limits.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};

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
    // A minute after the test, so the rate limit (one message per method a minute) allows it.
    crate::flows_limits::time_passes(app, 60).await;
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

//! Forms: technicians refused admin forms, and bad input shown as form errors.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;

pub async fn technicians_are_refused_admin_forms_and_nothing_changes(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("tess@acme.example", PASSWORD).await;
    let csrf = browser.csrf();
    let before = app.snapshot().await;
    let admin_contact = format!("/configure/contacts/{}", app.admin.id);
    for (path, fields) in [
        (
            "/configure/contacts".to_owned(),
            vec![("name", "X"), ("access", "all")],
        ),
        ("/configure/companies".to_owned(), vec![("name", "X")]),
        (
            "/configure/users".to_owned(),
            vec![
                ("name", "X"),
                ("email", "x@example.com"),
                ("role", "admin"),
                ("access", "all"),
            ],
        ),
        (
            "/configure/settings".to_owned(),
            vec![
                ("name", "X"),
                ("default_region", "US"),
                ("locale", "en"),
                ("timezone", "UTC"),
                ("repeat_interval_minutes", "5"),
            ],
        ),
        (
            format!("{admin_contact}/edit"),
            vec![("name", "X"), ("access", "all")],
        ),
        (format!("{admin_contact}/delete"), vec![]),
        (
            format!("{admin_contact}/methods/new"),
            vec![("type", "sms"), ("address", "612345678")],
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let refused = browser.post(&path, &all).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            html(&refused).contains("Tu rol no permite"),
            "{path}: translated message"
        );
    }
    assert_eq!(
        browser.get("/configure/settings").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.snapshot().await, before);
}

pub async fn bad_input_is_a_form_error_never_a_server_error(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let csrf = browser.csrf();
    let before = app.snapshot().await;
    let bad = browser
        .post(
            "/configure/contacts",
            &[("csrf", &csrf), ("name", "a\u{7}b"), ("access", "chosen")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("aria-invalid=\"true\""));
    assert!(
        html(&bad).contains("value=\"a\u{7}b\""),
        "the typed value is kept"
    );
    let method = format!("/configure/contacts/{}/methods/new", app.admin.id);
    let bad_email = browser
        .post(
            &method,
            &[("csrf", &csrf), ("type", "email"), ("address", "a@b@c")],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad_email).contains("Introduce una dirección de correo válida"));
    for fields in [
        vec![("type", "fax"), ("address", "1")],
        vec![
            ("type", "sms"),
            ("address", "612345678"),
            ("delay_minutes", "soon"),
        ],
        vec![
            ("type", "sms"),
            ("address", "612345678"),
            ("quiet_from", "25:99"),
        ],
        vec![("type", "webhook"), ("address", "http://10.0.0.1/")],
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields.clone());
        let answer = browser.post(&method, &all).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
    }
    assert_eq!(
        browser
            .get("/configure/contacts/no-such-id/edit")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.snapshot().await, before);
}

pub async fn the_method_form_offers_chat_services_with_help(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let method = format!("/configure/contacts/{}/methods/new", app.admin.id);
    let form = browser.get(&method).await;
    assert_eq!(form.status, StatusCode::OK);
    let page = html(&form);
    for (kind, label) in [
        ("email", "Correo electrónico"),
        ("webhook", "Webhook"),
        ("slack", "Slack"),
        ("teams", "Microsoft Teams"),
        ("discord", "Discord"),
        ("ntfy", "ntfy"),
        ("telegram", "Telegram"),
        ("matrix", "Matrix"),
    ] {
        let option = format!("<option value=\"{kind}\"");
        let at = page
            .find(&option)
            .unwrap_or_else(|| panic!("{kind} is offered"));
        let text = page[at..]
            .split_once('>')
            .map(|(_, rest)| rest)
            .unwrap_or("");
        assert!(
            text.starts_with(&format!("{label}</option>")),
            "{kind}: {label}"
        );
    }
    assert!(
        page.contains("Dónde encontrar la dirección"),
        "help, in Spanish"
    );
    assert!(
        page.contains("Ajustes de la sala, Avanzado"),
        "where a Matrix room id is"
    );
    let csrf = browser.csrf();
    let before = app.snapshot().await;
    let bad = browser
        .post(
            &method,
            &[
                ("csrf", &csrf),
                ("type", "matrix"),
                ("address", "#ops:example.org"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&bad);
    assert!(page.contains("Introduce un id de sala de Matrix"), "{page}");
    assert!(
        page.contains("<option value=\"matrix\" selected>"),
        "the type is kept"
    );
    assert_eq!(app.snapshot().await, before, "nothing stored");
    let good = browser
        .post(
            &method,
            &[
                ("csrf", &csrf),
                ("type", "telegram"),
                ("address", "@ops_alerts"),
                ("min_severity", "default"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", html(&good));
    let list = browser.get("/configure/contacts").await;
    let page = html(&list);
    assert!(
        page.contains("@ops_alerts")
            && page.contains(">Telegram<")
            && page.contains("alertas cuando esté verificado"),
        "listed with its type"
    );
}

pub async fn the_schedules_page_shows_who_is_on_call(app: &TestApp) {
    with_passwords(app).await;
    let made = app
        .post(
            "/api/v1/schedules",
            &app.admin.token,
            serde_json::json!({"name": "Guardia", "timezone": "Europe/Madrid", "members": [app.tech.id],
                   "shift": {"every": "week", "handoff": "09:00"}, "starts_on": "2026-11-02"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    // Technicians see schedules too.
    let mut browser = Browser::new(app);
    browser.sign_in("tess@acme.example", PASSWORD).await;
    let page = browser.get("/configure/schedules").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = html(&page);
    assert!(
        html.contains("Calendarios de guardia"),
        "menu and title in Spanish"
    );
    assert!(html.contains("De guardia ahora"), "{html}");
    assert!(
        html.contains("Las próximas dos semanas (horas en "),
        "the zone of the times"
    );
    assert!(html.contains("Guardia"), "{html}");
    let feed = made.str("/ical_url");
    assert!(html.contains(&feed.replace('&', "&amp;")), "the feed link");
    let rows = html.matches("<tr><td>").count();
    assert!(
        (2..=4).contains(&rows),
        "two weeks of weekly shifts: {rows}"
    );
}

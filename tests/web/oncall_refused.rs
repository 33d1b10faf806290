//! A technician on the on-call pages (SPEC §2: schedules and policies are admin-written): no
//! add or override forms, and every admin form refused with nothing changed.

use crate::app::TestApp;
use crate::oncall::{POLICIES, SCHEDULES, count, schedule_form};
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;
use chrono::{Duration, Utc};

pub async fn technicians_are_refused_the_on_call_forms(app: &TestApp) {
    with_passwords(app).await;
    let made = app
        .post(
            "/api/v1/schedules",
            &app.admin.token,
            serde_json::json!({"name": "Guardia", "timezone": "UTC", "members": [app.tech.id],
                   "shift": {"every": "day", "handoff": "09:00"}, "starts_on": "2026-11-02"}),
        )
        .await;
    let id = made.str("/id");
    let until = (Utc::now() + Duration::hours(5)).to_rfc3339();
    let over = app
        .post(
            &format!("/api/v1/schedules/{id}/overrides"),
            &app.admin.token,
            serde_json::json!({"contact_id": app.admin.id, "starts_at": Utc::now().to_rfc3339(), "ends_at": until}),
        )
        .await;
    assert_eq!(over.status, StatusCode::CREATED, "{}", over.body);
    let over = over.str("/id");
    let policy = app
        .post(
            "/api/v1/escalation-policies",
            &app.admin.token,
            serde_json::json!({"name": "Noche", "steps": [{"targets": [{"type": "schedule", "id": id}], "wait_minutes": 5}]}),
        )
        .await;
    assert_eq!(policy.status, StatusCode::CREATED, "{}", policy.body);
    let pid = policy.str("/id");
    let mut tess = Browser::new(app);
    tess.sign_in("tess@acme.example", PASSWORD).await;
    let page = tess.get(SCHEDULES).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!html(&page).contains("Añadir un calendario"), "no add form");
    assert!(
        !html(&page).contains("Añadir una sustitución"),
        "no override form"
    );
    let csrf = tess.csrf();
    let tech = app.tech.id.to_string();
    let now = Utc::now().format("%Y-%m-%dT%H:%M").to_string();
    let later = (Utc::now() + Duration::hours(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    for (path, form) in [
        (
            SCHEDULES.to_owned(),
            schedule_form(&csrf, "Mía", [&tech, "", ""]),
        ),
        (
            format!("{SCHEDULES}/{id}"),
            schedule_form(&csrf, "Mía", [&tech, "", ""]),
        ),
        (
            format!("{SCHEDULES}/{id}/delete"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{SCHEDULES}/{id}/feed"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{SCHEDULES}/{id}/overrides/{over}/delete"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{POLICIES}/{pid}"),
            vec![
                ("csrf", csrf.as_str()),
                ("name", "Mía"),
                ("wait", "5"),
                ("targets", "0:company_contacts"),
            ],
        ),
        (
            format!("{POLICIES}/{pid}/delete"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("{SCHEDULES}/{id}/overrides"),
            vec![
                ("csrf", csrf.as_str()),
                ("contact_id", &tech),
                ("starts_at", &now),
                ("ends_at", &later),
            ],
        ),
        (
            POLICIES.to_owned(),
            vec![
                ("csrf", csrf.as_str()),
                ("name", "X"),
                ("wait", "5"),
                ("targets", "0:company_contacts"),
            ],
        ),
    ] {
        let answer = tess.post(&path, &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(tess.get(POLICIES).await.status, StatusCode::FORBIDDEN);
    // Nothing changed: one schedule, as it was, with its feed link and its one override; the
    // policy as it was.
    assert_eq!(count(app, "/api/v1/schedules").await, 1);
    let shown = app
        .get(&format!("/api/v1/schedules/{id}"), &app.admin.token)
        .await;
    assert_eq!(shown.body["name"], "Guardia");
    assert_eq!(
        shown.body["ical_url"], made.body["ical_url"],
        "the feed link is unchanged"
    );
    assert_eq!(
        count(app, &format!("/api/v1/schedules/{id}/overrides")).await,
        1
    );
    let policies = app
        .get("/api/v1/escalation-policies", &app.admin.token)
        .await;
    assert_eq!(policies.body["items"][0]["name"], "Noche");
    assert_eq!(count(app, "/api/v1/escalation-policies").await, 1);
}

//! On-call pages (SPEC §2 "On-call schedules and escalation policies", §3 web app), in Spanish:
//! an admin adds a schedule, an override and an escalation policy through the forms, gives the
//! policy to a company on its page, and the top bar then names who is on call; bad input is a
//! form error with nothing written (a technician: oncall_refused.rs).

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;
use chrono::{Duration, Utc};

pub(crate) const SCHEDULES: &str = "/configure/schedules";
pub(crate) const POLICIES: &str = "/configure/escalation-policies";

pub(crate) async fn count(app: &TestApp, path: &str) -> usize {
    app.get(path, &app.admin.token).await.body["items"]
        .as_array()
        .expect("items")
        .len()
}

pub(crate) fn schedule_form<'a>(
    csrf: &'a str,
    name: &'a str,
    members: [&'a str; 3],
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("csrf", csrf), ("name", name)];
    form.extend(members.iter().map(|m| ("members", *m)));
    form.extend([
        ("every", "week"),
        ("count", "1"),
        ("weekday", "mon"),
        ("handoff", "09:00"),
        ("starts_on", "2026-11-02"),
        ("timezone", "Europe/Madrid"),
    ]);
    form
}

pub async fn an_admin_sets_up_a_rotation_an_override_and_a_policy_on_the_pages(app: &TestApp) {
    with_passwords(app).await;
    let (admin, tech) = (app.admin.id.to_string(), app.tech.id.to_string());
    let mut ana = Browser::new(app);
    ana.sign_in("ana@acme.example", PASSWORD).await;
    let page = ana.get(SCHEDULES).await;
    assert!(html(&page).contains("Añadir un calendario de guardia"));
    let csrf = ana.csrf();

    // Nobody chosen, a bad handoff: the form again, nothing stored.
    let mut bad = schedule_form(&csrf, "Guardia", ["", "", ""]);
    bad.retain(|(k, _)| *k != "handoff");
    bad.push(("handoff", "25:00"));
    let refused = ana.post(SCHEDULES, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("id=\"members-error\""), "members");
    assert!(html(&refused).contains("id=\"f-handoff-error\""), "handoff");
    assert!(
        html(&refused).contains("value=\"25:00\""),
        "the input is kept"
    );
    assert_eq!(count(app, "/api/v1/schedules").await, 0);

    // Two members in order (a blank place between them is skipped).
    let saved = ana
        .post(
            SCHEDULES,
            &schedule_form(&csrf, "Guardia", [&tech, "", &admin]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", html(&saved));
    let listed = app.get("/api/v1/schedules", &app.admin.token).await;
    let schedule = &listed.body["items"][0];
    assert_eq!(schedule["members"], serde_json::json!([tech, admin]));
    assert_eq!(schedule["shift"]["weekday"], "mon");
    let id = schedule["id"].as_str().expect("id").to_owned();
    let page = ana.get("/configure/schedules?done=schedule-saved").await;
    assert!(html(&page).contains("Se ha guardado el calendario de guardia"));
    assert!(html(&page).contains("No hay sustituciones próximas"));

    // A new feed link: the old one stops working.
    let feed = |v: &serde_json::Value| {
        let url = v["ical_url"].as_str().expect("ical_url");
        url[url.find("/ical/").expect("feed path")..].to_owned()
    };
    let old_feed = feed(schedule);
    assert_eq!(
        app.call("GET", &old_feed, None, None).await.status,
        StatusCode::OK
    );
    let renewed = ana
        .post(&format!("{SCHEDULES}/{id}/feed"), &[("csrf", &csrf)])
        .await;
    assert_eq!(renewed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.call("GET", &old_feed, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    let shown = app
        .get(&format!("/api/v1/schedules/{id}"), &app.admin.token)
        .await;
    let new_feed = feed(&shown.body);
    assert_ne!(new_feed, old_feed);
    assert_eq!(
        app.call("GET", &new_feed, None, None).await.status,
        StatusCode::OK
    );

    // An override for the admin from now for two hours, in the reader's zone.
    let zone = chrono_tz::Europe::Madrid;
    let local =
        |t: chrono::DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string();
    let (from, until) = (local(Utc::now()), local(Utc::now() + Duration::hours(2)));
    let path = format!("{SCHEDULES}/{id}/overrides");
    let backwards = ana
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("contact_id", &admin),
                ("starts_at", &until),
                ("ends_at", &from),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&backwards).contains(&format!("id=\"o-ends_at-{id}-error\"")));
    let added = ana
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("contact_id", &admin),
                ("starts_at", &from),
                ("ends_at", &until),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", html(&added));
    let overrides = app
        .get(
            &format!("/api/v1/schedules/{id}/overrides"),
            &app.admin.token,
        )
        .await;
    let over = overrides.body["items"][0]["id"]
        .as_str()
        .expect("override")
        .to_owned();
    let oncall = app
        .get(&format!("/api/v1/schedules/{id}/oncall"), &app.admin.token)
        .await;
    assert_eq!(oncall.body["contact_id"], admin.as_str());
    assert_eq!(oncall.body["override"], true);
    let page = ana.get(SCHEDULES).await;
    assert!(
        html(&page).contains(&format!("id=\"override-{over}\"")),
        "listed with Quitar"
    );

    // A policy: step 1 whoever is on call, step 2 the technician after 5 minutes.
    let page = ana.get(POLICIES).await;
    assert!(html(&page).contains("Aún no hay políticas de escalado"));
    let (s1, s2) = (format!("0:schedule:{id}"), format!("1:contact:{tech}"));
    let zero = ana
        .post(
            POLICIES,
            &[
                ("csrf", &csrf),
                ("name", "Noche"),
                ("wait", "0"),
                ("targets", &s1),
                ("wait", "5"),
                ("repeat", "1"),
            ],
        )
        .await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&zero).contains("id=\"step-1-error\""),
        "{}",
        html(&zero)
    );
    assert_eq!(count(app, "/api/v1/escalation-policies").await, 0);
    let saved = ana
        .post(
            POLICIES,
            &[
                ("csrf", &csrf),
                ("name", "Noche"),
                ("wait", "5"),
                ("targets", &s1),
                ("wait", "10"),
                ("targets", &s2),
                ("wait", "5"),
                ("repeat", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", html(&saved));
    let policies = app
        .get("/api/v1/escalation-policies", &app.admin.token)
        .await;
    let policy = &policies.body["items"][0];
    assert_eq!(
        policy["steps"],
        serde_json::json!([
            {"targets": [{"type": "schedule", "id": id}], "wait_minutes": 5},
            {"targets": [{"type": "contact", "id": tech}], "wait_minutes": 10},
        ]),
        "the spare row is left out"
    );
    assert_eq!(policy["repeat"], 1);
    let policy_id = policy["id"].as_str().expect("id").to_owned();
    let page = ana.get(POLICIES).await;
    assert!(
        html(&page).contains("De guardia en Guardia"),
        "{}",
        html(&page)
    );
    assert!(html(&page).contains("Se repite una vez tras el último paso"));

    // The company page gives Northwind the policy; the top bar then names who is on call.
    let nw = app.northwind.id.to_string();
    let company = format!("/configure/companies/{nw}/edit");
    assert!(html(&ana.get(&company).await).contains("Política de escalado"));
    let unknown = ana
        .post(
            &company,
            &[
                ("csrf", &csrf),
                ("name", "Northwind"),
                ("escalation_policy_id", "nope"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&unknown).contains("f-policy-error"));
    let given = ana
        .post(
            &company,
            &[
                ("csrf", &csrf),
                ("name", "Northwind"),
                ("escalation_policy_id", &policy_id),
            ],
        )
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER);
    let shown = app
        .get(&format!("/api/v1/companies/{nw}"), &app.admin.token)
        .await;
    assert_eq!(shown.body["escalation_policy_id"], policy_id.as_str());
    ana.post(
        "/company",
        &[("csrf", &csrf), ("company", &nw), ("back", SCHEDULES)],
    )
    .await;
    let page = ana.get(SCHEDULES).await;
    assert!(
        html(&page).contains("De guardia: <strong>Ana"),
        "the override puts the admin on call: {}",
        html(&page)
    );

    // A form without the field leaves the policy; "None" takes it away.
    let policy_of = || async {
        app.get(&format!("/api/v1/companies/{nw}"), &app.admin.token)
            .await
            .body["escalation_policy_id"]
            .clone()
    };
    let renamed = ana
        .post(&company, &[("csrf", &csrf), ("name", "Northwind")])
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(policy_of().await, policy_id.as_str());
    let cleared = ana
        .post(
            &company,
            &[
                ("csrf", &csrf),
                ("name", "Northwind"),
                ("escalation_policy_id", ""),
            ],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert_eq!(policy_of().await, serde_json::Value::Null);
    assert!(
        !html(&ana.get(SCHEDULES).await).contains("oncall-bar"),
        "no policy, no on-call name in the top bar"
    );

    // A second schedule of the same name is a field error.
    let twice = ana
        .post(SCHEDULES, &schedule_form(&csrf, "Guardia", [&tech, "", ""]))
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&twice).contains("id=\"f-name-error\""),
        "{}",
        html(&twice)
    );
    assert_eq!(count(app, "/api/v1/schedules").await, 1);

    // The override is removed; the technician's shift shows again.
    let removed = ana
        .post(&format!("{path}/{over}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let oncall = app
        .get(&format!("/api/v1/schedules/{id}/oncall"), &app.admin.token)
        .await;
    assert_eq!(oncall.body["override"], false);
}

//! SPEC §2 "escalation policies": steps of schedules, contacts and the company's contacts with
//! waits, a company taking one, bad targets named, and who may do what.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::json;

pub async fn a_policy_of_three_steps_is_given_to_a_company(app: &TestApp) {
    let admin = &app.admin.token;
    let lead = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Lola Lead", "companies": "all"}),
        )
        .await
        .str("/id");
    let schedule = app
        .post(
            "/api/v1/schedules",
            admin,
            json!({"name": "Guardia", "timezone": "Europe/Madrid", "members": [app.tech.id, app.admin.id],
                   "shift": {"every": "week", "handoff": "09:00"}, "starts_on": "2026-11-02"}),
        )
        .await
        .str("/id");
    let steps = json!([
        {"targets": [{"type": "schedule", "id": schedule}], "wait_minutes": 5},
        {"targets": [{"type": "contact", "id": lead}], "wait_minutes": 10},
        {"targets": [{"type": "company_contacts"}], "wait_minutes": 30}
    ]);
    let made = app
        .post(
            "/api/v1/escalation-policies",
            admin,
            json!({"name": "Noche", "steps": steps, "repeat": 2}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["steps"], steps);
    assert_eq!(made.body["repeat"], 2);
    let id = made.str("/id");

    let company = format!("/api/v1/companies/{}", app.northwind.id);
    let given = app
        .patch(&company, admin, json!({"escalation_policy_id": id}))
        .await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    assert_eq!(given.body["escalation_policy_id"], json!(id));
    assert_eq!(given.body["name"], "Northwind", "the name stays");
    let seen = app.get(&company, &app.tech.token).await;
    assert_eq!(seen.body["escalation_policy_id"], json!(id));
    let read = app
        .get(
            &format!("/api/v1/escalation-policies/{id}"),
            &app.tech.token,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "technicians read policies");

    // Bad input names its fields, and nothing changes.
    let before = app.snapshot().await;
    let bad = app
        .post(
            "/api/v1/escalation-policies",
            admin,
            json!({"name": "Bad", "steps": [{"targets": [{"type": "schedule", "id": "nope"}, {"type": "contact", "id": app.outsider.id}], "wait_minutes": 5}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["steps[0].targets[0].id", "steps[0].targets[1].id"]);
    let shape = app
        .post("/api/v1/escalation-policies", admin, json!({"name": "Bad", "steps": [{"targets": [{"type": "pager"}], "wait_minutes": 0}], "repeat": 9}))
        .await;
    let fields: Vec<&str> = shape.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "repeat",
            "steps[0].wait_minutes",
            "steps[0].targets[0].type"
        ]
    );
    let foreign = app
        .patch(
            &company,
            admin,
            json!({"escalation_policy_id": "no-such-policy", "name": "Renamed"}),
        )
        .await;
    assert_eq!(
        foreign.body["errors"][0]["field"], "escalation_policy_id",
        "{}",
        foreign.body
    );
    let denied = app
        .post(
            "/api/v1/escalation-policies",
            &app.tech.token,
            json!({"name": "Mine", "steps": steps}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let other = app
        .patch(
            &company,
            &app.tech.token,
            json!({"escalation_policy_id": null}),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.snapshot().await,
        before,
        "nothing changed, the name neither"
    );

    // A change keeps what is not given; deleting the policy puts the company back on the
    // plain rule.
    let changed = app
        .patch(
            &format!("/api/v1/escalation-policies/{id}"),
            admin,
            json!({"repeat": 0}),
        )
        .await;
    assert_eq!(
        (
            changed.body["repeat"].clone(),
            changed.body["steps"].clone()
        ),
        (json!(0), steps)
    );
    assert_eq!(
        app.delete(&format!("/api/v1/escalation-policies/{id}"), admin)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&company, admin).await.body["escalation_policy_id"],
        json!(null)
    );
    let cleared = app
        .patch(&company, admin, json!({"escalation_policy_id": null}))
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
}

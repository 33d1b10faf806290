//! For every route in the OpenAPI document × {admin, technician, admin of another account, no
//! token}: the status the permission table of SPEC §1 gives, and no change after a denied call.

use crate::app::TestApp;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
enum Who {
    Nobody,
    Outsider,
    Technician,
    Admin,
}

/// Fresh objects of the first account for one call, all visible to the technician
/// (Northwind), none of them the technician's own.
struct Targets {
    alert: String,
    report: String,
    window: String,
    company: String,
    contact: String,
    method: String,
    user: String,
    /// One of the admin's own API tokens (not the one the matrix calls with).
    token: String,
    integration: String,
    schedule: String,
    over: String,
    policy: String,
}

async fn targets(app: &TestApp, n: usize) -> Targets {
    let admin = &app.admin.token;
    let company = app
        .post(
            "/api/v1/companies",
            admin,
            json!({"name": format!("Target {n}")}),
        )
        .await
        .str("/id");
    let northwind = json!([app.northwind.id.to_string(), company.clone()]);
    // The technician gets access to the new company, so every target is in their scope.
    let access = app
        .patch(
            &format!("/api/v1/users/{}", app.tech.id),
            admin,
            json!({"companies": northwind}),
        )
        .await;
    assert_eq!(access.status.as_u16(), 200, "{}", access.body);
    let contact = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": format!("Target {n}"), "companies": northwind}),
        )
        .await
        .str("/id");
    let method = app
        .post(
            &format!("/api/v1/contacts/{contact}/methods"),
            admin,
            json!({"type": "email", "address": format!("t{n}@acme.example")}),
        )
        .await
        .str("/id");
    let user = app
        .post("/api/v1/users", admin, json!({"name": format!("Theo {n}"), "email": format!("theo{n}@acme.example"), "role": "technician", "companies": [app.northwind.id.to_string()]}))
        .await
        .str("/id");
    let alert = app
        .post("/api/v1/alerts", admin, json!({"company_id": company, "key": format!("target-{n}"), "severity": "warning", "title": "Target"}))
        .await
        .str("/id");
    let now = chrono::Utc::now();
    let window = app
        .post(
            &format!("/api/v1/companies/{company}/maintenance"),
            admin,
            json!({"starts_at": (now + chrono::Duration::days(1)).to_rfc3339(), "ends_at": (now + chrono::Duration::days(2)).to_rfc3339()}),
        )
        .await
        .str("/id");
    let report = app
        .post("/api/v1/reports", admin, json!({"name": format!("Report {n}"), "kind": "coverage", "companies": "all", "schedule": {"every": "day", "at": "07:00", "timezone": "UTC"}, "recipients": [contact]}))
        .await
        .str("/id");
    let token = app
        .post(
            "/api/v1/tokens",
            admin,
            json!({"name": format!("Target {n}")}),
        )
        .await
        .str("/id");
    let integration = app
        .post(
            "/api/v1/integrations",
            admin,
            json!({"name": format!("Target {n}"), "kind": "grafana", "company_id": company}),
        )
        .await
        .str("/id");
    let schedule = app
        .post("/api/v1/schedules", admin, json!({"name": format!("Target {n}"), "timezone": "UTC", "members": [contact], "shift": {"every": "day", "handoff": "09:00"}, "starts_on": "2026-11-02"}))
        .await
        .str("/id");
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    let over = app
        .post(&format!("/api/v1/schedules/{schedule}/overrides"), admin, json!({"contact_id": contact, "starts_at": later.to_rfc3339(), "ends_at": (later + chrono::Duration::hours(2)).to_rfc3339()}))
        .await
        .str("/id");
    let policy = app
        .post("/api/v1/escalation-policies", admin, json!({"name": format!("Target {n}"), "steps": [{"targets": [{"type": "schedule", "id": schedule}], "wait_minutes": 5}]}))
        .await
        .str("/id");
    Targets {
        token,
        integration,
        schedule,
        over,
        policy,
        alert,
        report,
        window,
        company,
        contact,
        method,
        user,
    }
}

fn concrete(path: &str, t: &Targets) -> String {
    let id = if path.starts_with("/api/v1/companies/") {
        &t.company
    } else if path.starts_with("/api/v1/alerts/") {
        &t.alert
    } else if path.starts_with("/api/v1/users/") {
        &t.user
    } else if path.starts_with("/api/v1/reports/") {
        &t.report
    } else if path.starts_with("/api/v1/tokens/") {
        &t.token
    } else if path.starts_with("/api/v1/integrations/") {
        &t.integration
    } else if path.starts_with("/api/v1/schedules/") {
        &t.schedule
    } else if path.starts_with("/api/v1/escalation-policies/") {
        &t.policy
    } else {
        &t.contact
    };
    path.replace("{method_id}", &t.method)
        .replace("{window_id}", &t.window)
        .replace("{override_id}", &t.over)
        .replace("{id}", id)
}

/// A body the admin's call succeeds with.
fn body(method: &str, path: &str, n: usize, t: &Targets) -> Option<Value> {
    Some(match (method, path) {
        ("POST", "/api/v1/alerts/{id}/ack")
        | ("POST", "/api/v1/contacts/{id}/methods/{method_id}/test")
        | ("POST", "/api/v1/contacts/{id}/methods/{method_id}/verification") => return None,
        // No code was sent: the admin's call is refused with a field error on `code`.
        ("POST", "/api/v1/contacts/{id}/methods/{method_id}/verification/confirm") => {
            json!({"code": "000000"})
        }
        ("POST", "/api/v1/companies/{id}/maintenance") => {
            json!({"starts_at": "2030-01-01T22:00:00Z", "ends_at": "2030-01-02T02:00:00+01:00", "reason": "patching"})
        }
        ("POST", "/api/v1/alerts") => {
            json!({"company_id": t.company, "key": format!("matrix-{n}"), "severity": "critical", "title": "Matrix"})
        }
        ("GET" | "DELETE", _) => return None,
        ("POST", "/api/v1/companies") => json!({"name": format!("New {n}")}),
        ("PATCH", "/api/v1/companies/{id}") => json!({"name": format!("Renamed {n}")}),
        ("POST", "/api/v1/contacts") => json!({"name": "New", "companies": "all"}),
        ("PATCH", "/api/v1/contacts/{id}") => json!({"name": "Renamed"}),
        ("POST", "/api/v1/contacts/{id}/methods") => {
            json!({"type": "sms", "address": "612 34 56 78"})
        }
        ("PATCH", "/api/v1/contacts/{id}/methods/{method_id}") => json!({"label": "Work"}),
        ("PATCH", "/api/v1/me") => json!({"locale": "es"}),
        ("PATCH", "/api/v1/account") => json!({"repeat_interval_minutes": 60}),
        ("POST", "/api/v1/users") => {
            json!({"name": "New User", "email": format!("new{n}@example.com"), "role": "technician", "companies": "all"})
        }
        ("PATCH", "/api/v1/users/{id}") => json!({"disabled": true}),
        ("POST", "/api/v1/reports") => {
            json!({"name": format!("New report {n}"), "kind": "alert_summary", "companies": [t.company], "schedule": {"cron": "0 8 * * MON", "timezone": "Europe/Madrid"}, "recipients": [t.contact], "enabled": false})
        }
        ("PATCH", "/api/v1/reports/{id}") => json!({"enabled": false}),
        ("POST", "/api/v1/reports/{id}/run") => return None,
        ("POST", "/api/v1/tokens") => json!({"name": format!("Matrix {n}")}),
        ("POST", "/api/v1/integrations") => {
            json!({"name": format!("Matrix {n}"), "kind": "alertmanager"})
        }
        ("PATCH", "/api/v1/integrations/{id}") => json!({"default_severity": "critical"}),
        ("POST", "/api/v1/integrations/{id}/rotate") => return None,
        ("POST", "/api/v1/schedules") => {
            json!({"name": format!("Matrix {n}"), "timezone": "Europe/Madrid", "members": [t.contact], "shift": {"every": "week", "handoff": "09:00", "weekday": "mon"}, "starts_on": "2026-11-02"})
        }
        ("PATCH", "/api/v1/schedules/{id}") => json!({"name": format!("Renamed {n}")}),
        ("POST", "/api/v1/escalation-policies") => {
            json!({"name": format!("Matrix {n}"), "steps": [{"targets": [{"type": "schedule", "id": t.schedule}, {"type": "company_contacts"}], "wait_minutes": 10}], "repeat": 1})
        }
        ("PATCH", "/api/v1/escalation-policies/{id}") => json!({"repeat": 2}),
        // Sent as text/csv (see the loop).
        ("POST", "/api/v1/contacts/import") => json!(format!(
            "name,method_type,address\nMatrix {n},email,m{n}@example.com\n"
        )),
        ("POST", "/api/v1/schedules/{id}/overrides") => {
            let at = chrono::Utc::now() + chrono::Duration::days(2);
            json!({"contact_id": t.contact, "starts_at": at.to_rfc3339(), "ends_at": (at + chrono::Duration::hours(1)).to_rfc3339()})
        }
        other => panic!("the matrix has no body for {other:?}: add one"),
    })
}

fn success(method: &str, path: &str) -> u16 {
    match (method, path) {
        ("POST", "/api/v1/alerts") => 202,
        ("POST", "/api/v1/alerts/{id}/ack") => 200,
        ("POST", "/api/v1/contacts/{id}/methods/{method_id}/test")
        | ("POST", "/api/v1/contacts/{id}/methods/{method_id}/verification") => 202,
        ("POST", "/api/v1/contacts/{id}/methods/{method_id}/verification/confirm") => 422,
        ("POST", "/api/v1/reports/{id}/run") => 202,
        ("POST", "/api/v1/integrations/{id}/rotate") => 200,
        ("POST", "/api/v1/contacts/import") => 200,
        _ => success_of(method),
    }
}

fn success_of(method: &str) -> u16 {
    match method {
        "POST" => 201,
        "DELETE" => 204,
        _ => 200,
    }
}

/// SPEC §1 "Who may do what", as statuses.
fn expected(who: Who, method: &str, path: &str) -> u16 {
    match who {
        Who::Nobody => 401,
        Who::Admin => success(method, path),
        Who::Outsider if path.contains('{') => 404,
        // Their own token cannot name another account's company: a field error.
        Who::Outsider if (method, path) == ("POST", "/api/v1/alerts") => 422,
        // Nor another account's contacts as report recipients.
        Who::Outsider if (method, path) == ("POST", "/api/v1/reports") => 422,
        // Nor another account's contacts as schedule members.
        Who::Outsider if (method, path) == ("POST", "/api/v1/schedules") => 422,
        // Nor another account's schedules in a policy.
        Who::Outsider if (method, path) == ("POST", "/api/v1/escalation-policies") => 422,
        Who::Outsider => success(method, path),
        Who::Technician => match (method, path) {
            (_, "/api/v1/audit") => 403,
            // Reports are the admins' (SPEC §1).
            (_, p) if p.starts_with("/api/v1/reports") => 403,
            // So are integrations (SPEC §1).
            (_, p) if p.starts_with("/api/v1/integrations") => 403,
            // And contacts import and export (SPEC §1).
            (_, "/api/v1/contacts/import" | "/api/v1/contacts/export") => 403,
            // Monitoring posts alerts with any user's token; technicians acknowledge alerts of
            // their companies (SPEC §1).
            ("POST", "/api/v1/alerts") => 202,
            ("POST", "/api/v1/alerts/{id}/ack") => 200,
            ("GET", _) | ("PATCH", "/api/v1/me") => 200,
            // Everyone manages their own API tokens; the target is the admin's (SPEC §3).
            ("POST", "/api/v1/tokens") => 201,
            ("DELETE", "/api/v1/tokens/{id}") => 404,
            _ => 403,
        },
    }
}

pub async fn every_route_answers_each_role_as_the_permission_table_says(app: &TestApp) {
    let doc = app.call("GET", "/api/openapi.json", None, None).await.body;
    let paths = doc["paths"].as_object().expect("paths");
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(routes.len() >= 32, "{routes:?}");
    let mut n = 0;
    let mut failures = Vec::new();
    for (method, path) in &routes {
        for who in [Who::Nobody, Who::Outsider, Who::Technician, Who::Admin] {
            n += 1;
            let t = targets(app, n).await;
            let token = match who {
                Who::Nobody => None,
                Who::Outsider => Some(app.outsider.token.as_str()),
                Who::Technician => Some(app.tech.token.as_str()),
                Who::Admin => Some(app.admin.token.as_str()),
            };
            let want = expected(who, method, path);
            let before = if want >= 400 {
                Some(app.snapshot().await)
            } else {
                None
            };
            let answer = match body(method, path, n, &t) {
                Some(Value::String(csv)) => {
                    let path = concrete(path, &t);
                    app.call_raw(method, &path, token, "text/csv", csv.into_bytes())
                        .await
                }
                body => app.call(method, &concrete(path, &t), token, body).await,
            };
            if answer.status.as_u16() != want {
                failures.push(format!(
                    "{method} {path} as {who:?}: {} (expected {want}) {}",
                    answer.status, answer.body
                ));
            }
            if let Some(before) = before {
                if app.snapshot().await != before {
                    failures.push(format!(
                        "{method} {path} as {who:?} was denied but changed something"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

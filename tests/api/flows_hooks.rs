//! `POST /hooks/{token}` (SPEC §2 "Alerts in: integrations"): each kind's own payload becomes
//! Reach alerts through the same ingest path as `POST /api/v1/alerts`; a retry is a repeat;
//! the company label picks the company; the answers are 202, 400, 404, 413 and 422.

use crate::app::TestApp;
use crate::hooks_support::{
    accepted, account, alerts, fixture, hook, integration, json_hook, notification_count, reload,
    row,
};
use axum::http::StatusCode;
use reach::domain::integration::IntegrationKind;
use serde_json::{Value, json};

pub async fn hooks_take_each_kinds_senders_payload(app: &TestApp) {
    let nw = &app.northwind.id;
    let (am, path) = integration(app, IntegrationKind::Alertmanager, Some(nw)).await;
    let body = fixture("alertmanager", "firing_and_resolved");
    accepted(&json_hook(app, &path, &body).await, 3);
    let want = vec![
        row(nw, "a2eade6bbfc2330f", "firing", "critical"),
        row(nw, "b725dae97973d0a9", "firing", "warning"),
        row(nw, "d0a6434abe463994", "resolved", "warning"),
    ];
    assert_eq!(alerts(app).await, want);
    let am_after = reload(app, &am).await;
    assert_eq!(am_after.alerts_accepted, 3);
    assert!(am_after.last_received_at.is_some());

    // Alertmanager retries the same group: repeats, nobody is told twice.
    let before = notification_count(app).await;
    assert!(before > 0, "the admin was notified");
    accepted(&json_hook(app, &path, &body).await, 3);
    // (A resolution of nothing firing is kept for the record each time, as for posted alerts.)
    let mut again = alerts(app).await;
    again.dedup();
    assert_eq!(again, want);
    assert_eq!(notification_count(app).await, before);
    assert_eq!(reload(app, &am).await.alerts_accepted, 6);

    // A group with nothing in it is a test: accepted, nothing stored.
    accepted(
        &json_hook(app, &path, &fixture("alertmanager", "no_alerts")).await,
        0,
    );

    // Grafana (version 1, then legacy firing and resolved), sent without a content type.
    let co = &app.contoso.id;
    let (_, path) = integration(app, IntegrationKind::Grafana, Some(co)).await;
    accepted(
        &hook(app, &path, None, &fixture("grafana", "v1_two_alerts")).await,
        2,
    );
    accepted(
        &hook(
            app,
            &path,
            Some("text/plain"),
            &fixture("grafana", "legacy_alerting"),
        )
        .await,
        1,
    );
    let legacy = row(co, "17", "firing", "warning");
    assert!(alerts(app).await.contains(&legacy));
    accepted(
        &json_hook(app, &path, &fixture("grafana", "legacy_ok")).await,
        1,
    );
    let all = alerts(app).await;
    assert!(
        all.contains(&row(co, "17", "resolved", "warning")),
        "{all:?}"
    );
    assert!(all.contains(&row(co, "7c0f5e2a9b1d4e63", "firing", "critical")));
    assert!(all.contains(&row(co, "e41b9a07c3d25f18", "resolved", "warning")));

    // Zabbix: problem then recovery of one event.
    let (_, path) = integration(app, IntegrationKind::Zabbix, Some(nw)).await;
    accepted(
        &json_hook(app, &path, &fixture("zabbix", "problem")).await,
        1,
    );
    assert!(
        alerts(app)
            .await
            .contains(&row(nw, "4242", "firing", "critical"))
    );
    accepted(
        &json_hook(app, &path, &fixture("zabbix", "recovery")).await,
        1,
    );
    assert!(
        alerts(app)
            .await
            .contains(&row(nw, "4242", "resolved", "critical"))
    );

    // Uptime Kuma: its test carries no alert; down fires, up resolves.
    let (_, path) = integration(app, IntegrationKind::UptimeKuma, Some(co)).await;
    accepted(
        &json_hook(app, &path, &fixture("uptime_kuma", "test")).await,
        0,
    );
    accepted(
        &json_hook(app, &path, &fixture("uptime_kuma", "down")).await,
        1,
    );
    assert!(
        alerts(app)
            .await
            .contains(&row(co, "12", "firing", "critical"))
    );
    accepted(
        &json_hook(app, &path, &fixture("uptime_kuma", "up")).await,
        1,
    );
    assert!(
        alerts(app)
            .await
            .contains(&row(co, "12", "resolved", "critical"))
    );

    // Generic: JSON, then a form that closes it.
    let (_, path) = integration(app, IntegrationKind::Generic, Some(nw)).await;
    accepted(&json_hook(app, &path, &fixture("generic", "full")).await, 1);
    assert!(
        alerts(app)
            .await
            .contains(&row(nw, "orders-queue-depth", "firing", "critical"))
    );
    let form = "summary=Orders+queue+is+backing+up&dedup=orders-queue-depth&action=close";
    let closed = hook(app, &path, Some("application/x-www-form-urlencoded"), form).await;
    accepted(&closed, 1);
    assert!(
        alerts(app)
            .await
            .contains(&row(nw, "orders-queue-depth", "resolved", "critical"))
    );
}

pub async fn hooks_pick_the_company_by_label_or_refuse_the_request(app: &TestApp) {
    let mut body: Value =
        serde_json::from_str(&fixture("alertmanager", "firing_and_resolved")).expect("json");
    // The first alert names Contoso (any case); the others have no company label.
    body["alerts"][0]["labels"]["company"] = json!("CONTOSO");
    let (_, path) = integration(app, IntegrationKind::Alertmanager, Some(&app.northwind.id)).await;
    accepted(&json_hook(app, &path, &body.to_string()).await, 3);
    let all = alerts(app).await;
    assert!(all.contains(&row(
        &app.contoso.id,
        "a2eade6bbfc2330f",
        "firing",
        "critical"
    )));
    assert!(all.contains(&row(
        &app.northwind.id,
        "b725dae97973d0a9",
        "firing",
        "warning"
    )));

    // Without a fallback, a company that matches none refuses the whole request.
    let (quiet, path) = integration(app, IntegrationKind::Alertmanager, None).await;
    let mut body: Value =
        serde_json::from_str(&fixture("alertmanager", "firing_and_resolved")).expect("json");
    for (i, company) in ["Northwind", "Contoso", "Initech"].iter().enumerate() {
        body["alerts"][i]["labels"]["company"] = json!(company);
        body["alerts"][i]["fingerprint"] = json!(format!("fresh-{i}"));
    }
    let before = alerts(app).await;
    let refused = json_hook(app, &path, &body.to_string()).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        refused.body["errors"][0]["field"],
        json!("alerts[2].labels.company")
    );
    assert_eq!(refused.body["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(alerts(app).await, before, "nothing stored");
    assert_eq!(reload(app, &quiet).await.alerts_accepted, 0);

    // A company given by id is found too.
    body["alerts"][2]["labels"]["company"] = json!(app.contoso.id.to_string());
    accepted(&json_hook(app, &path, &body.to_string()).await, 3);
    assert!(
        alerts(app)
            .await
            .contains(&row(&app.contoso.id, "fresh-2", "firing", "warning"))
    );
}

pub async fn hooks_refuse_bad_bodies_unknown_tokens_and_big_bodies(app: &TestApp) {
    let (am, path) = integration(app, IntegrationKind::Alertmanager, Some(&app.northwind.id)).await;
    let before = alerts(app).await;
    for body in ["not json", "{}", "[]", r#"{"alerts": 3}"#, ""] {
        let answer = json_hook(app, &path, body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.body
        );
        assert_eq!(
            answer
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("Alertmanager"),
            "{}",
            answer.body
        );
    }
    // A form to a JSON kind says it takes JSON.
    let form = hook(app, &path, Some("application/x-www-form-urlencoded"), "a=b").await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST, "{}", form.body);
    assert_eq!(alerts(app).await, before);
    // The integration still recorded that something came in.
    let seen = reload(app, &am).await;
    assert!(seen.last_received_at.is_some());
    assert_eq!(seen.alerts_accepted, 0);

    let unknown = json_hook(
        app,
        "/hooks/reach_nosuchtoken",
        &fixture("alertmanager", "no_alerts"),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // Over 1 MiB is 413; just under it is read (and is not the format).
    let big = format!(r#"{{"pad": "{}"}}"#, "x".repeat(1024 * 1024));
    assert_eq!(
        json_hook(app, &path, &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let under = format!(r#"{{"pad": "{}"}}"#, "x".repeat(100 * 1024));
    assert_eq!(
        json_hook(app, &path, &under).await.status,
        StatusCode::BAD_REQUEST
    );

    // Bad field values are 422 on the item's field, nothing stored.
    let mut body: Value =
        serde_json::from_str(&fixture("alertmanager", "firing_and_resolved")).expect("json");
    body["alerts"][1]["annotations"]["summary"] = json!("two\nlines");
    let refused = json_hook(app, &path, &body.to_string()).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["errors"][0]["field"], json!("alerts[1].title"));
    assert_eq!(alerts(app).await, before);
}

pub async fn hooks_record_pings_and_resolve_the_missed_heartbeat(app: &TestApp) {
    let nw = &app.northwind.id;
    let (beat, path) = integration(app, IntegrationKind::Heartbeat, Some(nw)).await;
    // A second heartbeat of the same company keeps its own alert.
    let (other, _) = integration(app, IntegrationKind::Heartbeat, Some(nw)).await;
    let key = format!("heartbeat:{}", beat.id);
    let other_key = format!("heartbeat:{}", other.id);
    assert_eq!(reach::app::hooks::heartbeat_key(&beat), key);
    // The worker's alerts for missed pings (opened here as the worker does).
    let account = account(app).await;
    let missed: Vec<_> = [&beat, &other]
        .into_iter()
        .map(|b| {
            reach::app::hooks::heartbeat_alert(b, reach::domain::AlertStatus::Firing)
                .expect("company")
        })
        .collect();
    crate::common::ingest(&app.db.store, &account, &missed, chrono::Utc::now())
        .await
        .expect("opened");
    let all = alerts(app).await;
    assert!(
        all.contains(&row(nw, &key, "firing", "critical")),
        "{all:?}"
    );
    assert!(
        all.contains(&row(nw, &other_key, "firing", "critical")),
        "{all:?}"
    );
    // Any body, any content type; the ping resolves its own heartbeat's alert only.
    accepted(&hook(app, &path, Some("text/plain"), "ping").await, 0);
    let mut want = vec![
        row(nw, &key, "resolved", "critical"),
        row(nw, &other_key, "firing", "critical"),
    ];
    want.sort();
    assert_eq!(alerts(app).await, want);
    accepted(&hook(app, &path, None, "").await, 0);
    assert_eq!(alerts(app).await, want);
    let seen = reload(app, &beat).await;
    assert!(seen.last_ping_at.is_some() && seen.last_received_at.is_some());
    // Deleting a heartbeat whose alert fires leaves nothing firing behind.
    let gone = app
        .call(
            "DELETE",
            &format!("/api/v1/integrations/{}", other.id),
            Some(&app.admin.token),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert!(
        alerts(app)
            .await
            .contains(&row(nw, &other_key, "resolved", "critical"))
    );
}

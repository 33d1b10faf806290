//! Configure > Integrations (SPEC §2 "Alerts in: integrations", §3 web app): an admin adds
//! one through the form and gets its URL once inside the kind's snippet; what it received shows
//! in the list; rotate and delete ask first; technicians are refused; bad input is a form error.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, with_passwords};
use axum::http::StatusCode;
use serde_json::Value;

const LIST: &str = "/configure/integrations";
const HOST: &str = "http://reach.test";

fn fixture(kind: &str, name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/integrations/{kind}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("json")
}

/// The URL a page shows once (in its read-only field).
fn shown_url(page: &str) -> String {
    let marker = "id=\"integration-url\" type=\"text\" readonly value=\"";
    let start = page.find(marker).expect("the URL is shown") + marker.len();
    page[start..start + page[start..].find('"').expect("end")].to_owned()
}

/// The hook path of a shown URL.
fn hook_path(url: &str) -> String {
    url.strip_prefix(HOST).expect("the public URL").to_owned()
}

/// The id of the admin's integration named `name`, through the API.
async fn integration_id(app: &TestApp, name: &str) -> Option<String> {
    app.get("/api/v1/integrations", &app.admin.token).await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == name)
        .and_then(|i| i["id"].as_str().map(str::to_owned))
}

async fn integration_count(app: &TestApp) -> usize {
    app.get("/api/v1/integrations", &app.admin.token).await.body["items"]
        .as_array()
        .expect("items")
        .len()
}

fn form<'a>(
    csrf: &'a str,
    name: &'a str,
    kind: &'a str,
    company: &'a str,
    minutes: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("kind", kind),
        ("company_id", company),
        ("company_label", ""),
        ("default_severity", "warning"),
        ("heartbeat_minutes", minutes),
    ]
}

pub async fn an_admin_adds_rotates_and_deletes_integrations_on_their_page(app: &TestApp) {
    with_passwords(app).await;
    let mut ana = Browser::new(app);
    ana.sign_in("ana@acme.example", PASSWORD).await;
    let page = ana.get(LIST).await;
    assert_eq!(page.status, StatusCode::OK);
    for spanish in [
        "Integraciones",
        "Añadir una integración",
        "Aún no hay integraciones",
        "Gravedad por defecto",
        "Etiqueta de empresa",
        "Minutos de latido",
        "Ninguna",
    ] {
        assert!(html(&page).contains(spanish), "{spanish}");
    }
    assert!(
        html(&page).contains("<a href=\"/configure/integrations\" aria-current=\"page\">"),
        "the Configure menu links here"
    );
    let csrf = ana.csrf();
    let nw = app.northwind.id.to_string();

    // Bad input: the form again with its errors next to the fields, nothing stored.
    let bad = ana
        .post(LIST, &form(&csrf, "", "alertmanager", "", ""))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&bad)
            .contains("id=\"f-name\" name=\"name\" type=\"text\" value=\"\" aria-invalid=\"true\"")
    );
    assert!(html(&bad).contains("Este campo es obligatorio"));
    let bad = ana
        .post(LIST, &form(&csrf, "Cron", "heartbeat", "", "soon"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&bad).contains("f-company_id-error"),
        "a heartbeat needs a company"
    );
    assert!(html(&bad).contains("f-heartbeat_minutes-error"));
    assert!(html(&bad).contains("value=\"soon\""), "the input is kept");
    assert_eq!(integration_count(app).await, 0);

    // Added: the URL shown once, in the Alertmanager YAML.
    let made = ana
        .post(LIST, &form(&csrf, "Prometheus", "alertmanager", &nw, ""))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", html(&made));
    assert!(html(&made).contains("role=\"status\">Se ha añadido la integración"));
    assert_eq!(made.headers["cache-control"], "no-store");
    let url = shown_url(html(&made));
    assert!(url.starts_with("http://reach.test/hooks/reach_"), "{url}");
    assert!(html(&made).contains(&format!(
        "      - url: '{url}'\n        send_resolved: true"
    )));
    assert!(html(&made).contains("receiver: reach"));

    // The monitoring system posts to it.
    let sent = app
        .call(
            "POST",
            &hook_path(&url),
            None,
            Some(fixture("alertmanager", "firing_and_resolved")),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    assert_eq!(sent.body["accepted"], 3);
    let listed = ana.get(LIST).await;
    assert!(html(&listed).contains("Prometheus"));
    assert!(html(&listed).contains("<td class=\"integration-accepted\">3</td>"));
    assert!(!html(&listed).contains(">Nunca<"), "it received something");
    assert!(
        !html(&listed).contains(&url),
        "the list never shows the URL"
    );

    // The edit page hides the URL; a change keeps it.
    let id = integration_id(app, "Prometheus").await.expect("made");
    let edit = ana.get(&format!("{LIST}/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(html(&edit).contains("url: '&#60;la URL de la integración&#62;'"));
    assert!(!html(&edit).contains(&url));
    let saved = ana
        .post(
            &format!("{LIST}/{id}/edit"),
            &form(&csrf, "Prometheus prod", "alertmanager", &nw, ""),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let after = ana.get(&format!("{LIST}?done=integration-saved")).await;
    assert!(html(&after).contains("role=\"status\">Se ha guardado la integración"));
    assert!(html(&after).contains("Prometheus prod"));

    // Rotate: asked first; only OK gives a new URL, and the old one stops working.
    let rotate = format!("{LIST}/{id}/rotate");
    let question = ana.get(&rotate).await;
    assert_eq!(question.status, StatusCode::OK);
    assert!(html(&question).contains("¿Cambiar la URL de Prometheus prod?"));
    let forged = ana.post(&rotate, &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let rotated = ana.post(&rotate, &[("csrf", &csrf)]).await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert!(html(&rotated).contains("role=\"status\">La integración tiene una URL nueva"));
    let new_url = shown_url(html(&rotated));
    assert_ne!(new_url, url);
    assert!(html(&rotated).contains(&format!("- url: '{new_url}'")));
    let body = Some(fixture("alertmanager", "no_alerts"));
    let old = app.call("POST", &hook_path(&url), None, body.clone()).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let new = app
        .call("POST", &hook_path(&new_url), None, body.clone())
        .await;
    assert_eq!(new.status, StatusCode::ACCEPTED);

    // Delete: asked first; OK deletes, and the URL stops working.
    let delete = format!("{LIST}/{id}/delete");
    let question = ana.get(&delete).await;
    assert!(html(&question).contains("¿Eliminar la integración Prometheus prod?"));
    assert_eq!(integration_count(app).await, 1, "asking deletes nothing");
    let deleted = ana.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        deleted.headers["location"],
        "/configure/integrations?done=integration-deleted"
    );
    let after = ana
        .get("/configure/integrations?done=integration-deleted")
        .await;
    assert!(html(&after).contains("Se ha eliminado la integración"));
    assert_eq!(integration_count(app).await, 0);
    let gone = app.call("POST", &hook_path(&new_url), None, body).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

pub async fn integrations_show_each_kinds_snippet_with_the_url(app: &TestApp) {
    with_passwords(app).await;
    let mut ana = Browser::new(app);
    ana.sign_in("ana@acme.example", PASSWORD).await;
    ana.get(LIST).await;
    let csrf = ana.csrf();
    let nw = app.northwind.id.to_string();
    for (kind, minutes, wanted) in [
        (
            "grafana",
            "",
            vec!["Contact points", "Webhook", "Notification channels"],
        ),
        (
            "zabbix",
            "",
            vec!["integrations/zabbix/media_reach.yaml", "URL"],
        ),
        (
            "uptime_kuma",
            "",
            vec!["Setup Notification", "Post URL", "application/json"],
        ),
        (
            "generic",
            "",
            vec![
                "\"severity\": \"critical\"",
                "\"dedup\": \"disk-srv-12\"",
                "\"action\": \"close\"",
            ],
        ),
        (
            "heartbeat",
            "5",
            vec!["*/2 * * * * curl -fsS -m 10 -X POST '"],
        ),
    ] {
        let made = ana.post(LIST, &form(&csrf, kind, kind, &nw, minutes)).await;
        assert_eq!(made.status, StatusCode::OK, "{kind}: {}", html(&made));
        let url = shown_url(html(&made));
        assert!(
            html(&made).contains(&format!("<code class=\"snippet-url\">{url}</code>"))
                || html(&made).contains(&format!("'{url}'")),
            "{kind}: the snippet carries the URL"
        );
        for w in wanted {
            assert!(html(&made).contains(w), "{kind}: {w}");
        }
        let id = integration_id(app, kind).await.expect("made");
        let edit = ana.get(&format!("{LIST}/{id}/edit")).await;
        assert!(
            html(&edit).contains("&#60;la URL de la integración&#62;"),
            "{kind}"
        );
        assert!(!html(&edit).contains(&url), "{kind}");
    }
    assert_eq!(integration_count(app).await, 5);
}

pub async fn technicians_are_refused_the_integrations_pages(app: &TestApp) {
    with_passwords(app).await;
    let made = app
        .post(
            "/api/v1/integrations",
            &app.admin.token,
            serde_json::json!({"name": "Prometheus", "kind": "alertmanager"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.str("/id");
    let mut tess = Browser::new(app);
    tess.sign_in("tess@acme.example", PASSWORD).await;
    let home = tess.get("/configure/contacts").await;
    assert!(
        !html(&home).contains("href=\"/configure/integrations\""),
        "no menu entry for technicians"
    );
    let csrf = tess.csrf();
    let before = app.snapshot().await;
    for path in [
        LIST.to_owned(),
        format!("{LIST}/{id}/edit"),
        format!("{LIST}/{id}/rotate"),
        format!("{LIST}/{id}/delete"),
    ] {
        let page = tess.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(html(&page).contains("Tu rol no permite"), "{path}");
        let refused = tess
            .post(&path, &form(&csrf, "Mine", "generic", "", ""))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!html(&refused).contains("/hooks/"), "{path}");
    }
    assert_eq!(app.snapshot().await, before);
}

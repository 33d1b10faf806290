//! The outbox survives a crash: `reach serve` is killed with SIGKILL while webhooks are in
//! flight, restarted, and every notification still arrives; only those claimed at the moment
//! of the kill may arrive twice. On SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use common::TestDb;
use reach::store::NotificationQuery;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ALERTS: usize = 120;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn reach(dir: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reach"));
    cmd.current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    cmd
}

fn serve(dir: &Path, env: &[(&str, String)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("serve.log"))
        .unwrap();
    reach(dir, env)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("reach serve did not become ready");
}

/// Polls `check` until it is true or the deadline passes.
async fn eventually(what: &str, seconds: u64, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn crash_and_restart(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    // A slow receiver, so notifications are in flight when the server dies.
    let arrivals: Arc<Mutex<Vec<String>>> = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        post({
            let arrivals = arrivals.clone();
            move |headers: HeaderMap, _body: Bytes| async move {
                let id = headers["webhook-id"].to_str().unwrap().to_owned();
                arrivals.lock().unwrap().push(id);
                tokio::time::sleep(Duration::from_millis(250)).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("REACH_DATABASE_URL", db.url.clone()),
        ("REACH_LISTEN", format!("127.0.0.1:{port}")),
        (
            "REACH_MAIL_DIR",
            dir.path().join("mail").display().to_string(),
        ),
        ("REACH_WEBHOOK_ALLOW_LOOPBACK", "true".to_owned()),
        ("REACH_OUTBOX_LEASE_SECONDS", "3".to_owned()),
        ("REACH_SEND_TIMEOUT_SECONDS", "2".to_owned()),
    ];
    let mut admin = reach(dir.path(), &env)
        .args([
            "admin",
            "create",
            "--account",
            "Acme",
            "--email",
            "ana@example.com",
            "--name",
            "Ana",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    admin
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    assert!(admin.wait().unwrap().success());
    let token = reach(dir.path(), &env)
        .args([
            "token",
            "create",
            "--email",
            "ana@example.com",
            "--name",
            "crash",
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let mut server = serve(dir.path(), &env);
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    let api = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{base}/api/v1{path}"))
            .bearer_auth(&token)
    };
    let company: Value = api(reqwest::Method::POST, "/companies")
        .header("content-type", "application/json")
        .body(serde_json::to_string(&json!({"name": "Northwind"})).unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    let company = company["id"].as_str().unwrap().to_owned();
    let bot: Value = api(reqwest::Method::POST, "/contacts")
        .header("content-type", "application/json")
        .body(serde_json::to_string(&json!({"name": "Ops bot", "companies": [company]})).unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    let created = api(
        reqwest::Method::POST,
        &format!("/contacts/{}/methods", bot["id"].as_str().unwrap()),
    )
    .header("content-type", "application/json")
    .body(
        serde_json::to_string(&json!({"type": "webhook", "address": hook, "min_severity": "info"}))
            .unwrap(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    // Ana's own email gets no alerts: one notification per alert.
    let me: Value = api(reqwest::Method::GET, "/me")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    let ana = me["id"].as_str().unwrap();
    let primary = me["methods"][0]["id"].as_str().unwrap();
    let patched = api(
        reqwest::Method::PATCH,
        &format!("/contacts/{ana}/methods/{primary}"),
    )
    .header("content-type", "application/json")
    .body(serde_json::to_string(&json!({"min_severity": null})).unwrap())
    .send()
    .await
    .unwrap();
    assert_eq!(patched.status(), 200);

    let alerts: Vec<Value> = (0..ALERTS)
        .map(|i| json!({"company_id": company, "key": format!("k{i}"), "severity": "warning", "title": format!("alert {i}")}))
        .collect();
    let posted = api(reqwest::Method::POST, "/alerts")
        .header("content-type", "application/json")
        .body(serde_json::to_string(&alerts).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 202);

    let account = read!(
        db.store,
        reach::store::accounts::by_name,
        &reach::domain::Name::parse("Acme").unwrap()
    )
    .await
    .unwrap()
    .unwrap();
    let all = async || {
        let mut items = Vec::new();
        let query = NotificationQuery {
            page: reach::store::PageRequest::new(Some(500), None).unwrap(),
            ..NotificationQuery::default()
        };
        items.extend(
            read!(
                db.store,
                reach::store::alerts::list_notifications,
                &account.id,
                &reach::domain::CompanyAccess::All,
                &query
            )
            .await
            .unwrap()
            .items,
        );
        items
    };
    // Killed once some sends were recorded and others are in flight (outcomes are recorded
    // in groups, so an arrival is not yet a recorded send).
    eventually("the first recorded sends", 30, async || {
        arrivals.lock().unwrap().len() >= 45
            && all().await.iter().any(|n| n.state.as_str() == "sent")
    })
    .await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let at_kill = all().await;
    assert_eq!(
        at_kill.len(),
        ALERTS,
        "every notification was queued before 202"
    );
    let in_flight: HashSet<String> = at_kill
        .iter()
        .filter(|n| n.state.as_str() == "sending")
        .map(|n| n.id.to_string())
        .collect();
    let sent_before: usize = at_kill
        .iter()
        .filter(|n| n.state.as_str() == "sent")
        .count();
    assert!(!in_flight.is_empty(), "the kill caught sends in flight");
    assert!(sent_before < ALERTS, "the kill came before the end");
    assert!(
        sent_before > 0,
        "some were done before the kill (and must not come again)"
    );

    let mut server = serve(dir.path(), &env);
    wait_ready(&client, &base).await;
    eventually("every notification sent", 60, async || {
        all().await.iter().all(|n| n.state.as_str() == "sent")
    })
    .await;
    server.kill().unwrap();
    server.wait().unwrap();

    let arrived = arrivals.lock().unwrap().clone();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &arrived {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let ids: HashSet<String> = all().await.into_iter().map(|n| n.id.to_string()).collect();
    assert_eq!(counts.len(), ALERTS, "none lost");
    assert!(counts.keys().all(|id| ids.contains(*id)));
    for (id, n) in &counts {
        if *n > 1 {
            assert_eq!(*n, 2, "{id} arrived {n} times");
            assert!(
                in_flight.contains(*id),
                "{id} arrived twice but was not in flight at the kill"
            );
        }
    }
    let twice = counts.values().filter(|n| **n > 1).count();
    eprintln!(
        "crash test: {ALERTS} notifications, {sent_before} sent before the kill, {} in flight, {twice} arrived twice",
        in_flight.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_loses_nothing_when_killed_mid_send() {
    let db = TestDb::sqlite().await;
    crash_and_restart(&db).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_loses_nothing_when_killed_mid_send() {
    let db = TestDb::postgres().await;
    crash_and_restart(&db).await;
    db.finish().await;
}

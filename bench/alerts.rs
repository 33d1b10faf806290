//! The alert benchmark we compare with Prometheus Alertmanager: N unique alerts posted in
//! batches of 100 over 4 keep-alive connections to 20 companies, each with one contact whose
//! one webhook (min_severity info) gets exactly one notification per alert; a local receiver
//! records arrival times. Prints one JSON object per backend: alerts/s accepted,
//! notifications/s delivered, p50/p99 from POST to arrival, CPU seconds and peak RSS of
//! `reach serve`.
//!
//! `cargo bench --bench alerts -- [N] [sqlite|postgres ...]` (default: 10000, both; under
//! `cargo test --all-targets`, 300 as a smoke test).
//! PostgreSQL: `REACH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres);
//! a fresh database is created and dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use axum::body::Bytes;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const COMPANIES: usize = 20;
const BATCH: usize = 100;
const CONNECTIONS: usize = 4;

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
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_LOG", "warn");
    cmd
}

/// CPU seconds (user + system) and peak RSS (KiB) of a process, from /proc.
fn usage(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (ticks as f64 / 100.0, peak)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn create_pg_database(admin_url: &str) -> (String, String) {
    use sqlx::Connection as _;
    let name = format!("reach_bench_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    (name.clone(), format!("{base}/{name}"))
}

async fn drop_pg_database(admin_url: &str, name: &str) {
    use sqlx::Connection as _;
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

async fn run(backend: &str, n: usize) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let pg_admin = std::env::var("REACH_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let (pg_name, database_url) = if backend == "postgres" {
        let (name, url) = create_pg_database(&pg_admin).await;
        (Some(name), url)
    } else {
        (None, format!("sqlite://{}/reach.db", dir.path().display()))
    };

    // The receiver: arrival time per alert key.
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        post({
            let arrivals = arrivals.clone();
            move |body: Bytes| async move {
                let now = Instant::now();
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    if let Some(key) = v["key"].as_str() {
                        arrivals
                            .lock()
                            .unwrap()
                            .entry(key.to_owned())
                            .or_insert(now);
                    }
                }
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
        ("REACH_DATABASE_URL", database_url.clone()),
        ("REACH_LISTEN", format!("127.0.0.1:{port}")),
        (
            "REACH_MAIL_DIR",
            dir.path().join("mail").display().to_string(),
        ),
        ("REACH_WEBHOOK_ALLOW_LOOPBACK", "true".to_owned()),
    ];
    let mut admin = reach(dir.path(), &env)
        .args([
            "admin",
            "create",
            "--account",
            "Bench",
            "--email",
            "bench@example.com",
            "--name",
            "Bench",
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
        .write_all(b"bench password 123\n")
        .unwrap();
    assert!(admin.wait().unwrap().success());
    let out = reach(dir.path(), &env)
        .args([
            "token",
            "create",
            "--email",
            "bench@example.com",
            "--name",
            "bench",
        ])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let mut server: Child = reach(dir.path(), &env)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        assert!(Instant::now() < deadline, "reach serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let call = |method: reqwest::Method, path: &str, body: Value| {
        let request = client
            .request(method, format!("{base}/api/v1{path}"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string());
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let bytes = response.bytes().await.unwrap();
            assert!(
                status.is_success(),
                "{status}: {}",
                String::from_utf8_lossy(&bytes)
            );
            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)
        }
    };
    let me = call(reqwest::Method::GET, "/me", Value::Null).await;
    let (me_id, primary) = (
        me["id"].as_str().unwrap().to_owned(),
        me["methods"][0]["id"].as_str().unwrap().to_owned(),
    );
    call(
        reqwest::Method::PATCH,
        &format!("/contacts/{me_id}/methods/{primary}"),
        json!({"min_severity": null}),
    )
    .await;
    let mut companies = Vec::new();
    for i in 0..COMPANIES {
        let company = call(
            reqwest::Method::POST,
            "/companies",
            json!({"name": format!("Company {i:02}")}),
        )
        .await;
        let id = company["id"].as_str().unwrap().to_owned();
        let contact = call(
            reqwest::Method::POST,
            "/contacts",
            json!({"name": format!("On call {i:02}"), "companies": [id]}),
        )
        .await;
        call(
            reqwest::Method::POST,
            &format!("/contacts/{}/methods", contact["id"].as_str().unwrap()),
            json!({"type": "webhook", "address": hook, "min_severity": "info"}),
        )
        .await;
        companies.push(id);
    }
    let (cpu_before, _) = usage(server.id());

    // Post: batches of 100, 4 connections, each its share of the batches in turn.
    let batches: Vec<Vec<Value>> = (0..n)
        .map(|i| json!({"company_id": companies[i % COMPANIES], "key": format!("bench-{i}"), "severity": "warning", "title": format!("Bench alert {i}")}))
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(<[Value]>::to_vec)
        .collect();
    let posted_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let start = Instant::now();
    let mut lanes = tokio::task::JoinSet::new();
    for lane in 0..CONNECTIONS {
        let mine: Vec<Vec<Value>> = batches
            .iter()
            .skip(lane)
            .step_by(CONNECTIONS)
            .cloned()
            .collect();
        let client = client.clone();
        let (base, token, posted_at) = (base.clone(), token.clone(), posted_at.clone());
        lanes.spawn(async move {
            for batch in mine {
                let sent = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/alerts"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(Value::Array(batch.clone()).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 202);
                let _ = response.bytes().await;
                let mut at = posted_at.lock().unwrap();
                for alert in &batch {
                    at.insert(alert["key"].as_str().unwrap().to_owned(), sent);
                }
            }
        });
    }
    while let Some(done) = lanes.join_next().await {
        done.unwrap();
    }
    let accepted_in = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(600);
    while arrivals.lock().unwrap().len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered_in = start.elapsed();
    let (cpu_after, peak_rss_kib) = usage(server.id());
    let _ = server.kill();
    let _ = server.wait();
    if let Some(name) = pg_name {
        drop_pg_database(&pg_admin, &name).await;
    }

    let arrived = arrivals.lock().unwrap().clone();
    let posted = posted_at.lock().unwrap().clone();
    let mut latencies: Vec<f64> = arrived
        .iter()
        .filter_map(|(key, at)| {
            posted
                .get(key)
                .map(|p| at.saturating_duration_since(*p).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    json!({
        "benchmark": "alerts-to-webhooks",
        "backend": backend,
        "alerts": n,
        "companies": COMPANIES,
        "batch": BATCH,
        "connections": CONNECTIONS,
        "delivered": arrived.len(),
        "accept_seconds": accepted_in.as_secs_f64(),
        "alerts_per_second_accepted": n as f64 / accepted_in.as_secs_f64(),
        "deliver_seconds": delivered_in.as_secs_f64(),
        "notifications_per_second_delivered": arrived.len() as f64 / delivered_in.as_secs_f64(),
        "latency_ms_p50": percentile(&latencies, 50.0),
        "latency_ms_p99": percentile(&latencies, 99.0),
        "serve_cpu_seconds": cpu_after - cpu_before,
        "serve_peak_rss_mib": peak_rss_kib as f64 / 1024.0,
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `cargo test --all-targets` runs this too, unoptimised: then a small run only proves the
    // benchmark still works. `cargo bench` builds it optimised and runs the real workload.
    let default = if cfg!(debug_assertions) { 300 } else { 10_000 };
    let n = args
        .iter()
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(default);
    let mut backends: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "sqlite" | "postgres"))
        .collect();
    if backends.is_empty() {
        backends = vec!["sqlite", "postgres"];
    }
    for backend in backends {
        let result = run(backend, n).await;
        println!("{result}");
    }
}

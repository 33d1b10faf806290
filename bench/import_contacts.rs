//! The contacts import benchmark (issue 18): a generated contacts CSV of N rows (one per
//! method: 1 to 3 methods per contact — email, SMS, webhook — over 20 companies, accents,
//! labels) imported with `reach import contacts` into a fresh database, three times (a fresh
//! database each run), then imported again (nothing changes) and exported. The times are of the
//! whole command as an operator runs it (start, migrations check, parse, one transaction).
//! Prints one JSON object per backend: each run's seconds, the median, and whether it meets
//! the target (100,000 rows in under a minute on SQLite).
//!
//! `cargo bench --bench import_contacts -- [N] [sqlite|postgres ...]` (default: 100000, both;
//! under `cargo test --all-targets`, 300 as a smoke test). PostgreSQL: `REACH_BENCH_POSTGRES`
//! (default postgres://postgres@127.0.0.1:5432/postgres); a fresh database per run, dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use serde_json::json;
use sqlx::{Connection as _, Executor as _};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

const RUNS: usize = 3;
const TARGET_SECONDS: f64 = 60.0;
const COMPANIES: usize = 20;
const SECRET_KEY: &str = "import-bench-secret-key-0123456789abcdefghijk";
const HEADER: &str = "name,kind,email_login,companies,locale,timezone,method_type,address,label,min_severity,reports,delay_minutes";
const FIRST: [&str; 10] = [
    "José", "Lucía", "Íñigo", "Ana", "Martín", "Begoña", "Óscar", "Noelia", "Raúl", "Zoe",
];
const LAST: [&str; 10] = [
    "Núñez", "Peña", "Ibáñez", "García", "Muñoz", "Álvarez", "Ortiz", "Sáez", "Rey", "Vidal",
];

/// The file: `rows` rows; how many contacts it has.
fn file(rows: usize) -> (String, usize) {
    let mut out = String::with_capacity(rows * 120);
    out.push_str(HEADER);
    out.push('\n');
    let (mut written, mut contacts) = (0, 0);
    while written < rows {
        let i = contacts;
        contacts += 1;
        let name = format!("{} {} {i}", FIRST[i % 10], LAST[(i / 10) % 10]);
        let companies = if i % 10 == 0 {
            "all".to_owned()
        } else {
            format!(
                "Empresa {:02}|Empresa {:02}",
                i % COMPANIES,
                (i / 7) % COMPANIES
            )
        };
        let locale = ["es", "en", ""][i % 3];
        let zone = if i % 2 == 0 { "Europe/Madrid" } else { "" };
        let methods = [
            format!("email,persona.{i}@example.com,Trabajo,,true,0"),
            format!("sms,+3460{:07},Móvil,critical,false,5", i % 10_000_000),
            format!("webhook,https://hooks.example.net/reach/{i},,warning,false,0"),
        ];
        for method in methods.iter().take(i % 3 + 1) {
            if written == rows {
                break;
            }
            out.push_str(&format!(
                "\"{name}\",contact,,\"{companies}\",{locale},{zone},{method}\n"
            ));
            written += 1;
        }
    }
    (out, contacts)
}

fn reach(dir: &Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reach"));
    cmd.current_dir(dir)
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("REACH_DATABASE_URL", url)
        .env("REACH_SECRET_KEY", SECRET_KEY);
    cmd
}

fn timed(mut cmd: Command) -> (f64, Output) {
    let start = Instant::now();
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (seconds, out)
}

/// A fresh database with an account, its admin and the companies the file names; its URL and
/// how to drop it.
async fn fresh(backend: &str, dir: &Path, run: usize) -> (String, Option<String>) {
    let (url, drop) = if backend == "postgres" {
        let admin = std::env::var("REACH_BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("reach_bench_import_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(&*admin, |(b, _)| b);
        (format!("{base}/{name}"), Some(name))
    } else {
        (format!("sqlite://{}/run{run}.db", dir.display()), None)
    };
    let mut admin = reach(dir, &url)
        .args(["admin", "create", "--account", "Bench", "--name", "Bench"])
        .args(["--email", "bench@example.com", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    admin
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"bench password 123\n")
        .unwrap();
    assert!(admin.wait().unwrap().success());
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let values: Vec<String> = (0..COMPANIES)
        .map(|c| {
            let id = uuid::Uuid::now_v7().simple();
            format!(
                "('{id}', (SELECT id FROM accounts), 'Empresa {c:02}', 'empresa {c:02}', {now})"
            )
        })
        .collect();
    let insert = format!(
        "INSERT INTO companies (id, account_id, name, name_key, created_at) VALUES {}",
        values.join(", ")
    );
    conn.execute(insert.as_str()).await.unwrap();
    conn.close().await.unwrap();
    (url, drop)
}

async fn drop_database(name: Option<String>) {
    if let Some(name) = name {
        let admin = std::env::var("REACH_BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        conn.execute(statement.as_str()).await.unwrap();
    }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

async fn run(backend: &str, rows: usize) -> serde_json::Value {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let (text, contacts) = file(rows);
    let path = dir.join("contacts.csv");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let (mut imports, mut again, mut exports) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let (url, database) = fresh(backend, dir, run).await;
        let mut import = reach(dir, &url);
        import.args(["import", "contacts", path]);
        let (seconds, out) = timed(import);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let expected = format!("contacts {contacts} added, 0 updated; methods {rows} added");
        assert!(said.contains(&expected), "{said}");
        imports.push(seconds);

        let mut import = reach(dir, &url);
        import.args(["import", "contacts", path]);
        let (seconds, out) = timed(import);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            said.contains(&format!("{rows} rows changed nothing")),
            "{said}"
        );
        again.push(seconds);

        let mut export = reach(dir, &url);
        export.args(["export", "contacts"]);
        let (seconds, out) = timed(export);
        let lines = out.stdout.iter().filter(|b| **b == b'\n').count();
        assert_eq!(lines, rows + 2, "the header, every row and the admin's");
        exports.push(seconds);
        drop_database(database).await;
    }
    let import_median = median(imports.clone());
    json!({
        "benchmark": "import_contacts",
        "backend": backend,
        "rows": rows,
        "contacts": contacts,
        "file_bytes": text.len(),
        "import_seconds": imports,
        "import_median_seconds": import_median,
        "target_seconds": TARGET_SECONDS,
        "met": import_median < TARGET_SECONDS,
        "reimport_median_seconds": median(again),
        "export_median_seconds": median(exports),
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `cargo test --all-targets` runs this too, unoptimised: a small run proves it still
    // works. `cargo bench` builds it optimised and runs the real workload.
    let default = if cfg!(debug_assertions) { 300 } else { 100_000 };
    let rows = args.iter().find_map(|a| a.parse().ok()).unwrap_or(default);
    let mut backends: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "sqlite" | "postgres"))
        .collect();
    if backends.is_empty() {
        backends = vec!["sqlite", "postgres"];
    }
    for backend in backends {
        println!("{}", run(backend, rows).await);
    }
}

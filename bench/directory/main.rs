//! The directory benchmark (issue 15): N contacts with 3 methods each (an email, an SMS number,
//! a webhook) over 200 companies, written straight into a fresh database after `reach admin
//! create` migrated it; then, against `reach serve`, each query sequentially over one
//! keep-alive connection (warm-up first): the contacts API's first page, two searches (one
//! matching a few hundred contacts, one matching one) and a company filter, and the Contacts
//! page signed in, plain, with those searches and with a current company. Each API query is
//! first read whole, page after page, and checked against what was written. Prints one JSON
//! object per backend: p50/p99/max ms per query and whether each meets its target (API p99
//! ≤ 20 ms, page p99 ≤ 50 ms).
//!
//! `cargo bench --bench directory -- [N] [sqlite|postgres ...]` (default: 100000, both; under
//! `cargo test --all-targets`, 300 as a smoke test).
//! PostgreSQL: `REACH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres);
//! a fresh database is created and dropped. `REACH_BENCH_KEEP=DIR` keeps the databases, to
//! profile their queries: SQLite's in DIR, PostgreSQL's named on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use reach::domain::{Address, ParseContext, Region};
use serde_json::{Value, json};
use sqlx::{Connection as _, Executor as _, Row as _};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COMPANIES: usize = 200;
const USERS: usize = 5;
const ROWS_PER_INSERT: usize = 500;
/// Given to the server too, so webhook secrets are sealed here as it seals them.
const SECRET_KEY: &str = "directory-bench-secret-key-0123456789abcdefghij";
const PASSWORD: &str = "bench password 123";
const API_TARGET_MS: f64 = 20.0;
const PAGE_TARGET_MS: f64 = 50.0;

mod seed;
use seed::{Person, addresses, name, new_id, seed};

/// How many contacts a list with this company and text finds, as the API defines it.
fn expected(people: &[Person], company: Option<usize>, q: Option<&str>) -> usize {
    let q = q.map(str::to_lowercase);
    let sees = |p: &Person| company.is_none_or(|c| p.all || p.companies.contains(&c));
    let has = |p: &Person, q: &str| {
        p.name.to_lowercase().contains(q) || p.keys.iter().any(|k| k.contains(q))
    };
    let found = |p: &&Person| sees(p) && q.as_deref().is_none_or(|q| has(p, q));
    people.iter().filter(found).count()
}

fn reach(dir: &std::path::Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reach"));
    cmd.current_dir(dir).env_clear().env("RUST_LOG", "warn");
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    cmd
}

/// A GET with one header; the status and the body.
async fn get(client: &reqwest::Client, url: &str, header: &(&str, String)) -> (u16, String) {
    let response = client.get(url).header(header.0, &header.1).send().await;
    let response = response.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Reads every page of an API list (`url` ends in `?` or `&`), checking the order by name;
/// how many contacts it found.
async fn count_all(client: &reqwest::Client, url: &str, auth: &(&str, String)) -> usize {
    let (mut found, mut cursor, mut last) = (0, String::new(), String::new());
    loop {
        let (status, body) = get(client, &format!("{url}limit=500{cursor}"), auth).await;
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        for item in page["items"].as_array().unwrap() {
            let key = item["name"].as_str().unwrap().to_lowercase();
            assert!(key >= last, "{key} after {last}");
            (last, found) = (key, found + 1);
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return found,
        }
    }
}

/// Signs in through the sign-in form as a browser does: the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str) -> String {
    let cookie = |r: &reqwest::Response, name: &str| {
        let mut set = r.headers().get_all("set-cookie").iter();
        let value = set.find_map(|v| v.to_str().ok()?.strip_prefix(&format!("{name}=")));
        value.unwrap().split(';').next().unwrap().to_owned()
    };
    let visitor = cookie(
        &client.get(format!("{base}/")).send().await.unwrap(),
        "reach_csrf",
    );
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", &visitor)
        .append_pair("email", "bench@example.com")
        .append_pair("password", PASSWORD)
        .finish();
    let login = client
        .post(format!("{base}/login"))
        .header("cookie", format!("reach_csrf={visitor}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303, "sign-in refused");
    format!("reach_session={}", cookie(&login, "reach_session"))
}

/// Sequential GETs over the client's one keep-alive connection after a warm-up: the figures,
/// and whether p99 meets the target.
async fn measure(
    client: &reqwest::Client,
    url: &str,
    header: &(&str, String),
    (requests, warm_up): (usize, usize),
    target: f64,
) -> (Value, bool) {
    let mut times = Vec::with_capacity(requests);
    for i in 0..warm_up + requests {
        let start = Instant::now();
        let (status, _) = get(client, url, header).await;
        assert_eq!(status, 200);
        if i >= warm_up {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((p / 100.0) * (times.len() - 1) as f64).round() as usize];
    let met = at(99.0) <= target;
    let max = times[times.len() - 1];
    let figures = json!({"p50_ms": at(50.0), "p99_ms": at(99.0), "max_ms": max,
        "target_p99_ms": target, "met": met});
    (figures, met)
}

async fn run(backend: &str, n: usize, requests: (usize, usize)) -> Value {
    let temp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("REACH_BENCH_KEEP");
    let dir = keep.clone().map_or(temp.path().to_owned(), Into::into);
    let pg_admin = std::env::var("REACH_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let pg_name = format!("reach_bench_{}", new_id());
    let database_url = if backend == "postgres" {
        let mut conn = sqlx::PgConnection::connect(&pg_admin).await.unwrap();
        let create = format!("CREATE DATABASE {pg_name}");
        conn.execute(create.as_str()).await.unwrap();
        let base = pg_admin.rsplit_once('/').map_or(&*pg_admin, |(b, _)| b);
        format!("{base}/{pg_name}")
    } else {
        format!("sqlite://{}/reach.db", dir.display())
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("REACH_DATABASE_URL", database_url.clone()),
        ("REACH_LISTEN", format!("127.0.0.1:{port}")),
        ("REACH_SECRET_KEY", SECRET_KEY.to_owned()),
        ("REACH_MAIL_DIR", dir.join("mail").display().to_string()),
    ];
    let mut admin = reach(&dir, &env)
        .args(["admin", "create", "--account", "Bench", "--name", "Bench"])
        .args(["--email", "bench@example.com", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = admin.stdin.as_mut().unwrap();
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(admin.wait().unwrap().success());
    let out = reach(&dir, &env)
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

    let started = Instant::now();
    let (people, companies) = seed(&database_url, n).await;
    let seed_seconds = started.elapsed().as_secs_f64();
    // What was written is what the API's own parsing would have stored.
    let ctx = ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: false,
    };
    for (kind, address) in addresses(n / 2) {
        assert_eq!(
            Address::parse(kind, &address, &ctx).unwrap().as_str(),
            address
        );
    }

    let mut server = reach(&dir, &env)
        .arg("serve")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = || client.get(format!("{base}/readyz")).send();
    while ready().await.map(|r| r.status().as_u16()).ok() != Some(200) {
        assert!(Instant::now() < deadline, "reach serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bearer = ("authorization", format!("Bearer {token}"));

    // One contact and its webhook read back whole.
    let sample = &people[n / 2];
    let url = format!("{base}/api/v1/contacts/{}", sample.id);
    let (status, body) = get(&client, &url, &bearer).await;
    assert_eq!(status, 200, "{body}");
    let contact: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(contact["name"], sample.name.as_str());
    let access = contact["companies"].as_array().map(|a| a.len());
    assert_eq!(access, (!sample.all).then_some(sample.companies.len()));
    let methods = contact["methods"].as_array().unwrap();
    let read: Vec<&str> = methods
        .iter()
        .map(|m| m["address"].as_str().unwrap())
        .collect();
    assert_eq!(read, addresses(n / 2).map(|(_, a)| a));
    let hook = format!("{url}/methods/{}", methods[2]["id"].as_str().unwrap());
    let (status, body) = get(&client, &hook, &bearer).await;
    assert!(
        status == 200 && body.contains("\"type\":\"webhook\""),
        "{body}"
    );

    // Each filter through the API and on the page (the company as the page's current one).
    let some = name(n / 2).1.to_lowercase();
    let one = sample.name.to_lowercase();
    let company = 17 % COMPANIES;
    let filters = [
        ("first_page", None, None),
        ("search_some", None, Some(some.as_str())),
        ("search_one", None, Some(one.as_str())),
        ("company", Some(company), None),
    ];
    let session = sign_in(&client, &base).await;
    let (mut results, mut all_met) = (serde_json::Map::new(), true);
    for (filter, company, q) in filters {
        let query = q.map(|q| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("q", q).finish()
        });
        let mut api = format!("{base}/api/v1/contacts?");
        api.extend(query.iter().map(|q| format!("{q}&")));
        api.extend(company.map(|c| format!("company={}&", companies[c])));
        let found = count_all(&client, &api, &bearer).await;
        assert_eq!(found, expected(&people, company, q), "{filter}");
        let api = api.trim_end_matches(['?', '&']);
        let (mut figures, met) = measure(&client, api, &bearer, requests, API_TARGET_MS).await;
        figures["found"] = found.into();
        results.insert(format!("api_{filter}"), figures);

        let page = format!("{base}/configure/contacts?{}", query.unwrap_or_default());
        let page = page.trim_end_matches('?');
        let mut cookie = session.clone();
        cookie.extend(company.map(|c| format!("; reach_company={}", companies[c])));
        let cookie = ("cookie", cookie);
        let (status, body) = get(&client, page, &cookie).await;
        let shown = body.matches("class=\"contact\"").count();
        assert!(
            status == 200 && shown == found.min(100),
            "{filter}: {status}, {shown}"
        );
        let (mut figures, page_met) =
            measure(&client, page, &cookie, requests, PAGE_TARGET_MS).await;
        figures["found"] = shown.into();
        results.insert(format!("page_{filter}"), figures);
        all_met &= met && page_met;
    }
    let _ = server.kill();
    let _ = server.wait();
    if keep.is_some() {
        eprintln!("kept: {database_url}");
    } else if backend == "postgres" {
        let mut conn = sqlx::PgConnection::connect(&pg_admin).await.unwrap();
        let drop = format!("DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)");
        let _ = conn.execute(drop.as_str()).await;
    }
    json!({
        "benchmark": "directory",
        "backend": backend,
        "contacts": people.len(),
        "methods": 3 * n + USERS + 1,
        "companies": COMPANIES,
        "seed_seconds": seed_seconds,
        "requests": requests.0,
        "warm_up": requests.1,
        "queries": results,
        "all_met": all_met,
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
    let (default, requests) = if cfg!(debug_assertions) {
        (300, (5, 1))
    } else {
        (100_000, (200, 20))
    };
    let n = args.iter().find_map(|a| a.parse().ok()).unwrap_or(default);
    let mut backends: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "sqlite" | "postgres"))
        .collect();
    if backends.is_empty() {
        backends = vec!["sqlite", "postgres"];
    }
    for backend in backends {
        println!("{}", run(backend, n, requests).await);
    }
}

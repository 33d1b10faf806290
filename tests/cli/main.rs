//! The `reach` binary as an operator uses it, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
#[path = "../common/mod.rs"]
mod common;
mod contacts;
mod harness;
mod operator;
mod tls;

use common::TestDb;
use harness::{Running, free_port, get, reach, run, text};
use operator::operator_flow;
use std::io::Read;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test]
async fn sqlite_operator_flow() {
    let db = TestDb::sqlite().await;
    operator_flow(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn postgres_operator_flow() {
    let db = TestDb::postgres().await;
    operator_flow(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn sqlite_import_and_export_contacts() {
    let db = TestDb::sqlite().await;
    contacts::import_and_export_contacts(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn postgres_import_and_export_contacts() {
    let db = TestDb::postgres().await;
    contacts::import_and_export_contacts(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn migrate_creates_a_missing_sqlite_file_and_postgres_schema() {
    let (url, dir) = TestDb::sqlite_url();
    let file = dir.path().join("reach.db");
    assert!(!file.exists());
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", &url)]);
    cmd.arg("migrate");
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(file.exists());

    let name = TestDb::create_postgres_database().await;
    let pg = common::postgres_url(&name);
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", &pg)]);
    cmd.arg("migrate");
    let out = run(cmd, None);
    TestDb::drop_postgres_database(&name).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("is up to date"));
}

/// Arguments, environment, and what the error must say.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn bad_arguments_and_settings_fail_with_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let cases: [Case; 5] = [
        (
            &["admin", "create", "--account", "A", "--name", "N"],
            &[],
            "--email",
        ),
        (
            &[
                "admin",
                "create",
                "--account",
                "A",
                "--email",
                "not-an-email",
                "--name",
                "N",
            ],
            &[],
            "--email: Enter a valid email address",
        ),
        (
            &["migrate"],
            &[("REACH_DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
            "cannot open the database",
        ),
        (
            &["migrate"],
            &[("REACH_DATABASE_URL", "mysql://x")],
            "REACH_DATABASE_URL",
        ),
        (&["serve"], &[("REACH_LISTEN", "nowhere")], "REACH_LISTEN"),
    ];
    for (args, env, expected) in cases {
        let mut cmd = reach(dir.path(), env);
        cmd.args(args);
        let out = run(cmd, None);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = text(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("error"), "{err}");
    }
    let short = {
        let mut cmd = reach(dir.path(), &[]);
        cmd.args([
            "admin",
            "create",
            "--account",
            "A",
            "--email",
            "a@example.com",
            "--name",
            "N",
            "--password-stdin",
        ]);
        run(cmd, Some("too short\n"))
    };
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("password: Must be at least 12 characters"));
    assert!(
        !dir.path().join("reach.db").exists(),
        "bad input opens no database"
    );
}

#[test]
fn check_config_redacts_secrets_and_warns_about_unknown_variables() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("reach.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\nmail_dir = \"/var/mail/reach\"\n",
    )
    .expect("write");
    let mut cmd = reach(
        dir.path(),
        &[
            ("REACH_LISTEN", "127.0.0.1:9100"),
            (
                "REACH_DATABASE_URL",
                "postgres://reach:pgsecret@db.internal/reach",
            ),
            ("REACH_SMTP_URL", "smtp://mail:smtpsecret@mail.internal:587"),
            (
                "REACH_SECRET_KEY",
                "0123456789abcdef0123456789abcdef-secret",
            ),
            ("REACH_LISTN", "typo"),
        ],
    );
    cmd.args(["--config", file.to_str().expect("path"), "check-config"]);
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("listen = \"127.0.0.1:9100\""),
        "env wins: {shown}"
    );
    assert!(
        shown.contains("mail_dir = \"/var/mail/reach\""),
        "file applies: {shown}"
    );
    assert!(shown.contains("postgres://reach:***@db.internal/reach"));
    for secret in ["pgsecret", "smtpsecret", "-secret"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(text(&out.stderr).contains("unknown setting REACH_LISTN is ignored"));
}

#[test]
fn serve_in_an_empty_folder_creates_reach_db_answers_health_and_says_how_to_log_in() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = reach(dir.path(), &[("REACH_LISTEN", &listen)]);
    cmd.arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = Running(cmd.spawn().expect("spawn serve"));
    let addr: SocketAddr = listen.parse().expect("addr");

    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Some(answer) = get(addr, "/healthz") {
            break answer;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("reach serve exited early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "reach serve did not answer within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(health.0, 200);
    assert!(health.1.contains("\"ok\""));
    let ready = get(addr, "/readyz").expect("readyz");
    assert_eq!(ready.0, 200, "{}", ready.1);
    assert_eq!(get(addr, "/nothing-here").map(|r| r.0), Some(404));
    assert!(dir.path().join("reach.db").exists());

    // SIGTERM: it stops, drains and exits on its own, well within the send time-out.
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "reach serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a clean exit: {status}");
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        stderr.contains("every send in flight was finished"),
        "{stderr}"
    );
    let mut stdout = String::new();
    server
        .0
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    assert!(
        stdout.contains(&format!("Reach is running at http://{listen}/")),
        "{stdout}"
    );
    // No account yet: a one-time setup link, and the command as the other way in.
    let link = stdout
        .split_whitespace()
        .find(|w| w.starts_with(&format!("http://{listen}/setup/")))
        .unwrap_or_else(|| panic!("a setup link: {stdout}"));
    assert!(stdout.contains("reach admin create --account"), "{stdout}");
    assert!(
        link.len() > format!("http://{listen}/setup/").len() + 20,
        "{link}"
    );
}

//! The `reach` binary as an operator uses it, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestDb;
use reach::auth;
use reach::domain::EmailAddress;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `reach` with a clean environment: only the variables given.
fn reach(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reach"));
    cmd.current_dir(dir).env_clear().envs(env.iter().copied());
    cmd
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn reach");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("reach output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The operator's flow on one database: migrate, two admins, a token, a duplicate refused.
async fn operator_flow(db: &TestDb) {
    let dir = tempfile::tempdir().expect("dir");
    let env = [("REACH_DATABASE_URL", db.url.as_str())];

    let mut migrate = reach(dir.path(), &env);
    migrate.arg("migrate");
    let out = run(migrate, None);
    assert!(out.status.success(), "reach migrate: {}", text(&out.stderr));

    let mut create = reach(dir.path(), &env);
    create.args([
        "admin",
        "create",
        "--account",
        "Acme IT",
        "--email",
        "Ana@Example.com",
        "--name",
        "Ana López",
        "--password-stdin",
    ]);
    let out = run(
        create,
        Some("correct horse battery staple\r\nignored second line\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "",
        "nothing printed when the password came from stdin"
    );
    let login = read!(
        db.store,
        reach::store::users::login_by_email,
        &EmailAddress::parse("ana@example.com").expect("email")
    )
    .await
    .expect("lookup")
    .expect("admin exists");
    let hash = login.password_hash.clone().expect("hash");
    assert!(hash.starts_with("$argon2id$"));
    assert!(auth::verify_password("correct horse battery staple", &hash));

    let mut generated = reach(dir.path(), &env);
    generated.args([
        "admin",
        "create",
        "--account",
        "acme it",
        "--email",
        "bob@example.com",
        "--name",
        "Bob",
    ]);
    let out = run(generated, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let password = text(&out.stdout);
    let password = password.strip_suffix('\n').expect("one line");
    assert_eq!(password.len(), 20);
    let bob = read!(
        db.store,
        reach::store::users::login_by_email,
        &EmailAddress::parse("bob@example.com").expect("email")
    )
    .await
    .expect("lookup")
    .expect("bob exists");
    assert_eq!(
        bob.account_id, login.account_id,
        "the existing account is reused"
    );
    assert!(auth::verify_password(
        password,
        &bob.password_hash.expect("hash")
    ));

    let mut token = reach(dir.path(), &env);
    token.args([
        "token",
        "create",
        "--email",
        "ana@example.com",
        "--name",
        "monitoring",
    ]);
    let out = run(token, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone: {printed:?}");
    assert!(lines[0].starts_with("reach_"));
    let owner = read!(
        db.store,
        reach::store::users::login_by_token,
        &auth::hash_token(lines[0])
    )
    .await
    .expect("lookup")
    .expect("token works");
    assert_eq!(owner.user_id, login.user_id);

    let mut dup = reach(dir.path(), &env);
    dup.args([
        "admin",
        "create",
        "--account",
        "Other",
        "--email",
        "ANA@example.com",
        "--name",
        "Ana Again",
    ]);
    let out = run(dup, None);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("error: a user with the email ANA@example.com already exists"),
        "{err}"
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1);

    let mut unknown = reach(dir.path(), &env);
    unknown.args([
        "token",
        "create",
        "--email",
        "nobody@example.com",
        "--name",
        "x",
    ]);
    let out = run(unknown, None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no user has the email nobody@example.com"));
    assert_eq!(text(&out.stdout), "");
}

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

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A plain HTTP/1.1 GET; answers the status code and body, or `None` while nothing listens.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
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

    let _ = server.0.kill();
    let _ = server.0.wait();
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
    assert!(stdout.contains("reach admin create --account"), "{stdout}");
    assert!(stdout.contains("sign in at"), "{stdout}");
}

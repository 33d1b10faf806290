//! PostgreSQL over TLS (issue 19), against this machine's server, which serves TLS with the
//! certificate its `ssl_cert_file` names (Debian's snake-oil one, made for `localhost`):
//! `sslmode=require` is encrypted (`pg_stat_ssl`), `disable` is not, `verify-full` without the
//! right root certificate is refused with a clear message, and with `sslrootcert` pointing at
//! it connects; with no `sslmode` this machine's server is reached in clear; `reach
//! check-config` says which mode is in force.

use crate::common::TestDb;
use crate::harness::{reach, run, text};
use sqlx::Row;

async fn encrypted(url: &str) -> Result<bool, String> {
    let store = reach::store::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let mut db = store.read().await.map_err(|e| e.to_string())?;
    let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut *db)
        .await
        .map_err(|e| e.to_string())?;
    let ssl: bool = row.try_get("ssl").map_err(|e| e.to_string())?;
    drop(db);
    store.close().await;
    Ok(ssl)
}

/// The server's certificate file (self-signed: it is its own root).
async fn server_certificate(url: &str) -> String {
    let store = reach::store::connect(url).await.expect("connect");
    let mut db = store.read().await.expect("read");
    let row = sqlx::query("SELECT setting FROM pg_settings WHERE name = 'ssl_cert_file'")
        .fetch_one(&mut *db)
        .await
        .expect("ssl_cert_file");
    let file: String = row.try_get("setting").expect("setting");
    drop(db);
    store.close().await;
    file
}

#[tokio::test]
async fn postgres_over_tls_as_libpq_reads_sslmode() {
    let db = TestDb::postgres().await;
    let url = db.url.clone();
    assert_eq!(encrypted(&format!("{url}?sslmode=require")).await, Ok(true));
    assert_eq!(
        encrypted(&format!("{url}?sslmode=disable")).await,
        Ok(false)
    );
    // No sslmode, a server on this machine: in clear (TLS adds nothing on loopback); named
    // `prefer` keeps libpq's meaning.
    assert_eq!(encrypted(&url).await, Ok(false));
    assert_eq!(encrypted(&format!("{url}?sslmode=prefer")).await, Ok(true));
    let localhost = url.replace("127.0.0.1", "localhost");
    let refused = encrypted(&format!("{localhost}?sslmode=verify-full"))
        .await
        .expect_err("an unknown authority is refused");
    assert!(
        refused.contains("certificate"),
        "a clear message: {refused}"
    );
    let root = server_certificate(&url).await;
    assert_eq!(
        encrypted(&format!(
            "{localhost}?sslmode=verify-full&sslrootcert={root}"
        ))
        .await,
        Ok(true),
        "with the server's certificate as the root"
    );

    let dir = tempfile::tempdir().expect("dir");
    let with = |mode: &str| format!("{url}?sslmode={mode}");
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", &with("require"))]);
    cmd.arg("check-config");
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("# database TLS: sslmode require: always encrypted"),
        "{shown}"
    );
    assert!(shown.contains("database_max_connections = 10"), "{shown}");
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", &url)]);
    cmd.arg("check-config");
    let shown = text(&run(cmd, None).stdout);
    assert!(
        shown.contains("# database TLS: sslmode not set, the server is on this machine: in clear"),
        "{shown}"
    );
    let remote = "postgres://reach@db.example.com/reach";
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", remote)]);
    cmd.arg("check-config");
    let shown = text(&run(cmd, None).stdout);
    assert!(
        shown.contains(
            "# WARNING: REACH_DATABASE_URL reaches PostgreSQL on another host without TLS required"
        ),
        "{shown}"
    );
    let mut cmd = reach(dir.path(), &[("REACH_DATABASE_URL", &with("allow"))]);
    cmd.arg("check-config");
    let out = run(cmd, None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("sslmode=allow is not one of"),
        "{}",
        text(&out.stderr)
    );
    db.finish().await;
}

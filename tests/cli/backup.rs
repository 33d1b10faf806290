//! `reach backup FILE` (SPEC §3, issue 18): a copy taken while `reach serve` runs and takes
//! writes, restored by serving it: everything committed before the backup is there, and the
//! key file beside it opens the sealed secret key. A second backup to the same name is refused.

use crate::harness::{Running, free_port, reach, run, send, text, wait_ready};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn serve(dir: &std::path::Path, env: &[(&str, &str)]) -> (Running, SocketAddr) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut vars = env.to_vec();
    vars.push(("REACH_LISTEN", &listen));
    let mut cmd = reach(dir, &vars);
    cmd.arg("serve").stdout(Stdio::null()).stderr(Stdio::null());
    let mut server = Running(cmd.spawn().expect("spawn serve"));
    let addr: SocketAddr = listen.parse().expect("addr");
    wait_ready(addr, &mut server);
    (server, addr)
}

fn contact(addr: SocketAddr, token: &str, name: &str) -> u16 {
    let body = format!(r#"{{"name": "{name}", "companies": "all"}}"#);
    send(addr, "POST", "/api/v1/contacts", token, &body).map_or(0, |r| r.0)
}

#[test]
fn a_backup_taken_while_serving_restores_everything() {
    let dir = tempfile::tempdir().expect("dir");
    let mut admin = reach(dir.path(), &[]);
    admin.args([
        "admin",
        "create",
        "--account",
        "Helpdesk",
        "--email",
        "hana@example.com",
    ]);
    admin.args(["--name", "Hana", "--password-stdin"]);
    let made = run(admin, Some("a good long password\n"));
    assert!(made.status.success(), "{}", text(&made.stderr));
    let mut token = reach(dir.path(), &[]);
    token.args([
        "token",
        "create",
        "--email",
        "hana@example.com",
        "--name",
        "backup test",
    ]);
    let token = text(&run(token, None).stdout).trim().to_owned();
    let (server, addr) = serve(dir.path(), &[]);
    assert_eq!(contact(addr, &token, "Before Backup"), 201);

    // Writes go on while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (stop, written, token) = (stop.clone(), written.clone(), token.clone());
        std::thread::spawn(move || {
            for i in 0..500 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                assert_eq!(contact(addr, &token, &format!("During {i}")), 201);
                written.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    while written.load(Ordering::SeqCst) < 5 {
        std::thread::yield_now();
    }
    let mut backup = reach(dir.path(), &[]);
    backup.args(["backup", "copy.db"]);
    let out = run(backup, None);
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Backed up the database to copy.db"), "{said}");
    assert!(
        said.contains("Copied its key file to copy.db.key"),
        "{said}"
    );
    drop(server);

    // Restored: serve the copy (its key file beside it) and read through the API.
    let (_restored, addr) = serve(dir.path(), &[("REACH_DATABASE_URL", "sqlite://copy.db")]);
    let listed = send(addr, "GET", "/api/v1/contacts?q=Before", &token, "").expect("list");
    assert_eq!(listed.0, 200, "the token is in the copy: {}", listed.1);
    assert!(listed.1.contains("Before Backup"), "{}", listed.1);
    let all = send(
        addr,
        "GET",
        "/api/v1/contacts?q=During&limit=500",
        &token,
        "",
    )
    .expect("list");
    let during = all.1.matches("\"During ").count();
    assert!(
        (5..=written.load(Ordering::SeqCst)).contains(&during),
        "the five committed before the backup began, and no more than was written: {during}"
    );

    // The same name again: refused, nothing overwritten.
    let mut again = reach(dir.path(), &[]);
    again.args(["backup", "copy.db"]);
    let out = run(again, None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("copy.db exists"),
        "{}",
        text(&out.stderr)
    );
}

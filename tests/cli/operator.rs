//! The operator's flow on one database.

use crate::common::TestDb;
use crate::harness::{reach, run, text};
use crate::read;
use reach::auth;
use reach::domain::EmailAddress;

/// The operator's flow on one database: migrate, two admins, a token, a duplicate refused.
pub async fn operator_flow(db: &TestDb) {
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

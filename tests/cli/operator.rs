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
    assert!(
        auth::verify_password("correct horse battery staple", Some(&hash))
            .await
            .expect("verify")
    );

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
    assert!(
        auth::verify_password(password, bob.password_hash.as_deref())
            .await
            .expect("verify")
    );

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
        reach::store::tokens::login_by_token,
        &auth::hash_token(lines[0])
    )
    .await
    .expect("lookup")
    .expect("token works");
    assert_eq!(owner.login.user_id, login.user_id);
    assert_eq!(
        owner.expires_at, None,
        "no --expires-in: it does not expire"
    );
    token_expiry(db, dir.path(), &env).await;

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

/// `reach token create --expires-in 90d`: the token expires 90 days on; a value that is not
/// a whole number of days or hours is a one-line error and makes no token.
async fn token_expiry(db: &TestDb, dir: &std::path::Path, env: &[(&str, &str)]) {
    let create = |expires_in: &str| {
        let mut cmd = reach(dir, env);
        cmd.args([
            "token",
            "create",
            "--email",
            "ana@example.com",
            "--name",
            "quarterly",
            "--expires-in",
            expires_in,
        ]);
        run(cmd, None)
    };
    let before = chrono::Utc::now();
    let out = create("90d");
    let after = chrono::Utc::now();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert_eq!(printed.lines().count(), 1, "the token alone: {printed:?}");
    let found = read!(
        db.store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(printed.trim_end())
    )
    .await
    .expect("lookup")
    .expect("token works");
    let expires = found.expires_at.expect("it expires");
    let days = chrono::Duration::days(90);
    let slack = chrono::Duration::seconds(1);
    assert!(
        expires >= before + days - slack && expires <= after + days + slack,
        "{expires} is 90 days after {before}"
    );
    let tokens = read!(
        db.store,
        reach::store::tokens::list,
        &found.login.account_id,
        &found.login.user_id
    )
    .await
    .expect("list")
    .len();
    for bad in ["90", "1w", "0d", "3651d"] {
        let out = create(bad);
        assert!(!out.status.success(), "{bad} should fail");
        let err = text(&out.stderr);
        assert!(err.contains("--expires-in"), "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    let still = read!(
        db.store,
        reach::store::tokens::list,
        &found.login.account_id,
        &found.login.user_id
    )
    .await
    .expect("list")
    .len();
    assert_eq!(still, tokens, "a bad --expires-in makes no token");
}

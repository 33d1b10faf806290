//! Migration 0017 (chat method types) on a database that already holds data: SQLite builds
//! `contact_methods` again, so its rows, the pending verification codes that cascade from it
//! and the search triggers that read it must all come through. Both backends.

use crate::common::{TestDb, add_method, postgres_url, sealer};
use crate::fixtures::{account, contact, method};
use crate::search::search;
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::CompanyAccess;
use reach::store::{SqlStore, VerifyOutcome};

/// Runs the migrations up to 0016 only, the schema before chat methods.
async fn migrate_before_chat(url: &str, backend: &str) {
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let before = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0017" {
            std::fs::copy(&path, before.path().join(&name)).unwrap();
        }
    }
    sqlx::any::install_default_drivers();
    let url = if backend == "sqlite" {
        format!("{url}?mode=rwc")
    } else {
        url.to_owned()
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let migrator = sqlx::migrate::Migrator::new(before.path()).await.unwrap();
    migrator.run(&pool).await.unwrap();
    pool.close().await;
}

/// A method's stored (sealed) secret.
async fn secret_of(
    db: &mut sqlx::AnyConnection,
    id: &reach::domain::MethodId,
) -> reach::store::Result<String> {
    use sqlx::Row as _;
    let sql = format!("SELECT secret FROM contact_methods WHERE id = '{id}'");
    let row = sqlx::query(&sql).fetch_one(db).await.unwrap();
    Ok(row.try_get::<String, _>(0).unwrap())
}

async fn upgrade_keeps_methods_codes_and_search(url: &str, backend: &str) -> SqlStore {
    migrate_before_chat(url, backend).await;
    let store = reach::store::connect(url).await.unwrap();
    let acme = account(&store, "Acme").await;
    let ana = contact(&store, &acme, "Ana López", CompanyAccess::All).await;
    let email = add_method(
        &store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .unwrap();
    let hook = add_method(
        &store,
        &acme.id,
        &ana.id,
        &method("webhook", "https://hooks.example.com/a"),
    )
    .await
    .unwrap();
    let now = Utc::now();
    tx!(
        &store,
        reach::store::outbox::start_verification,
        &acme.id,
        &ana.id,
        &email.id,
        "123456",
        "hash-of-123456",
        now + Duration::minutes(10),
        now
    )
    .await
    .unwrap();
    let chat = add_method(
        &store,
        &acme.id,
        &ana.id,
        &method("slack", "https://hooks.slack.com/services/T/B/X"),
    )
    .await;
    assert!(
        chat.is_err(),
        "before 0017 the database refuses the new types"
    );

    store.migrate().await.unwrap();
    let kept = read!(
        &store,
        reach::store::methods::get,
        &acme.id,
        &ana.id,
        &email.id
    )
    .await
    .unwrap();
    assert_eq!(
        (kept.kind.as_str(), kept.address.as_str()),
        ("email", "ana@example.com")
    );
    let sealed = read!(&store, secret_of, &hook.id).await.unwrap();
    assert!(
        sealer().open(&sealed, hook.id.as_str()).is_ok(),
        "the webhook keeps its secret"
    );
    let code = tx!(
        &store,
        reach::app::verification::take_code,
        &acme.id,
        &ana.id,
        &email.id,
        "hash-of-123456",
        now
    )
    .await
    .unwrap();
    assert_eq!(code, VerifyOutcome::Verified, "the pending code survived");
    for (kind, address) in [
        ("slack", "https://hooks.slack.com/services/T/B/X"),
        ("matrix", "!room:example.org"),
    ] {
        add_method(&store, &acme.id, &ana.id, &method(kind, address))
            .await
            .unwrap();
    }
    assert_eq!(search(&store, &acme.id, "ana@exa").await, ["Ana López"]);
    assert_eq!(
        search(&store, &acme.id, "hooks.slack").await,
        ["Ana López"],
        "new addresses are indexed"
    );
    tx!(
        &store,
        reach::store::methods::delete,
        &acme.id,
        &ana.id,
        &hook.id
    )
    .await
    .unwrap();
    assert!(
        search(&store, &acme.id, "hooks.example").await.is_empty(),
        "deletions leave the index"
    );
    store
}

#[tokio::test]
async fn sqlite_upgrade_keeps_methods_codes_and_search() {
    let (url, _dir) = TestDb::sqlite_url();
    upgrade_keeps_methods_codes_and_search(&url, "sqlite")
        .await
        .close()
        .await;
}

#[tokio::test]
async fn postgres_upgrade_keeps_methods_codes_and_search() {
    let name = TestDb::create_postgres_database().await;
    upgrade_keeps_methods_codes_and_search(&postgres_url(&name), "postgres")
        .await
        .close()
        .await;
    TestDb::drop_postgres_database(&name).await;
}

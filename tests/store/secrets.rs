//! Secrets at rest: webhook secrets are kept sealed (and plain ones from before are sealed once);
//! the generated secret key is sealed under a key file beside an SQLite database.

use crate::common::{TestDb, add_method, sealer};
use crate::fixtures::{account, contact, method};
use crate::{read, tx};
use reach::config::Settings;
use reach::domain::CompanyAccess;
use reach::keys::{Sealer, deployment};
use reach::store::SqlStore;

/// The `secret` column as kept.
async fn kept(store: &SqlStore, id: &str) -> Option<String> {
    use sqlx::Row as _;
    let mut db = store.read().await.unwrap();
    sqlx::query("SELECT secret FROM contact_methods WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .try_get("secret")
        .unwrap()
}

async fn set_kept(store: &SqlStore, id: &str, value: &str) {
    let mut tx = store.write().await.unwrap();
    sqlx::query("UPDATE contact_methods SET secret = $1 WHERE id = $2")
        .bind(value)
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

pub async fn webhook_secrets_are_kept_sealed_and_shown_once(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    let hook = add_method(
        store,
        &acme.id,
        &ana.id,
        &method("webhook", "https://hooks.example.com/a"),
    )
    .await
    .unwrap();
    let plain = hook.secret.clone().expect("shown once").expose().to_owned();
    assert!(plain.starts_with("whsec_"));
    let sealed = kept(store, hook.id.as_str()).await.expect("kept");
    assert!(Sealer::is_sealed(&sealed), "{sealed}");
    assert!(!sealed.contains(&plain["whsec_".len()..]));
    assert_eq!(sealer().open(&sealed, hook.id.as_str()), Ok(plain.clone()));
    let read_back = read!(
        store,
        reach::store::methods::get,
        &acme.id,
        &ana.id,
        &hook.id
    )
    .await
    .unwrap();
    assert!(read_back.secret.is_none(), "never shown again");

    // A new address keeps the secret; another type drops it; a webhook again gets a new one.
    let s = sealer();
    let moved = method("webhook", "https://hooks.example.com/b");
    let moved = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &hook.id,
        &moved,
        &s
    )
    .await
    .unwrap();
    assert!(moved.secret.is_none());
    assert_eq!(kept(store, hook.id.as_str()).await, Some(sealed.clone()));
    let email = method("email", "ana@example.com");
    tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &hook.id,
        &email,
        &s
    )
    .await
    .unwrap();
    assert_eq!(kept(store, hook.id.as_str()).await, None);
    let back = method("webhook", "https://hooks.example.com/c");
    let again = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &hook.id,
        &back,
        &s
    )
    .await
    .unwrap();
    let new_plain = again.secret.expect("a new secret, shown once");
    assert_ne!(new_plain.expose(), plain);
    let resealed = kept(store, hook.id.as_str()).await.unwrap();
    assert_eq!(
        sealer().open(&resealed, hook.id.as_str()).as_deref(),
        Ok(new_plain.expose())
    );
}

pub async fn plain_webhook_secrets_are_sealed_once(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    let mut ids = Vec::new();
    for url in ["https://hooks.example.com/a", "https://hooks.example.com/b"] {
        let m = add_method(store, &acme.id, &ana.id, &method("webhook", url))
            .await
            .unwrap();
        ids.push(m.id);
    }
    // The first as an earlier version kept it.
    let legacy = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    set_kept(store, ids[0].as_str(), legacy).await;
    let second = kept(store, ids[1].as_str()).await;
    let s = sealer();
    let sealed = tx!(store, reach::store::methods::seal_plain_secrets, &s)
        .await
        .unwrap();
    assert_eq!(sealed, 1);
    let first = kept(store, ids[0].as_str()).await.unwrap();
    assert_eq!(s.open(&first, ids[0].as_str()).as_deref(), Ok(legacy));
    assert_eq!(kept(store, ids[1].as_str()).await, second, "left as it was");
    let again = tx!(store, reach::store::methods::seal_plain_secrets, &s)
        .await
        .unwrap();
    assert_eq!(again, 0, "running it again changes nothing");
    assert_eq!(kept(store, ids[0].as_str()).await.unwrap(), first);
}

fn settings(url: &str) -> Settings {
    Settings::from_sources(None, [("REACH_DATABASE_URL".to_owned(), url.to_owned())])
        .unwrap()
        .0
}

#[tokio::test]
async fn sqlite_keeps_the_generated_secret_key_sealed_under_a_key_file() {
    let db = TestDb::sqlite().await;
    let settings = settings(&db.url);
    let key_file = deployment::key_file_of(&db.url).unwrap();
    assert!(!key_file.exists());
    let key = deployment::secret_key(&settings, &db.store).await.unwrap();
    assert!(key.expose().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored = db.store.stored_secret_key().await.unwrap().unwrap();
    assert!(Sealer::is_sealed(&stored) && !stored.contains(key.expose()));
    let again = deployment::secret_key(&settings, &db.store).await.unwrap();
    assert_eq!(again.expose(), key.expose());

    // Without its key file, the sealed key cannot be read: a clear error, not a new key.
    let kek = std::fs::read(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let lost = deployment::secret_key(&settings, &db.store)
        .await
        .unwrap_err();
    assert!(lost.to_string().contains("REACH_SECRET_KEY"), "{lost}");
    std::fs::write(&key_file, kek).unwrap();

    // A key kept plain by an earlier version is sealed when first read, and stays the same.
    let old = "an-old-plain-secret-key-0123456789-abcdef";
    assert!(db.store.replace_secret_key(&stored, old).await.unwrap());
    let read = deployment::secret_key(&settings, &db.store).await.unwrap();
    assert_eq!(read.expose(), old);
    let resealed = db.store.stored_secret_key().await.unwrap().unwrap();
    assert!(Sealer::is_sealed(&resealed) && !resealed.contains(old));
    let read = deployment::secret_key(&settings, &db.store).await.unwrap();
    assert_eq!(read.expose(), old);
    db.finish().await;
}

#[tokio::test]
async fn postgresql_keeps_the_generated_secret_key_as_before() {
    let db = TestDb::postgres().await;
    let settings = settings(&db.url);
    let key = deployment::secret_key(&settings, &db.store).await.unwrap();
    let stored = db.store.stored_secret_key().await.unwrap().unwrap();
    assert_eq!(stored, key.expose());
    let again = deployment::secret_key(&settings, &db.store).await.unwrap();
    assert_eq!(again.expose(), key.expose());
    db.finish().await;
}

#[tokio::test]
async fn sqlite_the_steps_after_the_migrations_seal_plain_webhook_secrets_once() {
    steps_after_the_migrations(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgresql_the_steps_after_the_migrations_seal_plain_webhook_secrets_once() {
    steps_after_the_migrations(TestDb::postgres().await).await;
}

async fn steps_after_the_migrations(db: TestDb) {
    let store = &db.store;
    let settings = settings(&db.url);
    let key = deployment::after_migrations(&settings, store)
        .await
        .unwrap();
    let keys = reach::keys::Keys::derive(key.expose());
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    let hook = add_method(
        store,
        &acme.id,
        &ana.id,
        &method("webhook", "https://hooks.example.com/a"),
    )
    .await
    .unwrap();
    set_kept(
        store,
        hook.id.as_str(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    .await;
    let same = deployment::after_migrations(&settings, store)
        .await
        .unwrap();
    assert_eq!(same.expose(), key.expose());
    let sealed = kept(store, hook.id.as_str()).await.unwrap();
    assert_eq!(
        keys.sealing().open(&sealed, hook.id.as_str()).as_deref(),
        Ok("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    );
    deployment::after_migrations(&settings, store)
        .await
        .unwrap();
    assert_eq!(kept(store, hook.id.as_str()).await.unwrap(), sealed);
    db.finish().await;
}

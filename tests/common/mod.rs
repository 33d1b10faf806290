//! Test helpers shared by the integration tests: a fresh database per test, on SQLite (a temp
//! file) or PostgreSQL (a new database on the local server).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use reach::domain::{AccountId, ContactId, MethodId, NewAlert, NewMethod, NotificationId};
use reach::store::{Alert, Method, SqlStore, StoreError};
use sqlx::{AnyConnection, Connection, Executor};

/// Runs one repository function in its own write transaction, committed when it succeeds:
/// `tx!(store, reach::store::companies::create, &account.id, &name).await` answers what the
/// function answers (a `Result<_, StoreError>`), and nothing is written when it fails.
#[macro_export]
macro_rules! tx {
    ($store:expr, $f:path $(, $arg:expr)* $(,)?) => {
        async {
            let mut tx = match $store.write().await {
                Ok(tx) => tx,
                Err(e) => return Err(e),
            };
            let result = $f(&mut tx $(, $arg)*).await;
            if result.is_ok() {
                if let Err(e) = tx.commit().await {
                    return Err(::reach::store::StoreError::from(e));
                }
            }
            result
        }
    };
}

/// Runs one read-only repository function on a pooled connection:
/// `read!(store, reach::store::companies::get, &account.id, &scope, &id).await`.
#[macro_export]
macro_rules! read {
    ($store:expr, $f:path $(, $arg:expr)* $(,)?) => {
        async {
            let mut db = match $store.read().await {
                Ok(db) => db,
                Err(e) => return Err(e),
            };
            $f(&mut db $(, $arg)*).await
        }
    };
}

/// The secret key of the tests that use the store directly (the delivery harness signs links
/// and opens webhook secrets with it).
pub const SECRET_KEY: &str = "delivery-test-secret-key-0123456789";

/// Seals webhook secrets as the app does under [`SECRET_KEY`].
pub fn sealer() -> reach::keys::Sealer {
    reach::keys::Keys::derive(SECRET_KEY).sealing().clone()
}

/// Adds a method to a contact, in its own transaction (a webhook's secret sealed with
/// [`sealer`]; the answer carries it plain).
pub async fn add_method(
    store: &SqlStore,
    account: &AccountId,
    contact: &ContactId,
    new: &NewMethod,
) -> Result<Method, StoreError> {
    let sealer = sealer();
    tx!(
        store,
        reach::store::methods::add,
        account,
        contact,
        new,
        &sealer
    )
    .await
}

/// Stores a batch of alerts with every notification they imply, as `POST /api/v1/alerts`
/// does, in its own transaction.
pub async fn ingest(
    store: &SqlStore,
    account: &AccountId,
    alerts: &[NewAlert],
    now: DateTime<Utc>,
) -> Result<Vec<Alert>, StoreError> {
    tx!(store, reach::app::ingest::store_batch, account, alerts, now).await
}

/// Queues a test message to one method of a contact (what "Send test" does); its notification
/// id, or `NotFound` when the contact has no such method.
pub async fn queue_test(
    store: &SqlStore,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    now: DateTime<Utc>,
) -> Result<NotificationId, StoreError> {
    tx!(
        store,
        reach::store::outbox::queue_message,
        account,
        contact,
        method,
        reach::domain::notification::Event::Test,
        None,
        None,
        now
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// The server tests create their databases on. `TEST_POSTGRES_URL` overrides it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh, migrated database that is removed by [`TestDb::finish`].
pub struct TestDb {
    pub store: SqlStore,
    pub url: String,
    cleanup: Cleanup,
}

impl TestDb {
    /// A fresh database of the same engine as `other`.
    pub async fn like(other: &TestDb) -> TestDb {
        if other.url.starts_with("postgres") {
            Self::postgres().await
        } else {
            Self::sqlite().await
        }
    }
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { name: String },
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let url = Self::sqlite_url();
        let store = open(&url.0).await;
        Self {
            store,
            url: url.0,
            cleanup: Cleanup::Sqlite(url.1),
        }
    }

    /// A URL to a database file that does not exist yet, in a temp dir kept alive by the pair.
    pub fn sqlite_url() -> (String, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("reach.db").display());
        (url, dir)
    }

    pub async fn postgres() -> Self {
        let name = Self::create_postgres_database().await;
        let url = postgres_url(&name);
        let store = open(&url).await;
        Self {
            store,
            url,
            cleanup: Cleanup::Postgres { name },
        }
    }

    /// Creates an empty database and answers its name.
    pub async fn create_postgres_database() -> String {
        sqlx::any::install_default_drivers();
        let name = format!("reach_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = AnyConnection::connect(&postgres_admin_url())
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (scripts/test starts it)");
        admin
            .execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .expect("create test database");
        admin.close().await.ok();
        name
    }

    pub async fn drop_postgres_database(name: &str) {
        if let Ok(mut admin) = AnyConnection::connect(&postgres_admin_url()).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                .await;
            admin.close().await.ok();
        }
    }

    /// Closes the store and removes the database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { name } => Self::drop_postgres_database(&name).await,
        }
    }
}

/// The URL of a database on the test server.
pub fn postgres_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

async fn open(url: &str) -> SqlStore {
    let store = reach::store::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

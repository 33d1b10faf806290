//! What the engines are told for speed: on PostgreSQL the planner's statistics follow the
//! growing tables (`SqlStore::grew`: once a thousand rows have been written, they are refreshed
//! in the background) and a random page read is priced at 1.1 unless the server was tuned; on
//! SQLite every connection keeps WAL, normal syncing and its temporary
//! storage (statement journals) in memory.

use reach::store::{Backend, SqlStore};
use sqlx::Row;
use std::time::{Duration, Instant};

/// When `notifications` was last analyzed by hand (PostgreSQL), as text.
async fn analyzed(store: &SqlStore) -> Option<String> {
    let mut db = store.read().await.expect("read");
    sqlx::query(
        "SELECT CAST(last_analyze AS TEXT) AS at FROM pg_stat_user_tables \
         WHERE relname = 'notifications'",
    )
    .fetch_one(&mut *db)
    .await
    .expect("its statistics")
    .get("at")
}

pub async fn statistics_are_refreshed_once_the_tables_grew(store: &SqlStore) {
    store.grew(10);
    if store.backend() != Backend::Postgres {
        // Nothing to do on SQLite, whose planner needs no statistics of this kind.
        return;
    }
    assert_eq!(analyzed(store).await, None, "not yet: 10 rows");
    store.grew(990);
    let deadline = Instant::now() + Duration::from_secs(10);
    while analyzed(store).await.is_none() {
        assert!(Instant::now() < deadline, "never analyzed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn postgres_connections_take_random_reads_as_cheap_unless_tuned(store: &SqlStore) {
    if store.backend() != Backend::Postgres {
        return;
    }
    let mut db = store.read().await.expect("read");
    // `reset_val`: the server's own setting, which the connection started from.
    let row = sqlx::query(
        "SELECT current_setting('random_page_cost') AS now, reset_val FROM pg_settings \
         WHERE name = 'random_page_cost'",
    )
    .fetch_one(&mut *db)
    .await
    .expect("the setting");
    let (now, server): (String, String) = (row.get("now"), row.get("reset_val"));
    let expected = if server == "4" {
        "1.1"
    } else {
        server.as_str()
    };
    assert_eq!(now, expected, "the server has {server}");
}

/// One pragma's value on a read connection and on the writer.
async fn pragma(store: &SqlStore, name: &str) -> (String, String) {
    let sql = format!("PRAGMA {name}");
    let text = |row: sqlx::any::AnyRow| {
        row.try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
            .expect("a value")
    };
    let mut read = store.read().await.expect("read");
    let on_read = text(sqlx::query(&sql).fetch_one(&mut *read).await.expect("read"));
    drop(read);
    let mut tx = store.write().await.expect("write");
    let on_write = text(sqlx::query(&sql).fetch_one(&mut *tx).await.expect("write"));
    (on_read, on_write)
}

pub async fn sqlite_connections_keep_wal_and_temporary_storage_in_memory(store: &SqlStore) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    let both = |v: &str| (v.to_owned(), v.to_owned());
    assert_eq!(pragma(store, "journal_mode").await, both("wal"));
    assert_eq!(pragma(store, "synchronous").await, both("1"), "NORMAL");
    assert_eq!(pragma(store, "temp_store").await, both("2"), "MEMORY");
    assert_eq!(pragma(store, "foreign_keys").await, both("1"));
    assert_eq!(
        pragma(store, "wal_autocheckpoint").await,
        ("1000".to_owned(), "0".to_owned()),
        "the writer leaves checkpoints to the store's task"
    );
}

/// The SQLite database's file.
async fn database_file(store: &SqlStore) -> String {
    let mut db = store.read().await.expect("read");
    sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(&mut *db)
        .await
        .expect("the database file")
        .get("file")
}

/// Runs `sql` on a write transaction of its own.
async fn write(store: &SqlStore, sql: &str) {
    let mut tx = store.write().await.expect("write");
    sqlx::query(sql).execute(&mut *tx).await.expect(sql);
    tx.commit().await.expect("commit");
}

pub async fn sqlite_copies_the_wal_back_off_the_writer(store: &SqlStore) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    let file = database_file(store).await;
    let size = || std::fs::metadata(&file).expect("the file").len();
    let before = size();
    // 2 MB committed: half what would have made the writer checkpoint itself.
    write(store, "CREATE TABLE ballast (b BLOB)").await;
    write(
        store,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
         INSERT INTO ballast SELECT randomblob(1000) FROM n",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while size() < before + 1_000_000 {
        assert!(
            Instant::now() < deadline,
            "the WAL was not copied into the database file"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn sqlite_starts_the_wal_over_while_writes_keep_coming(store: &SqlStore) {
    if store.backend() != Backend::Sqlite {
        return;
    }
    let file = database_file(store).await;
    let wal = format!("{file}-wal");
    write(store, "CREATE TABLE ballast (b BLOB)").await;
    // About 32 MB through the WAL in small transactions, one after the other with no pause
    // (each writes at least two 4 KiB pages): without starting over it would hold them all.
    for _ in 0..4_000 {
        write(store, "INSERT INTO ballast VALUES (randomblob(4000))").await;
    }
    // The WAL file keeps the size it once reached, so this reads its peak. It must have
    // started over at least once (it would hold ~32 MB otherwise); how early depends on when
    // the checkpoint task gets a core, so the bound leaves room for a loaded machine (16 MB
    // was exceeded once in a full local run).
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(size < 24_000_000, "the WAL grew to {size} bytes");
}

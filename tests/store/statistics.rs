//! The planner's statistics follow the growing tables (`SqlStore::grew`): on PostgreSQL,
//! once a thousand rows have been written, they are refreshed in the background.

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

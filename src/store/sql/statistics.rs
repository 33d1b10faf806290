//! The planner's statistics of the tables that grow with every alert. PostgreSQL plans each
//! statement from what it last learned of a table's size and contents; autovacuum refreshes
//! that once a minute at best, so a fresh database taking a burst plans its per-batch
//! statements (the firing keys, what a claimed batch needs) for the nearly empty tables it
//! saw, and scans them whole. The store refreshes them itself, in the background, whenever
//! they have doubled since (from 1,000 rows on); SQLite's planner needs nothing of the kind.

use super::{Backend, SqlStore};
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows written before the first refresh.
const FIRST: u64 = 1_000;

/// Rows written by this process, and the count at which statistics are refreshed next.
#[derive(Debug, Default)]
pub(super) struct Growth {
    written: AtomicU64,
    next: AtomicU64,
}

impl SqlStore {
    /// `rows` were added to the growing tables (alerts, notifications): refreshes their
    /// statistics in the background once they have doubled (PostgreSQL).
    pub fn grew(&self, rows: usize) {
        if self.backend != Backend::Postgres {
            return;
        }
        let rows = u64::try_from(rows).unwrap_or(u64::MAX);
        let written = self.growth.written.fetch_add(rows, Ordering::Relaxed) + rows;
        let next = self.growth.next.load(Ordering::Relaxed);
        let due = if next == 0 { FIRST } else { next };
        // One caller takes each refresh.
        if written < due
            || self
                .growth
                .next
                .compare_exchange(
                    next,
                    written.saturating_mul(2),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        let pool = self.pool.clone();
        tokio::spawn(async move {
            if let Err(e) = refresh(&pool).await {
                tracing::warn!(error = %e, "refreshing the planner's statistics failed");
            }
        });
    }
}

/// Samples 3,000 rows of each growing table (`default_statistics_target` 10; autovacuum's
/// later passes take the server's own target): enough for what the plans ask (the tables'
/// sizes, how rare `firing`, `sending` or `queued` rows are, that ids are unique), and a tenth
/// of the sorting a default pass does, which under the alert benchmark took a seventh of the
/// database's time.
async fn refresh(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL default_statistics_target = 10")
        .execute(&mut *tx)
        .await?;
    sqlx::query("ANALYZE alerts, notifications, delivery_attempts")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

//! The planner's statistics of the tables that grow with every alert. PostgreSQL plans each
//! statement from what it last learned of a table's size and contents; autovacuum refreshes
//! that once a minute at best, so a fresh database taking a burst plans its per-batch
//! statements (the firing keys, what a claimed batch needs) for the nearly empty tables it
//! saw, and scans them whole. The store refreshes them itself, in the background: once they
//! hold 1,000 rows, and again each time they have grown eightfold since. In between the
//! planner keeps up by itself: it scales the rows per page it last learned by the table's
//! pages as they are now, and the shares of each state or status hardly change with the size.
//! SQLite's planner needs nothing of the kind.

use super::{Backend, SqlStore};
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows written before the first refresh.
const FIRST: u64 = 1_000;
/// How much the tables grow between refreshes. (Doubling refreshed five times in a burst of
/// 10,000 alerts on PostgreSQL, about a fifth of its backends' CPU.)
const GROWTH: u64 = 8;

/// Rows written by this process, and the count at which statistics are refreshed next.
#[derive(Debug, Default)]
pub(super) struct Growth {
    written: AtomicU64,
    next: AtomicU64,
}

impl Growth {
    /// Counts `rows` written; whether this caller takes the refresh now due (one caller takes
    /// each).
    fn add(&self, rows: u64) -> bool {
        let written = self.written.fetch_add(rows, Ordering::Relaxed) + rows;
        let next = self.next.load(Ordering::Relaxed);
        let due = if next == 0 { FIRST } else { next };
        written >= due
            && self
                .next
                .compare_exchange(
                    next,
                    written.saturating_mul(GROWTH),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

impl SqlStore {
    /// `rows` were added to the growing tables (alerts, notifications): refreshes their
    /// statistics in the background once they have grown [`GROWTH`]-fold (PostgreSQL).
    pub fn grew(&self, rows: usize) {
        if self.backend != Backend::Postgres {
            return;
        }
        if !self.growth.add(u64::try_from(rows).unwrap_or(u64::MAX)) {
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
/// sizes, how rare `firing`, `sending` or `queued` rows are), and a tenth of the sorting a
/// default pass does, which under the alert benchmark took a seventh of the database's time.
async fn refresh(pool: &sqlx::AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL default_statistics_target = 10")
        .execute(&mut *tx)
        .await?;
    sqlx::query(ANALYZE).execute(&mut *tx).await?;
    tx.commit().await
}

/// Only the columns statements select rows by: the texts shown or logged (titles, labels,
/// payloads, answers) cost the most to sort and no plan asks about them; ids are known unique
/// from their primary keys.
const ANALYZE: &str = "ANALYZE alerts (account_id, company_id, key, status, opened_at), \
     notifications (account_id, alert_id, report_run_id, method_id, type, address, event, \
     state, next_attempt_at, lease_until, created_at, counted_at), \
     delivery_attempts (notification_id, attempt)";

#[cfg(test)]
mod tests {
    use super::Growth;

    #[test]
    fn statistics_are_refreshed_at_a_thousand_rows_then_each_eightfold_growth() {
        let growth = Growth::default();
        let taken: Vec<bool> = [999, 1, 500, 6_500, 1, 55_000, 8_999, 1]
            .into_iter()
            .map(|rows| growth.add(rows))
            .collect();
        // 999, 1,000 (the first), 1,500, 8,000 (8 x 1,000), 8,001, 63,001, 72,000 (past 8 x
        // 8,000), 72,001 rows.
        assert_eq!(taken, [false, true, false, true, false, false, true, false]);
        assert!(growth.add(576_000 - 72_001), "576,000 = 8 x 72,000");
    }
}

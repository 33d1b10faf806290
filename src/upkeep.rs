//! Upkeep: each node purges, every ten minutes, what has outlived its use (expired sessions,
//! links and codes, old sign-in failure counts, payloads of long-finished notifications; the
//! rule is `domain::retention`). Deletes are idempotent, so several nodes may run it at once.

use crate::domain::retention::Cutoffs;
use crate::runtime::Clock;
use crate::store::{self, Result, SqlStore, purge::Purged};
use std::sync::Arc;

/// How often each node purges.
const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Debug)]
pub struct Upkeep {
    pub store: SqlStore,
    pub clock: Arc<dyn Clock>,
}

impl Upkeep {
    /// Purges once, in one transaction; what was removed.
    pub async fn run_once(&self) -> Result<Purged> {
        let mut tx = self.store.write().await?;
        let purged = store::purge::purge(&mut tx, &Cutoffs::at(self.clock.now())).await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// Runs until the process ends: once at start-up, then every ten minutes.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(p) => tracing::debug!(?p, "purged"),
                Err(e) => tracing::warn!(error = %e, "the purge failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }
}

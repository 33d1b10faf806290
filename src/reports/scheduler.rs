//! The report scheduler: each node looks for due reports every 15 seconds and starts the
//! runs it wins in the database.

use super::{execute, period_start};
use crate::links::LinkSigner;
use crate::runtime::{Clock, Wakeup};
use crate::store::{self, Result, SqlStore};
use std::sync::Arc;

/// Runs due reports: each node's scheduler claims a due run in the database, so it happens
/// once; a run missed while every node was down happens once at start-up.
#[derive(Debug)]
pub struct Scheduler {
    pub store: SqlStore,
    pub clock: Arc<dyn Clock>,
    pub links: LinkSigner,
    pub wakeup: Wakeup,
}

impl Scheduler {
    /// Starts every due run; how many this node started.
    pub async fn run_once(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut started = 0;
        let due = store::reports::due(&mut *self.store.read().await?, now, 50).await?;
        for (account, report) in due {
            let Some(due) = report.next_run_at else {
                continue;
            };
            let next = report.schedule.next_after(now.max(due));
            let start = period_start(&self.store, &account, &report, due).await?;
            let run = {
                let mut tx = self.store.write().await?;
                let run =
                    store::reports::start_run(&mut tx, &account, &report.id, due, start, next, now)
                        .await?;
                tx.commit().await?;
                run
            };
            if let Some(run) = run {
                if let Err(e) =
                    execute(&self.store, &self.links, &account, &report, &run, now).await
                {
                    tracing::warn!(error = %e, report = %report.id, "a report run failed");
                }
                started += 1;
            }
        }
        if started > 0 {
            self.wakeup.wake();
        }
        Ok(started)
    }

    /// Runs until the process ends, looking for due reports every 15 seconds.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "the report scheduler failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(15)).await;
        }
    }
}

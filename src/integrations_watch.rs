//! The heartbeat watch: each node looks every 15 seconds for `heartbeat` integrations whose
//! ping is missed (the rule is `domain::integration::heartbeat`) and opens their critical "No
//! heartbeat from NAME" alert through the ingest path; the next ping resolves it
//! (`app::hooks`). An alert already firing under the integration's key is left alone, so
//! several nodes watching at once still open exactly one alert and notify once.

use crate::app::hooks::heartbeat_alert;
use crate::domain::integration::heartbeat;
use crate::domain::{AccountId, AlertStatus};
use crate::runtime::{Clock, Wakeup};
use crate::store::{self, Integration, Result, SqlStore, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// How often each node looks (SPEC: at least every 15 seconds).
const EVERY: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Debug)]
pub struct HeartbeatWatch {
    pub store: SqlStore,
    pub clock: Arc<dyn Clock>,
    pub wakeup: Wakeup,
}

impl HeartbeatWatch {
    /// Opens the alert of every missed heartbeat that has none firing; how many this node
    /// opened. One integration that fails is logged and the others still get their turn.
    pub async fn run_once(&self) -> Result<usize> {
        let now = self.clock.now();
        let beats = store::integrations::heartbeats(&mut *self.store.read().await?).await?;
        let mut opened = 0;
        for (account, beat) in beats {
            if !is_missed(&beat, now) {
                continue;
            }
            match self.open(&account, &beat, now).await {
                Ok(true) => {
                    tracing::debug!(integration = %beat.id, "heartbeat missed: alert opened");
                    opened += 1;
                }
                Ok(false) => {}
                // Alerts posted under the same key meanwhile (the turn keeps watchers apart).
                Err(StoreError::Conflict(_)) => {
                    tracing::debug!(integration = %beat.id, "heartbeat alert opened elsewhere");
                }
                Err(e) => {
                    tracing::warn!(error = %e, integration = %beat.id, "a heartbeat check failed");
                }
            }
        }
        if opened > 0 {
            self.wakeup.wake();
            if let Err(e) = self.store.announce_work().await {
                tracing::warn!(error = %e, "could not announce queued work to other nodes");
            }
        }
        Ok(opened)
    }

    /// Opens `beat`'s alert unless one is firing or a ping came in meanwhile: whether it did.
    async fn open(
        &self,
        account: &AccountId,
        beat: &Integration,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(alert) = heartbeat_alert(beat, AlertStatus::Firing) else {
            return Ok(false);
        };
        // Already firing: a cheap read, no write turn taken every 15 seconds.
        if store::ingest::firing(&mut *self.store.read().await?, account, &alert)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let mut tx = self.store.write().await?;
        // Again in the heartbeat's turn: another node may have opened it, or a ping come in.
        store::heartbeats::take_turn(&mut tx, &beat.id).await?;
        // Deleted meanwhile: nothing to watch.
        let current = match store::integrations::get(&mut tx, account, &beat.id).await {
            Err(StoreError::NotFound) => return Ok(false),
            other => other?,
        };
        if !is_missed(&current, now)
            || store::ingest::firing(&mut tx, account, &alert)
                .await?
                .is_some()
        {
            return Ok(false);
        }
        let Some(alert) = heartbeat_alert(&current, AlertStatus::Firing) else {
            return Ok(false);
        };
        crate::app::ingest::store_batch(&mut tx, account, &[alert], now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs until the process ends, looking every 15 seconds.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(opened) => tracing::debug!(opened, "heartbeats checked"),
                Err(e) => tracing::warn!(error = %e, "the heartbeat watch failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }
}

fn is_missed(beat: &Integration, now: DateTime<Utc>) -> bool {
    beat.heartbeat_minutes
        .is_some_and(|minutes| heartbeat::missed(minutes, beat.last_ping_at, beat.created_at, now))
}

//! Stopping a node's dispatcher (SIGTERM): it claims nothing more, lets the sends in flight end
//! (each ends within the send time-out, and its outcome is recorded), and gives back, as
//! `queued`, any claim still unfinished when that time is up, so nothing is left `sending`
//! for the lease to expire on.

use super::Dispatcher;
use crate::domain::NotificationId;
use foldhash::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The claims this node holds and has not finished.
#[derive(Debug, Default)]
pub(super) struct InFlight(Mutex<HashSet<NotificationId>>);

impl InFlight {
    pub(super) fn add(&self, ids: impl IntoIterator<Item = NotificationId>) {
        if let Ok(mut held) = self.0.lock() {
            held.extend(ids);
        }
    }

    pub(super) fn done(&self, ids: &[NotificationId]) {
        if let Ok(mut held) = self.0.lock() {
            for id in ids {
                held.remove(id);
            }
        }
    }

    fn take(&self) -> Vec<NotificationId> {
        self.0
            .lock()
            .map(|mut held| held.drain().collect())
            .unwrap_or_default()
    }
}

/// How long a stopping node waits beyond the send time-out for outcomes to be recorded.
const GRACE: Duration = Duration::from_secs(2);

impl Dispatcher {
    /// After the last claim: waits until every batch in flight is recorded (all of `room`'s
    /// `total` places are free again) or the send time-out and [`GRACE`] are up, then gives
    /// back what is still held.
    pub(super) async fn drain(&self, room: Arc<Semaphore>, total: u32) {
        let wait = self.config.send_timeout + GRACE;
        if tokio::time::timeout(wait, room.acquire_many(total))
            .await
            .is_ok()
        {
            tracing::info!("stopped: every send in flight was finished and recorded");
            return;
        }
        let held = self.in_flight.take();
        match self.store.give_back(&held).await {
            Ok(n) => tracing::warn!(
                released = n,
                "stopped: unfinished sends given back to the queue"
            ),
            Err(e) => {
                tracing::error!(error = %e, "stopped: giving back unfinished sends failed; their lease will expire")
            }
        }
    }
}

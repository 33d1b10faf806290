//! Recording how claimed notifications ended, by group commit: each outcome lands with its
//! attempt (and, for a finished verification, the forgotten code) atomically, and the
//! outcomes that finish while a transaction is being written wait and go together in the
//! next one — one transaction and a statement or two for many notifications, on both engines
//! (`outbox::finish`, `outbox::finish_recorded`). While sends are in flight the group also
//! waits up to [`LINGER`] to fill (to [`FULL`]): a transaction per few notifications cost
//! more than the sends themselves.

use crate::domain::NotificationId;
use crate::store::outbox::{self, Finished};
use crate::store::{self, NewAttempt, SqlStore, StoreError};
use foldhash::{HashSet, HashSetExt as _};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// How long an outcome waits for others to share its transaction, when more are coming.
pub const LINGER: Duration = Duration::from_millis(10);
/// Outcomes that make a group worth writing at once.
pub const FULL: usize = 128;
/// How long recording waits for a database that cannot be reached before it gives up (the
/// claims then go again after their lease).
pub const UNAVAILABLE_WAIT: Duration = Duration::from_secs(30);

pub use crate::store::outbox::End;

/// What to write for one notification.
#[derive(Debug, Clone)]
pub struct Record {
    pub finished: Finished,
    /// None when nothing was tried ([`End::Released`]).
    pub attempt: Option<NewAttempt>,
}

type Waiting = (Record, oneshot::Sender<Result<bool, String>>);

/// The group commit. Whoever takes the turn writes everything queued so far.
#[derive(Debug, Default)]
pub struct Recorder {
    queue: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
    /// Told when the queue reaches [`FULL`].
    filled: Notify,
}

impl Recorder {
    /// Records `record` durably (returns once its transaction committed); `false` when the
    /// claim had been taken over (the row was no longer `sending`: nothing was written and the
    /// other worker's outcome stands).
    /// `more_coming`: sends are in flight, so the group may wait a little to fill.
    pub async fn record(
        &self,
        store: &SqlStore,
        record: Record,
        more_coming: bool,
    ) -> store::Result<bool> {
        let (done, mut landed) = oneshot::channel();
        let deadline = tokio::time::Instant::now() + LINGER;
        let queued = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.push((record, done));
            queue.len()
        };
        if queued >= FULL {
            self.filled.notify_one();
        }
        let result = 'turn: {
            let _turn = self.turn.lock().await;
            // Written by an earlier holder of the turn?
            match landed.try_recv() {
                Ok(result) => break 'turn Some(result),
                Err(oneshot::error::TryRecvError::Closed) => break 'turn None,
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let waiting = || {
                self.queue
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .len()
            };
            if more_coming && waiting() < FULL {
                tokio::select! {
                    () = self.filled.notified() => {}
                    () = tokio::time::sleep_until(deadline) => {}
                }
            }
            let batch =
                std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner));
            if !batch.is_empty() {
                // On the writers' thread (`SqlStore::writing`); should that job end early,
                // its outcomes are not recorded and their claims go again after the lease.
                let job = {
                    let store = store.clone();
                    async move { Self::write(&store, batch).await }
                };
                if let Err(e) = store.writing(job).await {
                    tracing::error!(error = %e, "recording outcomes failed");
                }
            }
            // Ours was in it.
            landed.try_recv().ok()
        };
        match result {
            Some(Ok(landed)) => Ok(landed),
            Some(Err(error)) => Err(StoreError::Database(sqlx::Error::Protocol(error))),
            None => Err(StoreError::Database(sqlx::Error::Protocol(
                "the outcome was not recorded".into(),
            ))),
        }
    }

    #[tracing::instrument(skip_all, fields(records = batch.len()))]
    async fn write(store: &SqlStore, batch: Vec<Waiting>) {
        let (records, waiting): (Vec<Record>, Vec<_>) = batch.into_iter().unzip();
        // A database that cannot be reached (restarting, failing over) is waited for, within
        // [`UNAVAILABLE_WAIT`]: an outcome that lands then is not sent again after its lease.
        let deadline = tokio::time::Instant::now() + UNAVAILABLE_WAIT;
        let mut pause = Duration::from_millis(250);
        let written = loop {
            match Self::write_once(store, &records).await {
                Err(e) if e.is_unavailable() && tokio::time::Instant::now() + pause < deadline => {
                    tracing::warn!(error = %e, "the database is unavailable; recording outcomes again shortly");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                other => break other,
            }
        };
        match written {
            Ok(landed) => {
                for (done, landed) in waiting.into_iter().zip(landed) {
                    let _ = done.send(Ok(landed));
                }
            }
            // One bad record must not take the others down with it: each alone, then.
            Err(e) if waiting.len() > 1 && !e.is_unavailable() => {
                for one in records.into_iter().zip(waiting) {
                    Box::pin(Self::write(store, vec![one])).await;
                }
            }
            Err(e) => {
                let error = e.to_string();
                tracing::warn!(error = %error, "recording an outcome failed");
                for done in waiting {
                    let _ = done.send(Err(error.clone()));
                }
            }
        }
    }

    /// One transaction recording every outcome of `records`: which of them landed. Usually all
    /// did, which the count of changed rows tells; when some claim had been taken over (its
    /// row no longer `sending`), again, reading back which landed.
    async fn write_once(store: &SqlStore, records: &[Record]) -> Result<Vec<bool>, StoreError> {
        match Self::write_with(store, records, false).await? {
            Some(landed) => Ok(landed),
            None => Self::write_with(store, records, true)
                .await?
                .ok_or(StoreError::Database(sqlx::Error::Protocol(
                    "outcomes read back were not recorded".into(),
                ))),
        }
    }

    /// [`Self::write_once`], reading back which ends landed (`exact`) or counting them: `None`
    /// (nothing written) when the count falls short.
    async fn write_with(
        store: &SqlStore,
        records: &[Record],
        exact: bool,
    ) -> Result<Option<Vec<bool>>, StoreError> {
        let mut tx = store.write_batch().await?;
        let mut landed = vec![false; records.len()];
        // A notification is ended once per statement: a second record of the same one (a
        // claim taken over and finished twice in one group) goes in a later round, where it
        // finds the row no longer `sending`.
        let mut rest: Vec<usize> = (0..records.len()).collect();
        while !rest.is_empty() {
            let mut seen = HashSet::new();
            let (round, later): (Vec<usize>, Vec<usize>) = rest
                .into_iter()
                .partition(|&i| seen.insert(&records[i].finished.id));
            let ends: Vec<Finished> = round.iter().map(|&i| records[i].finished.clone()).collect();
            let attempts: Vec<&NewAttempt> = round
                .iter()
                .filter_map(|&i| records[i].attempt.as_ref())
                .collect();
            let ended: HashSet<NotificationId> = if exact {
                outbox::finish(&mut tx, &ends, &attempts).await?
            } else {
                if !outbox::finish_recorded(&mut tx, &ends, &attempts).await? {
                    // Dropped uncommitted: rolled back.
                    return Ok(None);
                }
                ends.into_iter().map(|f| f.id).collect()
            };
            for &i in &round {
                landed[i] = ended.contains(&records[i].finished.id);
            }
            rest = later;
        }
        tx.commit().await?;
        Ok(Some(landed))
    }
}

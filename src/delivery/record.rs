//! Recording how claimed notifications ended: each outcome lands with its attempt (and, for a
//! finished verification, the forgotten code) atomically. On SQLite, which has one writer at
//! a time, by group commit: the outcomes that finish while a transaction is being written
//! wait and go together in the next one — one commit for many notifications. PostgreSQL
//! writes from many connections at once, so there each outcome has its own transaction.

use crate::domain::NotificationId;
use crate::store::{self, Backend, NewAttempt, SqlStore, StoreError, outbox};
use chrono::{DateTime, Utc};
use std::sync::{Mutex, PoisonError};
use tokio::sync::oneshot;

/// How a claimed notification ended.
#[derive(Debug, Clone)]
pub enum End {
    Sent {
        at: DateTime<Utc>,
    },
    /// `retry_at` `None`: dead.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    Suppressed {
        reason: String,
    },
}

/// What to write for one notification.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: NotificationId,
    pub end: End,
    pub attempt: NewAttempt,
    /// Forget the message's payload (a verification code, once its sending is over).
    pub forget_payload: bool,
}

/// Writes one record on `tx`; `false` when the claim was taken over (the row is no longer
/// `sending`): then nothing is written and the other worker's outcome stands.
async fn apply(tx: &mut store::Tx, r: &Record) -> store::Result<bool> {
    let landed = match &r.end {
        End::Sent { at } => outbox::complete(tx, &r.id, *at).await?,
        End::Failed { error, retry_at } => outbox::fail(tx, &r.id, error, *retry_at).await?,
        End::Suppressed { reason } => outbox::suppress(tx, &r.id, reason).await?,
    };
    if landed {
        if r.forget_payload {
            outbox::clear_payload(tx, &r.id).await?;
        }
        outbox::record_attempt(tx, &r.attempt).await?;
    }
    Ok(landed)
}

type Waiting = (Record, oneshot::Sender<Result<bool, String>>);

/// The group commit. Whoever takes the turn writes everything queued so far.
#[derive(Debug, Default)]
pub struct Recorder {
    queue: Mutex<Vec<Waiting>>,
    turn: tokio::sync::Mutex<()>,
}

impl Recorder {
    /// Records `record` durably (returns once its transaction committed); `false` when the
    /// claim had been taken over.
    pub async fn record(&self, store: &SqlStore, record: Record) -> store::Result<bool> {
        let (done, landed) = oneshot::channel();
        if store.backend() == Backend::Postgres {
            Self::write(store, vec![(record, done)]).await;
            return Self::landed(landed).await;
        }
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((record, done));
        {
            let _turn = self.turn.lock().await;
            let batch =
                std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner));
            if !batch.is_empty() {
                Self::write(store, batch).await;
            }
        }
        // Ours was in a batch written before the turn ended, by us or by an earlier holder.
        Self::landed(landed).await
    }

    async fn landed(landed: oneshot::Receiver<Result<bool, String>>) -> store::Result<bool> {
        match landed.await {
            Ok(Ok(landed)) => Ok(landed),
            Ok(Err(error)) => Err(StoreError::Database(sqlx::Error::Protocol(error))),
            Err(_) => Err(StoreError::Database(sqlx::Error::Protocol(
                "the outcome was not recorded".into(),
            ))),
        }
    }

    #[tracing::instrument(skip_all, fields(records = batch.len()))]
    async fn write(store: &SqlStore, batch: Vec<Waiting>) {
        let (records, waiting): (Vec<Record>, Vec<_>) = batch.into_iter().unzip();
        let written = async {
            let mut tx = store.write().await?;
            let mut landed = Vec::with_capacity(records.len());
            for r in &records {
                landed.push(apply(&mut tx, r).await?);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(landed)
        }
        .await;
        match written {
            Ok(landed) => {
                for (done, landed) in waiting.into_iter().zip(landed) {
                    let _ = done.send(Ok(landed));
                }
            }
            Err(e) => {
                let error = e.to_string();
                for done in waiting {
                    let _ = done.send(Err(error.clone()));
                }
            }
        }
    }
}

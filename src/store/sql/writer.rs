//! Where SQLite's busiest write transactions run: a thread of their own with a single-threaded
//! runtime. Each statement of a transaction is a round trip to the connection's worker thread;
//! on the shared runtime the task holding the writer's turn also waited, at each answer, behind
//! whatever else was queued there (sends, requests). Here nothing else is queued. (The turn is
//! still held about twice as long as SQLite works under load: on a saturated host each round
//! trip also waits for a core.)

use super::{Result, SqlStore};
use crate::store::StoreError;
use std::future::Future;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The writers' thread; it ends when this is dropped (with the last clone of the store).
#[derive(Debug)]
pub(super) struct WriterThread {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

impl WriterThread {
    pub(super) fn start() -> Result<Self> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("reach-writer".into())
            .spawn(move || {
                runtime.block_on(async {
                    // Sent or dropped: either way the store is gone.
                    let _ = stopped.await;
                });
            })
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        Ok(Self {
            handle,
            _stop: stop,
        })
    }

    /// Runs `job` on the writers' thread to its end, even if the caller stops waiting (a
    /// transaction begun there is finished there, committed or rolled back).
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        self.handle.spawn(job).await.map_err(ended_early)
    }
}

/// A write job that panicked or was dropped with its runtime (the process is stopping).
pub(super) fn ended_early(e: tokio::task::JoinError) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "a write job ended early: {e}"
    )))
}

impl SqlStore {
    /// Runs `job` (a write transaction and what must follow its commit) to its end, even if
    /// the caller stops waiting: on SQLite on the writers' own thread (`writer`), on
    /// PostgreSQL as a task of its own.
    pub async fn writing<T: Send + 'static>(
        &self,
        job: impl Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        match &self.writing {
            Some(thread) => thread.run(job).await,
            None => tokio::spawn(job).await.map_err(ended_early),
        }
    }
}

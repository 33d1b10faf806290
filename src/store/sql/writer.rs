//! Where SQLite's busiest write transactions run: a thread of their own with a single-threaded
//! runtime. Each statement of a transaction is a round trip to the connection's worker thread;
//! on the shared runtime the task holding the writer's turn also waited, at each answer, behind
//! whatever else was queued there (sends, requests). Here nothing else is queued.
//!
//! The turn was still held about twice as long as SQLite worked under load: on a busy host each
//! round trip also waited for a core. So on Linux this thread asks for a higher priority (nice
//! [`WRITER_NICE`]) and opens the write connection itself: sqlx's worker thread for it, where
//! SQLite does the work, is started from here and inherits it. Everything else queues behind
//! the one writer, so it should be the last to wait. Raising a priority takes root or
//! `CAP_SYS_NICE`; without them both threads run at the default priority, as before.
//! (Interleaved runs of the alert benchmark, 20,000 alerts, 6 pairs, one build with and without
//! it: median 11,256 → 13,933 notifications/s, 112.5 → 101.5 CPU µs per notification, p99 61
//! → 56 ms, ahead in 5; the writer's own thread alone favoured gained nothing: SQLite's worker
//! is what waited.)
//!
//! Where it is favoured, the thread also keeps to one CPU (the last this process may use, when
//! it may use more than one), and so does SQLite's worker for it: the two hand each statement,
//! its bound values and its rows back and forth, and on one CPU those stay in that CPU's caches
//! and each hand-off wakes a thread there instead of another CPU. Unfavoured, the pair could
//! wait behind whatever else runs on that CPU, so it is left free to move.
//! (Paired runs of the comparison harness, SQLite, 10,000 and 50,000 alerts, on a 2-CPU AMD EPYC
//! machine: ahead in 14 of 21 pairs, median ratio of the pairs 1.098 in notifications/s and
//! 0.955 in CPU µs per notification.)

use super::{Result, SqlStore};
use crate::store::StoreError;
use std::future::Future;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The nice value of the writers' thread and of the write connection's worker (the default is
/// 0; lower is favoured).
pub(super) const WRITER_NICE: i32 = -10;

/// The writers' thread; it ends when this is dropped (with the last clone of the store).
#[derive(Debug)]
pub(super) struct WriterThread {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

/// Asks for [`WRITER_NICE`] for the calling thread (Linux: `setpriority` applies to one
/// thread, and threads it starts inherit it); whether it was given.
fn favour_this_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        match rustix::process::setpriority_process(None, WRITER_NICE) {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(error = %e, "the SQLite writer runs at the default priority (raising it takes CAP_SYS_NICE)");
                false
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Keeps the calling thread, and the threads it starts, on the last CPU this process may use,
/// when it may use more than one; which CPU.
fn keep_to_one_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        let allowed = sched_getaffinity(None).ok()?;
        if allowed.count() < 2 {
            return None;
        }
        let last = (0..CpuSet::MAX_CPU)
            .rev()
            .find(|&cpu| allowed.is_set(cpu))?;
        let mut one = CpuSet::new();
        one.set(last);
        match sched_setaffinity(None, &one) {
            Ok(()) => Some(last),
            Err(e) => {
                tracing::debug!(error = %e, "the SQLite writer may run on any CPU");
                None
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    None
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
                if favour_this_thread()
                    && let Some(cpu) = keep_to_one_cpu()
                {
                    tracing::debug!(cpu, "the SQLite writer keeps to one CPU");
                }
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

/// Opens the SQLite write connections (`options` to `url`) from the writers' thread, whose
/// priority sqlx's worker threads for them inherit. The pool keeps its connection (no idle
/// or lifetime limit): one opened again elsewhere, after an error, would run at the default
/// priority.
pub(super) async fn connect_writes(
    thread: &WriterThread,
    options: sqlx::any::AnyPoolOptions,
    url: String,
) -> Result<sqlx::AnyPool> {
    let options = options.idle_timeout(None).max_lifetime(None);
    Ok(thread
        .run(async move { options.connect(&url).await })
        .await??)
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

#[cfg(all(test, target_os = "linux"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::WRITER_NICE;

    /// The nice value and the number of CPUs it may run on, of each of this process's threads
    /// whose name starts with `prefix`.
    fn threads(prefix: &str) -> Vec<(i32, u32)> {
        let mut found = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let path = task.unwrap().path();
            let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if !name.starts_with(prefix) {
                continue;
            }
            let tid: i32 = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
            let pid = rustix::process::Pid::from_raw(tid).unwrap();
            if let (Ok(nice), Ok(cpus)) = (
                rustix::process::getpriority_process(Some(pid)),
                rustix::thread::sched_getaffinity(Some(pid)),
            ) {
                found.push((nice, cpus.count()));
            }
        }
        found
    }

    /// Whether this process may raise a thread's priority (root or `CAP_SYS_NICE`), asked on a
    /// thread of its own.
    fn may_favour() -> bool {
        std::thread::spawn(|| rustix::process::setpriority_process(None, WRITER_NICE).is_ok())
            .join()
            .unwrap()
    }

    #[tokio::test]
    async fn the_writer_and_its_sqlite_worker_are_favoured_where_permitted() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("reach.db").display());
        let store = crate::store::sql::connect(&url).await.unwrap();
        // What threads start with here (0 unless the tests run under `nice`).
        let default = rustix::process::getpriority_process(None).unwrap();
        let all_cpus = rustix::thread::sched_getaffinity(None).unwrap().count();
        let writers = threads("reach-writer");
        let workers = threads("sqlx-sqlite-wor");
        assert!(!writers.is_empty());
        let favoured = |t: &&(i32, u32)| t.0 == WRITER_NICE;
        if may_favour() {
            assert!(writers.iter().all(|t| t.0 == WRITER_NICE), "{writers:?}");
            // The write connection's worker is favoured; the readers' are not.
            assert!(workers.iter().any(|t| favoured(&t)), "{workers:?}");
            assert!(workers.iter().any(|t| t.0 == default), "{workers:?}");
            // The favoured pair keeps to one CPU where there are more; the readers do not.
            let pair = if all_cpus > 1 { 1 } else { all_cpus };
            for t in writers.iter().chain(workers.iter().filter(favoured)) {
                assert_eq!(t.1, pair, "{writers:?} {workers:?}");
            }
            for t in workers.iter().filter(|t| t.0 == default) {
                assert_eq!(t.1, all_cpus, "{workers:?}");
            }
        } else {
            // Unfavoured, nothing changes: default priority, every CPU.
            for t in writers.iter().chain(&workers) {
                assert_eq!(*t, (default, all_cpus), "{writers:?} {workers:?}");
            }
        }
        // Writes still go through (on the favoured connection).
        let mut tx = store.write().await.unwrap();
        sqlx::Executor::execute(&mut *tx, "CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    }
}

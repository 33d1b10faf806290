//! What background work runs on: the clock (injected, so tests move it instead of sleeping)
//! and the wake-up that tells this process's workers that work was queued.

mod desk;

pub use desk::{HandOff, Reserved};

use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The time, injectable so tests move it instead of sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Wakes the workers of this process when work is queued, and keeps intake from running
/// ahead of sending: while this node's dispatcher runs, alerts wait to be stored while more
/// than [`BACKLOG_LIMIT`] notifications they queued are still unclaimed, so a burst waits at
/// the door (its POSTs take longer) instead of in the queue, and every alert goes out within
/// the time it takes to send the backlog, not the whole burst.
#[derive(Debug, Clone, Default)]
pub struct Wakeup(Arc<WakeupInner>);

#[derive(Debug, Default)]
struct WakeupInner {
    work: Notify,
    /// Notifications queued due now and not yet claimed (this node's count).
    backlog: AtomicUsize,
    /// A dispatcher runs on this node (else nothing would ever lower the backlog).
    dispatching: AtomicBool,
    claimed: Notify,
    /// Where intake hands this node's dispatcher what it claimed (while it runs).
    desk: Mutex<Option<desk::Desk>>,
}

/// Unclaimed notifications beyond which intake waits (two batches).
pub const BACKLOG_LIMIT: usize = 200;
/// Intake waits at most this long for the backlog to go down, then goes on anyway.
pub const BACKLOG_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Wakeup {
    pub fn wake(&self) {
        self.0.work.notify_one();
    }

    pub async fn woken(&self) {
        self.0.work.notified().await;
    }

    /// `queued` notifications were queued due now: wake the workers and count them.
    pub fn queued(&self, queued: usize) {
        self.0.backlog.fetch_add(queued, Ordering::Relaxed);
        self.wake();
    }

    /// The dispatcher runs from now on (without taking hand-offs: see [`Wakeup::desk_open`]).
    pub fn dispatching(&self) {
        self.0.dispatching.store(true, Ordering::Relaxed);
    }

    /// The dispatcher claimed `claimed` notifications; `drained` when that emptied the queue
    /// (the count starts again from nothing: other nodes claim this node's work too).
    pub fn claimed(&self, claimed: usize, drained: bool) {
        if drained {
            self.0.backlog.store(0, Ordering::Relaxed);
        } else {
            let _ = self
                .0
                .backlog
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(claimed))
                });
        }
        self.0.claimed.notify_waiters();
    }

    /// Waits (at most [`BACKLOG_WAIT`]) until the backlog is within [`BACKLOG_LIMIT`].
    pub async fn admit(&self) {
        if !self.0.dispatching.load(Ordering::Relaxed) {
            return;
        }
        let deadline = tokio::time::Instant::now() + BACKLOG_WAIT;
        loop {
            let claimed = self.0.claimed.notified();
            tokio::pin!(claimed);
            claimed.as_mut().enable();
            if self.0.backlog.load(Ordering::Relaxed) <= BACKLOG_LIMIT {
                return;
            }
            tokio::select! {
                () = claimed => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}

/// Tells the workers to stop: set once, at shutdown (SIGTERM, Ctrl-C). Clones share it.
#[derive(Debug, Clone)]
pub struct Shutdown(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Shutdown {
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }

    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Ends once the shutdown is set (at once if it is).
    pub async fn wait(&self) {
        let mut seen = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = seen.wait_for(|set| *set).await;
    }
}

#[cfg(test)]
mod backlog_tests {
    use super::*;

    /// Admitted without waiting for the backlog to go down (well within `BACKLOG_WAIT`).
    async fn at_once(wakeup: &Wakeup) -> bool {
        tokio::time::timeout(BACKLOG_WAIT / 4, wakeup.admit())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn intake_waits_while_the_backlog_is_over_the_limit() {
        let wakeup = Wakeup::default();
        wakeup.queued(BACKLOG_LIMIT + 100);
        assert!(
            at_once(&wakeup).await,
            "no dispatcher here: nothing would lower the backlog, so nothing waits"
        );

        wakeup.dispatching();
        let admitted = tokio::spawn({
            let wakeup = wakeup.clone();
            async move { wakeup.admit().await }
        });
        tokio::task::yield_now().await;
        assert!(!admitted.is_finished(), "over the limit: it waits");
        wakeup.claimed(50, false);
        tokio::task::yield_now().await;
        assert!(!admitted.is_finished(), "still over the limit");
        wakeup.claimed(50, false);
        admitted.await.unwrap();

        wakeup.queued(BACKLOG_LIMIT * 5);
        assert!(!at_once(&wakeup).await, "over the limit");
        wakeup.claimed(1, true);
        assert!(
            at_once(&wakeup).await,
            "a drained queue starts the count again"
        );
    }
}

//! One person's address gets its notifications one after the other, in claim order, even
//! when several claimed batches are in flight at once (flood control counts what was sent
//! before, and people read their messages in order). A [`Lanes`] hands each group of a batch
//! its turn in its destination's lane: the group waits for the group before it to finish.

use crate::domain::MethodType;
use foldhash::HashMap;
use std::sync::{Mutex, PoisonError};
use tokio::sync::oneshot;

/// The destinations with groups in flight: each keeps the end of its last group.
#[derive(Debug, Default)]
pub struct Lanes(Mutex<HashMap<(MethodType, String), oneshot::Receiver<()>>>);

/// A group's turn: wait for it, and hold it (the [`Done`]) until the group is sent.
#[derive(Debug)]
pub struct Turn {
    after: Option<oneshot::Receiver<()>>,
    done: Done,
}

/// Dropped when the group is over: the next group of the destination may go.
#[derive(Debug)]
pub struct Done(#[allow(dead_code)] oneshot::Sender<()>);

impl Turn {
    /// Waits until the group before is over.
    pub async fn wait(self) -> Done {
        if let Some(before) = self.after {
            // Its sender is dropped, never used: the error is the signal.
            let _ = before.await;
        }
        self.done
    }
}

impl Lanes {
    /// Takes the next turn in `destination`'s lane. Call in claim order.
    pub fn take(&self, destination: (MethodType, String)) -> Turn {
        let (done, end) = oneshot::channel();
        let mut lanes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let after = lanes.insert(destination, end);
        Turn {
            after,
            done: Done(done),
        }
    }

    /// Forgets the lanes whose last group is over.
    pub fn tidy(&self) {
        let mut lanes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        lanes.retain(|_, end| matches!(end.try_recv(), Err(oneshot::error::TryRecvError::Empty)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_group_waits_for_the_one_before_in_its_lane_only() {
        let lanes = Lanes::default();
        let a = || (MethodType::Email, "a@example.com".to_owned());
        let first = lanes.take(a());
        let second = lanes.take(a());
        let other = lanes.take((MethodType::Email, "b@example.com".to_owned()));
        // Another destination goes at once.
        drop(other.wait().await);
        let mut second = tokio::spawn(second.wait());
        tokio::task::yield_now().await;
        assert!(
            futures_poll(&mut second).await.is_none(),
            "the second group waits for the first"
        );
        let done = first.wait().await;
        lanes.tidy();
        assert_eq!(
            lanes.0.lock().unwrap().len(),
            1,
            "b's lane is over, a's is not"
        );
        drop(done);
        drop(second.await.unwrap());
        lanes.tidy();
        assert!(lanes.0.lock().unwrap().is_empty());
    }

    /// The task's result if it finished within a few scheduler turns.
    async fn futures_poll<T>(task: &mut tokio::task::JoinHandle<T>) -> Option<T> {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        if task.is_finished() {
            task.await.ok()
        } else {
            None
        }
    }
}

//! Intake's hand-off to this node's dispatcher: a batch stored while the dispatcher has room
//! has its notifications due now written already claimed (`sending`, with a lease, as a claim
//! would leave them) on the batch's own transaction, and handed over in memory once it
//! commits, so the dispatcher neither claims them nor waits for a wake-up. The room is the
//! dispatcher's own: places for claimed notifications not yet recorded, shared by its claims
//! and by hand-offs, so a burst waits at the door (for room) instead of in the queue.
//!
//! Older work goes first: while notifications queued on this node wait unclaimed, intake
//! queues behind them instead of handing over (one person's messages keep their order).

use super::{BACKLOG_WAIT, Wakeup};
use crate::domain::NotificationId;
use crate::store::{DeliveryContext, Notification};
use chrono::{DateTime, Utc};
use foldhash::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// Notifications intake claimed as it stored them, for the dispatcher.
#[derive(Debug)]
pub struct HandOff {
    pub claimed: Vec<Notification>,
    /// What they need to be sent, as intake knew it (those left out are read).
    pub contexts: HashMap<NotificationId, DeliveryContext>,
    /// When they were claimed: their lease runs from here.
    pub at: DateTime<Utc>,
    /// Their places in the dispatcher, free again once their outcomes are recorded.
    pub room: OwnedSemaphorePermit,
}

/// Places reserved in the dispatcher for a batch being stored, and the lease its claims get.
#[derive(Debug)]
pub struct Reserved {
    pub room: OwnedSemaphorePermit,
    pub lease: chrono::Duration,
}

#[derive(Debug)]
pub(super) struct Desk {
    room: Arc<Semaphore>,
    places: u32,
    lease: chrono::Duration,
    to: mpsc::UnboundedSender<HandOff>,
}

impl Wakeup {
    fn desk<T>(&self, f: impl FnOnce(&mut Option<Desk>) -> T) -> T {
        f(&mut self.0.desk.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The dispatcher takes hand-offs from now on: `room` holds its `places`, its claims last
    /// `lease`. What is handed over comes out of the answer.
    pub fn desk_open(
        &self,
        room: Arc<Semaphore>,
        places: u32,
        lease: chrono::Duration,
    ) -> mpsc::UnboundedReceiver<HandOff> {
        let (to, from) = mpsc::unbounded_channel();
        self.desk(|desk| {
            *desk = Some(Desk {
                room,
                places,
                lease,
                to,
            });
        });
        self.dispatching();
        from
    }

    /// Whether a dispatcher takes hand-offs here.
    pub fn takes_hand_offs(&self) -> bool {
        self.desk(|desk| desk.is_some())
    }

    /// The dispatcher takes no more hand-offs (it is stopping).
    pub fn desk_closed(&self) {
        self.desk(Option::take);
    }

    /// Places for `wanted` claims of a batch about to be stored: `None` (store it queued) when
    /// no dispatcher takes hand-offs here, when older notifications wait unclaimed (after
    /// waiting for them as [`Wakeup::admit`] does), or when no room came free within
    /// [`BACKLOG_WAIT`].
    pub async fn reserve(&self, wanted: usize) -> Option<Reserved> {
        let (room, places, lease) = self.desk(|desk| {
            desk.as_ref()
                .map(|d| (Arc::clone(&d.room), d.places, d.lease))
        })?;
        if self.0.backlog.load(Ordering::Relaxed) > 0 {
            self.admit().await;
            return None;
        }
        let wanted = u32::try_from(wanted).unwrap_or(u32::MAX).min(places);
        if wanted == 0 {
            return None;
        }
        match tokio::time::timeout(BACKLOG_WAIT, room.acquire_many_owned(wanted)).await {
            Ok(Ok(room)) => Some(Reserved { room, lease }),
            Ok(Err(_)) | Err(_) => None,
        }
    }

    /// Hands claimed notifications to the dispatcher; they come back when it takes no more
    /// (stopping), for the caller to give back to the queue.
    pub fn hand_off(&self, handed: HandOff) -> Result<(), HandOff> {
        self.desk(|desk| match desk.as_ref() {
            Some(d) => d.to.send(handed).map_err(|e| e.0),
            None => Err(handed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn intake_reserves_room_only_while_the_dispatcher_takes_hand_offs() {
        let wakeup = Wakeup::default();
        assert!(wakeup.reserve(10).await.is_none(), "no dispatcher here");

        let room = Arc::new(Semaphore::new(4));
        let _from = wakeup.desk_open(Arc::clone(&room), 4, chrono::Duration::seconds(60));
        let reserved = wakeup.reserve(10).await.expect("room");
        assert_eq!(
            reserved.room.num_permits(),
            4,
            "at most the dispatcher's places"
        );
        assert_eq!(reserved.lease, chrono::Duration::seconds(60));
        drop(reserved);

        wakeup.queued(1);
        assert!(
            wakeup.reserve(1).await.is_none(),
            "older work waits unclaimed: the batch queues behind it"
        );
        wakeup.claimed(1, true);
        assert!(wakeup.reserve(1).await.is_some());

        wakeup.desk_closed();
        assert!(
            wakeup.reserve(1).await.is_none(),
            "stopping: nothing more is handed over"
        );
        assert_eq!(room.available_permits(), 4, "every place is back");
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_dispatcher_makes_intake_wait_then_queue() {
        let wakeup = Wakeup::default();
        let room = Arc::new(Semaphore::new(2));
        let _from = wakeup.desk_open(Arc::clone(&room), 2, chrono::Duration::seconds(60));
        let held = wakeup.reserve(2).await.expect("room");
        let waiting = tokio::spawn({
            let wakeup = wakeup.clone();
            async move { wakeup.reserve(1).await.is_some() }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "no room: intake waits");
        drop(held);
        assert!(waiting.await.unwrap(), "room came free");

        let _held = wakeup.reserve(2).await.expect("room");
        assert!(
            wakeup.reserve(1).await.is_none(),
            "no room within the wait: stored queued"
        );
    }

    #[tokio::test]
    async fn a_hand_off_comes_back_once_the_desk_is_closed() {
        let wakeup = Wakeup::default();
        let room = Arc::new(Semaphore::new(1));
        let mut from = wakeup.desk_open(Arc::clone(&room), 1, chrono::Duration::seconds(60));
        let reserved = wakeup.reserve(1).await.expect("room");
        let handed = HandOff {
            claimed: Vec::new(),
            contexts: HashMap::default(),
            at: Utc::now(),
            room: reserved.room,
        };
        wakeup.hand_off(handed).expect("taken");
        assert!(from.recv().await.is_some());
        wakeup.desk_closed();
        let again = HandOff {
            claimed: Vec::new(),
            contexts: HashMap::default(),
            at: Utc::now(),
            room: Arc::clone(&room).acquire_owned().await.unwrap(),
        };
        assert!(wakeup.hand_off(again).is_err(), "given back");
    }
}

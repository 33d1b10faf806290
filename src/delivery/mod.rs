//! Sending notifications. A [`Dispatcher`] claims due notifications from the outbox (with a
//! lease), reads what each needs as it is now, suppresses what must not go any more
//! (acknowledged escalations, held or pending notices of resolved alerts, deleted contacts),
//! hands the rest to the [`Channel`] of its method type, and records the outcome and the
//! attempt. Failures retry per [`RetryPolicy`]; after the budget a notification is `dead`.
//!
//! Workers are woken when work is queued ([`Wakeup`]: in-process, plus `LISTEN/NOTIFY` on
//! PostgreSQL so every node hears it) and otherwise poll once a second for work that came due.
//! The clock, the wake-up and the link signer live outside (`runtime`, `links`): delivery and
//! reports both use them, and reports hand delivery their emails (`message::ReportMail`).

mod answer;
mod channel;
pub mod chat;
mod drain;
pub mod email;
mod handed;
mod lanes;
pub mod message;
mod process;
mod record;
pub mod twilio;
pub mod webhook;

pub use channel::{Channel, Outcome, SendFuture};
pub use message::Message;

/// The window of flood control: at most the account's limit of messages per destination.
pub const FLOOD_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

use crate::domain::retry::RetryPolicy;
use crate::domain::{MethodType, NotificationId};
use crate::links::LinkSigner;
use crate::runtime::{Clock, Shutdown, Wakeup};
use crate::store::{DeliveryContext, Notification, SqlStore, outbox};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _};
use lanes::{Lanes, Turn};
use record::Recorder;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How workers claim and send.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// A claim not finished within this is taken over by another worker (SPEC: 60 s).
    pub lease: chrono::Duration,
    /// A send is abandoned (and retried) after this (SPEC: 10 s).
    pub send_timeout: Duration,
    /// Notifications claimed at once (SPEC: 100).
    pub batch: u32,
    /// Sends in flight at once (over every batch in flight).
    pub concurrency: usize,
    /// Claimed batches in flight at once: the next is claimed while earlier ones are sent
    /// and recorded.
    pub batches_in_flight: u32,
    /// Idle workers look for work that came due this often.
    pub poll: Duration,
    pub retry: RetryPolicy,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            lease: chrono::Duration::seconds(60),
            send_timeout: Duration::from_secs(10),
            batch: 100,
            concurrency: 32,
            batches_in_flight: 4,
            poll: Duration::from_secs(1),
            retry: RetryPolicy::default(),
        }
    }
}

impl DispatchConfig {
    /// The defaults for a store on `backend`. PostgreSQL gets room for twice the batches in
    /// flight: there intake's transactions, the reads and the group commits each run on a
    /// connection of their own, at once, and with four batches a burst's requests waited for
    /// room two thirds of their time (10.5 of 16 ms) while the host had CPU to spare. SQLite's
    /// writes take turns on one writer, where more in flight only waits longer (measured: no
    /// gain, more memory, a longer p99).
    pub fn for_backend(backend: crate::store::Backend) -> Self {
        let defaults = Self::default();
        match backend {
            crate::store::Backend::Postgres => Self {
                batches_in_flight: 2 * defaults.batches_in_flight,
                ..defaults
            },
            crate::store::Backend::Sqlite => defaults,
        }
    }
}

/// Claims, sends and records.
#[derive(Debug)]
pub struct Dispatcher {
    store: SqlStore,
    clock: Arc<dyn Clock>,
    channels: HashMap<MethodType, Arc<dyn Channel>>,
    links: LinkSigner,
    config: DispatchConfig,
    recorder: Recorder,
    lanes: Lanes,
    /// One place per send in flight (`concurrency`).
    sending: Semaphore,
    /// What `run` has claimed and not yet recorded (given back if it stops first).
    in_flight: drain::InFlight,
}

/// A claimed notification with what it needs.
type Claimed = (Notification, DeliveryContext);

/// A claimed batch, and when its claims may be taken over.
struct Batch {
    claimed: Vec<Claimed>,
    lease_ends: DateTime<Utc>,
}

impl Dispatcher {
    pub fn new(
        store: SqlStore,
        clock: Arc<dyn Clock>,
        links: LinkSigner,
        config: DispatchConfig,
    ) -> Self {
        Self {
            store,
            clock,
            channels: HashMap::new(),
            links,
            sending: Semaphore::new(config.concurrency.max(1)),
            config,
            recorder: Recorder::default(),
            lanes: Lanes::default(),
            in_flight: drain::InFlight::default(),
        }
    }

    /// Sends notifications of `kind` through `channel`.
    #[must_use]
    pub fn with_channel(mut self, kind: MethodType, channel: Arc<dyn Channel>) -> Self {
        self.channels.insert(kind, channel);
        self
    }

    /// Claims one batch of due notifications, sends them and records every outcome; how many
    /// were claimed.
    #[tracing::instrument(skip_all, fields(claimed))]
    pub async fn run_once(self: &Arc<Self>) -> crate::store::Result<usize> {
        let claimed = self.claim(self.config.batch).await?;
        let count = claimed.claimed.len();
        tracing::Span::current().record("claimed", count);
        self.dispatch(claimed, None).await;
        Ok(count)
    }

    /// Runs until `shutdown`: claims whenever work is queued or comes due, and keeps claiming
    /// (up to `batches_in_flight` batches) while earlier batches are being sent. Once stopped it
    /// claims nothing more and drains what it holds (`drain`) before it returns.
    pub async fn run(self: Arc<Self>, wakeup: Wakeup, shutdown: Shutdown) {
        let batch = self.config.batch.max(1);
        let total = batch * self.config.batches_in_flight.max(1);
        let room = Arc::new(Semaphore::new(total as usize));
        // Intake hands over what it claims as it stores (`runtime::desk`), into the same room.
        let handed = wakeup.desk_open(Arc::clone(&room), total, self.config.lease);
        let taking = tokio::spawn(Arc::clone(&self).take_handed(handed, shutdown.clone()));
        while !shutdown.is_set() {
            // Room for a whole batch first, so that claims stay batch-sized.
            tokio::select! {
                permits = room.acquire_many(batch) => match permits {
                    Ok(permits) => drop(permits),
                    Err(_) => break,
                },
                () = shutdown.wait() => break,
            }
            let (claimed, count) = match self.claim(batch).await {
                Ok(claimed) => {
                    let count = claimed.claimed.len();
                    wakeup.claimed(count, count < batch as usize);
                    (Some(claimed), count)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming notifications failed");
                    (None, 0)
                }
            };
            if let Some(claimed) = claimed.filter(|_| count > 0) {
                let Ok(permits) = Arc::clone(&room)
                    .acquire_many_owned(u32::try_from(count).unwrap_or(batch))
                    .await
                else {
                    break;
                };
                let ids: Vec<_> = claimed.claimed.iter().map(|(n, _)| n.id.clone()).collect();
                self.in_flight.add(ids.iter().cloned());
                let sent = self.dispatch(claimed, Some(permits));
                let me = Arc::clone(&self);
                tokio::spawn(async move {
                    sent.await;
                    me.in_flight.done(&ids);
                });
            }
            // A whole batch: there may be more waiting.
            if count >= batch as usize {
                continue;
            }
            tokio::select! {
                () = wakeup.woken() => {}
                () = tokio::time::sleep(self.config.poll) => {}
                () = shutdown.wait() => {}
            }
        }
        wakeup.desk_closed();
        if let Err(e) = taking.await {
            tracing::error!(error = %e, "taking hand-offs failed");
        }
        self.drain(room, total).await;
    }

    /// Claims up to `limit` due notifications with a lease (one transaction) and reads what
    /// they all need, as it is now, in one statement.
    async fn claim(&self, limit: u32) -> crate::store::Result<Batch> {
        let now = self.clock.now();
        let claimed = {
            let mut tx = self.store.write().await?;
            let claimed = outbox::claim(&mut tx, now, self.config.lease, limit).await?;
            tx.commit().await?;
            claimed
        };
        self.prepare(claimed, HashMap::new(), now).await
    }

    /// A batch of notifications claimed at `now`, with what they all need: `known`, else read
    /// as it is now, in one statement.
    async fn prepare(
        &self,
        claimed: Vec<Notification>,
        mut contexts: HashMap<NotificationId, DeliveryContext>,
        now: DateTime<Utc>,
    ) -> crate::store::Result<Batch> {
        let unknown: Vec<Notification> = claimed
            .iter()
            .filter(|n| !contexts.contains_key(&n.id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            // Read beside the writer, which waits for nothing of it.
            let read = outbox::contexts(&mut *self.store.read().await?, &unknown).await?;
            contexts.extend(read);
        }
        let claimed = claimed
            .into_iter()
            .filter_map(|n| match contexts.remove(&n.id) {
                Some(context) => Some((n, context)),
                None => {
                    // Claimed rows are never deleted; a missing one is a bug worth hearing of.
                    tracing::error!(notification = %n.id, "a claimed notification could not be read");
                    None
                }
            })
            .collect();
        Ok(Batch {
            claimed,
            lease_ends: now + self.config.lease,
        })
    }

    /// Starts sending a claimed batch; the future ends when every outcome is recorded. One
    /// person's address gets its notifications one after the other, in claim order, also
    /// across batches in flight ([`Lanes`]); different destinations, and webhooks (machines,
    /// no flood limit by default), go at once, up to `concurrency` sends — a webhook's
    /// messages about one alert still in order (opened before resolved). `room`: the batch's
    /// places in the dispatcher, each freed as soon as its notification's outcome is recorded
    /// (not when the whole batch is), so intake waits for no batch's slowest send.
    fn dispatch(
        self: &Arc<Self>,
        batch: Batch,
        mut room: Option<OwnedSemaphorePermit>,
    ) -> impl Future<Output = ()> + use<> {
        self.lanes.tidy();
        let lease_ends = batch.lease_ends;
        let mut groups: Vec<(Option<Turn>, Vec<Claimed>)> = Vec::new();
        let mut index: HashMap<(MethodType, String), usize> = HashMap::new();
        for n in batch.claimed {
            if n.0.kind == MethodType::Webhook {
                let turn = n.0.alert_id.as_ref().map(|alert| {
                    let lane = format!("{} {}", n.0.method_id.as_str(), alert.as_str());
                    self.lanes.take((MethodType::Webhook, lane))
                });
                groups.push((turn, vec![n]));
                continue;
            }
            let key = (n.0.kind, n.0.address.clone());
            match index.get(&key) {
                Some(&i) => groups[i].1.push(n),
                None => {
                    index.insert(key.clone(), groups.len());
                    groups.push((Some(self.lanes.take(key)), vec![n]));
                }
            }
        }
        let mut running = tokio::task::JoinSet::new();
        for (turn, group) in groups {
            let me = Arc::clone(self);
            let mut places = room.as_mut().and_then(|r| r.split(group.len()));
            running.spawn(async move {
                let _done = match turn {
                    Some(turn) => Some(turn.wait().await),
                    None => None,
                };
                for (notification, context) in group {
                    // Boxed: the send's state is kilobytes, and a task's future is moved
                    // into its cell when spawned (a copy of it per notification).
                    let sent = Box::pin(me.process(notification, context, lease_ends));
                    if let Err(e) = sent.await {
                        tracing::warn!(error = %e, "recording a delivery failed");
                    }
                    drop(places.as_mut().and_then(|p| p.split(1)));
                }
            });
        }
        // Places of claims that are not sent (none could be read) are free at once.
        drop(room);
        async move {
            while let Some(ended) = running.join_next().await {
                if let Err(e) = ended {
                    tracing::error!(error = %e, "a delivery task failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DispatchConfig;
    use crate::store::Backend;

    #[test]
    fn postgresql_gets_room_for_twice_the_batches_sqlite_the_defaults() {
        let defaults = DispatchConfig::default();
        let postgres = DispatchConfig::for_backend(Backend::Postgres);
        assert_eq!(postgres.batches_in_flight, 2 * defaults.batches_in_flight);
        assert_eq!(postgres.batch, defaults.batch);
        assert_eq!(postgres.concurrency, defaults.concurrency);
        let sqlite = DispatchConfig::for_backend(Backend::Sqlite);
        assert_eq!(sqlite.batches_in_flight, defaults.batches_in_flight);
    }
}

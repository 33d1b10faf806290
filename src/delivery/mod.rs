//! Sending notifications. A [`Dispatcher`] claims due notifications from the outbox (with a
//! lease), reads what each needs as it is now, suppresses what must not go any more
//! (acknowledged escalations, held or pending notices of resolved alerts, deleted contacts),
//! hands the rest to the [`Channel`] of its method type, and records the outcome and the
//! attempt. Failures retry per [`RetryPolicy`]; after the budget a notification is `dead`.
//!
//! Workers are woken when work is queued ([`Wakeup`]: in-process, plus `LISTEN/NOTIFY` on
//! PostgreSQL so every node hears it) and otherwise poll once a second for work that came due.

pub mod email;
pub mod links;
pub mod message;
pub mod webhook;

pub use links::LinkSigner;
pub use message::Message;

use crate::domain::retry::RetryPolicy;
use crate::domain::{AlertStatus, MethodType};
use crate::store::{AttemptOutcome, NewAttempt, Notification, SqlStore, Store};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
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

/// Wakes the workers of this process when work is queued.
#[derive(Debug, Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub async fn woken(&self) {
        self.0.notified().await;
    }
}

/// How one attempt ended, as a channel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the provider's answer.
    Sent(String),
    /// Failed, may work later (timeouts, 5xx, SMTP 4xx).
    Retry(String),
    /// Failed for good (SMTP 5xx, HTTP 4xx, a refused address).
    Failed(String),
}

/// What [`Channel::send`] returns.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A way of reaching people: email, webhook, and (next) SMS and phone calls.
pub trait Channel: Send + Sync + fmt::Debug {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;
}

/// How workers claim and send.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// A claim not finished within this is taken over by another worker (SPEC: 60 s).
    pub lease: chrono::Duration,
    /// A send is abandoned (and retried) after this (SPEC: 10 s).
    pub send_timeout: Duration,
    /// Notifications claimed at once (SPEC: 100).
    pub batch: u32,
    /// Sends in flight at once within a batch.
    pub concurrency: usize,
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
            poll: Duration::from_secs(1),
            retry: RetryPolicy::default(),
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
            config,
        }
    }

    /// Sends notifications of `kind` through `channel`.
    #[must_use]
    pub fn with_channel(mut self, kind: MethodType, channel: Arc<dyn Channel>) -> Self {
        self.channels.insert(kind, channel);
        self
    }

    /// Claims one batch of due notifications and sends them all; how many were claimed.
    pub async fn run_once(self: &Arc<Self>) -> crate::store::Result<usize> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_notifications(now, self.config.lease, self.config.batch)
            .await?;
        let count = claimed.len();
        let mut pending = claimed.into_iter();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < self.config.concurrency.max(1) {
                let Some(notification) = pending.next() else {
                    break;
                };
                let me = Arc::clone(self);
                running.spawn(async move { me.process(notification).await });
            }
            match running.join_next().await {
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => tracing::warn!(error = %e, "recording a delivery failed"),
                Some(Err(e)) => tracing::error!(error = %e, "a delivery task failed"),
                None => break,
            }
        }
        Ok(count)
    }

    /// Runs until the process ends: a batch whenever work is queued or comes due.
    pub async fn run(self: Arc<Self>, wakeup: Wakeup) {
        loop {
            match self.run_once().await {
                // A full batch: there may be more waiting.
                Ok(n) if n >= self.config.batch as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "claiming notifications failed"),
            }
            tokio::select! {
                () = wakeup.woken() => {}
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }

    /// Why a claimed notification must not go out any more, if it must not.
    fn suppression(
        n: &Notification,
        context: &crate::store::DeliveryContext,
    ) -> Option<&'static str> {
        if context.recipient.is_none() {
            return Some("contact deleted");
        }
        let alert = context.alert.as_ref()?;
        if n.event == "resolved" {
            return None;
        }
        if alert.status == AlertStatus::Resolved {
            return Some(if n.held { "quiet hours" } else { "resolved" });
        }
        if alert.acknowledged_at.is_some() && (n.escalation || n.held) {
            return Some("acknowledged");
        }
        None
    }

    async fn process(&self, n: Notification) -> crate::store::Result<()> {
        let started = self.clock.now();
        let context = self.store.delivery_context(&n).await?;
        let attempt = |outcome, detail: String| NewAttempt {
            notification_id: n.id.clone(),
            attempt: n.attempts,
            started_at: started,
            finished_at: self.clock.now(),
            outcome,
            detail: Some(detail),
        };
        if let Some(reason) = Self::suppression(&n, &context) {
            if self.store.notification_suppressed(&n.id, reason).await? {
                self.store
                    .record_attempt(&attempt(AttemptOutcome::Suppressed, reason.to_owned()))
                    .await?;
            }
            return Ok(());
        }
        let outcome = match (
            self.channels.get(&n.kind),
            Message::new(n.clone(), context, &self.links, started),
        ) {
            (None, _) => Outcome::Failed(format!(
                "{} messages are not configured on this server",
                n.kind.as_str()
            )),
            (_, None) => Outcome::Failed("nothing to send: the notification has no alert".into()),
            (Some(channel), Some(message)) => {
                match tokio::time::timeout(self.config.send_timeout, channel.send(&message)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome::Retry(format!(
                        "no answer within {} s",
                        self.config.send_timeout.as_secs()
                    )),
                }
            }
        };
        let now = self.clock.now();
        let recorded = match &outcome {
            Outcome::Sent(answer) => self
                .store
                .notification_sent(&n.id, now)
                .await?
                .then(|| attempt(AttemptOutcome::Sent, answer.clone())),
            Outcome::Retry(error) => {
                let retry_at = self.config.retry.next_attempt(
                    n.attempts,
                    n.created_at,
                    now,
                    rand::random::<f64>(),
                );
                let kind = if retry_at.is_some() {
                    AttemptOutcome::Retry
                } else {
                    AttemptOutcome::Failed
                };
                self.store
                    .notification_failed(&n.id, error, retry_at)
                    .await?
                    .then(|| attempt(kind, error.clone()))
            }
            Outcome::Failed(error) => self
                .store
                .notification_failed(&n.id, error, None)
                .await?
                .then(|| attempt(AttemptOutcome::Failed, error.clone())),
        };
        match recorded {
            Some(entry) => self.store.record_attempt(&entry).await?,
            // Another worker took the claim over (our lease ran out): its outcome stands.
            None => {
                tracing::warn!(notification = %n.id, "the claim was taken over before the send finished")
            }
        }
        Ok(())
    }
}

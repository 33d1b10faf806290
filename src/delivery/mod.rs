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

mod channel;
pub mod email;
pub mod message;
mod record;
pub mod twilio;
pub mod webhook;

pub use channel::{Channel, Outcome, SendFuture};
pub use message::Message;

use crate::domain::notification::{self, AlertNow, Event, Pickup};
use message::{About, DigestLine};

/// The window of flood control: at most the account's limit of messages per destination.
pub const FLOOD_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

use crate::domain::retry::RetryPolicy;
use crate::domain::{AlertStatus, MethodType};
use crate::links::LinkSigner;
use crate::runtime::{Clock, Wakeup};
use crate::store::{AttemptOutcome, DeliveryContext, NewAttempt, Notification, SqlStore, outbox};
use chrono::{DateTime, Utc};
use record::{End, Record, Recorder};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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
    recorder: Recorder,
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
            recorder: Recorder::default(),
        }
    }

    /// Sends notifications of `kind` through `channel`.
    #[must_use]
    pub fn with_channel(mut self, kind: MethodType, channel: Arc<dyn Channel>) -> Self {
        self.channels.insert(kind, channel);
        self
    }

    /// Claims one batch of due notifications, reads what they all need in one statement, and
    /// sends them; how many were claimed.
    #[tracing::instrument(skip_all, fields(claimed))]
    pub async fn run_once(self: &Arc<Self>) -> crate::store::Result<usize> {
        let now = self.clock.now();
        let claimed = {
            let mut tx = self.store.write().await?;
            let claimed = outbox::claim(&mut tx, now, self.config.lease, self.config.batch).await?;
            tx.commit().await?;
            claimed
        };
        let count = claimed.len();
        tracing::Span::current().record("claimed", count);
        let mut contexts = outbox::contexts(&mut *self.store.read().await?, &claimed).await?;
        // One person's address gets its notifications one after the other (flood control counts
        // what was sent before); different destinations, and webhooks (machines, no flood limit
        // by default), go at once, up to `concurrency`.
        let mut by_destination: Vec<Vec<(Notification, DeliveryContext)>> = Vec::new();
        let mut index: HashMap<(MethodType, String), usize> = HashMap::new();
        for n in claimed {
            let Some(context) = contexts.remove(&n.id) else {
                // Claimed rows are never deleted; a missing one is a bug worth hearing of.
                tracing::error!(notification = %n.id, "a claimed notification could not be read");
                continue;
            };
            let n = (n, context);
            if n.0.kind == MethodType::Webhook {
                by_destination.push(vec![n]);
                continue;
            }
            let key = (n.0.kind, n.0.address.clone());
            match index.get(&key) {
                Some(&i) => by_destination[i].push(n),
                None => {
                    index.insert(key, by_destination.len());
                    by_destination.push(vec![n]);
                }
            }
        }
        let mut pending = by_destination.into_iter();
        let mut running: tokio::task::JoinSet<crate::store::Result<()>> =
            tokio::task::JoinSet::new();
        loop {
            while running.len() < self.config.concurrency.max(1) {
                let Some(group) = pending.next() else {
                    break;
                };
                let me = Arc::clone(self);
                running.spawn(async move {
                    for (notification, context) in group {
                        me.process(notification, context).await?;
                    }
                    Ok(())
                });
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

    /// What the pure rule needs to know of a claimed notification.
    fn pickup(n: &Notification, context: &DeliveryContext) -> Pickup {
        Pickup {
            event: n.event,
            escalation: n.escalation,
            held: n.held,
            recipient_exists: context.recipient.is_some(),
            alert: context.alert.as_ref().map(|a| AlertNow {
                resolved: a.status == AlertStatus::Resolved,
                acknowledged: a.acknowledged_at.is_some(),
            }),
        }
    }

    /// Records a claimed notification as not sent, with the reason.
    async fn suppress(
        &self,
        n: &Notification,
        started: DateTime<Utc>,
        reason: &str,
    ) -> crate::store::Result<()> {
        let record = Record {
            id: n.id.clone(),
            end: End::Suppressed {
                reason: reason.to_owned(),
            },
            attempt: NewAttempt {
                notification_id: n.id.clone(),
                attempt: n.attempts,
                started_at: started,
                finished_at: self.clock.now(),
                outcome: AttemptOutcome::Suppressed,
                detail: Some(reason.to_owned()),
            },
            forget_payload: false,
        };
        self.recorder.record(&self.store, record).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(notification = %n.id, kind = n.kind.as_str(), event = %n.event))]
    async fn process(&self, n: Notification, context: DeliveryContext) -> crate::store::Result<()> {
        let started = self.clock.now();
        let attempt = |outcome, detail: String| NewAttempt {
            notification_id: n.id.clone(),
            attempt: n.attempts,
            started_at: started,
            finished_at: self.clock.now(),
            outcome,
            detail: Some(detail),
        };
        if let Some(reason) = notification::suppression(Self::pickup(&n, &context)) {
            return self.suppress(&n, started, reason).await;
        }
        let is_alert = context.alert.is_some();
        // Flood control: alerts to a destination beyond the account's limit per window are
        // held back and told in one digest when the window reopens.
        if let (true, Some(limit)) = (is_alert, context.flood_limit) {
            let (count, oldest) = outbox::sent_to(
                &mut *self.store.read().await?,
                &context.account_id,
                n.kind.as_str(),
                &n.address,
                started - FLOOD_WINDOW,
            )
            .await?;
            if count >= limit {
                let reopens = oldest.map_or(started, |t| t + FLOOD_WINDOW);
                let mut tx = self.store.write().await?;
                outbox::queue_digest(&mut tx, &n, reopens, started).await?;
                tx.commit().await?;
                return self.suppress(&n, started, "rate limited").await;
            }
        }
        let message = match (n.event, context.recipient.clone()) {
            (Event::Test, Some(recipient)) => Some(Message::other(
                n.clone(),
                recipient,
                context.account_name.clone(),
                About::Test,
                started,
            )),
            (Event::Verification, Some(recipient)) => context
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|p| p["code"].as_str().map(str::to_owned))
                .map(|code| {
                    // An email can also be verified by clicking: the link is bound to the
                    // address it went to.
                    let link = (n.kind == MethodType::Email).then(|| {
                        self.links.verify_url(
                            context.account_id.as_str(),
                            n.contact_id.as_str(),
                            n.method_id.as_str(),
                            &n.address,
                            started + chrono::Duration::minutes(10),
                        )
                    });
                    Message::other(
                        n.clone(),
                        recipient,
                        context.account_name.clone(),
                        About::Verification { code, link },
                        started,
                    )
                }),
            (Event::Digest, Some(recipient)) => {
                let lines: Vec<DigestLine> =
                    outbox::held_back(&mut *self.store.read().await?, &n.method_id, started)
                        .await?
                        .into_iter()
                        .map(|(company, count, critical)| DigestLine {
                            company,
                            count,
                            critical,
                        })
                        .collect();
                if lines.is_empty() {
                    return self.suppress(&n, started, "empty digest").await;
                }
                Some(Message::other(
                    n.clone(),
                    recipient,
                    context.account_name.clone(),
                    About::Digest(lines),
                    started,
                ))
            }
            (Event::Report, Some(recipient)) => context
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<crate::delivery::message::ReportMail>(p).ok())
                .map(|mail| {
                    Message::other(
                        n.clone(),
                        recipient,
                        context.account_name.clone(),
                        About::Report(Box::new(mail)),
                        started,
                    )
                }),
            _ => Message::for_alert(n.clone(), context, &self.links, started),
        };
        let outcome = match (self.channels.get(&n.kind), message) {
            (_, Some(_)) if n.event == Event::Report && n.kind != MethodType::Email => {
                Outcome::Failed("reports go to email methods only".into())
            }
            (None, _) => Outcome::Failed(format!(
                "{} messages are not configured on this server",
                n.kind.as_str()
            )),
            (_, None) => Outcome::Failed("nothing to send: the notification has no content".into()),
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
        // The outcome, its attempt and (for a finished verification) the forgotten code land
        // together, in a group commit with the other outcomes finishing now.
        let now = self.clock.now();
        let (end, attempt) = match &outcome {
            Outcome::Sent(answer) => (
                End::Sent { at: now },
                attempt(AttemptOutcome::Sent, answer.clone()),
            ),
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
                let end = End::Failed {
                    error: error.clone(),
                    retry_at,
                };
                (end, attempt(kind, error.clone()))
            }
            Outcome::Failed(error) => {
                let end = End::Failed {
                    error: error.clone(),
                    retry_at: None,
                };
                (end, attempt(AttemptOutcome::Failed, error.clone()))
            }
        };
        // The code is kept hashed elsewhere; the outbox forgets it once its sending is over.
        let forget_payload =
            n.event == Event::Verification && attempt.outcome != AttemptOutcome::Retry;
        let record = Record {
            id: n.id.clone(),
            end,
            attempt,
            forget_payload,
        };
        if !self.recorder.record(&self.store, record).await? {
            // Another worker took the claim over (our lease ran out): its outcome stands.
            tracing::warn!(notification = %n.id, "the claim was taken over before the send finished");
        }
        Ok(())
    }
}

//! One claimed notification: the pickup rule, flood control, the message, the send through
//! its channel, and the outcome handed to the group commit.

use super::message::{About, DigestLine};
use super::record::{End, Record};
use super::{Dispatcher, FLOOD_WINDOW, Message, Outcome};
use crate::domain::NotificationId;
use crate::domain::notification::{self, AlertNow, Event, Pickup};
use crate::domain::{AlertStatus, MethodType};
use crate::store::outbox::{self, Finished};
use crate::store::{AttemptOutcome, DeliveryContext, NewAttempt, Notification};
use chrono::{DateTime, Utc};

impl Dispatcher {
    /// Whether sends are in flight, i.e. more outcomes are about to come.
    fn busy(&self) -> bool {
        self.sending.available_permits() < self.config.concurrency.max(1)
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

    /// A claimed notification not to be sent, with the reason.
    fn suppressed(&self, n: &Notification, started: DateTime<Utc>, reason: &str) -> Record {
        Record {
            finished: Finished {
                id: n.id.clone(),
                end: End::Suppressed {
                    reason: reason.to_owned(),
                },
                forget_payload: false,
            },
            attempt: Some(NewAttempt {
                notification_id: n.id.clone(),
                attempt: n.attempts,
                started_at: started,
                finished_at: self.clock.now(),
                outcome: AttemptOutcome::Suppressed,
                detail: Some(reason.to_owned()),
            }),
        }
    }

    /// Handles one claimed notification and records how it ended. `lease_ends`: when its
    /// claim may be taken over.
    #[tracing::instrument(skip_all, fields(notification = %n.id, kind = n.kind.as_str(), event = %n.event))]
    pub(super) async fn process(
        &self,
        n: Notification,
        context: DeliveryContext,
        lease_ends: DateTime<Utc>,
    ) -> crate::store::Result<()> {
        // One of the dispatcher's places for its reads and its send; waiting for the group
        // commit afterwards does not hold it.
        let place = self.sending.acquire().await;
        let id = n.id.clone();
        // Claimed with many others, it may have waited long for its place: a send that could
        // outlast the lease would be taken over and sent twice. It goes back to the queue.
        let record = if self.clock.now() + self.config.send_timeout >= lease_ends {
            Record {
                finished: Finished {
                    id: id.clone(),
                    end: End::Released,
                    forget_payload: false,
                },
                attempt: None,
            }
        } else {
            self.attempt(n, context).await?
        };
        drop(place);
        if !self
            .recorder
            .record(&self.store, record, self.busy())
            .await?
        {
            // Another worker took the claim over (our lease ran out): its outcome stands.
            tracing::warn!(notification = %id, "the claim was taken over before the send finished");
        }
        Ok(())
    }

    /// Decides, builds and sends one claimed notification: how it ended.
    async fn attempt(
        &self,
        n: Notification,
        context: DeliveryContext,
    ) -> crate::store::Result<Record> {
        let started = self.clock.now();
        // What is needed after the message took the notification.
        let (id, tries, event, kind, created_at) =
            (n.id.clone(), n.attempts, n.event, n.kind, n.created_at);
        let attempt = |outcome, detail: String| NewAttempt {
            notification_id: id.clone(),
            attempt: tries,
            started_at: started,
            finished_at: self.clock.now(),
            outcome,
            detail: Some(detail),
        };
        if let Some(reason) = notification::suppression(Self::pickup(&n, &context)) {
            return Ok(self.suppressed(&n, started, reason));
        }
        let is_alert = context.alert.is_some();
        // Flood control counts what went to a destination whose kind has a limit.
        let counted = is_alert && context.flood_limit.is_some();
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
                return Ok(self.suppressed(&n, started, "rate limited"));
            }
        }
        // Messages that are not about an alert take their recipient; an alert's takes the
        // whole context.
        let other = matches!(
            n.event,
            Event::Test | Event::Verification | Event::Digest | Event::Report
        );
        let recipient = if other {
            context.recipient.clone()
        } else {
            None
        };
        let message = match (n.event, recipient) {
            (Event::Test, Some(recipient)) => Some(Message::other(
                n,
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
                        n,
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
                    return Ok(self.suppressed(&n, started, "empty digest"));
                }
                Some(Message::other(
                    n,
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
                        n,
                        recipient,
                        context.account_name.clone(),
                        About::Report(Box::new(mail)),
                        started,
                    )
                }),
            _ => Message::for_alert(n, context, &self.links, started),
        };
        let outcome = match (self.channels.get(&kind), message) {
            (_, Some(_)) if event == Event::Report && kind != MethodType::Email => {
                Outcome::Failed("reports go to email methods only".into())
            }
            (None, _) => Outcome::Failed(format!(
                "{} messages are not configured on this server",
                kind.as_str()
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
        let policy = &self.config.retry;
        let (error, retry_at) = match &outcome {
            Outcome::Sent(answer) => {
                let end = End::Sent { at: now, counted };
                return Ok(Self::finished(
                    id.clone(),
                    event,
                    end,
                    attempt(AttemptOutcome::Sent, answer.clone()),
                ));
            }
            Outcome::Retry(error) => (
                error,
                policy.next_attempt(tries, created_at, now, rand::random::<f64>()),
            ),
            Outcome::RetryAfter(error, wait) => (
                error,
                policy.after_wait(created_at, now, *wait, rand::random::<f64>()),
            ),
            Outcome::Failed(error) => (error, None),
        };
        let kind = if retry_at.is_some() {
            AttemptOutcome::Retry
        } else {
            AttemptOutcome::Failed
        };
        let end = End::Failed {
            error: error.clone(),
            retry_at,
        };
        Ok(Self::finished(
            id.clone(),
            event,
            end,
            attempt(kind, error.clone()),
        ))
    }

    /// How a sent or failed notification ends, with its attempt.
    fn finished(id: NotificationId, event: Event, end: End, attempt: NewAttempt) -> Record {
        // The code is kept hashed elsewhere; the outbox forgets it once its sending is over.
        let forget_payload =
            event == Event::Verification && attempt.outcome != AttemptOutcome::Retry;
        Record {
            finished: Finished {
                id,
                end,
                forget_payload,
            },
            attempt: Some(attempt),
        }
    }
}

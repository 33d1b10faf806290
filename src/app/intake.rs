//! The two ends of storing a batch of alerts that every intake shares (the alerts API and the
//! integrations): room reserved in this node's dispatcher before the batch's transaction, and
//! after its commit what it claimed handed over (`runtime::desk`) and the workers woken for
//! what it only queued.

use super::App;
use super::ingest::{Facts, Stored};
use crate::config::Secret;
use crate::domain::NotificationId;
use crate::runtime::{HandOff, Reserved};
use crate::store::{Alert, DeliveryContext, Notification, RecipientInfo, ingest::Claim};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _};
use std::sync::Arc;

/// Room for a batch of `alerts` (one notification each, the common case; a batch that implies
/// more queues the rest). `None`: store it queued.
pub(crate) async fn reserve(app: &App, alerts: usize) -> Option<Reserved> {
    app.wakeup.reserve(alerts).await
}

/// The claim a batch stored at `now` makes with `room`.
pub(crate) fn claim(room: Option<&Reserved>, now: DateTime<Utc>) -> Option<Claim> {
    room.map(|r| Claim {
        lease_until: now + r.lease,
        limit: r.room.num_permits(),
    })
}

/// What each of `claimed` needs to be sent, from what the batch read and stored (`facts`,
/// `alerts`) instead of reading it again; a notification whose method or alert is not among
/// them (a resolution told to someone who has lost access since) is left for the dispatcher
/// to read.
fn contexts(
    facts: &Facts,
    alerts: &[Arc<Alert>],
    claimed: &[Notification],
) -> HashMap<NotificationId, DeliveryContext> {
    let account = &facts.account;
    let alerts: HashMap<_, _> = alerts.iter().map(|a| (&a.id, a)).collect();
    let mut out = HashMap::with_capacity(claimed.len());
    out.extend(claimed.iter().filter_map(|n| {
        let alert = alerts.get(n.alert_id.as_ref()?)?;
        let to = facts
            .addressees
            .get(&n.method_id)
            .filter(|to| to.contact == n.contact_id)?;
        let context = DeliveryContext {
            account_id: account.id.clone(),
            account_name: account.name.clone(),
            company_name: facts.company_names.get(&alert.company_id).cloned(),
            alert: Some(Arc::clone(alert)),
            recipient: Some(RecipientInfo {
                name: to.name.clone(),
                locale: to.locale.unwrap_or(account.locale),
                timezone: to.timezone.unwrap_or(account.timezone),
                webhook_secret: to.secret.clone().map(Secret::from),
            }),
            payload: None,
            flood_limit: account.flood_limits.for_kind(n.kind),
        };
        Some((n.id.clone(), context))
    }));
    out
}

/// After the commit of a batch (`facts` read for it): hands what it claimed at `at` to the
/// dispatcher (unused room goes back) and wakes the workers, here and on every node, for what
/// it only queued; the store hears how much its tables grew.
pub(crate) async fn stored(
    app: &App,
    facts: &Facts,
    stored: &mut Stored,
    room: Option<Reserved>,
    at: DateTime<Utc>,
) {
    let claimed = std::mem::take(&mut stored.claimed);
    let alerts = &stored.alerts;
    let mut due_now = stored.due_now;
    app.store.grew(alerts.len() + claimed.len() + due_now);
    if let (Some(mut room), false) = (room.map(|r| r.room), claimed.is_empty()) {
        let handed = match room.split(claimed.len()) {
            Some(places) => app.wakeup.hand_off(HandOff {
                contexts: contexts(facts, alerts, &claimed),
                claimed,
                at,
                room: places,
            }),
            None => {
                tracing::error!("more notifications claimed than places reserved");
                Err(HandOff {
                    claimed,
                    contexts: HashMap::new(),
                    at,
                    room,
                })
            }
        };
        if let Err(back) = handed {
            due_now += give_back(app, &back.claimed).await;
        }
    }
    if due_now > 0 {
        app.alerts_queued(due_now).await;
    }
}

/// Claims the dispatcher cannot take (it is stopping) go back to the queue for any node; how
/// many. Should that fail, their lease runs out and they are claimed again then.
async fn give_back(app: &App, claimed: &[Notification]) -> usize {
    let ids: Vec<_> = claimed.iter().map(|n| n.id.clone()).collect();
    match app.store.give_back(&ids).await {
        Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
        Err(e) => {
            tracing::warn!(error = %e, "giving claims back failed; they go again after their lease");
            0
        }
    }
}

/// Begins a write transaction and stores `alerts` on it (`ingest::store_with`): the
/// transaction, to commit, and what it stored. On PostgreSQL two batches with the same key
/// can both read no alert firing under it and both open one: the second meets the first's at
/// its insert (a unique violation on `key`, raised once the first committed). That batch is
/// stored again, once, on a new transaction, where it sees the first's alert and repeats it,
/// as it would have one after the other. (SQLite's writers take turns: it cannot happen there.)
pub(crate) async fn begin_stored(
    store: &crate::store::SqlStore,
    account: &crate::domain::AccountId,
    alerts: &[crate::domain::NewAlert],
    facts: &Facts,
    now: DateTime<Utc>,
    claim: Option<Claim>,
) -> crate::store::Result<(crate::store::Tx, Stored)> {
    let mut again = true;
    loop {
        let mut tx = store.write_batch().await?;
        match super::ingest::store_with(&mut tx, account, alerts, facts, now, claim).await {
            Err(crate::store::StoreError::Conflict(taken)) if again && taken.field == "key" => {
                // Rolled back before the next begins.
                drop(tx);
                again = false;
            }
            stored => return Ok((tx, stored?)),
        }
    }
}

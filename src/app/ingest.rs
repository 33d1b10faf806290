//! Storing a batch of alerts with every notification it implies, on one transaction (the
//! transactional outbox): the store reads and writes, `domain::lifecycle` decides what each
//! alert does to the one firing under its key, `domain::routing` plans who is told.
//!
//! The batch is read with a handful of set-based statements (the keys firing, the companies'
//! recipients and maintenance, who was told of what resolves), decided alert by alert in
//! memory — a key may open, repeat and resolve within one batch — and written with a handful
//! more, whatever its size. The answer is what was written, kept as it was decided (not read
//! back).

use crate::domain::lifecycle::{self, Firing, Transition};
use crate::domain::notification::Event;
use crate::domain::oncall::policy::{Policy as Escalation, Target};
use crate::domain::routing::{self, AlertFacts, Plan, Planned, Policy, Schedules};
use crate::domain::{
    AccountId, AlertId, AlertStatus, CompanyId, MethodId, NewAlert, NotificationId, PolicyId,
};
use crate::store::ingest::{Queued, StoredAlert};
use crate::store::{Account, Alert, Notification, Result, StoreError, ingest};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _, HashSet};
use sqlx::AnyConnection;
use std::sync::Arc;

/// The alert firing under a key as the batch goes: in the database before it, or one the batch
/// inserts (its index among the inserts).
#[derive(Debug, Clone)]
struct Current {
    id: AlertId,
    firing: Firing,
    inserted: Option<usize>,
}

/// An alert of the batch as the answer shows it: stored before the batch, or inserted by it.
fn new_alert(id: &AlertId, alert: &NewAlert, now: DateTime<Utc>) -> Alert {
    Alert {
        id: id.clone(),
        company_id: alert.company.clone(),
        key: alert.key.clone(),
        severity: alert.severity,
        status: AlertStatus::Firing,
        title: alert.title.clone(),
        body: alert.body.clone(),
        labels: alert.labels.clone(),
        opened_at: now,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
    }
}

/// What routing needs to know of a batch's account and companies: its settings, each
/// company's recipients and whether it is in maintenance. Read before the write transaction
/// (on a read connection: the single SQLite writer waits for nothing of it), or on it.
#[derive(Debug)]
pub struct Facts {
    settings: ingest::RoutingSettings,
    people: HashMap<CompanyId, Vec<crate::domain::routing::Recipient>>,
    /// What the messages of the batch show (`app::intake` builds their contexts from it).
    pub(super) account: Account,
    pub(super) company_names: HashMap<CompanyId, String>,
    pub(super) addressees: HashMap<MethodId, ingest::Addressee>,
    maintenance: HashSet<CompanyId>,
    /// The escalation policy of each company that has one, with the schedules it names.
    policies: HashMap<CompanyId, (Escalation, Schedules)>,
}

/// The escalation policies `with_policy` names (each company's) and the schedules (with the
/// overrides that have not ended by `now`) their steps name. A schedule deleted since is left
/// out (its steps tell nobody).
async fn read_policies(
    db: &mut AnyConnection,
    account: &AccountId,
    with_policy: Vec<(CompanyId, PolicyId)>,
    now: DateTime<Utc>,
) -> Result<HashMap<CompanyId, (Escalation, Schedules)>> {
    let mut out = HashMap::new();
    for (company, id) in with_policy {
        let policy = crate::store::policies::get(db, account, &id).await?.policy;
        let mut schedules = Schedules::default();
        for step in &policy.steps {
            for target in &step.targets {
                let Target::Schedule(schedule) = target else {
                    continue;
                };
                if schedules.contains_key(schedule) {
                    continue;
                }
                let found = match crate::store::schedules::get(db, account, schedule).await {
                    Ok(found) => found,
                    Err(StoreError::NotFound) => continue,
                    Err(e) => return Err(e),
                };
                let overrides = crate::store::schedules::overrides(db, account, schedule, now)
                    .await?
                    .into_iter()
                    .map(|o| o.over)
                    .collect();
                schedules.insert(schedule.clone(), (found.rotation, overrides));
            }
        }
        out.insert(company, (policy, schedules));
    }
    Ok(out)
}

/// Reads the [`Facts`] of `alerts` at `now`.
pub async fn read_facts(
    db: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    now: DateTime<Utc>,
) -> Result<Facts> {
    let found = crate::store::accounts::get(db, account).await?;
    let settings = ingest::RoutingSettings::of(&found);
    let mut companies: Vec<&CompanyId> = alerts.iter().map(|a| &a.company).collect();
    companies.sort_unstable();
    companies.dedup();
    let recipients = ingest::recipients(db, account, &companies, settings.timezone).await?;
    let mut company_names = HashMap::new();
    let mut with_policy = Vec::new();
    for (id, (name, policy)) in ingest::companies(db, account, &companies).await? {
        if let Some(policy) = policy {
            with_policy.push((id.clone(), policy));
        }
        company_names.insert(id, name);
    }
    Ok(Facts {
        settings,
        people: recipients.by_company,
        addressees: recipients.addressees,
        company_names,
        account: found,
        maintenance: ingest::in_maintenance(db, &companies, now).await?,
        policies: read_policies(db, account, with_policy, now).await?,
    })
}

/// Stores `alerts` on `tx` (call it on a write transaction and commit): a new firing key
/// opens an alert, a repeat re-notifies after the account's repeat interval, `resolved`
/// closes it and notifies those who were notified. A company id of another account is a
/// field error (`[i].company_id`) and nothing is stored. The stored alerts, in order.
pub async fn store_batch(
    tx: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    now: DateTime<Utc>,
) -> Result<Vec<Alert>> {
    let facts = read_facts(tx, account, alerts, now).await?;
    let stored = store_with(tx, account, alerts, &facts, now, None).await?;
    Ok(stored
        .alerts
        .into_iter()
        .map(Arc::unwrap_or_clone)
        .collect())
}

/// What a batch stored.
#[derive(Debug)]
pub struct Stored {
    /// The stored alerts, in order (shared with the notifications handed over).
    pub alerts: Vec<Arc<Alert>>,
    /// Notifications queued to go out now (not later: escalations, quiet hours), beside those
    /// claimed.
    pub due_now: usize,
    /// Notifications due now written claimed (with a `claim`), for this node's dispatcher.
    pub claimed: Vec<Notification>,
}

/// [`store_batch`] with the facts read before the transaction; with a `claim`, notifications
/// due now are written claimed (see [`ingest::Claim`]) and come back in `claimed`.
#[tracing::instrument(skip_all, fields(account = %account, alerts = alerts.len()))]
pub async fn store_with(
    tx: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    facts: &Facts,
    now: DateTime<Utc>,
    claim: Option<ingest::Claim>,
) -> Result<Stored> {
    // As stored: to the millisecond.
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    let Facts {
        settings,
        people,
        maintenance,
        policies,
        ..
    } = facts;
    // Every alert the answer shows, as it ends the batch.
    let mut shown: HashMap<AlertId, Alert> = HashMap::with_capacity(alerts.len());
    let mut keys: HashMap<(CompanyId, String), Current> = HashMap::with_capacity(alerts.len());
    for (key, (alert, firing)) in ingest::checked_firing(tx, account, alerts).await? {
        let current = Current {
            id: alert.id.clone(),
            firing,
            inserted: None,
        };
        keys.insert(key, current);
        shown.insert(alert.id.clone(), alert);
    }
    // Who was told of each firing alert a resolution in the batch may close.
    let resolving: HashSet<(&CompanyId, &str)> = alerts
        .iter()
        .filter(|a| a.status == AlertStatus::Resolved)
        .map(|a| (&a.company, a.key.as_str()))
        .collect();
    let closing: Vec<&AlertId> = keys
        .iter()
        .filter(|((company, key), _)| resolving.contains(&(company, key.as_str())))
        .map(|(_, current)| &current.id)
        .collect();
    let mut told = ingest::told(tx, &closing).await?;

    let mut inserts: Vec<StoredAlert> = Vec::new();
    let mut queued: Vec<Queued> = Vec::new();
    let mut resolved: Vec<AlertId> = Vec::new();
    let mut renotified: Vec<AlertId> = Vec::new();
    let mut stored = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let key = (alert.company.clone(), alert.key.clone());
        let current = keys.get(&key).cloned();
        let transition = lifecycle::transition(
            alert.status,
            current.as_ref().map(|c| c.firing),
            now,
            settings.repeat_interval,
        );
        let plans = || {
            let facts = AlertFacts {
                company: alert.company.clone(),
                severity: alert.severity,
                opened_at: now,
            };
            let policy = Policy {
                require_verified_phones: settings.require_verified_phones,
                in_maintenance: maintenance.contains(&alert.company),
            };
            let people = people.get(&alert.company).map_or(&[][..], Vec::as_slice);
            match policies.get(&alert.company) {
                Some((escalation, schedules)) => {
                    routing::route_escalated(&facts, people, escalation, schedules, policy)
                        .into_iter()
                        .map(|p| (p.planned, i64::try_from(p.step).ok()))
                        .collect()
                }
                None => routing::route_opened(&facts, people, policy)
                    .into_iter()
                    .map(|p| (p, None))
                    .collect::<Vec<_>>(),
            }
        };
        let queue = |queued: &mut Vec<Queued>,
                     id: &AlertId,
                     event: Event,
                     plans: Vec<(Planned, Option<i64>)>| {
            let rows = plans.into_iter().map(|(p, step)| (p.method, p.plan, step));
            enqueue(queued, id, event, rows);
        };
        // A repeat or a resolution has its firing alert (the transition says so).
        let firing = || current.clone().ok_or(StoreError::NotFound);
        let id = match transition {
            Transition::Open => {
                let id = AlertId::generate();
                queue(&mut queued, &id, Event::Opened, plans());
                let current = Current {
                    id: id.clone(),
                    firing: Firing {
                        last_notified_at: now,
                    },
                    inserted: Some(inserts.len()),
                };
                keys.insert(key, current);
                inserts.push(StoredAlert {
                    id: id.clone(),
                    alert,
                    last_notified_at: now,
                    resolved_at: None,
                });
                shown.insert(id.clone(), new_alert(&id, alert, now));
                id
            }
            Transition::Repeat { renotify } => {
                let current = firing()?;
                if renotify {
                    // A re-notification tells again at once whom the first step told.
                    let plans = plans()
                        .into_iter()
                        .filter(|(p, step)| step.is_none_or(|s| s == 1) && lifecycle::renotifies(p))
                        .collect();
                    queue(&mut queued, &current.id, Event::Renotified, plans);
                    match current.inserted {
                        Some(i) => inserts[i].last_notified_at = now,
                        None => renotified.push(current.id.clone()),
                    }
                    if let Some(c) = keys.get_mut(&key) {
                        c.firing.last_notified_at = now;
                    }
                }
                current.id
            }
            Transition::Resolve => {
                let current = firing()?;
                match current.inserted {
                    // Nothing of an alert opened in this batch has been sent yet.
                    Some(i) => inserts[i].resolved_at = Some(now),
                    None => {
                        let methods = told.remove(&current.id).unwrap_or_default();
                        let send = Plan::Send {
                            at: now,
                            escalation: false,
                            held: false,
                        };
                        let rows = methods.into_iter().map(|m| (m, send.clone(), None));
                        enqueue(&mut queued, &current.id, Event::Resolved, rows);
                        resolved.push(current.id.clone());
                    }
                }
                keys.remove(&key);
                if let Some(shown) = shown.get_mut(&current.id) {
                    shown.status = AlertStatus::Resolved;
                    shown.resolved_at = Some(now);
                }
                current.id
            }
            // Kept for the record; tells nobody.
            Transition::RecordResolved => {
                let id = AlertId::generate();
                inserts.push(StoredAlert {
                    id: id.clone(),
                    alert,
                    last_notified_at: now,
                    resolved_at: Some(now),
                });
                let mut record = new_alert(&id, alert, now);
                record.status = AlertStatus::Resolved;
                record.resolved_at = Some(now);
                shown.insert(id.clone(), record);
                id
            }
        };
        stored.push(id);
    }
    // Resolutions first: a key resolved and opened again in one batch is firing once.
    ingest::resolve(tx, &resolved, now).await?;
    ingest::mark_renotified(tx, &renotified, now).await?;
    let claimed = ingest::enqueue(tx, account, &inserts, &queued, now, claim).await?;
    let due_now = queued
        .iter()
        .filter(|q| matches!(q.plan, Plan::Send { at, .. } if at <= now))
        .count()
        - claimed.len();
    // Each alert moves into the answer at its last mention (a key may come back in a batch).
    let mut mentions: HashMap<&AlertId, usize> = HashMap::with_capacity(stored.len());
    for id in &stored {
        *mentions.entry(id).or_default() += 1;
    }
    let mut alerts = Vec::with_capacity(stored.len());
    for id in &stored {
        let left = mentions.get_mut(id).map_or(0, |n| {
            *n -= 1;
            *n
        });
        let alert = if left == 0 {
            shown.remove(id)
        } else {
            shown.get(id).cloned()
        };
        alerts.push(Arc::new(alert.ok_or(StoreError::NotFound)?));
    }
    Ok(Stored {
        alerts,
        due_now,
        claimed,
    })
}

/// Adds an outbox row per (method, plan) of the alert's `event`, in order.
fn enqueue(
    queued: &mut Vec<Queued>,
    alert: &AlertId,
    event: Event,
    rows: impl IntoIterator<Item = (MethodId, Plan, Option<i64>)>,
) {
    queued.extend(rows.into_iter().map(|(method, plan, step)| Queued {
        id: NotificationId::generate(),
        alert: alert.clone(),
        method,
        event,
        plan,
        step,
    }));
}

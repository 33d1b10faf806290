//! Storing a batch of alerts with every notification it implies, on one transaction (the
//! transactional outbox): the store reads and writes, `domain::lifecycle` decides what each
//! alert does to the one firing under its key, `domain::routing` plans who is told.

use crate::domain::lifecycle::{self, Transition};
use crate::domain::notification::Event;
use crate::domain::routing::{self, AlertFacts, Policy, Recipient};
use crate::domain::{AccountId, CompanyId, NewAlert};
use crate::store::{Alert, Result, StoreError, ingest};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Stores `alerts` on `tx` (call it on a write transaction and commit): a new firing key
/// opens an alert, a repeat re-notifies after the account's repeat interval, `resolved`
/// closes it and notifies those who were notified. A company id of another account is a
/// field error (`[i].company_id`) and nothing is stored. The stored alerts, in order.
#[tracing::instrument(skip_all, fields(account = %account, alerts = alerts.len()))]
pub async fn store_batch(
    tx: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    now: DateTime<Utc>,
) -> Result<Vec<Alert>> {
    let settings = ingest::settings(tx, account).await?;
    ingest::check_companies(tx, account, alerts).await?;
    // Each company's recipients and maintenance state: read once per batch.
    let mut companies: HashMap<CompanyId, (Vec<Recipient>, bool)> = HashMap::new();
    let mut stored = Vec::with_capacity(alerts.len());
    for alert in alerts {
        if !companies.contains_key(&alert.company) {
            let people =
                ingest::load_recipients(tx, account, &alert.company, settings.timezone).await?;
            let maintenance = ingest::in_maintenance(tx, &alert.company, now).await?;
            companies.insert(alert.company.clone(), (people, maintenance));
        }
        let (people, in_maintenance) = companies
            .get(&alert.company)
            .map(|(p, m)| (p.as_slice(), *m))
            .unwrap_or_default();
        let firing = ingest::firing(tx, account, alert)
            .await?
            .map(|row| ingest::firing_facts(&row))
            .transpose()?;
        let transition = lifecycle::transition(
            alert.status,
            firing.as_ref().map(|(_, f)| *f),
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
                in_maintenance,
            };
            routing::route_opened(&facts, people, policy)
        };
        // A repeat or a resolution has its firing alert (the transition says so).
        let firing_id = || firing.clone().map(|(id, _)| id).ok_or(StoreError::NotFound);
        let id = match transition {
            Transition::Open => {
                let id = ingest::insert_alert(tx, account, alert, now, None).await?;
                ingest::enqueue(tx, account, &id, Event::Opened, &plans(), now).await?;
                id
            }
            Transition::Repeat { renotify } => {
                let id = firing_id()?;
                if renotify {
                    let plans = lifecycle::renotify(plans());
                    ingest::enqueue(tx, account, &id, Event::Renotified, &plans, now).await?;
                    ingest::mark_renotified(tx, &id, now).await?;
                }
                id
            }
            Transition::Resolve => {
                let id = firing_id()?;
                ingest::resolve(tx, &id, now).await?;
                ingest::notify_resolved(tx, account, &id, now).await?;
                id
            }
            // Kept for the record; tells nobody.
            Transition::RecordResolved => {
                ingest::insert_alert(tx, account, alert, now, Some(now)).await?
            }
        };
        stored.push(id);
    }
    ingest::read_back(tx, account, &stored).await
}

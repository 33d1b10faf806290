//! `POST /hooks/{token}`: alerts in from monitoring systems in their own formats (SPEC §2
//! "Alerts in: integrations"). The token finds the integration; its kind's parser reads the
//! body; each alert gets its company and the checks of a posted alert; the batch goes through
//! the same ingest path as `POST /api/v1/alerts`, on one transaction with the integration's
//! bookkeeping, so a sender's retry is a repeat and never notifies twice.

use super::{App, commit};
use crate::auth;
use crate::domain::integration::{Body, IntegrationKind, KnownCompany, Shape};
use crate::domain::{AccountId, AlertStatus, CompanyScope, NewAlert, Severity};
use crate::error::AppError;
use crate::store::{self, Integration};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The key of the alert a `heartbeat` integration opens when its pings stop: one per
/// integration (`heartbeat:{id}`), so two heartbeats of one company never share an alert.
pub fn heartbeat_key(integration: &Integration) -> String {
    format!("heartbeat:{}", integration.id)
}

/// The alert a `heartbeat` integration opens (`status` firing) or resolves: critical, for its
/// company, keyed by the integration, titled "No heartbeat from NAME". `None` when it has no
/// company.
pub fn heartbeat_alert(integration: &Integration, status: AlertStatus) -> Option<NewAlert> {
    Some(NewAlert {
        company: integration.company_id.clone()?,
        key: heartbeat_key(integration),
        severity: Severity::Critical,
        title: format!("No heartbeat from {}", integration.name),
        body: None,
        labels: BTreeMap::new(),
        status,
    })
}

/// Takes a request to an integration's URL: the number of alerts stored (0 for a test request
/// or a ping). An unknown or rotated token is `NotFound`; a body that is not the kind's format
/// `NotTheFormat` (400, saying what was expected); an alert whose company cannot be found or
/// whose fields are refused, `Validation` naming the field (`alerts[2].labels.company`) with
/// nothing stored. Every request with a known token records when it came in.
#[tracing::instrument(skip_all)]
pub async fn receive(app: &Arc<App>, token: &str, body: Body<'_>) -> Result<usize, AppError> {
    let found = {
        let mut db = app.store.read().await?;
        store::integrations::by_token(&mut db, &auth::hash_token(token)).await?
    };
    let Some((account, integration)) = found else {
        return Err(AppError::NotFound);
    };
    let now = Utc::now();
    if integration.kind == IntegrationKind::Heartbeat {
        ping(app, &account, &integration, now).await?;
        return Ok(0);
    }
    let alerts = match read(app, &account, &integration, body).await {
        Ok(alerts) => alerts,
        Err(refused) => {
            // Received, though nothing was accepted: the integrations page shows it came in.
            let mut tx = app.store.write().await?;
            store::integrations::record_received(&mut tx, &integration.id, now, 0).await?;
            commit(tx).await?;
            return Err(refused);
        }
    };
    // Intake waits while sending is behind, for room in the dispatcher (`runtime::desk`); what
    // routing reads goes first, beside the writer.
    let room = super::intake::reserve(app, alerts.len()).await;
    let now = Utc::now();
    let facts = {
        let mut db = app.store.read().await?;
        super::ingest::read_facts(&mut db, &account, &alerts, now).await?
    };
    // The transaction and the hand-off after it run to their end together, even if the
    // request is given up meanwhile (as for `POST /api/v1/alerts`).
    let me = Arc::clone(app);
    let job = async move {
        let (mut tx, mut stored) = if alerts.is_empty() {
            let nothing = super::ingest::Stored {
                alerts: Vec::new(),
                due_now: 0,
                claimed: Vec::new(),
            };
            (me.store.write().await?, nothing)
        } else {
            let claim = super::intake::claim(room.as_ref(), now);
            super::intake::begin_stored(&me.store, &account, &alerts, &facts, now, claim).await?
        };
        let accepted = i64::try_from(stored.alerts.len()).unwrap_or(i64::MAX);
        store::integrations::record_received(&mut tx, &integration.id, now, accepted).await?;
        commit(tx).await?;
        let accepted = stored.alerts.len();
        super::intake::stored(&me, &facts, &mut stored, room, now).await;
        Ok::<_, AppError>(accepted)
    };
    app.store.writing(job).await?
}

/// The body's alerts, each with its company and checked.
async fn read(
    app: &App,
    account: &AccountId,
    hook: &Integration,
    body: Body<'_>,
) -> Result<Vec<NewAlert>, AppError> {
    let incoming = crate::domain::integration::parse(hook.kind, body, &hook.defaults())
        .map_err(|e| AppError::NotTheFormat(e.0))?;
    if incoming.is_empty() {
        return Ok(Vec::new());
    }
    let companies = {
        let mut db = app.store.read().await?;
        store::companies::all(&mut db, account, &CompanyScope::All).await?
    };
    let known: Vec<KnownCompany<'_>> = companies
        .iter()
        .map(|c| KnownCompany {
            id: &c.id,
            name: &c.name,
        })
        .collect();
    let shape = Shape::of(hook.kind, body);
    let label_path = match hook.kind {
        IntegrationKind::Zabbix => format!("tags.{}", hook.company_label),
        _ => format!("labels.{}", hook.company_label),
    };
    Ok(crate::domain::integration::resolve(
        incoming,
        shape,
        &known,
        hook.company_id.as_ref(),
        &label_path,
    )?)
}

/// Resolves the heartbeat's "no heartbeat" alert if it is firing (a ping came, or the
/// integration was deleted or moved to another company or kind); whether it was. Taken in the
/// heartbeat's turn, so a watch deciding to open the alert sees this.
pub(super) async fn resolve_heartbeat(
    tx: &mut sqlx::AnyConnection,
    account: &AccountId,
    integration: &Integration,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    store::heartbeats::take_turn(tx, &integration.id).await?;
    let Some(alert) = heartbeat_alert(integration, AlertStatus::Resolved) else {
        return Ok(false);
    };
    if store::ingest::firing(tx, account, &alert).await?.is_none() {
        return Ok(false);
    }
    super::ingest::store_batch(tx, account, &[alert], now).await?;
    Ok(true)
}

/// A ping: recorded, and the open "no heartbeat" alert, if any, resolved.
async fn ping(
    app: &App,
    account: &AccountId,
    integration: &Integration,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    store::integrations::record_ping(&mut tx, &integration.id, now).await?;
    store::integrations::record_received(&mut tx, &integration.id, now, 0).await?;
    let resolved = resolve_heartbeat(&mut tx, account, integration, now).await?;
    commit(tx).await?;
    if resolved {
        app.work_queued().await;
    }
    Ok(())
}

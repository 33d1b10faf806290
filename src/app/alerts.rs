//! Alerts (ingested in batches with every notification they imply, listed, acknowledged by a
//! signed-in user or with the signed link of a message), their notifications and delivery
//! attempts (the delivery log), and the deployment's numbers for `/metrics`.

use super::{App, audit, commit};
use crate::auth::Caller;
use crate::domain::{AccountId, AlertId, CompanyAccess, CompanyId, ContactId, Locale, NewAlert};
use crate::error::AppError;
use crate::links::AckGrant;
use crate::repr::AlertJson;
use crate::store::{
    self, Alert, AlertQuery, Attempt, Company, Contact, Notification, NotificationQuery, Page,
    StoreError,
};
use std::collections::HashMap;
use std::sync::Arc;

/// Stores a batch of alerts and every notification they imply in one transaction, then wakes
/// the workers. The stored alerts come back in the order they were posted. An alert for a
/// company outside the caller's scope refuses the whole batch on its `[i].company_id`, in the
/// words of an unknown company (SPEC §4 "Isolation").
#[tracing::instrument(skip_all, fields(account = %caller.account, alerts = alerts.len()))]
pub async fn ingest(
    app: &Arc<App>,
    caller: &Caller,
    alerts: Vec<NewAlert>,
) -> Result<Vec<Arc<Alert>>, AppError> {
    crate::domain::check_scope(&alerts, &caller.scope())?;
    // Intake waits while sending is behind, for room in the dispatcher (`runtime::desk`).
    let room = super::intake::reserve(app, alerts.len()).await;
    let now = chrono::Utc::now();
    // What routing reads goes first, beside the writer.
    let facts = {
        let mut db = app.store.read().await?;
        super::ingest::read_facts(&mut db, &caller.account, &alerts, now).await?
    };
    // The transaction and the hand-off after it run to their end together, even if the
    // request is given up meanwhile: claims written are handed over, not left to their lease.
    let (me, account) = (Arc::clone(app), caller.account.clone());
    let job = async move {
        let claim = super::intake::claim(room.as_ref(), now);
        let (tx, mut stored) =
            super::intake::begin_stored(&me.store, &account, &alerts, &facts, now, claim).await?;
        commit(tx).await?;
        super::intake::stored(&me, &facts, &mut stored, room, now).await;
        Ok::<_, AppError>(stored.alerts)
    };
    app.store.writing(job).await?
}

/// Alerts of the companies in the caller's scope, newest first.
pub async fn list(app: &App, caller: &Caller, query: &AlertQuery) -> Result<Page<Alert>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::alerts::list_alerts(&mut db, &caller.account, &caller.scope(), query).await?)
}

/// An alert of a company in the caller's scope.
pub async fn get(app: &App, caller: &Caller, id: &AlertId) -> Result<Alert, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::alerts::get_alert(&mut db, &caller.account, &caller.scope(), id).await?)
}

/// Who acknowledges an alert: a signed-in user, for the companies in their scope (API, page),
/// or the person an acknowledge link was sent to, for the alert of the link.
#[derive(Debug, Clone, Copy)]
pub enum Acknowledger<'a> {
    Caller(&'a Caller),
    Link(&'a AckGrant),
}

impl Acknowledger<'_> {
    fn account(&self) -> &AccountId {
        match self {
            Self::Caller(caller) => &caller.account,
            Self::Link(grant) => &grant.account_id,
        }
    }

    fn contact(&self) -> &ContactId {
        match self {
            Self::Caller(caller) => &caller.user,
            Self::Link(grant) => &grant.contact_id,
        }
    }
}

/// An alert after an acknowledgement.
#[derive(Debug)]
pub struct Acknowledged {
    pub alert: Alert,
    /// This call acknowledged it (it was firing and not acknowledged yet).
    pub just_now: bool,
}

/// Acknowledges a firing alert: pending escalations stop. Already acknowledged or resolved,
/// it stays as it is. A signed-in user's acknowledgement is audited (`alert`, before and
/// after); a link's needs its recipient to exist still and to have access to the alert's
/// company (else `NotFound`, as for an alert that is gone).
#[tracing::instrument(skip_all, fields(account = %by.account(), alert = %id))]
pub async fn acknowledge(
    app: &App,
    by: Acknowledger<'_>,
    id: &AlertId,
) -> Result<Acknowledged, AppError> {
    let account = by.account();
    let mut tx = app.store.write().await?;
    // The alerts they may acknowledge: the caller's scope; a link's recipient's access now.
    let scope = match by {
        Acknowledger::Caller(caller) => caller.scope(),
        Acknowledger::Link(grant) => {
            if &grant.alert_id != id {
                return Err(AppError::NotFound);
            }
            let all = CompanyAccess::All;
            store::contacts::get(&mut tx, account, &all, &grant.contact_id)
                .await?
                .companies
        }
    };
    let before = store::alerts::get_alert(&mut tx, account, &scope, id).await?;
    let now = chrono::Utc::now();
    let after = store::alerts::acknowledge(&mut tx, account, &scope, id, by.contact(), now).await?;
    let just_now = before.acknowledged_at != after.acknowledged_at;
    if let (Acknowledger::Caller(caller), true) = (by, just_now) {
        let (b, a) = (AlertJson::from(&before), AlertJson::from(&after));
        audit::change(&mut tx, caller, "alert", Some(&b), Some(&a)).await?;
    }
    commit(tx).await?;
    if let (Acknowledger::Link(grant), true) = (by, just_now) {
        tracing::info!(alert = %after.id, by = %grant.contact_id, "acknowledged by link");
    }
    Ok(Acknowledged {
        alert: after,
        just_now,
    })
}

/// What the page of an acknowledge link shows.
#[derive(Debug)]
pub struct AckLink {
    /// The recipient's language, else the account's (`None`: neither is found).
    pub locale: Option<Locale>,
    /// `None` when the recipient or the alert is gone, or the recipient no longer has access to
    /// the alert's company: the link no longer works.
    pub alert: Option<LinkedAlert>,
}

#[derive(Debug)]
pub struct LinkedAlert {
    pub alert: Alert,
    pub company: Option<Company>,
    /// Who acknowledged it, if it is acknowledged and they still exist.
    pub acknowledger: Option<Contact>,
    /// Acknowledged by this request.
    pub done: bool,
}

/// The alert of an acknowledge link, acknowledged first in the recipient's name when
/// `acknowledge` (the button; opening the link only shows it). A recipient who was deleted or
/// lost access to the alert's company gets what an invalid link gets, and acknowledges nothing.
pub async fn ack_link(app: &App, grant: &AckGrant, acknowledge: bool) -> Result<AckLink, AppError> {
    let (all, account) = (CompanyAccess::All, &grant.account_id);
    let (person, locale, alert) = {
        let mut db = app.store.read().await?;
        let person = found(store::contacts::get(&mut db, account, &all, &grant.contact_id).await)?;
        let locale = match person.as_ref().and_then(|p| p.locale) {
            Some(locale) => Some(locale),
            None => found(store::accounts::get(&mut db, account).await)?.map(|a| a.locale),
        };
        // Only while the recipient still has access to the alert's company.
        let alert = match &person {
            Some(p) => found(
                store::alerts::get_alert(&mut db, account, &p.companies, &grant.alert_id).await,
            )?,
            None => None,
        };
        (person, locale, alert)
    };
    let (Some(_), Some(alert)) = (person, alert) else {
        return Ok(AckLink {
            locale,
            alert: None,
        });
    };
    let (alert, done) = if acknowledge {
        match self::acknowledge(app, Acknowledger::Link(grant), &alert.id).await {
            Ok(acked) => (acked.alert, acked.just_now),
            Err(AppError::NotFound) => {
                return Ok(AckLink {
                    locale,
                    alert: None,
                });
            }
            Err(e) => return Err(e),
        }
    } else {
        (alert, false)
    };
    let mut db = app.store.read().await?;
    let company = found(store::companies::get(&mut db, account, &all, &alert.company_id).await)?;
    let acknowledger = match &alert.acknowledged_by {
        Some(id) => found(store::contacts::get(&mut db, account, &all, id).await)?,
        None => None,
    };
    Ok(AckLink {
        locale,
        alert: Some(LinkedAlert {
            alert,
            company,
            acknowledger,
            done,
        }),
    })
}

/// `Ok(None)` for an object that is not there.
fn found<T>(result: Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The delivery log (API): notifications of alerts in the caller's scope, with its filters,
/// newest first.
pub async fn notifications(
    app: &App,
    caller: &Caller,
    query: &NotificationQuery,
) -> Result<Page<Notification>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::alerts::list_notifications(&mut db, &caller.account, &caller.scope(), query).await?)
}

/// A notification with its delivery attempts, first first.
#[derive(Debug)]
pub struct Delivery {
    pub notification: Notification,
    pub attempts: Vec<Attempt>,
}

async fn with_attempts(
    db: &mut sqlx::AnyConnection,
    account: &AccountId,
    notifications: Vec<Notification>,
) -> Result<Vec<Delivery>, AppError> {
    let mut out = Vec::with_capacity(notifications.len());
    for notification in notifications {
        let attempts = store::outbox::attempts(db, account, &notification.id).await?;
        out.push(Delivery {
            notification,
            attempts,
        });
    }
    Ok(out)
}

/// An alert in the caller's scope with its timeline: every notification and its attempts.
pub async fn timeline(
    app: &App,
    caller: &Caller,
    id: &AlertId,
) -> Result<(Alert, Vec<Delivery>), AppError> {
    let mut db = app.store.read().await?;
    let alert = store::alerts::get_alert(&mut db, &caller.account, &caller.scope(), id).await?;
    let notifications = store::alerts::notifications_of_alert(&mut db, &caller.account, id).await?;
    let timeline = with_attempts(&mut db, &caller.account, notifications).await?;
    Ok((alert, timeline))
}

/// A page of the delivery log with the titles of the alerts it mentions (by alert id).
#[derive(Debug)]
pub struct DeliveryLog {
    pub page: Page<Delivery>,
    pub titles: HashMap<AlertId, String>,
}

/// The delivery log (page): notifications in the caller's scope, narrowed to `company` when
/// that company is in it, with their attempts.
pub async fn delivery_log(
    app: &App,
    caller: &Caller,
    company: Option<&CompanyId>,
    query: &NotificationQuery,
) -> Result<DeliveryLog, AppError> {
    let mut scope = caller.scope();
    if let Some(company) = company {
        if scope.includes(company) {
            scope = CompanyAccess::Only([company.clone()].into());
        }
    }
    let mut db = app.store.read().await?;
    let found_page =
        store::alerts::list_notifications(&mut db, &caller.account, &scope, query).await?;
    let mut titles = HashMap::new();
    for id in found_page.items.iter().filter_map(|n| n.alert_id.as_ref()) {
        if titles.contains_key(id) {
            continue;
        }
        if let Some(alert) =
            found(store::alerts::get_alert(&mut db, &caller.account, &scope, id).await)?
        {
            titles.insert(id.clone(), alert.title);
        }
    }
    let items = with_attempts(&mut db, &caller.account, found_page.items).await?;
    Ok(DeliveryLog {
        page: Page {
            items,
            next_cursor: found_page.next_cursor,
        },
        titles,
    })
}

/// The names of these contacts of the caller's account, by id, whatever their companies (who
/// was notified, who acknowledged); deleted ones are left out.
pub async fn contact_names(
    app: &App,
    caller: &Caller,
    ids: &[&ContactId],
) -> Result<HashMap<String, String>, AppError> {
    let mut db = app.store.read().await?;
    let mut names = HashMap::new();
    let mut asked = std::collections::HashSet::new();
    for &id in ids {
        if !asked.insert(id) {
            continue;
        }
        if let Some(contact) =
            found(store::contacts::get(&mut db, &caller.account, &CompanyAccess::All, id).await)?
        {
            names.insert(id.to_string(), contact.name);
        }
    }
    Ok(names)
}

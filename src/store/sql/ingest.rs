//! What storing a batch of alerts reads and writes (the use case `app::ingest` decides): the
//! account's routing settings, the companies, the alert firing under a key, the recipients of
//! a company with their methods, the alert rows and the outbox rows routing plans.

use super::alerts::{ALERT, alert_from_row};
use super::{Sql, flag, now_millis, parsed, parsed_opt, unique_as};
use crate::domain::lifecycle::Firing;
use crate::domain::notification::Event;
use crate::domain::routing::{self, MethodFacts, Plan, Recipient};
use crate::domain::{
    AccountId, AlertId, CompanyAccess, CompanyId, ContactId, FieldError, Invalid, MethodId,
    MethodType, NewAlert, NotificationId, QuietHours, Severity, TimeZone,
};
use crate::store::{Alert, Result, StoreError};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What routing needs of the account: its zone, whether phones must be verified, and the
/// repeat interval.
#[derive(Debug, Clone, Copy)]
pub struct RoutingSettings {
    pub timezone: TimeZone,
    pub require_verified_phones: bool,
    pub repeat_interval: Duration,
}

pub async fn settings(db: &mut AnyConnection, account: &AccountId) -> Result<RoutingSettings> {
    let row = Sql::new(
        "SELECT timezone, require_verified_phones, repeat_interval_minutes FROM accounts WHERE id = ",
    )
    .bind(account.to_string())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(RoutingSettings {
        timezone: parsed(&row, "timezone", TimeZone::parse)?,
        require_verified_phones: flag(&row, "require_verified_phones")?,
        repeat_interval: Duration::minutes(row.try_get::<i64, _>("repeat_interval_minutes")?),
    })
}

/// Every company id must be the account's; the others are field errors by index.
pub async fn check_companies(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<()> {
    let mut ids: Vec<&str> = alerts.iter().map(|a| a.company.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = Sql::new("SELECT id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(ids.iter().copied())
        .fetch_all(&mut *conn)
        .await?;
    let known: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let errors: Vec<FieldError> = alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| !known.iter().any(|k| k == a.company.as_str()))
        .map(|(i, _)| FieldError::new(format!("[{i}].company_id"), Invalid::UnknownCompany))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}
pub async fn firing(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert: &NewAlert,
) -> Result<Option<AnyRow>> {
    Sql::new(ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id = ")
        .bind(alert.company.to_string())
        .push(" AND key = ")
        .bind(alert.key.clone())
        .push(" AND status = 'firing'")
        .fetch_optional(&mut *conn)
        .await
}
pub async fn insert_alert(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert: &NewAlert,
    now: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
) -> Result<AlertId> {
    let id = AlertId::generate();
    let labels = serde_json::to_string(&alert.labels)
        .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
    Sql::new(
        "INSERT INTO alerts (id, account_id, company_id, key, severity, status, title, body, labels, \
         opened_at, last_notified_at, resolved_at) VALUES (",
    )
    .bind(id.to_string())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(alert.company.to_string())
    .push(", ")
    .bind(alert.key.clone())
    .push(", ")
    .bind(alert.severity.as_str())
    .push(", ")
    .bind(alert.status.as_str())
    .push(", ")
    .bind(alert.title.clone())
    .push(", ")
    .bind(alert.body.clone())
    .push(", ")
    .bind(labels)
    .push(", ")
    .bind(now.timestamp_millis())
    .push(", ")
    .bind(now.timestamp_millis())
    .push(", ")
    .bind(resolved_at.map(|t| t.timestamp_millis()))
    .push(")")
    .execute(&mut *conn)
    .await
    .map_err(unique_as("key"))?;
    Ok(id)
}
pub async fn in_maintenance(
    conn: &mut AnyConnection,
    company: &CompanyId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM maintenance_windows WHERE company_id = ")
        .bind(company.to_string())
        .push(" AND starts_at <= ")
        .bind(now.timestamp_millis())
        .push(" AND ends_at > ")
        .bind(now.timestamp_millis())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("n"))
        .transpose()?
        .unwrap_or(0)
        > 0)
}
/// The contacts with access to the company, with their methods (the address kept too, for the
/// outbox row).
pub async fn load_recipients(
    conn: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
    account_zone: TimeZone,
) -> Result<Vec<Recipient>> {
    let contacts = Sql::new("SELECT c.id, c.timezone FROM contacts c WHERE c.account_id = ")
        .bind(account.to_string())
        .push(" AND (c.all_companies OR EXISTS (SELECT 1 FROM contact_companies cc WHERE cc.contact_id = c.id AND cc.company_id = ")
        .bind(company.to_string())
        .push(")) ORDER BY c.id")
        .fetch_all(&mut *conn)
        .await?;
    if contacts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = contacts
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let methods = Sql::new(
        "SELECT id, contact_id, type, min_severity, delay_minutes, quiet_from, quiet_to, verified \
         FROM contact_methods WHERE contact_id IN ",
    )
    .bind_list(ids.iter().map(String::as_str))
    .push(" ORDER BY created_at, id")
    .fetch_all(&mut *conn)
    .await?;
    let mut by_contact: HashMap<String, Vec<MethodFacts>> = HashMap::new();
    for row in &methods {
        let hhmm = |s: &str| NaiveTime::parse_from_str(s, "%H:%M");
        let from = parsed_opt(row, "quiet_from", hhmm)?;
        let to = parsed_opt(row, "quiet_to", hhmm)?;
        let delay: i64 = row.try_get("delay_minutes")?;
        by_contact
            .entry(row.try_get("contact_id")?)
            .or_default()
            .push(MethodFacts {
                id: MethodId::from_string(row.try_get::<String, _>("id")?),
                kind: parsed(row, "type", MethodType::parse)?,
                min_severity: parsed_opt(row, "min_severity", Severity::parse)?,
                delay_minutes: u16::try_from(delay).unwrap_or(0),
                quiet_hours: from.zip(to).map(|(from, to)| QuietHours { from, to }),
                verified: flag(row, "verified")?,
            });
    }
    contacts
        .iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            Ok(Recipient {
                timezone: parsed_opt(row, "timezone", TimeZone::parse)?
                    .unwrap_or(account_zone)
                    .tz(),
                methods: by_contact.remove(&id).unwrap_or_default(),
                contact: ContactId::from_string(id),
                access: CompanyAccess::All,
            })
        })
        .collect()
}
/// Writes one outbox row per plan.
pub async fn enqueue(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert_id: &AlertId,
    event: Event,
    plans: &[routing::Planned],
    now: DateTime<Utc>,
) -> Result<()> {
    for planned in plans {
        let (state, reason, at, escalation, held) = match &planned.plan {
            Plan::Send {
                at,
                escalation,
                held,
            } => ("queued", None, *at, *escalation, *held),
            Plan::Suppress(why) => ("suppressed", Some(why.as_str()), now, false, false),
        };
        Sql::new(
            "INSERT INTO notifications (id, account_id, alert_id, contact_id, method_id, type, address, \
             event, state, reason, escalation, held, next_attempt_at, created_at) SELECT ",
        )
        .bind(NotificationId::generate().to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(alert_id.to_string())
        .push(", contact_id, id, type, address, ")
        .bind(event.as_str())
        .push(", ")
        .bind(state)
        .push(", ")
        .bind(reason)
        .push(", ")
        .bind(escalation)
        .push(", ")
        .bind(held)
        .push(", ")
        .bind(at.timestamp_millis())
        .push(", ")
        .bind(now.timestamp_millis())
        .push(" FROM contact_methods WHERE id = ")
        .bind(planned.method.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
/// `resolved` tells every method that was sent the alert, or is being sent it now.
pub async fn notify_resolved(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert_id: &AlertId,
    now: DateTime<Utc>,
) -> Result<()> {
    let sent = Sql::new("SELECT DISTINCT method_id FROM notifications WHERE alert_id = ")
        .bind(alert_id.to_string())
        .push(" AND state IN ('sent', 'sending')")
        .fetch_all(&mut *conn)
        .await?;
    for row in &sent {
        let method: String = row.try_get("method_id")?;
        Sql::new(
            "INSERT INTO notifications (id, account_id, alert_id, contact_id, method_id, type, address, \
             event, state, next_attempt_at, created_at) SELECT ",
        )
        .bind(NotificationId::generate().to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(alert_id.to_string())
        .push(", contact_id, id, type, address, 'resolved', 'queued', ")
        .bind(now.timestamp_millis())
        .push(", ")
        .bind(now_millis())
        .push(" FROM contact_methods WHERE id = ")
        .bind(method)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The alert firing under `alert`'s key: its id and when its recipients were last told.
pub fn firing_facts(row: &AnyRow) -> Result<(AlertId, Firing)> {
    let last: i64 = row.try_get("last_notified_at")?;
    let last_notified_at =
        DateTime::from_timestamp_millis(last).ok_or_else(|| super::corrupt("last_notified_at"))?;
    Ok((
        AlertId::from_string(row.try_get::<String, _>("id")?),
        Firing { last_notified_at },
    ))
}

/// A re-notification went out now: the repeat interval counts from here.
pub async fn mark_renotified(
    db: &mut AnyConnection,
    id: &AlertId,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE alerts SET last_notified_at = ")
        .bind(now.timestamp_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

pub async fn resolve(db: &mut AnyConnection, id: &AlertId, now: DateTime<Utc>) -> Result<()> {
    Sql::new("UPDATE alerts SET status = 'resolved', resolved_at = ")
        .bind(now.timestamp_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The stored alerts, read back in one statement, in the order of `ids`.
pub async fn read_back(
    db: &mut AnyConnection,
    account: &AccountId,
    ids: &[AlertId],
) -> Result<Vec<Alert>> {
    let rows = Sql::new(ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(ids.iter().map(AlertId::as_str))
        .fetch_all(&mut *db)
        .await?;
    let mut by_id: HashMap<AlertId, Alert> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let alert = alert_from_row(row)?;
        by_id.insert(alert.id.clone(), alert);
    }
    ids.iter()
        .map(|id| by_id.get(id).cloned().ok_or(StoreError::NotFound))
        .collect()
}

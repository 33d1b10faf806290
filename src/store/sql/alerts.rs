//! Alerts in, notifications out: one transaction stores the alerts and every notification
//! routing plans for them (the transactional outbox).

use super::{Sql, flag, now_millis, parsed, parsed_opt, time, unique_as};
use crate::domain::routing::{self, AlertFacts, MethodFacts, Plan, Policy, Recipient};
use crate::domain::{
    AccountId, AlertStatus, CompanyAccess, CompanyId, ContactId, FieldError, Invalid, MethodId,
    MethodType, NewAlert, QuietHours, Severity, TimeZone,
};
use crate::store::{
    Alert, AlertQuery, MaintenanceWindow, Notification, NotificationQuery, Page, Result, StoreError,
};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

pub const ALERT: &str = "SELECT id, company_id, key, severity, status, title, body, labels, opened_at, \
    last_notified_at, acknowledged_at, acknowledged_by, resolved_at FROM alerts";

pub async fn ingest(
    db: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    now: DateTime<Utc>,
) -> Result<Vec<Alert>> {
    let settings = Sql::new("SELECT timezone, require_verified_phones, repeat_interval_minutes FROM accounts WHERE id = ")
        .bind(account.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let account_zone = parsed(&settings, "timezone", TimeZone::parse)?;
    let require_verified = flag(&settings, "require_verified_phones")?;
    let repeat = Duration::minutes(settings.try_get::<i64, _>("repeat_interval_minutes")?);
    check_companies(&mut *db, account, alerts).await?;

    let mut recipients: HashMap<CompanyId, Vec<Recipient>> = HashMap::new();
    // Whether each company is in maintenance `now`: asked once per company per batch.
    let mut maintenance: HashMap<CompanyId, bool> = HashMap::new();
    let mut stored = Vec::with_capacity(alerts.len());
    for alert in alerts {
        if !recipients.contains_key(&alert.company) {
            let loaded = load_recipients(&mut *db, account, &alert.company, account_zone).await?;
            recipients.insert(alert.company.clone(), loaded);
            let on = in_maintenance(&mut *db, &alert.company, now).await?;
            maintenance.insert(alert.company.clone(), on);
        }
        let company_in_maintenance = maintenance.get(&alert.company).copied().unwrap_or(false);
        let people = recipients
            .get(&alert.company)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let open = find_open(&mut *db, account, alert).await?;
        let id = match (alert.status, open) {
            (AlertStatus::Firing, None) => {
                let id = insert_alert(&mut *db, account, alert, now, None).await?;
                let policy = Policy {
                    require_verified_phones: require_verified,
                    in_maintenance: company_in_maintenance,
                };
                let facts = AlertFacts {
                    company: alert.company.clone(),
                    severity: alert.severity,
                    opened_at: now,
                };
                enqueue(
                    &mut *db,
                    account,
                    &id,
                    "opened",
                    &routing::route_opened(&facts, people, policy),
                    now,
                )
                .await?;
                id
            }
            (AlertStatus::Firing, Some(open)) => {
                let last: i64 = open.try_get("last_notified_at")?;
                let id: String = open.try_get("id")?;
                let due =
                    DateTime::from_timestamp_millis(last).is_some_and(|last| now - last >= repeat);
                if due {
                    let policy = Policy {
                        require_verified_phones: require_verified,
                        in_maintenance: company_in_maintenance,
                    };
                    let facts = AlertFacts {
                        company: alert.company.clone(),
                        severity: alert.severity,
                        opened_at: now,
                    };
                    // A repeat goes out at once: delays applied to the first notice.
                    let plans: Vec<_> = routing::route_opened(&facts, people, policy)
                        .into_iter()
                        .filter(|p| {
                            matches!(
                                p.plan,
                                Plan::Send {
                                    escalation: false,
                                    ..
                                } | Plan::Suppress(_)
                            )
                        })
                        .collect();
                    enqueue(&mut *db, account, &id, "renotified", &plans, now).await?;
                    Sql::new("UPDATE alerts SET last_notified_at = ")
                        .bind(now.timestamp_millis())
                        .push(" WHERE id = ")
                        .bind(id.clone())
                        .execute(&mut *db)
                        .await?;
                }
                id
            }
            (AlertStatus::Resolved, Some(open)) => {
                let id: String = open.try_get("id")?;
                Sql::new("UPDATE alerts SET status = 'resolved', resolved_at = ")
                    .bind(now.timestamp_millis())
                    .push(" WHERE id = ")
                    .bind(id.clone())
                    .execute(&mut *db)
                    .await?;
                notify_resolved(&mut *db, account, &id, now).await?;
                id
            }
            // A resolution of nothing open is kept, for the record, and tells nobody.
            (AlertStatus::Resolved, None) => {
                insert_alert(&mut *db, account, alert, now, Some(now)).await?
            }
        };
        stored.push(id);
    }
    // Read them back in one statement, answered in the order they came.
    let rows = Sql::new(ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(stored.iter().map(String::as_str))
        .fetch_all(&mut *db)
        .await?;
    let mut by_id: HashMap<String, Alert> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let alert = alert_from_row(row)?;
        by_id.insert(alert.id.clone(), alert);
    }
    stored
        .iter()
        .map(|id| by_id.get(id).cloned().ok_or(StoreError::NotFound))
        .collect()
}

/// Every company id must be the account's; the others are field errors by index.
async fn check_companies(
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

async fn find_open(
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

async fn insert_alert(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert: &NewAlert,
    now: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let labels = serde_json::to_string(&alert.labels)
        .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
    Sql::new(
        "INSERT INTO alerts (id, account_id, company_id, key, severity, status, title, body, labels, \
         opened_at, last_notified_at, resolved_at) VALUES (",
    )
    .bind(id.clone())
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

async fn in_maintenance(
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
async fn load_recipients(
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
async fn enqueue(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert_id: &str,
    event: &str,
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
        .bind(uuid::Uuid::now_v7().simple().to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(alert_id.to_owned())
        .push(", contact_id, id, type, address, ")
        .bind(event.to_owned())
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
async fn notify_resolved(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sent = Sql::new("SELECT DISTINCT method_id FROM notifications WHERE alert_id = ")
        .bind(alert_id.to_owned())
        .push(" AND state IN ('sent', 'sending')")
        .fetch_all(&mut *conn)
        .await?;
    for row in &sent {
        let method: String = row.try_get("method_id")?;
        Sql::new(
            "INSERT INTO notifications (id, account_id, alert_id, contact_id, method_id, type, address, \
             event, state, next_attempt_at, created_at) SELECT ",
        )
        .bind(uuid::Uuid::now_v7().simple().to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(alert_id.to_owned())
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

pub const NOTIFICATION: &str = "SELECT n.id, n.alert_id, n.contact_id, n.method_id, n.type, n.address, \
    n.event, n.state, n.reason, n.escalation, n.held, n.attempts, n.next_attempt_at, n.created_at, \
    n.sent_at FROM notifications n";

pub async fn notifications_of_alert(
    db: &mut AnyConnection,
    account: &AccountId,
    alert_id: &str,
) -> Result<Vec<Notification>> {
    let rows = Sql::new(NOTIFICATION)
        .push(" WHERE n.account_id = ")
        .bind(account.to_string())
        .push(" AND n.alert_id = ")
        .bind(alert_id.to_owned())
        .push(" ORDER BY n.id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(notification_from_row).collect()
}

/// `AND <company column> IN scope`
fn push_scope(sql: &mut Sql, column: &str, scope: &CompanyAccess) {
    if let CompanyAccess::Only(set) = scope {
        if set.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(&format!(" AND {column} IN "))
                .bind_list(set.iter().map(CompanyId::as_str));
        }
    }
}

pub async fn list_alerts(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyAccess,
    query: &AlertQuery,
) -> Result<Page<Alert>> {
    let mut sql = Sql::new(ALERT);
    sql.push(" WHERE account_id = ").bind(account.to_string());
    push_scope(&mut sql, "company_id", scope);
    if let Some(company) = &query.company {
        sql.push(" AND company_id = ").bind(company.to_string());
    }
    if let Some(status) = query.status {
        sql.push(" AND status = ").bind(status.as_str());
    }
    super::push_newest_first(&mut sql, "id", &query.page);
    let rows = sql.fetch_all(&mut *db).await?;
    let items = rows
        .iter()
        .map(alert_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(super::newest_first_page(items, &query.page, |a| {
        a.id.as_str()
    }))
}

pub async fn get_alert(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyAccess,
    id: &str,
) -> Result<Alert> {
    let mut sql = Sql::new(ALERT);
    sql.push(" WHERE account_id = ").bind(account.to_string());
    push_scope(&mut sql, "company_id", scope);
    sql.push(" AND id = ").bind(id.to_owned());
    let row = sql
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    alert_from_row(&row)
}

pub async fn acknowledge(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyAccess,
    id: &str,
    by: &ContactId,
    now: DateTime<Utc>,
) -> Result<Alert> {
    // Visible to the caller, or not found (scope applies before anything changes).
    get_alert(db, account, scope, id).await?;
    Sql::new("UPDATE alerts SET acknowledged_at = ")
        .bind(now.timestamp_millis())
        .push(", acknowledged_by = ")
        .bind(by.to_string())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_owned())
        .push(" AND status = 'firing' AND acknowledged_at IS NULL")
        .execute(&mut *db)
        .await?;
    get_alert(db, account, scope, id).await
}

pub async fn list_notifications(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyAccess,
    query: &NotificationQuery,
) -> Result<Page<Notification>> {
    let mut sql = Sql::new(NOTIFICATION);
    sql.push(" LEFT JOIN alerts a ON a.id = n.alert_id WHERE n.account_id = ")
        .bind(account.to_string());
    push_scope(&mut sql, "a.company_id", scope);
    if let Some(alert) = &query.alert {
        sql.push(" AND n.alert_id = ").bind(alert.clone());
    }
    if let Some(contact) = &query.contact {
        sql.push(" AND n.contact_id = ").bind(contact.to_string());
    }
    if let Some(state) = &query.state {
        sql.push(" AND n.state = ").bind(state.clone());
    }
    super::push_newest_first(&mut sql, "n.id", &query.page);
    let rows = sql.fetch_all(&mut *db).await?;
    let items = rows
        .iter()
        .map(notification_from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok(super::newest_first_page(items, &query.page, |n| {
        n.id.as_str()
    }))
}

pub fn notification_from_row(row: &AnyRow) -> Result<Notification> {
    let sent: Option<i64> = row.try_get("sent_at")?;
    Ok(Notification {
        id: row.try_get("id")?,
        alert_id: row.try_get("alert_id")?,
        contact_id: ContactId::from_string(row.try_get::<String, _>("contact_id")?),
        method_id: MethodId::from_string(row.try_get::<String, _>("method_id")?),
        kind: parsed(row, "type", MethodType::parse)?,
        address: row.try_get("address")?,
        event: row.try_get("event")?,
        state: row.try_get("state")?,
        reason: row.try_get("reason")?,
        escalation: flag(row, "escalation")?,
        held: flag(row, "held")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: time(row, "next_attempt_at")?,
        created_at: time(row, "created_at")?,
        sent_at: sent.and_then(DateTime::from_timestamp_millis),
    })
}

pub async fn add_maintenance(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let inserted = Sql::new("INSERT INTO maintenance_windows (id, account_id, company_id, starts_at, ends_at, reason) SELECT ")
        .bind(id.clone())
        .push(", account_id, id, ")
        .bind(starts_at.timestamp_millis())
        .push(", ")
        .bind(ends_at.timestamp_millis())
        .push(", ")
        .bind(reason.map(str::to_owned))
        .push(" FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(company.to_string())
        .execute(&mut *db)
        .await?;
    if inserted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(id)
}

pub async fn list_maintenance(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
) -> Result<Vec<MaintenanceWindow>> {
    let rows = Sql::new("SELECT id, company_id, starts_at, ends_at, reason FROM maintenance_windows WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id = ")
        .bind(company.to_string())
        .push(" ORDER BY starts_at, id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(MaintenanceWindow {
                id: row.try_get("id")?,
                company_id: CompanyId::from_string(row.try_get::<String, _>("company_id")?),
                starts_at: time(row, "starts_at")?,
                ends_at: time(row, "ends_at")?,
                reason: row.try_get("reason")?,
            })
        })
        .collect()
}

pub async fn delete_maintenance(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
    id: &str,
) -> Result<()> {
    let deleted = Sql::new("DELETE FROM maintenance_windows WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id = ")
        .bind(company.to_string())
        .push(" AND id = ")
        .bind(id.to_owned())
        .execute(&mut *db)
        .await?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    let labels: String = row.try_get("labels")?;
    let at = |column: &str| -> Result<Option<DateTime<Utc>>> {
        let millis: Option<i64> = row.try_get(column)?;
        Ok(millis.and_then(DateTime::from_timestamp_millis))
    };
    Ok(Alert {
        id: row.try_get("id")?,
        company_id: CompanyId::from_string(row.try_get::<String, _>("company_id")?),
        key: row.try_get("key")?,
        severity: parsed(row, "severity", Severity::parse)?,
        status: parsed(row, "status", AlertStatus::parse)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        labels: serde_json::from_str::<BTreeMap<String, String>>(&labels)
            .map_err(|_| super::corrupt("labels"))?,
        opened_at: time(row, "opened_at")?,
        acknowledged_at: at("acknowledged_at")?,
        acknowledged_by: row
            .try_get::<Option<String>, _>("acknowledged_by")?
            .map(ContactId::from_string),
        resolved_at: at("resolved_at")?,
    })
}

//! Alerts and their notifications as they are read (lists, one alert, the delivery log), the
//! acknowledgement, and maintenance windows. Storing a batch is `ingest.rs`.

use super::{Sql, flag, parsed, time};
use crate::domain::notification::{Event, State};
use crate::domain::{
    AccountId, AlertId, AlertStatus, CompanyAccess, CompanyId, ContactId, MethodId, MethodType,
    NotificationId, Severity, WindowId,
};
use crate::store::{
    Alert, AlertQuery, MaintenanceWindow, Notification, NotificationQuery, Page, Result, StoreError,
};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

pub const ALERT: &str = "SELECT id, company_id, key, severity, status, title, body, labels, opened_at, \
    last_notified_at, acknowledged_at, acknowledged_by, resolved_at FROM alerts";

pub const NOTIFICATION: &str = "SELECT n.id, n.alert_id, n.contact_id, n.method_id, n.type, n.address, \
    n.event, n.state, n.reason, n.escalation, n.held, n.attempts, n.next_attempt_at, n.created_at, \
    n.sent_at, n.escalation_step FROM notifications n";

pub async fn notifications_of_alert(
    db: &mut AnyConnection,
    account: &AccountId,
    alert_id: &AlertId,
) -> Result<Vec<Notification>> {
    let rows = Sql::new(NOTIFICATION)
        .push(" WHERE n.account_id = ")
        .bind(account.to_string())
        .push(" AND n.alert_id = ")
        .bind(alert_id.to_string())
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
    id: &AlertId,
) -> Result<Alert> {
    let mut sql = Sql::new(ALERT);
    sql.push(" WHERE account_id = ").bind(account.to_string());
    push_scope(&mut sql, "company_id", scope);
    sql.push(" AND id = ").bind(id.to_string());
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
    id: &AlertId,
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
        .bind(id.to_string())
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
        sql.push(" AND n.alert_id = ").bind(alert.to_string());
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
        id: NotificationId::from_string(row.try_get::<String, _>("id")?),
        alert_id: row
            .try_get::<Option<String>, _>("alert_id")?
            .map(AlertId::from_string),
        contact_id: ContactId::from_string(row.try_get::<String, _>("contact_id")?),
        method_id: MethodId::from_string(row.try_get::<String, _>("method_id")?),
        kind: parsed(row, "type", MethodType::parse)?,
        address: row.try_get("address")?,
        event: parsed(row, "event", Event::parse)?,
        state: parsed(row, "state", State::parse)?,
        reason: row.try_get("reason")?,
        escalation: flag(row, "escalation")?,
        held: flag(row, "held")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: time(row, "next_attempt_at")?,
        created_at: time(row, "created_at")?,
        sent_at: sent.and_then(DateTime::from_timestamp_millis),
        escalation_step: row.try_get("escalation_step")?,
    })
}

pub async fn add_maintenance(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<WindowId> {
    let id = WindowId::generate();
    let inserted = Sql::new("INSERT INTO maintenance_windows (id, account_id, company_id, starts_at, ends_at, reason) SELECT ")
        .bind(id.to_string())
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
                id: WindowId::from_string(row.try_get::<String, _>("id")?),
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
    id: &WindowId,
) -> Result<()> {
    let company = company.to_string();
    super::delete_owned_under(
        db,
        "maintenance_windows",
        account,
        Some(("company_id", &company)),
        id.as_str(),
    )
    .await
}

pub fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    let labels: String = row.try_get("labels")?;
    let at = |column: &str| -> Result<Option<DateTime<Utc>>> {
        let millis: Option<i64> = row.try_get(column)?;
        Ok(millis.and_then(DateTime::from_timestamp_millis))
    };
    Ok(Alert {
        id: AlertId::from_string(row.try_get::<String, _>("id")?),
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

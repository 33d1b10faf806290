//! The batch's new alert rows, in multi-row inserts: bound values on SQLite, one JSON
//! parameter on PostgreSQL ([`Sql::records`]).

use super::super::{Backend, Sql, unique_as};
use super::write::ROWS_PER_STATEMENT;
use crate::domain::{AccountId, AlertId, NewAlert};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// An alert of the batch to insert, as it stands at the end of the batch (a key opened and
/// resolved within one batch is inserted resolved).
#[derive(Debug, Clone)]
pub struct StoredAlert<'a> {
    pub id: AlertId,
    pub alert: &'a NewAlert,
    pub last_notified_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Inserts the batch's new alerts. A key firing twice (another transaction opened it first,
/// on PostgreSQL) is a conflict on `key`.
pub(super) async fn insert_alerts(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[StoredAlert<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in alerts.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("");
        adding_alerts(&mut sql, account, chunk, now, Backend::of(conn))?;
        sql.execute(&mut *conn).await.map_err(unique_as("key"))?;
    }
    Ok(())
}

/// Appends the statement that inserts `chunk`.
pub(super) fn adding_alerts(
    sql: &mut Sql,
    account: &AccountId,
    chunk: &[StoredAlert<'_>],
    now: DateTime<Utc>,
    backend: Backend,
) -> Result<()> {
    if backend == Backend::Postgres {
        let rows: Vec<AlertRow> = chunk.iter().map(AlertRow::of).collect();
        sql.push(
            "INSERT INTO alerts (id, account_id, company_id, key, severity, status, title, \
             body, labels, opened_at, last_notified_at, resolved_at) SELECT r.id, ",
        )
        .bind(account)
        .push(
            ", r.company_id, r.key, r.severity, r.status, r.title, r.body, \
             CAST(r.labels AS TEXT), ",
        )
        .bind(now.timestamp_millis())
        .push(", r.last_notified_at, r.resolved_at FROM ")
        .records(
            &rows,
            "id text, company_id text, key text, severity text, status text, title text, \
             body text, labels json, last_notified_at bigint, resolved_at bigint",
        );
        return Ok(());
    }
    sql.reserve(chunk.len() * 32 + 200, chunk.len() * 12);
    sql.push(
        "INSERT INTO alerts (id, account_id, company_id, key, severity, status, title, body, \
         labels, opened_at, last_notified_at, resolved_at) VALUES ",
    );
    for (i, row) in chunk.iter().enumerate() {
        let a = row.alert;
        let labels = serde_json::to_string(&a.labels)
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
        let status = status(row);
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(&row.id)
            .push(", ")
            .bind(account)
            .push(", ")
            .bind(&a.company)
            .push(", ")
            .bind(a.key.clone())
            .push(", ")
            .bind(a.severity.as_str())
            .push(", ")
            .bind(status)
            .push(", ")
            .bind(a.title.clone())
            .push(", ")
            .bind(a.body.clone())
            .push(", ")
            .bind(labels)
            .push(", ")
            .bind(now.timestamp_millis())
            .push(", ")
            .bind(row.last_notified_at.timestamp_millis())
            .push(", ")
            .bind(row.resolved_at.map(|t| t.timestamp_millis()))
            .push(")");
    }
    Ok(())
}

/// `firing`, or `resolved` for a key opened and resolved within the batch.
fn status(row: &StoredAlert<'_>) -> &'static str {
    if row.resolved_at.is_some() {
        "resolved"
    } else {
        "firing"
    }
}

/// An alert row as PostgreSQL reads it from the batch's JSON.
#[derive(serde::Serialize)]
struct AlertRow<'a> {
    id: &'a AlertId,
    company_id: &'a crate::domain::CompanyId,
    key: &'a str,
    severity: &'static str,
    status: &'static str,
    title: &'a str,
    body: Option<&'a str>,
    /// Kept as the JSON text it is here.
    labels: &'a BTreeMap<String, String>,
    last_notified_at: i64,
    resolved_at: Option<i64>,
}

impl<'a> AlertRow<'a> {
    fn of(row: &'a StoredAlert<'a>) -> Self {
        let a = row.alert;
        Self {
            id: &row.id,
            company_id: &a.company,
            key: &a.key,
            severity: a.severity.as_str(),
            status: status(row),
            title: &a.title,
            body: a.body.as_deref(),
            labels: &a.labels,
            last_notified_at: row.last_notified_at.timestamp_millis(),
            resolved_at: row.resolved_at.map(|t| t.timestamp_millis()),
        }
    }
}

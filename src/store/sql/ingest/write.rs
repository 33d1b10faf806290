//! What storing a batch of alerts writes, set-based: the new alert rows in multi-row inserts,
//! the outbox rows routing planned (each a snapshot of its method's type and address, taken
//! in the same statement), and the changes to alerts that were already firing.

use super::super::{Backend, Sql, parsed, unique_as};
use crate::domain::notification::{Event, State};
use crate::domain::routing::Plan;
use crate::domain::{
    AccountId, AlertId, ContactId, MethodId, MethodType, NewAlert, NotificationId,
};
use crate::store::{Notification, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row as _};
use std::collections::HashMap;

/// Rows per multi-row statement: far below both engines' limits on parameters (SQLite 32,766,
/// PostgreSQL 65,535), and few distinct statement texts for the statement caches.
const ROWS_PER_STATEMENT: usize = 100;

/// An alert of the batch to insert, as it stands at the end of the batch (a key opened and
/// resolved within one batch is inserted resolved).
#[derive(Debug, Clone)]
pub struct StoredAlert<'a> {
    pub id: AlertId,
    pub alert: &'a NewAlert,
    pub last_notified_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One outbox row to write: what happens to (alert, method) for this event.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: NotificationId,
    pub alert: AlertId,
    pub method: MethodId,
    pub event: Event,
    pub plan: Plan,
    /// The step of the company's escalation policy (1-based); `None` without one.
    pub step: Option<i64>,
}

/// Inserts the batch's new alerts. A key firing twice (another transaction opened it first,
/// on PostgreSQL) is a conflict on `key`.
pub async fn insert_alerts(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[StoredAlert<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in alerts.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(
            "INSERT INTO alerts (id, account_id, company_id, key, severity, status, title, body, \
             labels, opened_at, last_notified_at, resolved_at) VALUES ",
        );
        for (i, row) in chunk.iter().enumerate() {
            let a = row.alert;
            let labels = serde_json::to_string(&a.labels)
                .map_err(|e| StoreError::Database(sqlx::Error::Encode(e.into())))?;
            let status = if row.resolved_at.is_some() {
                "resolved"
            } else {
                "firing"
            };
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(row.id.to_string())
                .push(", ")
                .bind(account.to_string())
                .push(", ")
                .bind(a.company.to_string())
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
        sql.execute(&mut *conn).await.map_err(unique_as("key"))?;
    }
    Ok(())
}

/// Outbox rows to write claimed, for intake to hand straight to this node's dispatcher: at
/// most `limit` of those due now, `sending` until `lease_until` with their attempt counted, as
/// a worker's claim would leave them.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    pub lease_until: DateTime<Utc>,
    pub limit: usize,
}

/// A method as an outbox row snapshots it.
struct Snapshot {
    contact: ContactId,
    kind: MethodType,
    address: String,
}

/// The methods of `rows` as they are now, on the writing transaction (on PostgreSQL locked
/// until it ends, so that the rows written next snapshot exactly these); a deleted one is
/// missing.
async fn snapshots(conn: &mut AnyConnection, rows: &[Queued]) -> Result<HashMap<String, Snapshot>> {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.method.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut sql =
            Sql::new("SELECT id, contact_id, type, address FROM contact_methods WHERE id IN ");
        sql.bind_list(chunk.iter().copied());
        if Backend::of(conn) == Backend::Postgres {
            sql.push(" FOR SHARE");
        }
        for r in sql.fetch_all(&mut *conn).await? {
            let snapshot = Snapshot {
                contact: ContactId::from_string(r.try_get::<String, _>("contact_id")?),
                kind: parsed(&r, "type", MethodType::parse)?,
                address: r.try_get("address")?,
            };
            out.insert(r.try_get::<String, _>("id")?, snapshot);
        }
    }
    Ok(out)
}

/// Writes the outbox rows of `rows`, each a snapshot of its method's type and address (a row
/// whose method is gone is not written); with a `claim`, the first rows due now (up to its
/// limit) are written claimed and come back, in claim order.
pub async fn enqueue(
    conn: &mut AnyConnection,
    account: &AccountId,
    rows: &[Queued],
    now: DateTime<Utc>,
    claim: Option<Claim>,
) -> Result<Vec<Notification>> {
    let mut room = claim.map_or(0, |c| c.limit);
    let mut claimed = Vec::new();
    // What the written rows snapshot, read once for the claimed ones (a RETURNING clause cost
    // SQLite more than the insert's own rows).
    let methods = if room > 0 && rows.iter().any(|r| due_now(r, now)) {
        Some(snapshots(conn, rows).await?)
    } else {
        None
    };
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(
            "WITH v (id, alert_id, method_id, event, state, reason, escalation, held, due, \
             step, lease, tries) AS (VALUES ",
        );
        let mut claiming = Vec::new();
        for (i, row) in chunk.iter().enumerate() {
            let (mut state, reason, at, escalation, held) = match &row.plan {
                Plan::Send {
                    at,
                    escalation,
                    held,
                } => ("queued", None, *at, *escalation, *held),
                Plan::Suppress(why) => ("suppressed", Some(why.as_str()), now, false, false),
            };
            let mut lease = None;
            let snapshot = methods.as_ref().and_then(|m| m.get(row.method.as_str()));
            if let (Some(c), Some(snapshot)) = (claim, snapshot)
                && due_now(row, now)
                && room > 0
            {
                state = "sending";
                lease = Some(c.lease_until.timestamp_millis());
                room -= 1;
                claiming.push(Notification {
                    id: row.id.clone(),
                    alert_id: Some(row.alert.clone()),
                    contact_id: snapshot.contact.clone(),
                    method_id: row.method.clone(),
                    kind: snapshot.kind,
                    address: snapshot.address.clone(),
                    event: row.event,
                    state: State::Sending,
                    reason: None,
                    escalation,
                    held,
                    attempts: 1,
                    next_attempt_at: millis(at),
                    created_at: millis(now),
                    sent_at: None,
                    escalation_step: row.step,
                });
            }
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(row.id.to_string())
                .push(", ")
                .bind(row.alert.to_string())
                .push(", ")
                .bind(row.method.to_string())
                .push(", ")
                .bind(row.event.as_str())
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
                .bind(row.step)
                .push(", ")
                .bind(lease)
                .push(", ")
                .bind(i64::from(lease.is_some()))
                .push(")");
        }
        sql.push(
            ") INSERT INTO notifications (id, account_id, alert_id, contact_id, method_id, type, \
             address, event, state, reason, escalation, held, next_attempt_at, created_at, \
             escalation_step, lease_until, attempts) SELECT v.id, ",
        )
        .bind(account.to_string())
        .push(
            ", v.alert_id, m.contact_id, m.id, m.type, m.address, v.event, v.state, v.reason, \
             v.escalation, v.held, v.due, ",
        )
        .bind(now.timestamp_millis())
        .push(", v.step, v.lease, v.tries FROM v JOIN contact_methods m ON m.id = v.method_id");
        let written = sql.execute(&mut *conn).await?;
        if let Some(methods) = &methods {
            // The rows written are those whose method was read (locked, or behind this
            // process's one SQLite writer): anything else means the claims are not what was
            // written, and the batch must not go.
            let expected = chunk
                .iter()
                .filter(|r| methods.contains_key(r.method.as_str()))
                .count();
            if usize::try_from(written).ok() != Some(expected) {
                return Err(StoreError::Database(sqlx::Error::Protocol(format!(
                    "{written} outbox rows written where {expected} methods were read"
                ))));
            }
        }
        claimed.extend(claiming);
    }
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// Whether `row` is to go now (it may be written claimed).
fn due_now(row: &Queued, now: DateTime<Utc>) -> bool {
    matches!(row.plan, Plan::Send { at, .. } if at <= now)
}

/// `t` as stored (whole milliseconds).
fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Alerts that were firing before the batch resolve now.
pub async fn resolve(conn: &mut AnyConnection, ids: &[AlertId], now: DateTime<Utc>) -> Result<()> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        Sql::new("UPDATE alerts SET status = 'resolved', resolved_at = ")
            .bind(now.timestamp_millis())
            .push(" WHERE id IN ")
            .bind_list(chunk.iter().map(AlertId::as_str))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Re-notifications of alerts that were firing before the batch went out now: their repeat
/// interval counts from here.
pub async fn mark_renotified(
    conn: &mut AnyConnection,
    ids: &[AlertId],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        Sql::new("UPDATE alerts SET last_notified_at = ")
            .bind(now.timestamp_millis())
            .push(" WHERE id IN ")
            .bind_list(chunk.iter().map(AlertId::as_str))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

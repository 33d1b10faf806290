//! Flood control's reads and writes: how many alert messages a destination was sent in the
//! window, the one digest queued for when it reopens, and what the digest tells.

use crate::domain::{AccountId, MethodId, NotificationId};
use crate::store::sql::Sql;
use crate::store::{Notification, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// How many alert messages went to a destination since `since`, and when the oldest of them
/// went: those the recorder marked counted (`counted_at`, the kind had a limit when they
/// went), found through the partial index `notifications_by_destination`. Codes and tests,
/// which people ask for, do not count.
pub async fn sent_to(
    db: &mut AnyConnection,
    account: &AccountId,
    kind: &str,
    address: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>)> {
    let row = Sql::new(
        "SELECT COUNT(*) AS n, MIN(counted_at) AS oldest FROM notifications WHERE account_id = ",
    )
    .bind(account.to_string())
    .push(" AND type = ")
    .bind(kind.to_owned())
    .push(" AND address = ")
    .bind(address.to_owned())
    .push(" AND state = 'sent' AND event IN ('opened', 'escalated', 'renotified', 'resolved') AND counted_at > ")
    .bind(since.timestamp_millis())
    .fetch_optional(&mut *db)
    .await?
    .ok_or(StoreError::NotFound)?;
    let oldest: Option<i64> = row.try_get("oldest")?;
    Ok((
        row.try_get("n")?,
        oldest.and_then(DateTime::from_timestamp_millis),
    ))
}

/// Queues the digest of a method for `at` unless one is already queued.
pub async fn queue_digest(
    db: &mut AnyConnection,
    n: &Notification,
    at: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<()> {
    let queued = Sql::new("SELECT COUNT(*) AS n FROM notifications WHERE method_id = ")
        .bind(n.method_id.to_string())
        .push(" AND event = 'digest' AND state IN ('queued', 'failed', 'sending') AND ")
        .push(super::OWN_MESSAGES)
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get::<i64, _>("n")?;
    if queued == 0 {
        let payload = serde_json::json!({ "since": since.timestamp_millis() }).to_string();
        Sql::new(
            "INSERT INTO notifications (id, account_id, contact_id, method_id, type, address, event, \
             state, next_attempt_at, created_at, payload) SELECT ",
        )
        .bind(NotificationId::generate().to_string())
        .push(", account_id, contact_id, method_id, type, address, 'digest', 'queued', ")
        .bind(at.timestamp_millis())
        .push(", ")
        .bind(since.timestamp_millis())
        .push(", ")
        .bind(payload)
        .push(" FROM notifications WHERE id = ")
        .bind(n.id.to_string())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// What flood control held back for a method since its last digest: per company, how many
/// alerts and how many of them critical.
pub async fn held_back(
    db: &mut AnyConnection,
    method: &MethodId,
    until: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>> {
    // Held back (by the time of the suppression, as its attempt records it) after the last
    // digest that went out, up to now.
    let rows = Sql::new(
        "SELECT c.name AS company, COUNT(*) AS n, \
         SUM(CASE WHEN a.severity = 'critical' THEN 1 ELSE 0 END) AS critical \
         FROM notifications n JOIN delivery_attempts d ON d.notification_id = n.id \
         JOIN alerts a ON a.id = n.alert_id JOIN companies c ON c.id = a.company_id \
         WHERE n.method_id = ",
    )
    .bind(method.to_string())
    .push(" AND n.state = 'suppressed' AND n.reason = 'rate limited' AND d.outcome = 'suppressed' AND d.finished_at <= ")
    .bind(until.timestamp_millis())
    .push(" AND d.finished_at > COALESCE((SELECT MAX(sent_at) FROM notifications WHERE method_id = ")
    .bind(method.to_string())
    .push(" AND event = 'digest' AND state = 'sent' AND ")
    .push(super::OWN_MESSAGES)
    .push("), 0) GROUP BY c.name ORDER BY c.name")
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("company")?,
                r.try_get("n")?,
                r.try_get("critical")?,
            ))
        })
        .collect()
}

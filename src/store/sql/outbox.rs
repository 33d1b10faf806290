//! The outbox queue: workers claim due notifications with a lease, then record the outcome.
//! These calls are deployment-wide (workers serve every account), the one place where a store
//! method does not take an account.

use super::{Backend, Sql};
use crate::store::{Notification, Result};
use chrono::{DateTime, Duration, Utc};
use sqlx::AnyPool;

const RETURNING: &str = " RETURNING id, alert_id, contact_id, method_id, type, address, event, state, \
    reason, escalation, held, attempts, next_attempt_at, created_at, sent_at";

/// Claims up to `limit` due notifications (queued or failed and due, or sending with an
/// expired lease, i.e. a node died mid-send) for `lease`: they become `sending`, their
/// attempt counted. PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP LOCKED`);
/// SQLite runs the one statement alone.
pub(super) async fn claim(
    pool: &AnyPool,
    backend: Backend,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<Notification>> {
    let now_ms = now.timestamp_millis();
    let mut sql = Sql::new("UPDATE notifications SET state = 'sending', lease_until = ");
    sql.bind((now + lease).timestamp_millis())
        .push(", attempts = attempts + 1 WHERE id IN (SELECT id FROM notifications WHERE ((state IN ('queued', 'failed') AND next_attempt_at <= ")
        .bind(now_ms)
        .push(") OR (state = 'sending' AND lease_until <= ")
        .bind(now_ms)
        .push(")) ORDER BY next_attempt_at, id LIMIT ")
        .bind(i64::from(limit));
    if backend == Backend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    sql.push(")").push(RETURNING);
    let rows = sql.fetch_all(pool).await?;
    let mut claimed = rows
        .iter()
        .map(super::alerts::notification_from_row)
        .collect::<Result<Vec<_>>>()?;
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// Marks a claimed notification sent. `false` if it was not `sending` any more.
pub(super) async fn complete(pool: &AnyPool, id: &str, now: DateTime<Utc>) -> Result<bool> {
    let changed = Sql::new(
        "UPDATE notifications SET state = 'sent', lease_until = NULL, reason = NULL, sent_at = ",
    )
    .bind(now.timestamp_millis())
    .push(" WHERE id = ")
    .bind(id.to_owned())
    .push(" AND state = 'sending'")
    .execute(pool)
    .await?;
    Ok(changed == 1)
}

/// Records a failed attempt: `failed` until `retry_at`, or `dead` when there is none.
pub(super) async fn fail(
    pool: &AnyPool,
    id: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let mut sql = Sql::new("UPDATE notifications SET lease_until = NULL, reason = ");
    sql.bind(error.chars().take(1000).collect::<String>());
    match retry_at {
        Some(at) => sql
            .push(", state = 'failed', next_attempt_at = ")
            .bind(at.timestamp_millis()),
        None => sql.push(", state = 'dead'"),
    };
    let changed = sql
        .push(" WHERE id = ")
        .bind(id.to_owned())
        .push(" AND state = 'sending'")
        .execute(pool)
        .await?;
    Ok(changed == 1)
}

/// Records a claimed notification as not to be sent (e.g. the alert was acknowledged before
/// its escalation came due), with the reason.
pub(super) async fn suppress(pool: &AnyPool, id: &str, reason: &str) -> Result<bool> {
    let changed =
        Sql::new("UPDATE notifications SET state = 'suppressed', lease_until = NULL, reason = ")
            .bind(reason.to_owned())
            .push(" WHERE id = ")
            .bind(id.to_owned())
            .push(" AND state = 'sending'")
            .execute(pool)
            .await?;
    Ok(changed == 1)
}

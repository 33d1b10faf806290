//! The outbox queue: workers claim due notifications with a lease, then record the outcome.
//! These calls are deployment-wide (workers serve every account), the one place where a store
//! method does not take an account.

use super::{Backend, Sql, alerts, parsed, parsed_opt, time};
use crate::config::Secret;
use crate::domain::{AccountId, Locale, TimeZone};
use crate::store::{
    Attempt, AttemptOutcome, DeliveryContext, NewAttempt, Notification, RecipientInfo, Result,
    StoreError,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyPool, Row};

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

/// What a worker needs to send one claimed notification.
pub(super) async fn context(pool: &AnyPool, n: &Notification) -> Result<DeliveryContext> {
    let account = Sql::new(
        "SELECT a.id, a.name, a.locale, a.timezone FROM accounts a JOIN notifications n \
         ON n.account_id = a.id WHERE n.id = ",
    )
    .bind(n.id.clone())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let alert = match &n.alert_id {
        Some(id) => Sql::new(alerts::ALERT)
            .push(" WHERE id = ")
            .bind(id.clone())
            .fetch_optional(pool)
            .await?
            .map(|row| alerts::alert_from_row(&row))
            .transpose()?,
        None => None,
    };
    let company_name = match &alert {
        Some(alert) => Sql::new("SELECT name FROM companies WHERE id = ")
            .bind(alert.company_id.to_string())
            .fetch_optional(pool)
            .await?
            .map(|row| row.try_get::<String, _>("name"))
            .transpose()?,
        None => None,
    };
    // The method must still exist, with the contact it had (deleting a contact deletes them).
    let recipient = Sql::new(
        "SELECT c.name, c.locale, c.timezone, m.secret FROM contact_methods m \
         JOIN contacts c ON c.id = m.contact_id WHERE m.id = ",
    )
    .bind(n.method_id.to_string())
    .push(" AND c.id = ")
    .bind(n.contact_id.to_string())
    .fetch_optional(pool)
    .await?;
    let account_locale = parsed(&account, "locale", Locale::parse)?;
    let account_timezone = parsed(&account, "timezone", TimeZone::parse)?;
    let recipient = match recipient {
        Some(row) => Some(RecipientInfo {
            name: row.try_get("name")?,
            locale: parsed_opt(&row, "locale", Locale::parse)?.unwrap_or(account_locale),
            timezone: parsed_opt(&row, "timezone", TimeZone::parse)?.unwrap_or(account_timezone),
            webhook_secret: row
                .try_get::<Option<String>, _>("secret")?
                .map(Secret::from),
        }),
        None => None,
    };
    Ok(DeliveryContext {
        account_id: AccountId::from_string(account.try_get::<String, _>("id")?),
        account_name: account.try_get("name")?,
        alert,
        company_name,
        recipient,
    })
}

/// Adds one attempt to a notification's log.
pub(super) async fn record_attempt(pool: &AnyPool, attempt: &NewAttempt) -> Result<()> {
    Sql::new(
        "INSERT INTO delivery_attempts (id, notification_id, attempt, started_at, finished_at, \
         outcome, detail) VALUES (",
    )
    .bind(uuid::Uuid::now_v7().simple().to_string())
    .push(", ")
    .bind(attempt.notification_id.clone())
    .push(", ")
    .bind(attempt.attempt)
    .push(", ")
    .bind(attempt.started_at.timestamp_millis())
    .push(", ")
    .bind(attempt.finished_at.timestamp_millis())
    .push(", ")
    .bind(attempt.outcome.as_str())
    .push(", ")
    .bind(
        attempt
            .detail
            .as_ref()
            .map(|d| d.chars().take(2000).collect::<String>()),
    )
    .push(")")
    .execute(pool)
    .await?;
    Ok(())
}

/// A notification's attempts, first first; empty for one of another account.
pub(super) async fn attempts(
    pool: &AnyPool,
    account: &AccountId,
    notification_id: &str,
) -> Result<Vec<Attempt>> {
    let rows = Sql::new(
        "SELECT d.attempt, d.started_at, d.finished_at, d.outcome, d.detail FROM delivery_attempts d \
         JOIN notifications n ON n.id = d.notification_id WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND d.notification_id = ")
    .bind(notification_id.to_owned())
    .push(" ORDER BY d.attempt, d.started_at")
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attempt {
                attempt: row.try_get("attempt")?,
                started_at: time(row, "started_at")?,
                finished_at: time(row, "finished_at")?,
                outcome: parsed(row, "outcome", AttemptOutcome::parse)?,
                detail: row.try_get("detail")?,
            })
        })
        .collect()
}

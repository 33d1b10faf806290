//! The outbox queue: workers claim due notifications with a lease, then record the outcome.
//! These calls are deployment-wide (workers serve every account), the one place where a store
//! method does not take an account.

use super::{Backend, Sql, alerts, parsed, parsed_opt, time};
use crate::config::Secret;
use crate::domain::lifecycle::{self, CodeEffect, PendingCode};
use crate::domain::notification::Event;
use crate::domain::{
    AccountId, ContactId, Locale, MethodId, MethodType, NotificationId, RunId, TimeZone,
};
use crate::store::{
    Attempt, AttemptOutcome, DeliveryContext, NewAttempt, Notification, RecipientInfo, Result,
    StoreError, VerifyOutcome,
};

use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

const RETURNING: &str = " RETURNING id, alert_id, contact_id, method_id, type, address, event, state, \
    reason, escalation, held, attempts, next_attempt_at, created_at, sent_at";

/// Claims up to `limit` due notifications (queued or failed and due, or sending with an
/// expired lease, i.e. a node died mid-send) for `lease`: they become `sending`, their
/// attempt counted. PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP LOCKED`);
/// SQLite runs the one statement alone.
pub async fn claim(
    db: &mut AnyConnection,
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
    if Backend::of(db) == Backend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    sql.push(")").push(RETURNING);
    let rows = sql.fetch_all(&mut *db).await?;
    let mut claimed = rows
        .iter()
        .map(super::alerts::notification_from_row)
        .collect::<Result<Vec<_>>>()?;
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// Marks a claimed notification sent. `false` if it was not `sending` any more.
pub async fn complete(
    db: &mut AnyConnection,
    id: &NotificationId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let changed = Sql::new(
        "UPDATE notifications SET state = 'sent', lease_until = NULL, reason = NULL, sent_at = ",
    )
    .bind(now.timestamp_millis())
    .push(" WHERE id = ")
    .bind(id.to_string())
    .push(" AND state = 'sending'")
    .execute(&mut *db)
    .await?;
    Ok(changed == 1)
}

/// Records a failed attempt: `failed` until `retry_at`, or `dead` when there is none.
pub async fn fail(
    db: &mut AnyConnection,
    id: &NotificationId,
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
        .bind(id.to_string())
        .push(" AND state = 'sending'")
        .execute(&mut *db)
        .await?;
    Ok(changed == 1)
}

/// Records a claimed notification as not to be sent (e.g. the alert was acknowledged before
/// its escalation came due), with the reason.
pub async fn suppress(db: &mut AnyConnection, id: &NotificationId, reason: &str) -> Result<bool> {
    let changed =
        Sql::new("UPDATE notifications SET state = 'suppressed', lease_until = NULL, reason = ")
            .bind(reason.to_owned())
            .push(" WHERE id = ")
            .bind(id.to_string())
            .push(" AND state = 'sending'")
            .execute(&mut *db)
            .await?;
    Ok(changed == 1)
}

/// What a worker needs to send one claimed notification.
/// What each of `claimed` needs to be sent, as it is now, in one statement: the account, the
/// alert and its company, and the recipient, whose method must still exist with the contact
/// it had (deleting a contact deletes its methods). By notification id.
pub async fn contexts(
    db: &mut AnyConnection,
    claimed: &[Notification],
) -> Result<HashMap<NotificationId, DeliveryContext>> {
    if claimed.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = Sql::new(
        "SELECT n.id AS notification_id, acc.id AS acc_id, acc.name AS acc_name, acc.locale AS acc_locale, \
         acc.timezone AS acc_timezone, acc.flood_limit_email, acc.flood_limit_sms, \
         acc.flood_limit_phone, acc.flood_limit_webhook, n.payload, \
         al.id, al.company_id, al.key, al.severity, al.status, al.title, al.body, al.labels, \
         al.opened_at, al.last_notified_at, al.acknowledged_at, al.acknowledged_by, al.resolved_at, \
         co.name AS company_name, ct.name AS contact_name, ct.locale AS contact_locale, \
         ct.timezone AS contact_timezone, m.id AS method_present, m.secret \
         FROM notifications n JOIN accounts acc ON acc.id = n.account_id \
         LEFT JOIN alerts al ON al.id = n.alert_id \
         LEFT JOIN companies co ON co.id = al.company_id \
         LEFT JOIN contact_methods m ON m.id = n.method_id AND m.contact_id = n.contact_id \
         LEFT JOIN contacts ct ON ct.id = m.contact_id \
         WHERE n.id IN ",
    )
    .bind_list(claimed.iter().map(|n| n.id.as_str()))
    .fetch_all(&mut *db)
    .await?;
    let kinds: HashMap<&str, MethodType> =
        claimed.iter().map(|n| (n.id.as_str(), n.kind)).collect();
    let mut out = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id = NotificationId::from_string(row.try_get::<String, _>("notification_id")?);
        let kind = kinds
            .get(id.as_str())
            .copied()
            .ok_or_else(|| super::corrupt("notification_id"))?;
        out.insert(id, context_from_row(row, kind)?);
    }
    Ok(out)
}

fn context_from_row(row: &AnyRow, kind: MethodType) -> Result<DeliveryContext> {
    let alert = match row.try_get::<Option<String>, _>("id")? {
        Some(_) => Some(alerts::alert_from_row(row)?),
        None => None,
    };
    let account_locale = parsed(row, "acc_locale", Locale::parse)?;
    let account_timezone = parsed(row, "acc_timezone", TimeZone::parse)?;
    let recipient = match row.try_get::<Option<String>, _>("method_present")? {
        Some(_) => Some(RecipientInfo {
            name: row
                .try_get::<Option<String>, _>("contact_name")?
                .unwrap_or_default(),
            locale: parsed_opt(row, "contact_locale", Locale::parse)?.unwrap_or(account_locale),
            timezone: parsed_opt(row, "contact_timezone", TimeZone::parse)?
                .unwrap_or(account_timezone),
            webhook_secret: row
                .try_get::<Option<String>, _>("secret")?
                .map(Secret::from),
        }),
        None => None,
    };
    let flood_limit: Option<i64> =
        row.try_get(format!("flood_limit_{}", kind.as_str()).as_str())?;
    Ok(DeliveryContext {
        payload: row.try_get("payload")?,
        flood_limit,
        account_id: AccountId::from_string(row.try_get::<String, _>("acc_id")?),
        account_name: row.try_get("acc_name")?,
        company_name: row.try_get("company_name")?,
        alert,
        recipient,
    })
}

/// Adds one attempt to a notification's log.
pub async fn record_attempt(db: &mut AnyConnection, attempt: &NewAttempt) -> Result<()> {
    Sql::new(
        "INSERT INTO delivery_attempts (id, notification_id, attempt, started_at, finished_at, \
         outcome, detail) VALUES (",
    )
    .bind(uuid::Uuid::now_v7().simple().to_string())
    .push(", ")
    .bind(attempt.notification_id.to_string())
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
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// A notification's attempts, first first; empty for one of another account.
pub async fn attempts(
    db: &mut AnyConnection,
    account: &AccountId,
    notification_id: &NotificationId,
) -> Result<Vec<Attempt>> {
    let rows = Sql::new(
        "SELECT d.attempt, d.started_at, d.finished_at, d.outcome, d.detail FROM delivery_attempts d \
         JOIN notifications n ON n.id = d.notification_id WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND d.notification_id = ")
    .bind(notification_id.to_string())
    .push(" ORDER BY d.attempt, d.started_at")
    .fetch_all(&mut *db)
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

/// Queues a message that is not about an alert (test, verification code, a report run's
/// email) to one method of a contact of the account; `None` if there is no such method.
#[allow(clippy::too_many_arguments)]
pub async fn queue_message(
    conn: &mut sqlx::AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    event: Event,
    report_run_id: Option<&RunId>,
    payload: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<NotificationId>> {
    let id = NotificationId::generate();
    let inserted = Sql::new(
        "INSERT INTO notifications (id, account_id, report_run_id, contact_id, method_id, type, \
         address, event, state, next_attempt_at, created_at, payload) SELECT ",
    )
    .bind(id.to_string())
    .push(", account_id, ")
    .bind(report_run_id.map(RunId::to_string))
    .push(", contact_id, id, type, address, ")
    .bind(event.as_str())
    .push(", 'queued', ")
    .bind(now.timestamp_millis())
    .push(", ")
    .bind(now.timestamp_millis())
    .push(", ")
    .bind(payload.map(str::to_owned))
    .push(" FROM contact_methods WHERE account_id = ")
    .bind(account.to_string())
    .push(" AND contact_id = ")
    .bind(contact.to_string())
    .push(" AND id = ")
    .bind(method.to_string())
    .execute(&mut *conn)
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// One notification of the account.
pub async fn notification(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &NotificationId,
) -> Result<Notification> {
    let row = Sql::new(alerts::NOTIFICATION)
        .push(" WHERE n.account_id = ")
        .bind(account.to_string())
        .push(" AND n.id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    alerts::notification_from_row(&row)
}

/// Forgets what a finished notification carried (a verification code).
pub async fn clear_payload(db: &mut AnyConnection, id: &NotificationId) -> Result<()> {
    Sql::new("UPDATE notifications SET payload = NULL WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Starts (or restarts) a method's verification: the code's hash, its expiry, no failures;
/// and queues the message that carries the code, in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn start_verification(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    code: &str,
    code_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<NotificationId> {
    let payload = serde_json::json!({ "code": code }).to_string();
    let id = queue_message(
        &mut *db,
        account,
        contact,
        method,
        Event::Verification,
        None,
        Some(&payload),
        now,
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    Sql::new("DELETE FROM method_verifications WHERE method_id = ")
        .bind(method.to_string())
        .execute(&mut *db)
        .await?;
    Sql::new("INSERT INTO method_verifications (method_id, code_hash, expires_at, failures, created_at) VALUES (")
        .bind(method.to_string())
        .push(", ")
        .bind(code_hash.to_owned())
        .push(", ")
        .bind(expires_at.timestamp_millis())
        .push(", 0, ")
        .bind(now.timestamp_millis())
        .push(")")
        .execute(&mut *db)
        .await?;
    Ok(id)
}

/// Checks a typed code against a method's pending verification: on a match the method is
/// verified and the code used up; a wrong code counts a failure.
pub async fn confirm_verification(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<VerifyOutcome> {
    let row = Sql::new(
        "SELECT v.code_hash, v.expires_at, v.failures FROM method_verifications v \
         JOIN contact_methods m ON m.id = v.method_id WHERE m.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND m.contact_id = ")
    .bind(contact.to_string())
    .push(" AND m.id = ")
    .bind(method.to_string())
    .fetch_optional(&mut *db)
    .await?;
    let pending = row
        .map(|row| -> Result<PendingCode> {
            Ok(PendingCode {
                code_hash: row.try_get("code_hash")?,
                expires_at: time(&row, "expires_at")?,
                failures: row.try_get("failures")?,
            })
        })
        .transpose()?;
    let (outcome, effect) = lifecycle::check_code(pending.as_ref(), code_hash, now);
    match effect {
        CodeEffect::Nothing => {}
        CodeEffect::CountFailure => {
            Sql::new("UPDATE method_verifications SET failures = failures + 1 WHERE method_id = ")
                .bind(method.to_string())
                .execute(&mut *db)
                .await?;
        }
        CodeEffect::MarkVerified => {
            Sql::new("DELETE FROM method_verifications WHERE method_id = ")
                .bind(method.to_string())
                .execute(&mut *db)
                .await?;
            Sql::new("UPDATE contact_methods SET verified = ")
                .bind(true)
                .push(" WHERE id = ")
                .bind(method.to_string())
                .execute(&mut *db)
                .await?;
        }
    }
    Ok(outcome)
}

/// How many alert messages went to a destination since `since`, and when the oldest of them
/// went. Codes and tests, which people ask for, do not count.
pub async fn sent_to(
    db: &mut AnyConnection,
    account: &AccountId,
    kind: &str,
    address: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>)> {
    let row = Sql::new(
        "SELECT COUNT(*) AS n, MIN(sent_at) AS oldest FROM notifications WHERE account_id = ",
    )
    .bind(account.to_string())
    .push(" AND type = ")
    .bind(kind.to_owned())
    .push(" AND address = ")
    .bind(address.to_owned())
    .push(" AND state = 'sent' AND event IN ('opened', 'escalated', 'renotified', 'resolved') AND sent_at > ")
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
        .push(" AND event = 'digest' AND state IN ('queued', 'failed', 'sending')")
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
    .push(" AND event = 'digest' AND state = 'sent'), 0) GROUP BY c.name ORDER BY c.name")
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

/// Verifies a method from a signed email link, if it still has the address the link went to.
pub async fn verify_by_link(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    address: &str,
) -> Result<bool> {
    let changed = Sql::new("UPDATE contact_methods SET verified = ")
        .bind(true)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(contact.to_string())
        .push(" AND id = ")
        .bind(method.to_string())
        .push(" AND address = ")
        .bind(address.to_owned())
        .execute(&mut *db)
        .await?;
    if changed == 1 {
        Sql::new("DELETE FROM method_verifications WHERE method_id = ")
            .bind(method.to_string())
            .execute(&mut *db)
            .await?;
    }
    Ok(changed == 1)
}

/// Deployment-wide numbers for `/metrics`: notifications by state and type, the age of the
/// oldest due notification, firing alerts, report runs by state.
pub async fn metrics(db: &mut AnyConnection, now: DateTime<Utc>) -> Result<crate::store::Metrics> {
    let by_state = Sql::new("SELECT state, type, COUNT(*) AS n FROM notifications GROUP BY state, type ORDER BY state, type")
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("type")?, r.try_get("n")?)))
        .collect::<Result<Vec<(String, String, i64)>>>()?;
    let oldest: Option<i64> = Sql::new("SELECT MIN(next_attempt_at) AS oldest FROM notifications WHERE state IN ('queued', 'failed') AND next_attempt_at <= ")
        .bind(now.timestamp_millis())
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("oldest"))
        .transpose()?
        .flatten();
    let firing: i64 = Sql::new("SELECT COUNT(*) AS n FROM alerts WHERE status = 'firing'")
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("n"))
        .transpose()?
        .unwrap_or(0);
    let runs =
        Sql::new("SELECT state, COUNT(*) AS n FROM report_runs GROUP BY state ORDER BY state")
            .fetch_all(&mut *db)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect::<Result<Vec<(String, i64)>>>()?;
    Ok(crate::store::Metrics {
        notifications: by_state,
        oldest_due_seconds: oldest.map(|ms| ((now.timestamp_millis() - ms).max(0) as f64) / 1000.0),
        alerts_firing: firing,
        report_runs: runs,
    })
}

//! The outbox queue: workers claim due notifications with a lease, then record the outcome.
//! These calls are deployment-wide (workers serve every account), the one place where a store
//! method does not take an account.
//!
//! This module holds the claims (and what a claimed batch needs) and the attempt log;
//! `finish` records how claimed notifications ended, set-based; `messages` queues messages that are not about an alert (tests, verification
//! codes, report emails) and verifies methods, `flood` counts and digests what flood control
//! holds back, and `metrics` the deployment's numbers.

mod ending;
mod finish;
mod flood;
mod limits;
mod messages;
mod metrics;

pub use finish::{End, Finished, finish, finish_one, finish_recorded, record_attempts};
pub use flood::{held_back, queue_digest, sent_to};
pub use limits::{lock_destination, lock_method, recent_messages};
pub use messages::{
    count_code_failure, mark_verified, pending_code, queue_message, start_verification,
    verify_by_link,
};
pub use metrics::metrics;

use super::{Backend, Sql, alerts, parsed, parsed_opt, time};
use crate::config::Secret;
use crate::domain::{AccountId, FloodLimits, Locale, MethodType, NotificationId, TimeZone};
use crate::store::{
    Attempt, AttemptOutcome, DeliveryContext, NewAttempt, Notification, RecipientInfo, Result,
    StoreError,
};

use chrono::{DateTime, Duration, Utc};
use foldhash::{HashMap, HashMapExt as _};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The condition of `notifications_by_method` (migration 0021), a partial index: a query by
/// method names it (as an extra condition its own implies) so that the index serves it.
pub(crate) const OWN_MESSAGES: &str =
    "(event IN ('test', 'verification', 'digest') OR state = 'suppressed')";

/// The columns of a claimed notification, as claims (and intake's claims) return them.
pub(crate) const CLAIMED: &str = " RETURNING id, alert_id, contact_id, method_id, type, address, event, state, \
    reason, escalation, held, attempts, next_attempt_at, created_at, sent_at, escalation_step";

/// Claims up to `limit` due notifications (queued or failed and due, or sending with an
/// expired lease, i.e. a node died mid-send) for `lease`: they become `sending`, their
/// attempt counted. Each state is read in (next_attempt_at, id) order straight from its
/// index, at most `limit` rows, so a claim costs the same however long the queue. PostgreSQL
/// skips rows other workers hold (`FOR UPDATE SKIP LOCKED`); SQLite runs the one statement
/// alone.
pub async fn claim(
    db: &mut AnyConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<Notification>> {
    let now_ms = now.timestamp_millis();
    let limit = i64::from(limit);
    let lock = if Backend::of(db) == Backend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let mut sql = Sql::new("UPDATE notifications SET state = 'sending', lease_until = ");
    sql.bind((now + lease).timestamp_millis())
        .push(", attempts = attempts + 1 WHERE id IN (SELECT id FROM (");
    let legs = [
        (
            "state = 'queued' AND next_attempt_at",
            "next_attempt_at, id",
        ),
        (
            "state = 'failed' AND next_attempt_at",
            "next_attempt_at, id",
        ),
        ("state = 'sending' AND lease_until", "lease_until, id"),
    ];
    for (i, (due, order)) in legs.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT id, next_attempt_at FROM (SELECT id, next_attempt_at FROM notifications WHERE {due} <= "
        ))
        .bind(now_ms)
        .push(&format!(" ORDER BY {order} LIMIT "))
        .bind(limit)
        .push(lock)
        .push(&format!(") AS leg{i}"));
    }
    sql.push(") AS due ORDER BY next_attempt_at, id LIMIT ")
        .bind(limit)
        .push(")")
        .push(CLAIMED);
    let rows = sql.fetch_all(&mut *db).await?;
    let mut claimed = rows
        .iter()
        .map(super::alerts::notification_from_row)
        .collect::<Result<Vec<_>>>()?;
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// Gives back claims a stopping node could not finish: those of `ids` still `sending` are
/// `queued` again, due as before, their claim's attempt not counted, for any node to take at
/// once instead of after the lease. How many were given back.
pub async fn release(db: &mut AnyConnection, ids: &[NotificationId]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let released = Sql::new(
        "UPDATE notifications SET state = 'queued', lease_until = NULL, \
         attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
         WHERE state = 'sending' AND id IN ",
    )
    .bind_list(ids.iter().map(NotificationId::as_str))
    .execute(&mut *db)
    .await?;
    Ok(released)
}

impl crate::store::SqlStore {
    /// [`release`] on a transaction of its own: claims this node will not send go back to
    /// the queue for any node (their lease would bring them back too, later).
    pub async fn give_back(&self, ids: &[NotificationId]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write().await?;
        let released = release(&mut tx, ids).await?;
        tx.commit().await?;
        Ok(released)
    }
}

/// Marks a claimed notification sent. `false` if it was not `sending` any more.
pub async fn complete(
    db: &mut AnyConnection,
    id: &NotificationId,
    now: DateTime<Utc>,
) -> Result<bool> {
    // Counted by flood control, whatever the account's limits: a message that went.
    let end = End::Sent {
        at: now,
        counted: true,
    };
    finish_one(
        db,
        Finished {
            id: id.clone(),
            end,
            forget_payload: false,
        },
    )
    .await
}

/// Records a failed attempt: `failed` until `retry_at`, or `dead` when there is none.
pub async fn fail(
    db: &mut AnyConnection,
    id: &NotificationId,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let end = End::Failed {
        error: error.to_owned(),
        retry_at,
    };
    finish_one(
        db,
        Finished {
            id: id.clone(),
            end,
            forget_payload: false,
        },
    )
    .await
}

/// Records a claimed notification as not to be sent, with the reason.
pub async fn suppress(db: &mut AnyConnection, id: &NotificationId, reason: &str) -> Result<bool> {
    let end = End::Suppressed {
        reason: reason.to_owned(),
    };
    finish_one(
        db,
        Finished {
            id: id.clone(),
            end,
            forget_payload: false,
        },
    )
    .await
}

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
    let limit = |column: &str| -> Result<Option<u32>> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .and_then(|n| u32::try_from(n).ok()))
    };
    let flood = FloodLimits {
        email: limit("flood_limit_email")?,
        sms: limit("flood_limit_sms")?,
        phone: limit("flood_limit_phone")?,
        webhook: limit("flood_limit_webhook")?,
    };
    Ok(DeliveryContext {
        payload: row.try_get("payload")?,
        flood_limit: flood.for_kind(kind),
        account_id: AccountId::from_string(row.try_get::<String, _>("acc_id")?),
        account_name: row.try_get("acc_name")?,
        company_name: row.try_get("company_name")?,
        alert: alert.map(std::sync::Arc::new),
        recipient,
    })
}

/// Adds one attempt to a notification's log.
pub async fn record_attempt(db: &mut AnyConnection, attempt: &NewAttempt) -> Result<()> {
    record_attempts(db, &[attempt]).await
}

/// A notification's attempts, first first; empty for one of another account. The one that
/// sent it is kept on its row (see `finish`), the others in the log.
pub async fn attempts(
    db: &mut AnyConnection,
    account: &AccountId,
    notification_id: &NotificationId,
) -> Result<Vec<Attempt>> {
    let rows = Sql::new(
        "SELECT attempt, started_at, finished_at, outcome, detail FROM (\
         SELECT d.attempt, d.started_at, d.finished_at, d.outcome, d.detail \
         FROM delivery_attempts d JOIN notifications n ON n.id = d.notification_id \
         WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND d.notification_id = ")
    .bind(notification_id.to_string())
    .push(
        " UNION ALL SELECT sent_try, sent_started_at, sent_at, 'sent', sent_detail \
         FROM notifications WHERE account_id = ",
    )
    .bind(account.to_string())
    .push(" AND id = ")
    .bind(notification_id.to_string())
    .push(" AND sent_started_at IS NOT NULL) a ORDER BY attempt, started_at")
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

//! Messages that are not about an alert, queued to one method (a test, a verification code,
//! a report run's email), and a method's verification by code or by signed link.

use crate::domain::lifecycle::PendingCode;
use crate::domain::notification::Event;
use crate::domain::{AccountId, ContactId, MethodId, NotificationId, RunId};
use crate::store::sql::{Sql, time};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

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

/// The code waiting to be typed back for a method of the contact, if any.
pub async fn pending_code(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
) -> Result<Option<PendingCode>> {
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
    row.map(|row| -> Result<PendingCode> {
        Ok(PendingCode {
            code_hash: row.try_get("code_hash")?,
            expires_at: time(&row, "expires_at")?,
            failures: row.try_get("failures")?,
        })
    })
    .transpose()
}

/// One more wrong code for the method's pending verification.
pub async fn count_code_failure(db: &mut AnyConnection, method: &MethodId) -> Result<()> {
    Sql::new("UPDATE method_verifications SET failures = failures + 1 WHERE method_id = ")
        .bind(method.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The right code was typed: it is used up and the method is verified.
pub async fn mark_verified(db: &mut AnyConnection, method: &MethodId) -> Result<()> {
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
    Ok(())
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

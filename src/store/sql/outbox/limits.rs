//! What the rate limit of test and verification messages reads (`domain::limits` decides):
//! when the messages that count went, and the destination's turn, so that counting and
//! queuing happen one request at a time.

use crate::domain::limits::Recent;
use crate::domain::{AccountId, MethodId};
use crate::store::Result;
use crate::store::sql::{Backend, Sql, corrupt, take_turn, time};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// Holds the method as it is until the transaction ends, so the address that is counted is
/// the address that is queued (a concurrent change of its address waits). SQLite write
/// transactions already run one at a time; PostgreSQL locks the row.
pub async fn lock_method(
    db: &mut AnyConnection,
    account: &AccountId,
    method: &MethodId,
) -> Result<()> {
    if Backend::of(db) == Backend::Postgres {
        Sql::new("SELECT id FROM contact_methods WHERE account_id = ")
            .bind(account.to_string())
            .push(" AND id = ")
            .bind(method.to_string())
            .push(" FOR UPDATE")
            .fetch_optional(&mut *db)
            .await?;
    }
    Ok(())
}

/// The destination as the limit counts it: letter case does not make another address
/// (`Ana@x` and `ana@x` are one mailbox to a stranger's eyes and to most mail servers).
fn destination(address: &str) -> String {
    address.to_lowercase()
}

/// Takes the destination's turn until the transaction ends, so that a concurrent request to
/// the same address counts what this one queues. SQLite write transactions already run one at
/// a time (`BEGIN IMMEDIATE`); PostgreSQL takes a transaction-scoped advisory lock on the
/// account, type and address.
pub async fn lock_destination(
    db: &mut AnyConnection,
    account: &AccountId,
    kind: &str,
    address: &str,
) -> Result<()> {
    let key = format!(
        "reach.limits\u{1f}{account}\u{1f}{kind}\u{1f}{}",
        destination(address)
    );
    take_turn(db, &key).await
}

/// The tests and verification codes of `method`, and the tests, verification codes and flood
/// digests to `kind` and `address` (in any letter case) in the account, that went (or, queued
/// for later, go) after `since`: a test or code counts from when it was asked for, a digest
/// from when it is sent. The destination's messages are found through the partial index
/// `notifications_messages` (alert notifications do not pay for it); a digest is looked for
/// among those made in the two days before `since` (its retry budget is one day).
pub async fn recent_messages(
    db: &mut AnyConnection,
    account: &AccountId,
    method: &MethodId,
    kind: &str,
    address: &str,
    since: DateTime<Utc>,
) -> Result<Recent> {
    let made_after = (since - chrono::Duration::days(2)).timestamp_millis();
    let since = since.timestamp_millis();
    let rows = Sql::new("SELECT 'method' AS scope, created_at AS at FROM notifications WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND method_id = ")
        .bind(method.to_string())
        .push(" AND event IN ('test', 'verification') AND ")
        .push(super::OWN_MESSAGES)
        .push(" AND created_at > ")
        .bind(since)
        .push(
            " UNION ALL SELECT 'destination' AS scope, CASE WHEN event = 'digest' \
             THEN COALESCE(sent_at, next_attempt_at) ELSE created_at END AS at \
             FROM notifications WHERE account_id = ",
        )
        .bind(account.to_string())
        .push(" AND event IN ('test', 'verification', 'digest') AND created_at > ")
        .bind(made_after)
        .push(" AND type = ")
        .bind(kind.to_owned())
        // LOWER on both sides: each engine compares with its own idea of letter case.
        .push(" AND LOWER(address) = LOWER(")
        .bind(address.to_owned())
        .push(") AND ((event IN ('test', 'verification') AND created_at > ")
        .bind(since)
        .push(") OR (event = 'digest' AND state <> 'suppressed' AND COALESCE(sent_at, next_attempt_at) > ")
        .bind(since)
        .push("))")
        .fetch_all(&mut *db)
        .await?;
    let mut recent = Recent::default();
    for row in &rows {
        let at = time(row, "at")?;
        match row.try_get::<String, _>("scope")?.as_str() {
            "method" => recent.method.push(at),
            "destination" => recent.destination.push(at),
            _ => return Err(corrupt("scope")),
        }
    }
    Ok(recent)
}

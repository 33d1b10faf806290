//! How claimed notifications ended, recorded set-based: one statement ends every notification
//! of a group commit (only those still `sending`: a late worker changes nothing), one more
//! adds their attempts. The attempt that sent a notification is kept on its row (`sent_try`,
//! `sent_started_at`, `sent_detail`; it finished at `sent_at`), written by the statement that
//! ends it: nearly every attempt is one that sent, and a row of the log each was a fifth of
//! the recorder's writes. The log holds the others; `outbox::attempts` reads both.

use super::super::{Backend, Sql};
use super::ending::{adding, ending};
use crate::domain::NotificationId;
use crate::store::{AttemptOutcome, NewAttempt, Result};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};
use sqlx::{AnyConnection, Row};

/// Rows per multi-row statement: a full group commit (`delivery::record::FULL`) in one.
const ROWS_PER_STATEMENT: usize = 128;

/// How a claimed notification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// `counted`: flood control counts it (an alert message whose kind had a limit in the
    /// account when it went).
    Sent { at: DateTime<Utc>, counted: bool },
    /// `failed` until `retry_at`; `dead` without one.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    /// Not to be sent after all (e.g. the alert was acknowledged before its escalation came
    /// due), with the reason.
    Suppressed { reason: String },
    /// Not tried after all (its lease would run out before the send could): queued again as it
    /// was, the claim's attempt not counted.
    Released,
}

/// One claimed notification's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub id: NotificationId,
    pub end: End,
    /// Forget the message's payload (a verification code, once its sending is over).
    pub forget_payload: bool,
}

/// The attempts of `attempts` kept on their notification's row (those that sent one `rows`
/// ends as sent), by notification, and the rest, for the log.
fn kept_on_rows<'a>(
    rows: &[Finished],
    attempts: &[&'a NewAttempt],
) -> (HashMap<NotificationId, &'a NewAttempt>, Vec<&'a NewAttempt>) {
    let mut sent: HashSet<&NotificationId> = HashSet::with_capacity(rows.len());
    sent.extend(
        rows.iter()
            .filter(|row| matches!(row.end, End::Sent { .. }))
            .map(|row| &row.id),
    );
    let mut kept = HashMap::with_capacity(sent.len());
    let mut logged = Vec::new();
    for attempt in attempts {
        if attempt.outcome == AttemptOutcome::Sent
            && sent.contains(&attempt.notification_id)
            && !kept.contains_key(&attempt.notification_id)
        {
            kept.insert(attempt.notification_id.clone(), *attempt);
        } else {
            logged.push(*attempt);
        }
    }
    (kept, logged)
}

/// Ends the notifications of `rows` (each id at most once) that are still `sending`, with
/// their `attempts`: the ids that were, i.e. whose end landed (only their attempts are
/// written).
pub async fn finish(
    db: &mut AnyConnection,
    rows: &[Finished],
    attempts: &[&NewAttempt],
) -> Result<HashSet<NotificationId>> {
    let (kept, logged) = kept_on_rows(rows, attempts);
    let mut landed = HashSet::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let ended = ending(chunk, &kept, Backend::of(db))
            .push(" RETURNING notifications.id")
            .fetch_all(&mut *db)
            .await?;
        for row in &ended {
            landed.insert(NotificationId::from_string(row.try_get::<String, _>("id")?));
        }
    }
    let logged: Vec<&NewAttempt> = logged
        .into_iter()
        .filter(|a| landed.contains(&a.notification_id))
        .collect();
    record_attempts(db, &logged).await?;
    Ok(landed)
}

/// Ends the notifications of `rows` that are still `sending` (see [`finish`]), without their
/// attempts kept elsewhere than on the rows (see [`finish_recorded`]), nor reading back which
/// landed: `true` when all of them did.
async fn finish_all(
    db: &mut AnyConnection,
    rows: &[Finished],
    kept: &HashMap<NotificationId, &NewAttempt>,
) -> Result<bool> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let changed = ending(chunk, kept, Backend::of(db))
            .execute(&mut *db)
            .await?;
        if usize::try_from(changed).ok() != Some(chunk.len()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Adds attempts to the notifications' logs.
pub async fn record_attempts(db: &mut AnyConnection, attempts: &[&NewAttempt]) -> Result<()> {
    for chunk in attempts.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new("");
        adding(&mut sql, chunk).execute(&mut *db).await?;
    }
    Ok(())
}

/// [`finish`] without reading back which ends landed: `true` when all of them did (the count
/// of changed rows tells; their attempts are then written); `false` when some notification
/// was no longer `sending`, and then the transaction is to be rolled back and the rows ended
/// with [`finish`]. On SQLite the rows of `RETURNING` come one by one from the connection's
/// worker thread, a wake-up of each thread every few rows; the count comes with the
/// statement's answer. There both statements also go as one query (each statement is a
/// hand-off to the connection's worker thread and back, on the writer's turn), and the changed
/// rows of both are counted together: the insert adds every row it is given.
pub async fn finish_recorded(
    db: &mut AnyConnection,
    rows: &[Finished],
    attempts: &[&NewAttempt],
) -> Result<bool> {
    let (kept, logged) = kept_on_rows(rows, attempts);
    let one_query = Backend::of(db) == Backend::Sqlite
        && !rows.is_empty()
        && !logged.is_empty()
        && rows.len() <= ROWS_PER_STATEMENT
        && logged.len() <= ROWS_PER_STATEMENT;
    if !one_query {
        if !finish_all(db, rows, &kept).await? {
            return Ok(false);
        }
        record_attempts(db, &logged).await?;
        return Ok(true);
    }
    let mut sql = ending(rows, &kept, Backend::Sqlite);
    sql.push("; ");
    let changed = adding(&mut sql, &logged).execute(&mut *db).await?;
    Ok(usize::try_from(changed).ok() == Some(rows.len() + logged.len()))
}

/// Ends one notification (see [`finish`]): `false` if it was not `sending` any more.
pub async fn finish_one(db: &mut AnyConnection, row: Finished) -> Result<bool> {
    let id = row.id.clone();
    Ok(finish(db, &[row], &[]).await?.contains(&id))
}

#[cfg(test)]
mod tests {
    use super::{End, Finished, kept_on_rows};
    use crate::domain::NotificationId;
    use crate::store::{AttemptOutcome, NewAttempt};

    #[test]
    fn only_the_attempt_that_sent_a_notification_is_kept_on_its_row() {
        let now = chrono::Utc::now();
        let id = |n: &str| NotificationId::from_string(n.to_owned());
        let end = |n: &str, sent: bool| Finished {
            id: id(n),
            end: if sent {
                End::Sent {
                    at: now,
                    counted: false,
                }
            } else {
                End::Failed {
                    error: "HTTP 503".into(),
                    retry_at: None,
                }
            },
            forget_payload: false,
        };
        let attempt = |n: &str, outcome| NewAttempt {
            notification_id: id(n),
            attempt: 1,
            started_at: now,
            finished_at: now,
            outcome,
            detail: None,
        };
        let rows = [end("a", true), end("b", false), end("c", true)];
        let attempts = [
            attempt("a", AttemptOutcome::Sent),
            // Sent, yet its row ends otherwise (the recorder never writes this): logged.
            attempt("b", AttemptOutcome::Sent),
            attempt("c", AttemptOutcome::Retry),
            attempt("a", AttemptOutcome::Sent),
            // Not ended here.
            attempt("d", AttemptOutcome::Sent),
        ];
        let refs: Vec<&NewAttempt> = attempts.iter().collect();
        let (kept, logged) = kept_on_rows(&rows, &refs);
        assert_eq!(kept.keys().collect::<Vec<_>>(), [&id("a")]);
        let logged: Vec<(&str, AttemptOutcome)> = logged
            .iter()
            .map(|a| (a.notification_id.as_str(), a.outcome))
            .collect();
        assert_eq!(
            logged,
            [
                ("b", AttemptOutcome::Sent),
                ("c", AttemptOutcome::Retry),
                ("a", AttemptOutcome::Sent),
                ("d", AttemptOutcome::Sent),
            ],
            "one kept per row; the rest go to the log"
        );
    }
}

//! The statements the recorder writes (`finish`): the one that ends claimed notifications and
//! the one that adds attempts to their log. On SQLite their rows are `VALUES` lists of bound
//! values, padded to a few sizes; on PostgreSQL the notifications' ends go as one JSON
//! parameter ([`Sql::records`]).

use super::super::{Backend, Sql};
use super::finish::{End, Finished};
use crate::domain::NotificationId;
use crate::store::NewAttempt;
use foldhash::HashMap;
use serde::Serialize;

/// The rows a statement for `n` rows is written with: `n` rounded up to a power of two up to
/// 16, then to a multiple of 16 (the rest are rows of NULLs, which end and add nothing). Group
/// commits come in every size up to `ROWS_PER_STATEMENT`, and each size was a statement text
/// of its own, parsed and planned on its first use on each connection (SQLite's prepares were
/// 1.7% of Reach's CPU samples in a 20,000-alert run), up to 256 texts against a statement
/// cache of 100. Now there are at most 12 texts per statement.
fn padded(n: usize) -> usize {
    if n <= 16 {
        n.next_power_of_two()
    } else {
        n.div_ceil(16) * 16
    }
}

/// Appends `count` VALUES rows of `columns` NULLs, each after a comma.
fn push_nulls(sql: &mut Sql, columns: usize, count: usize) {
    let row = format!(", ({})", vec!["NULL"; columns].join(", "));
    for _ in 0..count {
        sql.push(&row);
    }
}

/// Text as PostgreSQL keeps it (it refuses NUL characters), at most `chars` characters.
fn storable(text: &str, chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(chars.saturating_mul(4)));
    out.extend(text.chars().filter(|c| *c != '\0').take(chars));
    out
}

/// One notification's end as the statement writes it.
#[derive(Serialize)]
struct Ending<'a> {
    id: &'a NotificationId,
    state: &'static str,
    reason: Option<String>,
    sent_at: Option<i64>,
    counted_at: Option<i64>,
    next_at: Option<i64>,
    /// Forget the payload.
    forget: bool,
    /// Released: the claim's attempt is not counted.
    undo: bool,
    /// The attempt that sent it, kept on the row.
    tried: Option<i64>,
    started_at: Option<i64>,
    detail: Option<String>,
}

/// [`Ending`]'s columns as PostgreSQL reads them.
const ENDING_COLUMNS: &str = "id text, state text, reason text, sent_at bigint, \
     counted_at bigint, next_at bigint, forget boolean, undo boolean, tried bigint, \
     started_at bigint, detail text";

impl<'a> Ending<'a> {
    fn of(row: &'a Finished, sent_by: Option<&NewAttempt>) -> Self {
        let (state, reason, sent_at, next_at) = match &row.end {
            End::Sent { at, .. } => ("sent", None, Some(at.timestamp_millis()), None),
            End::Failed { error, retry_at } => (
                if retry_at.is_some() { "failed" } else { "dead" },
                Some(storable(error, 1000)),
                None,
                retry_at.map(|t| t.timestamp_millis()),
            ),
            End::Suppressed { reason } => ("suppressed", Some(storable(reason, 1000)), None, None),
            End::Released => ("queued", None, None, None),
        };
        Self {
            id: &row.id,
            state,
            reason,
            sent_at,
            counted_at: sent_at.filter(|_| matches!(row.end, End::Sent { counted: true, .. })),
            next_at,
            forget: row.forget_payload,
            undo: row.end == End::Released,
            tried: sent_by.map(|a| a.attempt),
            started_at: sent_by.map(|a| a.started_at.timestamp_millis()),
            detail: sent_by.and_then(|a| a.detail.as_deref().map(|d| storable(d, 2000))),
        }
    }
}

/// The statement that ends the notifications of `chunk` still `sending`, with the attempts
/// `kept` on their rows.
pub(super) fn ending(
    chunk: &[Finished],
    kept: &HashMap<NotificationId, &NewAttempt>,
    backend: Backend,
) -> Sql {
    let rows = chunk
        .iter()
        .map(|row| Ending::of(row, kept.get(&row.id).copied()));
    let mut sql = if backend == Backend::Postgres {
        let rows: Vec<Ending> = rows.collect();
        let mut sql = Sql::new("WITH v AS (SELECT * FROM ");
        sql.records(&rows, ENDING_COLUMNS).push(")");
        sql
    } else {
        let mut sql = Sql::new(
            "WITH v (id, state, reason, sent_at, counted_at, next_at, forget, undo, tried, \
             started_at, detail) AS (VALUES ",
        );
        let padded = padded(chunk.len());
        sql.reserve(padded * 32 + 900, padded * 11);
        for (i, row) in rows.enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(row.id)
                .push(", ")
                .bind(row.state)
                .push(", ")
                .bind(row.reason)
                .push(", ")
                .bind(row.sent_at)
                .push(", ")
                .bind(row.counted_at)
                .push(", ")
                .bind(row.next_at)
                .push(", ")
                .bind(row.forget)
                .push(", ")
                .bind(row.undo)
                .push(", ")
                .bind(row.tried)
                .push(", ")
                .bind(row.started_at)
                .push(", ")
                .bind(row.detail)
                .push(")");
        }
        push_nulls(&mut sql, 11, padded - chunk.len());
        sql.push(")");
        sql
    };
    sql.push(
        " UPDATE notifications SET state = v.state, \
         reason = CASE WHEN v.undo THEN notifications.reason ELSE v.reason END, \
         attempts = CASE WHEN v.undo THEN notifications.attempts - 1 \
         ELSE notifications.attempts END, \
         lease_until = NULL, sent_at = COALESCE(v.sent_at, notifications.sent_at), \
         counted_at = COALESCE(v.counted_at, notifications.counted_at), \
         next_attempt_at = COALESCE(v.next_at, notifications.next_attempt_at), \
         payload = CASE WHEN v.forget THEN NULL ELSE notifications.payload END, \
         sent_try = COALESCE(v.tried, notifications.sent_try), \
         sent_started_at = COALESCE(v.started_at, notifications.sent_started_at), \
         sent_detail = COALESCE(v.detail, notifications.sent_detail) \
         FROM v WHERE notifications.id = v.id AND notifications.state = 'sending'",
    );
    sql
}

/// Appends the statement that adds `chunk` to the notifications' logs.
pub(super) fn adding<'s>(sql: &'s mut Sql, chunk: &[&NewAttempt]) -> &'s mut Sql {
    sql.push(
        "INSERT INTO delivery_attempts (id, notification_id, attempt, started_at, \
         finished_at, outcome, detail) SELECT * FROM (VALUES ",
    );
    for (i, attempt) in chunk.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(uuid::Uuid::now_v7().simple().to_string())
            .push(", ")
            .bind(&attempt.notification_id)
            .push(", ")
            .bind(attempt.attempt)
            .push(", ")
            .bind(attempt.started_at.timestamp_millis())
            .push(", ")
            .bind(attempt.finished_at.timestamp_millis())
            .push(", ")
            .bind(attempt.outcome.as_str())
            .push(", ")
            .bind(attempt.detail.as_ref().map(|d| storable(d, 2000)))
            .push(")");
    }
    push_nulls(sql, 7, padded(chunk.len()) - chunk.len());
    sql.push(") AS v WHERE v.column1 IS NOT NULL")
}

#[cfg(test)]
mod tests {
    use super::padded;

    #[test]
    fn statements_come_in_few_sizes_that_fit_their_rows() {
        let sizes: std::collections::BTreeSet<usize> = (1..=128).map(padded).collect();
        assert_eq!(sizes.len(), 12);
        assert_eq!(sizes.last(), Some(&128));
        for n in 1..=128 {
            assert!(padded(n) >= n && padded(n) - n < 16, "{n} -> {}", padded(n));
        }
        assert_eq!(
            (padded(1), padded(3), padded(16), padded(17), padded(116)),
            (1, 4, 16, 32, 128)
        );
    }
}

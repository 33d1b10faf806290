//! What storing a batch of alerts writes, set-based: the new alert rows in multi-row inserts
//! (`new_alerts`), the outbox rows routing planned (each a snapshot of its method's type and
//! address, taken in the same statement). The changes to alerts that were already firing are
//! in `firing`.

use super::super::{Backend, Sql, corrupt, unique_as};
use super::new_alerts::{StoredAlert, adding_alerts, insert_alerts};
use crate::domain::notification::{Event, State};
use crate::domain::routing::Plan;
use crate::domain::{AccountId, AlertId, ContactId, MethodId, MethodType, NotificationId};
use crate::store::{Notification, Result, StoreError};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _};
use sqlx::{AnyConnection, Row as _};

/// Rows per multi-row statement: far below both engines' limits on parameters (SQLite 32,766,
/// PostgreSQL 65,535), and few distinct statement texts for the statement caches.
pub(super) const ROWS_PER_STATEMENT: usize = 100;

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

/// Outbox rows to write claimed, for intake to hand straight to this node's dispatcher: at
/// most `limit` of those due now, `sending` until `lease_until` with their attempt counted, as
/// a worker's claim would leave them.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    pub lease_until: DateTime<Utc>,
    pub limit: usize,
}

/// A method as an outbox row snapshots it.
#[derive(Clone)]
struct Snapshot {
    contact: ContactId,
    kind: MethodType,
    address: String,
}

/// The methods of `rows` as they are now, read on SQLite's writing transaction (no other
/// write comes between this read and the rows written next); a deleted one is missing. One row
/// comes back, the methods in a JSON array: each row is a hand-off between the connection's
/// thread and the writer's, on the writer's turn.
async fn snapshots(conn: &mut AnyConnection, rows: &[Queued]) -> Result<HashMap<String, Snapshot>> {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.method.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let found = Sql::new(
            "SELECT json_group_array(json_array(id, contact_id, type, address)) AS methods \
             FROM contact_methods WHERE id IN ",
        )
        .bind_list(chunk.iter().copied())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(found) = found else { continue };
        out.extend(snapshots_of(Some(&found.try_get::<String, _>("methods")?))?);
    }
    Ok(out)
}

/// Methods as a JSON array of `[id, contact_id, type, address]` (none for `None`), by id.
fn snapshots_of(json: Option<&str>) -> Result<Vec<(String, Snapshot)>> {
    let Some(json) = json else {
        return Ok(Vec::new());
    };
    let methods: Vec<(String, String, String, String)> =
        serde_json::from_str(json).map_err(|_| corrupt("methods"))?;
    methods
        .into_iter()
        .map(|(id, contact, kind, address)| {
            let snapshot = Snapshot {
                contact: ContactId::from_string(contact),
                kind: MethodType::parse(&kind).map_err(|_| corrupt("type"))?,
                address,
            };
            Ok((id, snapshot))
        })
        .collect()
}

/// An outbox row written claimed, as stored: what was bound, and its method's `snapshot`.
fn claimed_row(
    row: &Queued,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    snapshot: Snapshot,
) -> Notification {
    let (escalation, held) = match row.plan {
        Plan::Send {
            escalation, held, ..
        } => (escalation, held),
        Plan::Suppress(_) => (false, false),
    };
    Notification {
        id: row.id.clone(),
        alert_id: Some(row.alert.clone()),
        contact_id: snapshot.contact,
        method_id: row.method.clone(),
        kind: snapshot.kind,
        address: snapshot.address,
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
    }
}

/// Inserts the batch's new `alerts` (see [`insert_alerts`]), then writes the outbox rows of
/// `rows`, each a snapshot of its method's type and address (a row whose method is gone is not
/// written); with a `claim`, the first rows due now (up to its limit) are written claimed and
/// come back, in claim order.
///
/// On SQLite the alerts' insert goes in one query with the first outbox statement (each
/// statement is a hand-off to the connection's worker thread, on the writer's turn), and what
/// the claimed rows snapshot is read before, once per method (`RETURNING` cost it more than
/// the insert; its one writer lets nothing change the methods in between). On PostgreSQL it
/// comes back from the insert as one JSON row (a row each was 8 strings to convert).
pub async fn enqueue(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[StoredAlert<'_>],
    rows: &[Queued],
    now: DateTime<Utc>,
    claim: Option<Claim>,
) -> Result<Vec<Notification>> {
    let mut room = claim.map_or(0, |c| c.limit);
    let mut claimed = Vec::new();
    let sqlite = Backend::of(conn) == Backend::Sqlite;
    let methods = if sqlite && room > 0 && rows.iter().any(|r| due_now(r, now)) {
        Some(snapshots(conn, rows).await?)
    } else {
        None
    };
    // The alerts' insert to go with the first outbox statement, and how many rows it adds.
    let mut first: Option<(Sql, u64)> = None;
    if sqlite && !rows.is_empty() && (1..=ROWS_PER_STATEMENT).contains(&alerts.len()) {
        // With room for the outbox statement that follows.
        let rows_in = alerts.len() + rows.len().min(ROWS_PER_STATEMENT);
        let mut sql = Sql::new("");
        sql.reserve(rows_in * 32 + 1_200, rows_in * 12);
        adding_alerts(&mut sql, account, alerts, now, Backend::Sqlite)?;
        sql.push("; ");
        first = Some((sql, u64::try_from(alerts.len()).unwrap_or(u64::MAX)));
    } else {
        insert_alerts(conn, account, alerts, now).await?;
    }
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let (mut sql, before) = first.take().unwrap_or_else(|| (Sql::new(""), 0));
        // The rows written claimed, with when they are due.
        let mut claiming: Vec<(&Queued, DateTime<Utc>)> = Vec::new();
        let mut values = Vec::with_capacity(chunk.len());
        for row in chunk {
            let (mut state, reason, at, escalation, held) = match &row.plan {
                Plan::Send {
                    at,
                    escalation,
                    held,
                } => ("queued", None, *at, *escalation, *held),
                Plan::Suppress(why) => ("suppressed", Some(why.as_str()), now, false, false),
            };
            let mut lease = None;
            // On SQLite a row whose method is gone is not claimed (nor written).
            let known = methods
                .as_ref()
                .is_none_or(|m| m.contains_key(row.method.as_str()));
            if let Some(c) = claim.filter(|_| known && due_now(row, now) && room > 0) {
                state = "sending";
                lease = Some(c.lease_until.timestamp_millis());
                room -= 1;
                claiming.push((row, at));
            }
            values.push(OutboxRow {
                id: &row.id,
                alert_id: &row.alert,
                method_id: &row.method,
                event: row.event.as_str(),
                state,
                reason,
                escalation,
                held,
                due: at.timestamp_millis(),
                step: row.step,
                lease,
                tries: i64::from(lease.is_some()),
            });
        }
        outbox_rows(&mut sql, values, sqlite);
        // On PostgreSQL what the claimed rows snapshot comes back as one JSON row.
        let returning = !claiming.is_empty() && methods.is_none();
        sql.push(if returning { ", ins AS (" } else { " " })
            .push(
                "INSERT INTO notifications (id, account_id, alert_id, contact_id, method_id, \
                 type, address, event, state, reason, escalation, held, next_attempt_at, \
                 created_at, escalation_step, lease_until, attempts) SELECT v.id, ",
            )
            .bind(account)
            .push(
                ", v.alert_id, m.contact_id, m.id, m.type, m.address, v.event, v.state, v.reason, \
             v.escalation, v.held, v.due, ",
            )
            .bind(now.timestamp_millis())
            .push(", v.step, v.lease, v.tries FROM v JOIN contact_methods m ON m.id = v.method_id");
        if claiming.is_empty() {
            run(conn, &mut sql, before).await?;
        } else if let Some(methods) = &methods {
            let written = run(conn, &mut sql, before).await?;
            let expected = chunk
                .iter()
                .filter(|r| methods.contains_key(r.method.as_str()))
                .count();
            if usize::try_from(written).ok() != Some(expected) {
                return Err(StoreError::Database(sqlx::Error::Protocol(format!(
                    "{written} outbox rows written where {expected} methods were read"
                ))));
            }
            for (row, at) in claiming {
                if let Some(snapshot) = methods.get(row.method.as_str()) {
                    claimed.push(claimed_row(row, at, now, snapshot.clone()));
                }
            }
        } else {
            // A row whose method is gone was not written and does not come back.
            let mut written: HashMap<String, Snapshot> = HashMap::with_capacity(claiming.len());
            let found = sql
                .push(
                    " RETURNING id, contact_id, type, address) \
                     SELECT CAST(json_agg(json_build_array(id, contact_id, type, address)) \
                     AS TEXT) AS methods FROM ins",
                )
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(methods) = found.map(|r| r.try_get::<Option<String>, _>("methods")) {
                for (id, snapshot) in snapshots_of(methods?.as_deref())? {
                    written.insert(id, snapshot);
                }
            }
            for (row, at) in claiming {
                if let Some(snapshot) = written.remove(row.id.as_str()) {
                    claimed.push(claimed_row(row, at, now, snapshot));
                }
            }
        }
    }
    claimed.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(claimed)
}

/// One outbox row to write, before its method's snapshot joins it.
#[derive(serde::Serialize)]
struct OutboxRow<'a> {
    id: &'a NotificationId,
    alert_id: &'a AlertId,
    method_id: &'a MethodId,
    event: &'static str,
    state: &'static str,
    reason: Option<&'static str>,
    escalation: bool,
    held: bool,
    due: i64,
    step: Option<i64>,
    lease: Option<i64>,
    tries: i64,
}

/// Appends `WITH v AS (...)`, the outbox rows `values`: bound values on SQLite, one JSON
/// parameter on PostgreSQL ([`Sql::records`]).
fn outbox_rows(sql: &mut Sql, values: Vec<OutboxRow<'_>>, sqlite: bool) {
    if !sqlite {
        sql.push("WITH v AS (SELECT * FROM ")
            .records(
                &values,
                "id text, alert_id text, method_id text, event text, state text, reason text, \
                 escalation boolean, held boolean, due bigint, step bigint, lease bigint, \
                 tries bigint",
            )
            .push(")");
        return;
    }
    sql.push(
        "WITH v (id, alert_id, method_id, event, state, reason, escalation, held, due, step, \
         lease, tries) AS (VALUES ",
    )
    .reserve(values.len() * 32 + 1_000, values.len() * 12);
    for (i, row) in values.into_iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(row.id)
            .push(", ")
            .bind(row.alert_id)
            .push(", ")
            .bind(row.method_id)
            .push(", ")
            .bind(row.event)
            .push(", ")
            .bind(row.state)
            .push(", ")
            .bind(row.reason)
            .push(", ")
            .bind(row.escalation)
            .push(", ")
            .bind(row.held)
            .push(", ")
            .bind(row.due)
            .push(", ")
            .bind(row.step)
            .push(", ")
            .bind(row.lease)
            .push(", ")
            .bind(row.tries)
            .push(")");
    }
    sql.push(")");
}

/// Runs `sql`, which begins with the alerts' insert when it adds `before` rows: the outbox rows
/// it wrote.
async fn run(conn: &mut AnyConnection, sql: &mut Sql, before: u64) -> Result<u64> {
    if before == 0 {
        return sql.execute(&mut *conn).await;
    }
    let changed = sql.execute(&mut *conn).await.map_err(unique_as("key"))?;
    Ok(changed.saturating_sub(before))
}

/// Whether `row` is to go now (it may be written claimed).
fn due_now(row: &Queued, now: DateTime<Utc>) -> bool {
    matches!(row.plan, Plan::Send { at, .. } if at <= now)
}

/// `t` as stored (whole milliseconds).
fn millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

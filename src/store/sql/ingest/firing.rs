//! What a batch's transaction reads first: whether its companies are the account's, and the
//! alerts already firing under its (company, key) pairs. On SQLite both go as one query where
//! they fit one statement each: each statement is a hand-off to the connection's worker thread
//! and back, on the writer's turn.

use super::super::alerts::{ALERT, alert_from_row};
use super::super::{Backend, Sql, companies, corrupt};
use crate::domain::lifecycle::Firing;
use crate::domain::{AccountId, AlertId, CompanyId, FieldError, Invalid, NewAlert};
use crate::store::{Alert, Result, StoreError};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Pairs per statement of [`firing_all`].
const PAIRS_PER_STATEMENT: usize = 100;

/// The alerts firing, by (company, key), with when their recipients were last told.
pub type FiringByKey = HashMap<(CompanyId, String), (Alert, Firing)>;

/// The batch's company ids, each once.
fn company_ids(alerts: &[NewAlert]) -> Vec<&str> {
    let mut ids: Vec<&str> = alerts.iter().map(|a| a.company.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The batch's (company, key) pairs, each once, in order.
fn pairs(alerts: &[NewAlert]) -> Vec<(&str, &str)> {
    let mut seen = HashSet::new();
    alerts
        .iter()
        .map(|a| (a.company.as_str(), a.key.as_str()))
        .filter(|pair| seen.insert(*pair))
        .collect()
}

/// Every company id must be the account's; the others are field errors by index.
pub async fn check_companies(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<()> {
    let ids = company_ids(alerts);
    // Counted first: one row back instead of one per company (on SQLite each row is a hand-off
    // between threads, on the writer's turn); the ids only when some are not the account's.
    if companies::count_owned(conn, account, &ids).await? == ids.len() {
        return Ok(());
    }
    unknown_companies(conn, account, alerts, &ids).await
}

/// [`check_companies`] on PostgreSQL, locking each company FOR KEY SHARE until the transaction
/// ends: there an alert's company and a notification's alert are not foreign keys (each row
/// checked was a locked lookup of its parent; the database's 0027), so this one lock per
/// company is what keeps a batch from storing alerts of a company deleted meanwhile. A
/// deletion waits for the batch (and its trigger then deletes what the batch stored); a batch
/// waits for a deletion under way and then finds the company gone.
async fn lock_companies(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<()> {
    let ids = company_ids(alerts);
    let n: i64 =
        Sql::new("SELECT COUNT(*) AS n FROM (SELECT id FROM companies WHERE account_id = ")
            .bind(account)
            .push(" AND id IN ")
            .bind_list(ids.iter().copied())
            .push(" FOR KEY SHARE) locked")
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| corrupt("n"))?
            .try_get("n")?;
    if usize::try_from(n).ok() == Some(ids.len()) {
        return Ok(());
    }
    unknown_companies(conn, account, alerts, &ids).await?;
    // Locked and read on the same transaction: a company that could not be locked is gone.
    Err(corrupt("n"))
}

/// The field errors of the alerts whose company is not the account's (some is).
async fn unknown_companies(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
    ids: &[&str],
) -> Result<()> {
    let rows = Sql::new("SELECT id FROM companies WHERE account_id = ")
        .bind(account)
        .push(" AND id IN ")
        .bind_list(ids.iter().copied())
        .fetch_all(&mut *conn)
        .await?;
    let known: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let errors: Vec<FieldError> = alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| !known.iter().any(|k| k == a.company.as_str()))
        .map(|(i, _)| FieldError::new(format!("[{i}].company_id"), Invalid::UnknownCompany))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// [`check_companies`], then [`firing_all`]: on SQLite in one query (the count's row first,
/// then the firing alerts) when the pairs fit one statement; on PostgreSQL the companies are
/// also locked until the transaction ends (see [`lock_companies`]).
pub async fn checked_firing(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<FiringByKey> {
    let pairs = pairs(alerts);
    if Backend::of(conn) == Backend::Postgres {
        lock_companies(conn, account, alerts).await?;
        return firing_all(conn, account, alerts).await;
    }
    if pairs.is_empty() || pairs.len() > PAIRS_PER_STATEMENT {
        check_companies(conn, account, alerts).await?;
        return firing_all(conn, account, alerts).await;
    }
    let ids = company_ids(alerts);
    let mut sql = companies::counting_owned(account, &ids);
    sql.push("; ");
    let rows = firing_of(sql, account, &pairs, Backend::Sqlite)
        .fetch_all(&mut *conn)
        .await?;
    let (count, firing) = rows.split_first().ok_or_else(|| corrupt("n"))?;
    if usize::try_from(count.try_get::<i64, _>("n")?).ok() != Some(ids.len()) {
        unknown_companies(conn, account, alerts, &ids).await?;
        // The count and the ids were read on the same transaction.
        return Err(corrupt("n"));
    }
    let mut out = HashMap::with_capacity(firing.len());
    collect(firing, &mut out)?;
    Ok(out)
}

pub async fn firing(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert: &NewAlert,
) -> Result<Option<AnyRow>> {
    Sql::new(ALERT)
        .push(" WHERE account_id = ")
        .bind(account)
        .push(" AND company_id = ")
        .bind(&alert.company)
        .push(" AND key = ")
        .bind(alert.key.clone())
        .push(" AND status = 'firing'")
        .fetch_optional(&mut *conn)
        .await
}

/// The alert firing under `alert`'s key: its id and when its recipients were last told.
pub fn firing_facts(row: &AnyRow) -> Result<(AlertId, Firing)> {
    let last: i64 = row.try_get("last_notified_at")?;
    let last_notified_at =
        DateTime::from_timestamp_millis(last).ok_or_else(|| corrupt("last_notified_at"))?;
    Ok((
        AlertId::from_string(row.try_get::<String, _>("id")?),
        Firing { last_notified_at },
    ))
}

/// The alerts firing under the batch's (company, key) pairs, by pair, with when their
/// recipients were last told: one probe of the firing-key index per pair.
pub async fn firing_all(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<FiringByKey> {
    let pairs = pairs(alerts);
    let mut out = HashMap::with_capacity(pairs.len());
    for chunk in pairs.chunks(PAIRS_PER_STATEMENT) {
        let rows = firing_of(Sql::new(""), account, chunk, Backend::of(conn))
            .fetch_all(&mut *conn)
            .await?;
        collect(&rows, &mut out)?;
    }
    Ok(out)
}

/// `sql` followed by the statement that reads the alerts firing under `pairs` (on PostgreSQL
/// the pairs go as one JSON parameter, [`Sql::records`]).
fn firing_of(mut sql: Sql, account: &AccountId, pairs: &[(&str, &str)], backend: Backend) -> Sql {
    if backend == Backend::Postgres {
        #[derive(serde::Serialize)]
        struct Pair<'a> {
            company_id: &'a str,
            key: &'a str,
        }
        let pairs: Vec<Pair> = pairs
            .iter()
            .map(|&(company_id, key)| Pair { company_id, key })
            .collect();
        sql.push("WITH k AS (SELECT * FROM ")
            .records(&pairs, "company_id text, key text")
            .push(")");
    } else {
        sql.push("WITH k (company_id, key) AS (VALUES ");
        for (i, (company, key)) in pairs.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind((*company).to_owned())
                .push(", ")
                .bind((*key).to_owned())
                .push(")");
        }
        sql.push(")");
    }
    sql.push(
        " SELECT a.id, a.company_id, a.key, a.severity, a.status, a.title, a.body, \
         a.labels, a.opened_at, a.last_notified_at, a.acknowledged_at, \
         a.acknowledged_by, a.resolved_at FROM k JOIN alerts a ON a.account_id = ",
    )
    .bind(account)
    .push(" AND a.company_id = k.company_id AND a.key = k.key AND a.status = 'firing'");
    sql
}

/// Adds the firing alerts of `rows` to `out`, by (company, key).
fn collect(rows: &[AnyRow], out: &mut FiringByKey) -> Result<()> {
    for row in rows {
        let alert = alert_from_row(row)?;
        let (_, firing) = firing_facts(row)?;
        out.insert(
            (alert.company_id.clone(), alert.key.clone()),
            (alert, firing),
        );
    }
    Ok(())
}

/// Alerts that were firing before the batch resolve now.
pub async fn resolve(conn: &mut AnyConnection, ids: &[AlertId], now: DateTime<Utc>) -> Result<()> {
    stamp(
        conn,
        "UPDATE alerts SET status = 'resolved', resolved_at = ",
        ids,
        now,
    )
    .await
}

/// Re-notifications of alerts that were firing before the batch went out now: their repeat
/// interval counts from here.
pub async fn mark_renotified(
    conn: &mut AnyConnection,
    ids: &[AlertId],
    now: DateTime<Utc>,
) -> Result<()> {
    stamp(conn, "UPDATE alerts SET last_notified_at = ", ids, now).await
}

/// Runs `set` (an UPDATE of alerts ending in the column that takes `now`) on `ids`.
async fn stamp(
    conn: &mut AnyConnection,
    set: &str,
    ids: &[AlertId],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in ids.chunks(super::write::ROWS_PER_STATEMENT) {
        Sql::new(set)
            .bind(now.timestamp_millis())
            .push(" WHERE id IN ")
            .bind_list(chunk.iter().map(AlertId::as_str))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

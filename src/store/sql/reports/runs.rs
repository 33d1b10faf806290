//! Report runs: started once per scheduled time (the unique index decides between nodes),
//! finished done or failed, listed with the emails they queued; and the unsubscribe link that
//! turns a method's reports off.

use crate::domain::notification::Event;
use crate::domain::{AccountId, ContactId, MethodId, NotificationId, ReportId, RunId};
use crate::store::sql::{Sql, now_millis, time};
use crate::store::{ReportRun, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const RUN: &str = "SELECT id, report_id, state, scheduled_for, period_start, period_end, \
    started_at, finished_at, error FROM report_runs";

fn run_from_row(row: &AnyRow) -> Result<ReportRun> {
    let at = |column: &str| -> Result<Option<DateTime<Utc>>> {
        let millis: Option<i64> = row.try_get(column)?;
        Ok(millis.and_then(DateTime::from_timestamp_millis))
    };
    Ok(ReportRun {
        id: RunId::from_string(row.try_get::<String, _>("id")?),
        report_id: ReportId::from_string(row.try_get::<String, _>("report_id")?),
        state: row.try_get("state")?,
        scheduled_for: time(row, "scheduled_for")?,
        period_start: time(row, "period_start")?,
        period_end: time(row, "period_end")?,
        started_at: at("started_at")?,
        finished_at: at("finished_at")?,
        error: row.try_get("error")?,
    })
}

/// Starts the run of `report` scheduled for `scheduled_for` and moves the report's next run
/// to `next_run_at`, in one transaction; `None` if that run already exists (another node
/// took it).
#[allow(clippy::too_many_arguments)]
pub async fn start_run(
    db: &mut AnyConnection,
    account: &AccountId,
    report_id: &ReportId,
    scheduled_for: DateTime<Utc>,
    period_start: DateTime<Utc>,
    next_run_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<ReportRun>> {
    let id = RunId::generate();
    let inserted = Sql::new("INSERT INTO report_runs (id, report_id, account_id, state, scheduled_for, period_start, period_end, started_at, created_at) SELECT ")
        .bind(id.to_string())
        .push(", id, account_id, 'running', ")
        .bind(scheduled_for.timestamp_millis())
        .push(", ")
        .bind(period_start.timestamp_millis())
        .push(", ")
        .bind(scheduled_for.timestamp_millis())
        .push(", ")
        .bind(now.timestamp_millis())
        .push(", ")
        .bind(now_millis())
        .push(" FROM reports WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(report_id.to_string())
        .push(" ON CONFLICT (report_id, scheduled_for) DO NOTHING")
        .execute(&mut *db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    if let Some(next) = next_run_at {
        Sql::new("UPDATE reports SET next_run_at = ")
            .bind(next.timestamp_millis())
            .push(" WHERE id = ")
            .bind(report_id.to_string())
            .push(" AND next_run_at IS NOT NULL AND next_run_at <= ")
            .bind(scheduled_for.timestamp_millis())
            .execute(&mut *db)
            .await?;
    }
    let row = Sql::new(RUN)
        .push(" WHERE id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    run_from_row(&row).map(Some)
}

/// Records how a run ended.
pub async fn finish_run(
    db: &mut AnyConnection,
    id: &RunId,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE report_runs SET state = ")
        .bind(if error.is_some() { "failed" } else { "done" })
        .push(", error = ")
        .bind(error.map(str::to_owned))
        .push(", finished_at = ")
        .bind(now.timestamp_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// A report's runs, newest first.
pub async fn runs(
    db: &mut AnyConnection,
    account: &AccountId,
    report_id: &ReportId,
) -> Result<Vec<ReportRun>> {
    let rows = Sql::new(RUN)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND report_id = ")
        .bind(report_id.to_string())
        .push(" ORDER BY scheduled_for DESC, id DESC LIMIT 100")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(run_from_row).collect()
}

/// The notifications of a run: (contact, method, notification, state).
pub async fn run_deliveries(
    db: &mut AnyConnection,
    run_id: &RunId,
) -> Result<Vec<(ContactId, MethodId, NotificationId, String)>> {
    let rows = Sql::new(
        "SELECT contact_id, method_id, id, state FROM notifications WHERE report_run_id = ",
    )
    .bind(run_id.to_string())
    .push(" ORDER BY id")
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                ContactId::from_string(r.try_get::<String, _>("contact_id")?),
                MethodId::from_string(r.try_get::<String, _>("method_id")?),
                NotificationId::from_string(r.try_get::<String, _>("id")?),
                r.try_get("state")?,
            ))
        })
        .collect()
}

/// Queues a report email to one method of a recipient, carrying its content.
pub async fn queue_delivery(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    run_id: &RunId,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<NotificationId> {
    crate::store::outbox::queue_message(
        db,
        account,
        contact,
        method,
        Event::Report,
        Some(run_id),
        Some(payload),
        now,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Turns a method's reports off (the unsubscribe link); `false` if no such method.
pub async fn unsubscribe(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
) -> Result<bool> {
    let changed = Sql::new("UPDATE contact_methods SET reports = ")
        .bind(false)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(contact.to_string())
        .push(" AND id = ")
        .bind(method.to_string())
        .execute(&mut *db)
        .await?;
    Ok(changed == 1)
}

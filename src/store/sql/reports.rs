//! Report definitions and runs. A run is inserted once per (report, scheduled time): the unique
//! index makes racing schedulers on several nodes produce one run.

use super::{Sql, flag, now_millis, time};
use crate::domain::notification::Event;
use crate::domain::report::{NewReport, ScheduleInput};
use crate::domain::{
    AccountId, CompanyAccess, CompanyId, ContactId, FieldError, Invalid, MethodId, NotificationId,
    ReportId, RunId,
};
use crate::store::{Report, ReportRun, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "SELECT id, name, kind, all_companies, companies, schedule, recipients, \
    enabled, next_run_at, created_at, updated_at FROM reports";

const RUN: &str = "SELECT id, report_id, state, scheduled_for, period_start, period_end, \
    started_at, finished_at, error FROM report_runs";

fn corrupt(column: &str) -> StoreError {
    super::corrupt(column)
}

fn from_row(row: &AnyRow) -> Result<Report> {
    let ids = |column: &str| -> Result<Vec<String>> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|_| corrupt(column))
    };
    let schedule_text: String = row.try_get("schedule")?;
    let schedule = serde_json::from_str::<ScheduleInput>(&schedule_text)
        .ok()
        .and_then(|s| s.parse("schedule").ok())
        .ok_or_else(|| corrupt("schedule"))?;
    let companies = if flag(row, "all_companies")? {
        CompanyAccess::All
    } else {
        CompanyAccess::Only(
            ids("companies")?
                .into_iter()
                .map(CompanyId::from_string)
                .collect(),
        )
    };
    let next: Option<i64> = row.try_get("next_run_at")?;
    Ok(Report {
        id: ReportId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        kind: super::parsed(row, "kind", crate::domain::report::ReportKind::parse)?,
        companies,
        schedule,
        recipients: ids("recipients")?
            .into_iter()
            .map(ContactId::from_string)
            .collect(),
        enabled: flag(row, "enabled")?,
        next_run_at: next.and_then(DateTime::from_timestamp_millis),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

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

/// Company and recipient ids must be the account's: field errors otherwise.
async fn check_ids(conn: &mut AnyConnection, account: &AccountId, new: &NewReport) -> Result<()> {
    let mut errors = Vec::new();
    let chosen: Vec<&str> = new.companies.chosen().map(CompanyId::as_str).collect();
    if !chosen.is_empty() {
        let found = Sql::new("SELECT COUNT(*) AS n FROM companies WHERE account_id = ")
            .bind(account.to_string())
            .push(" AND id IN ")
            .bind_list(chosen.iter().copied())
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0);
        if usize::try_from(found).unwrap_or(0) != chosen.len() {
            errors.push(FieldError::new("companies", Invalid::UnknownCompany));
        }
    }
    let recipients: Vec<&str> = new.recipients.iter().map(ContactId::as_str).collect();
    let found = Sql::new("SELECT COUNT(*) AS n FROM contacts WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(recipients.iter().copied())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("n"))
        .transpose()?
        .unwrap_or(0);
    if usize::try_from(found).unwrap_or(0) != recipients.len() {
        errors.push(FieldError::new(
            "recipients",
            Invalid::Type {
                message: "Unknown contact".into(),
            },
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

fn json_ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    serde_json::Value::from(ids.map(str::to_owned).collect::<Vec<_>>()).to_string()
}

fn next_run(new: &NewReport, now: DateTime<Utc>) -> Option<i64> {
    new.enabled
        .then(|| new.schedule.next_after(now))
        .flatten()
        .map(|t| t.timestamp_millis())
}

/// The columns a definition sets, in the order [`push_fields`] binds them.
const FIELDS: [&str; 8] = [
    "name",
    "kind",
    "all_companies",
    "companies",
    "schedule",
    "recipients",
    "enabled",
    "next_run_at",
];

/// Binds the values of [`FIELDS`], each after `before(column)`: shared by insert and update.
fn push_fields(
    sql: &mut Sql,
    new: &NewReport,
    now: DateTime<Utc>,
    before: impl Fn(&str) -> String,
) -> Result<()> {
    let schedule =
        serde_json::to_string(&new.schedule.to_json()).map_err(|_| corrupt("schedule"))?;
    let [name, kind, all, companies, sched, recipients, enabled, next] = FIELDS;
    sql.push(&before(name))
        .bind(new.name.to_string())
        .push(&before(kind))
        .bind(new.kind.as_str())
        .push(&before(all))
        .bind(new.companies == CompanyAccess::All)
        .push(&before(companies))
        .bind(json_ids(new.companies.chosen().map(CompanyId::as_str)))
        .push(&before(sched))
        .bind(schedule)
        .push(&before(recipients))
        .bind(json_ids(new.recipients.iter().map(ContactId::as_str)))
        .push(&before(enabled))
        .bind(new.enabled)
        .push(&before(next))
        .bind(next_run(new, now));
    Ok(())
}

pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewReport,
    now: DateTime<Utc>,
) -> Result<Report> {
    check_ids(&mut *db, account, new).await?;
    let id = ReportId::generate();
    let mut sql = Sql::new(&format!(
        "INSERT INTO reports (id, account_id, created_at, updated_at, {}) VALUES (",
        FIELDS.join(", ")
    ));
    sql.bind(id.to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(now.timestamp_millis())
        .push(", ")
        .bind(now.timestamp_millis());
    push_fields(&mut sql, new, now, |_| ", ".to_owned())?;
    sql.push(")").execute(&mut *db).await?;
    get(db, account, &id).await
}

pub async fn get(db: &mut AnyConnection, account: &AccountId, id: &ReportId) -> Result<Report> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn list(db: &mut AnyConnection, account: &AccountId) -> Result<Vec<Report>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY name, id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ReportId,
    new: &NewReport,
    now: DateTime<Utc>,
) -> Result<Report> {
    check_ids(&mut *db, account, new).await?;
    let mut sql = Sql::new("UPDATE reports SET updated_at = ");
    sql.bind(now.timestamp_millis());
    push_fields(&mut sql, new, now, |column| format!(", {column} = "))?;
    let changed = sql
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    get(db, account, id).await
}

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &ReportId) -> Result<()> {
    let changed = Sql::new("DELETE FROM reports WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Reports of every account whose next run is due (deployment-wide, for the scheduler).
pub async fn due(
    db: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<(AccountId, Report)>> {
    let rows = Sql::new(&COLUMNS.replace("SELECT id,", "SELECT account_id, id,"))
        .push(" WHERE next_run_at IS NOT NULL AND next_run_at <= ")
        .bind(now.timestamp_millis())
        .push(" ORDER BY next_run_at LIMIT ")
        .bind(i64::from(limit))
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                AccountId::from_string(row.try_get::<String, _>("account_id")?),
                from_row(row)?,
            ))
        })
        .collect()
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
    super::outbox::queue_message(
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

/// Alerts of these companies opened in [start, end): (company id, severity, key, opened,
/// acknowledged, resolved).
pub async fn alerts_in(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<crate::store::Alert>> {
    let rows = Sql::new(super::alerts::ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id IN ")
        .bind_list(companies.iter().map(CompanyId::as_str))
        .push(" AND opened_at >= ")
        .bind(start.timestamp_millis())
        .push(" AND opened_at < ")
        .bind(end.timestamp_millis())
        .push(" ORDER BY opened_at")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(super::alerts::alert_from_row).collect()
}

/// Notifications about alerts of these companies created in [start, end): (company id, type,
/// state, address, attempts, created, sent).
#[allow(clippy::type_complexity)]
pub async fn notifications_in(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<
    Vec<(
        String,
        String,
        String,
        String,
        i64,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    )>,
> {
    let rows = Sql::new(
        "SELECT a.company_id, n.type, n.state, n.address, n.attempts, n.created_at, n.sent_at \
         FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND a.company_id IN ")
    .bind_list(companies.iter().map(CompanyId::as_str))
    .push(" AND n.created_at >= ")
    .bind(start.timestamp_millis())
    .push(" AND n.created_at < ")
    .bind(end.timestamp_millis())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let sent: Option<i64> = r.try_get("sent_at")?;
            Ok((
                r.try_get("company_id")?,
                r.try_get("type")?,
                r.try_get("state")?,
                r.try_get("address")?,
                r.try_get("attempts")?,
                time(r, "created_at")?,
                sent.and_then(DateTime::from_timestamp_millis),
            ))
        })
        .collect()
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

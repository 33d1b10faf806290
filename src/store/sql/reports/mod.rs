//! Report definitions and runs. A run is inserted once per (report, scheduled time): the unique
//! index makes racing schedulers on several nodes produce one run.
//!
//! This module holds the definitions (create, read, update, delete, the due ones); `runs` the
//! runs and the emails they queue (and the unsubscribe link's switch), `data` what a report
//! shows (the alerts and notifications of a period).

mod data;
mod runs;

pub use data::{alerts_in, notifications_in, pages_in};
pub use runs::{finish_run, queue_delivery, run_deliveries, runs, start_run, unsubscribe};

use super::{Sql, flag, time};
use crate::domain::report::{NewReport, ScheduleInput};
use crate::domain::{
    AccountId, CompanyAccess, CompanyId, ContactId, FieldError, Invalid, ReportId,
};
use crate::store::{Report, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "SELECT id, name, kind, all_companies, companies, schedule, recipients, \
    enabled, next_run_at, created_at, updated_at FROM reports";

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

/// Company and recipient ids must be the account's: field errors otherwise.
async fn check_ids(conn: &mut AnyConnection, account: &AccountId, new: &NewReport) -> Result<()> {
    let mut errors = Vec::new();
    let chosen: Vec<&str> = new.companies.chosen().map(CompanyId::as_str).collect();
    if !chosen.is_empty()
        && super::companies::count_owned(conn, account, &chosen).await? != chosen.len()
    {
        errors.push(FieldError::new("companies", Invalid::UnknownCompany));
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

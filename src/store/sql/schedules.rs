//! On-call schedules: the rotation (members in order), its overrides, and the key of its secret
//! iCalendar feed. Reads and writes take the account first; a member or an override's contact
//! must be the account's (a field error otherwise).

use super::{Sql, parsed, time, unique_as};
use crate::domain::oncall::{NewSchedule, Override, Rotation, ShiftEvery};
use crate::domain::report::schedule::{weekday, weekday_name};
use crate::domain::{AccountId, ContactId, FieldError, Invalid, OverrideId, ScheduleId, TimeZone};
use crate::store::{Result, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: ScheduleId,
    pub name: String,
    pub rotation: Rotation,
    /// Makes the iCalendar feed's token (with the links key); never shown.
    pub feed_key: String,
    pub created_at: DateTime<Utc>,
}

/// An override as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub id: OverrideId,
    pub schedule_id: ScheduleId,
    pub over: Override,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "SELECT id, name, timezone, every, count, handoff, weekday, starts_on, \
    feed_key, created_at FROM schedules";

fn from_row(row: &AnyRow, members: Vec<ContactId>) -> Result<Schedule> {
    let every = match row.try_get::<String, _>("every")?.as_str() {
        "day" => ShiftEvery::Day,
        _ => ShiftEvery::Week(parsed(row, "weekday", weekday)?),
    };
    let count: i64 = row.try_get("count")?;
    Ok(Schedule {
        id: ScheduleId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        rotation: Rotation {
            timezone: parsed(row, "timezone", TimeZone::parse)?,
            members,
            every,
            count: u32::try_from(count).map_err(|_| super::corrupt("count"))?,
            handoff: parsed(row, "handoff", |h| NaiveTime::parse_from_str(h, "%H:%M"))?,
            starts_on: parsed(row, "starts_on", |d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
            })?,
        },
        feed_key: row.try_get("feed_key")?,
        created_at: time(row, "created_at")?,
    })
}

/// The members of `schedules`, in order, by schedule.
async fn members_of(
    db: &mut AnyConnection,
    schedules: &[String],
) -> Result<Vec<(String, ContactId)>> {
    if schedules.is_empty() {
        return Ok(Vec::new());
    }
    let rows =
        Sql::new("SELECT schedule_id, contact_id FROM schedule_members WHERE schedule_id IN ")
            .bind_list(schedules.iter().map(String::as_str))
            .push(" ORDER BY schedule_id, position")
            .fetch_all(&mut *db)
            .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("schedule_id")?,
                ContactId::from_string(r.try_get::<String, _>("contact_id")?),
            ))
        })
        .collect()
}

async fn assemble(db: &mut AnyConnection, rows: Vec<AnyRow>) -> Result<Vec<Schedule>> {
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<std::result::Result<_, _>>()?;
    let members = members_of(db, &ids).await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let mine = members
                .iter()
                .filter(|(s, _)| *s == id)
                .map(|(_, c)| c.clone())
                .collect();
            from_row(row, mine)
        })
        .collect()
}

/// Every contact named must be the account's: a field error on `{field}` (or `{field}[i]`).
pub async fn check_contacts(
    db: &mut AnyConnection,
    account: &AccountId,
    field: &str,
    contacts: &[ContactId],
) -> Result<()> {
    let rows = Sql::new("SELECT id FROM contacts WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(contacts.iter().map(ContactId::as_str))
        .fetch_all(&mut *db)
        .await?;
    let found: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<std::result::Result<_, _>>()?;
    let indexed = contacts.len() > 1 || field == "members";
    let errors: Vec<FieldError> = contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| !found.iter().any(|f| f == c.as_str()))
        .map(|(i, _)| {
            let name = if indexed {
                format!("{field}[{i}]")
            } else {
                field.to_owned()
            };
            FieldError::new(name, Invalid::UnknownContact)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

async fn write_members(
    db: &mut AnyConnection,
    id: &ScheduleId,
    members: &[ContactId],
) -> Result<()> {
    Sql::new("DELETE FROM schedule_members WHERE schedule_id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    let mut sql =
        Sql::new("INSERT INTO schedule_members (schedule_id, position, contact_id) VALUES ");
    for (i, contact) in members.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(id.to_string())
            .push(", ")
            .bind(i as i64)
            .push(", ")
            .bind(contact.to_string())
            .push(")");
    }
    sql.execute(&mut *db).await?;
    Ok(())
}

fn weekday_of(rotation: &Rotation) -> (&'static str, Option<&'static str>) {
    match rotation.every {
        ShiftEvery::Day => ("day", None),
        ShiftEvery::Week(day) => ("week", Some(weekday_name(day))),
    }
}

/// Stores a new schedule; a taken name (case-blind) is a conflict on `name`, a member not of
/// the account a field error on `members[i]`.
pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewSchedule,
    feed_key: &str,
    now: DateTime<Utc>,
) -> Result<Schedule> {
    check_contacts(&mut *db, account, "members", &new.rotation.members).await?;
    let id = ScheduleId::generate();
    let r = &new.rotation;
    let (every, day) = weekday_of(r);
    Sql::new(
        "INSERT INTO schedules (id, account_id, name, name_key, timezone, every, count, handoff, \
         weekday, starts_on, feed_key, created_at) VALUES (",
    )
    .bind(id.to_string())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(new.name.to_string())
    .push(", ")
    .bind(new.name.sort_key())
    .push(", ")
    .bind(r.timezone.as_str().to_owned())
    .push(", ")
    .bind(every)
    .push(", ")
    .bind(i64::from(r.count))
    .push(", ")
    .bind(r.handoff.format("%H:%M").to_string())
    .push(", ")
    .bind(day.map(str::to_owned))
    .push(", ")
    .bind(r.starts_on.format("%Y-%m-%d").to_string())
    .push(", ")
    .bind(feed_key.to_owned())
    .push(", ")
    .bind(now.timestamp_millis())
    .push(")")
    .execute(&mut *db)
    .await
    .map_err(unique_as("name"))?;
    write_members(&mut *db, &id, &r.members).await?;
    get(db, account, &id).await
}

/// The account's schedules, by name.
pub async fn list(db: &mut AnyConnection, account: &AccountId) -> Result<Vec<Schedule>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY name_key, id")
        .fetch_all(&mut *db)
        .await?;
    assemble(db, rows).await
}

pub async fn get(db: &mut AnyConnection, account: &AccountId, id: &ScheduleId) -> Result<Schedule> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    assemble(db, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// A schedule by id alone, for its feed (the signed token proves the right to it).
pub async fn by_id(db: &mut AnyConnection, id: &ScheduleId) -> Result<(AccountId, Schedule)> {
    let row = Sql::new("SELECT account_id FROM schedules WHERE id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let account = AccountId::from_string(row.try_get::<String, _>("account_id")?);
    let schedule = get(db, &account, id).await?;
    Ok((account, schedule))
}

/// Replaces the name and rotation (the feed key and overrides stay).
pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ScheduleId,
    new: &NewSchedule,
) -> Result<Schedule> {
    check_contacts(&mut *db, account, "members", &new.rotation.members).await?;
    let r = &new.rotation;
    let (every, day) = weekday_of(r);
    let changed = Sql::new("UPDATE schedules SET name = ")
        .bind(new.name.to_string())
        .push(", name_key = ")
        .bind(new.name.sort_key())
        .push(", timezone = ")
        .bind(r.timezone.as_str().to_owned())
        .push(", every = ")
        .bind(every)
        .push(", count = ")
        .bind(i64::from(r.count))
        .push(", handoff = ")
        .bind(r.handoff.format("%H:%M").to_string())
        .push(", weekday = ")
        .bind(day.map(str::to_owned))
        .push(", starts_on = ")
        .bind(r.starts_on.format("%Y-%m-%d").to_string())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await
        .map_err(unique_as("name"))?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    write_members(&mut *db, id, &r.members).await?;
    get(db, account, id).await
}

/// Gives the schedule a new feed key: its old calendar feed URL stops working.
pub async fn set_feed_key(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ScheduleId,
    key: &str,
) -> Result<Schedule> {
    let changed = Sql::new("UPDATE schedules SET feed_key = ")
        .bind(key.to_owned())
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

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &ScheduleId) -> Result<()> {
    super::delete_owned(db, "schedules", account, id.as_str()).await
}

/// The names of these contacts of the account, by id.
pub async fn names(
    db: &mut AnyConnection,
    account: &AccountId,
    contacts: &[ContactId],
) -> Result<std::collections::HashMap<String, String>> {
    if contacts.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows = Sql::new("SELECT id, name FROM contacts WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(contacts.iter().map(ContactId::as_str))
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

#[path = "schedule_overrides.rs"]
mod overrides;
pub use overrides::{add_override, delete_override, overrides};

//! A schedule's overrides: someone else on call for a time range.

use super::super::{Sql, time};
use super::{StoredOverride, check_contacts, get};
use crate::domain::oncall::Override;
use crate::domain::{AccountId, ContactId, OverrideId, ScheduleId};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// Adds an override to the account's schedule; its contact must be the account's.
pub async fn add_override(
    db: &mut AnyConnection,
    account: &AccountId,
    schedule: &ScheduleId,
    over: &Override,
    now: DateTime<Utc>,
) -> Result<StoredOverride> {
    get(&mut *db, account, schedule).await?;
    check_contacts(
        &mut *db,
        account,
        "contact_id",
        std::slice::from_ref(&over.contact),
    )
    .await?;
    let id = OverrideId::generate();
    Sql::new(
        "INSERT INTO schedule_overrides (id, schedule_id, contact_id, starts_at, ends_at, \
         created_at) VALUES (",
    )
    .bind(id.to_string())
    .push(", ")
    .bind(schedule.to_string())
    .push(", ")
    .bind(over.contact.to_string())
    .push(", ")
    .bind(over.starts_at.timestamp_millis())
    .push(", ")
    .bind(over.ends_at.timestamp_millis())
    .push(", ")
    .bind(now.timestamp_millis())
    .push(")")
    .execute(&mut *db)
    .await?;
    Ok(StoredOverride {
        id,
        schedule_id: schedule.clone(),
        over: over.clone(),
        created_at: DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now),
    })
}

/// The schedule's overrides that end after `after`, oldest first (a later one wins).
pub async fn overrides(
    db: &mut AnyConnection,
    account: &AccountId,
    schedule: &ScheduleId,
    after: DateTime<Utc>,
) -> Result<Vec<StoredOverride>> {
    let rows = Sql::new(
        "SELECT o.id, o.contact_id, o.starts_at, o.ends_at, o.created_at FROM schedule_overrides o \
         JOIN schedules s ON s.id = o.schedule_id WHERE s.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND o.schedule_id = ")
    .bind(schedule.to_string())
    .push(" AND o.ends_at > ")
    .bind(after.timestamp_millis())
    .push(" ORDER BY o.created_at, o.id")
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredOverride {
                id: OverrideId::from_string(r.try_get::<String, _>("id")?),
                schedule_id: schedule.clone(),
                over: Override {
                    contact: ContactId::from_string(r.try_get::<String, _>("contact_id")?),
                    starts_at: time(r, "starts_at")?,
                    ends_at: time(r, "ends_at")?,
                },
                created_at: time(r, "created_at")?,
            })
        })
        .collect()
}

pub async fn delete_override(
    db: &mut AnyConnection,
    account: &AccountId,
    schedule: &ScheduleId,
    id: &OverrideId,
) -> Result<StoredOverride> {
    let all = overrides(&mut *db, account, schedule, DateTime::<Utc>::MIN_UTC).await?;
    let found = all
        .into_iter()
        .find(|o| o.id == *id)
        .ok_or(StoreError::NotFound)?;
    Sql::new("DELETE FROM schedule_overrides WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(found)
}

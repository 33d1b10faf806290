use super::{Sql, flag, now_millis, parsed, time, unique_as};
use crate::domain::NewAccount;
use crate::domain::{AccountId, AccountSettings, FloodLimits, Locale, Name, Region, TimeZone};
use crate::store::{Account, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "SELECT id, name, default_region, locale, timezone, \
    require_verified_phones, repeat_interval_minutes, flood_limit_email, flood_limit_sms, \
    flood_limit_phone, flood_limit_webhook, created_at FROM accounts";

pub async fn create(db: &mut AnyConnection, new: &NewAccount) -> Result<Account> {
    let id = AccountId::generate();
    Sql::new("INSERT INTO accounts (id, name, name_key, default_region, locale, timezone, created_at) VALUES (")
        .bind(id.to_string())
        .push(", ")
        .bind(new.name.to_string())
        .push(", ")
        .bind(new.name.sort_key())
        .push(", ")
        .bind(new.default_region.as_str().to_owned())
        .push(", ")
        .bind(new.locale.as_str())
        .push(", ")
        .bind(new.timezone.as_str())
        .push(", ")
        .bind(now_millis())
        .push(")")
        .execute(&mut *db)
        .await
        .map_err(unique_as("account"))?;
    get(db, &id).await
}

/// Whether any account exists, for the first-run setup: on its write transaction, after
/// taking the setup turn, so two setups posted at once cannot both find none.
pub async fn any_for_setup(db: &mut AnyConnection) -> Result<bool> {
    super::take_turn(&mut *db, "first-run setup").await?;
    any(db).await
}

/// Whether any account exists.
pub async fn any(db: &mut AnyConnection) -> Result<bool> {
    let row = Sql::new("SELECT COUNT(*) AS n FROM accounts")
        .fetch_optional(&mut *db)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("n"))
        .transpose()?
        .unwrap_or(0)
        > 0)
}

pub async fn by_name(db: &mut AnyConnection, name: &Name) -> Result<Option<Account>> {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE name_key = ").bind(name.sort_key());
    sql.fetch_optional(&mut *db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every account of the deployment, by name (the command line picks one).
pub async fn all(db: &mut AnyConnection) -> Result<Vec<Account>> {
    let rows = Sql::new(COLUMNS)
        .push(" ORDER BY name_key")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &mut AnyConnection, account: &AccountId) -> Result<Account> {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE id = ").bind(account.to_string());
    let row = sql.fetch_optional(&mut *db).await?;
    from_row(&row.ok_or(StoreError::NotFound)?)
}

fn limit(row: &AnyRow, column: &str) -> Result<Option<u32>> {
    let value: Option<i64> = row.try_get(column)?;
    value
        .map(|n| u32::try_from(n).map_err(|_| super::corrupt(column)))
        .transpose()
}

fn from_row(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: AccountId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        default_region: parsed(row, "default_region", Region::parse)?,
        locale: parsed(row, "locale", Locale::parse)?,
        timezone: parsed(row, "timezone", TimeZone::parse)?,
        require_verified_phones: flag(row, "require_verified_phones")?,
        repeat_interval_minutes: row.try_get("repeat_interval_minutes")?,
        flood_limits: FloodLimits {
            email: limit(row, "flood_limit_email")?,
            sms: limit(row, "flood_limit_sms")?,
            phone: limit(row, "flood_limit_phone")?,
            webhook: limit(row, "flood_limit_webhook")?,
        },
        created_at: time(row, "created_at")?,
    })
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    settings: &AccountSettings,
) -> Result<Account> {
    let mut sql = Sql::new("UPDATE accounts SET name = ");
    sql.bind(settings.name.to_string())
        .push(", name_key = ")
        .bind(settings.name.sort_key())
        .push(", default_region = ")
        .bind(settings.default_region.as_str().to_owned())
        .push(", locale = ")
        .bind(settings.locale.as_str())
        .push(", timezone = ")
        .bind(settings.timezone.as_str())
        .push(", require_verified_phones = ")
        .bind(settings.require_verified_phones)
        .push(", repeat_interval_minutes = ")
        .bind(i64::from(settings.repeat_interval.minutes()));
    let limits = settings.flood_limits;
    for (column, value) in [
        ("flood_limit_email", limits.email),
        ("flood_limit_sms", limits.sms),
        ("flood_limit_phone", limits.phone),
        ("flood_limit_webhook", limits.webhook),
    ] {
        sql.push(&format!(", {column} = "))
            .bind(value.map(i64::from));
    }
    let changed = sql
        .push(" WHERE id = ")
        .bind(account.to_string())
        .execute(&mut *db)
        .await
        .map_err(unique_as("name"))?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    get(db, account).await
}

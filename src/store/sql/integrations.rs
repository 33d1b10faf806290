//! Integrations: a monitoring system's way in (`/hooks/{token}`). Only the token's hash is
//! kept; [`by_token`] finds the integration a request names. Admin reads and writes take the
//! account first; the hook's bookkeeping ([`record_received`], [`record_ping`]) takes the id
//! found by token.

use super::{Sql, time, unique_as};
use crate::domain::integration::{Defaults, IntegrationKind, NewIntegration};
use crate::domain::{AccountId, CompanyId, FieldError, IntegrationId, Invalid, Severity};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An integration as stored, without its token (only its hash is kept, and never read out).
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: IntegrationId,
    pub name: String,
    pub kind: IntegrationKind,
    /// The fallback company (`None` also when that company was deleted).
    pub company_id: Option<CompanyId>,
    pub company_label: String,
    pub default_severity: Severity,
    /// `heartbeat` integrations only.
    pub heartbeat_minutes: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When a request last came in with its token (any answer but 404).
    pub last_received_at: Option<DateTime<Utc>>,
    /// How many alerts its requests stored, in all.
    pub alerts_accepted: i64,
    /// `heartbeat`: the last ping.
    pub last_ping_at: Option<DateTime<Utc>>,
}

impl Integration {
    /// What the parser of its kind needs.
    pub fn defaults(&self) -> Defaults {
        Defaults {
            default_severity: self.default_severity,
            company_label: self.company_label.clone(),
        }
    }
}

const COLUMNS: &str = "SELECT id, account_id, name, kind, company_id, company_label, \
    default_severity, heartbeat_minutes, created_at, last_received_at, alerts_accepted, \
    last_ping_at FROM integrations";

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    let millis: Option<i64> = row.try_get(column)?;
    millis
        .map(|m| DateTime::from_timestamp_millis(m).ok_or_else(|| super::corrupt(column)))
        .transpose()
}

fn from_row(row: &AnyRow) -> Result<(AccountId, Integration)> {
    let company: Option<String> = row.try_get("company_id")?;
    Ok((
        AccountId::from_string(row.try_get::<String, _>("account_id")?),
        Integration {
            id: IntegrationId::from_string(row.try_get::<String, _>("id")?),
            name: row.try_get("name")?,
            kind: super::parsed(row, "kind", IntegrationKind::parse)?,
            company_id: company.map(CompanyId::from_string),
            company_label: row.try_get("company_label")?,
            default_severity: super::parsed(row, "default_severity", Severity::parse)?,
            heartbeat_minutes: row.try_get("heartbeat_minutes")?,
            created_at: time(row, "created_at")?,
            last_received_at: optional_time(row, "last_received_at")?,
            alerts_accepted: row.try_get("alerts_accepted")?,
            last_ping_at: optional_time(row, "last_ping_at")?,
        },
    ))
}

/// The fallback company must be the account's: a field error on `company_id` otherwise.
async fn check_company(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewIntegration,
) -> Result<()> {
    let Some(company) = &new.company_id else {
        return Ok(());
    };
    let found = Sql::new("SELECT id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(company.to_string())
        .fetch_optional(&mut *db)
        .await?;
    if found.is_none() {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "company_id",
            Invalid::UnknownCompany,
        )]));
    }
    Ok(())
}

/// Stores a new integration whose token hashes to `token_hash`; a taken name (case-blind) is a
/// conflict on `name`, an unknown company a field error on `company_id`.
pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewIntegration,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Integration> {
    check_company(&mut *db, account, new).await?;
    let id = IntegrationId::generate();
    Sql::new(
        "INSERT INTO integrations (id, account_id, name, name_key, kind, company_id, \
         company_label, default_severity, heartbeat_minutes, token_hash, created_at, \
         alerts_accepted) VALUES (",
    )
    .bind(id.to_string())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(new.name.to_string())
    .push(", ")
    .bind(new.name.sort_key())
    .push(", ")
    .bind(new.kind.as_str())
    .push(", ")
    .bind(new.company_id.as_ref().map(CompanyId::to_string))
    .push(", ")
    .bind(new.company_label.clone())
    .push(", ")
    .bind(new.default_severity.as_str())
    .push(", ")
    .bind(new.heartbeat_minutes)
    .push(", ")
    .bind(token_hash.to_owned())
    .push(", ")
    .bind(now.timestamp_millis())
    .push(", 0)")
    .execute(&mut *db)
    .await
    .map_err(unique_as("name"))?;
    get(db, account, &id).await
}

/// The account's integrations, by name.
pub async fn list(db: &mut AnyConnection, account: &AccountId) -> Result<Vec<Integration>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY name_key, id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(|r| from_row(r).map(|(_, i)| i)).collect()
}

pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &IntegrationId,
) -> Result<Integration> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row).map(|(_, i)| i)
}

/// Replaces the settings (the token, times and counts stay).
pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &IntegrationId,
    new: &NewIntegration,
) -> Result<Integration> {
    check_company(&mut *db, account, new).await?;
    let changed = Sql::new("UPDATE integrations SET name = ")
        .bind(new.name.to_string())
        .push(", name_key = ")
        .bind(new.name.sort_key())
        .push(", kind = ")
        .bind(new.kind.as_str())
        .push(", company_id = ")
        .bind(new.company_id.as_ref().map(CompanyId::to_string))
        .push(", company_label = ")
        .bind(new.company_label.clone())
        .push(", default_severity = ")
        .bind(new.default_severity.as_str())
        .push(", heartbeat_minutes = ")
        .bind(new.heartbeat_minutes)
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
    get(db, account, id).await
}

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &IntegrationId) -> Result<()> {
    super::delete_owned(db, "integrations", account, id.as_str()).await
}

/// Gives the integration a new token (by its hash): the old one finds nothing from now on.
pub async fn rotate(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &IntegrationId,
    token_hash: &str,
) -> Result<Integration> {
    let changed = Sql::new("UPDATE integrations SET token_hash = ")
        .bind(token_hash.to_owned())
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

/// The integration whose token hashes to `token_hash`, and its account (deployment-wide: the
/// token is the only credential of `/hooks/{token}`).
pub async fn by_token(
    db: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<(AccountId, Integration)>> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE token_hash = ")
        .bind(token_hash.to_owned())
        .fetch_optional(&mut *db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every `heartbeat` integration of every account (for the heartbeat checker).
pub async fn heartbeats(db: &mut AnyConnection) -> Result<Vec<(AccountId, Integration)>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE kind = 'heartbeat' ORDER BY id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A request came in at `at` and stored `accepted` alerts.
pub async fn record_received(
    db: &mut AnyConnection,
    id: &IntegrationId,
    at: DateTime<Utc>,
    accepted: i64,
) -> Result<()> {
    Sql::new("UPDATE integrations SET last_received_at = ")
        .bind(at.timestamp_millis())
        .push(", alerts_accepted = alerts_accepted + ")
        .bind(accepted)
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// A `heartbeat` integration was pinged at `at`.
pub async fn record_ping(
    db: &mut AnyConnection,
    id: &IntegrationId,
    at: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE integrations SET last_ping_at = ")
        .bind(at.timestamp_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}

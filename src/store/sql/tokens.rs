//! API tokens: a user's own tokens (created, listed, revoked), the login behind a token's
//! hash, and the record of its last use. Only the hash of a token is stored.

use super::users::{LOGIN, login};
use super::{Sql, now_millis, time, unique_as};
use crate::domain::token::NewToken;
use crate::domain::{AccountId, ContactId, TokenId};
use crate::store::{Login, Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The user behind a token, and what the token's use needs to know of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenLogin {
    pub login: Login,
    pub token: TokenId,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens";

/// Stores a token of `user` (a user of `account`; `NotFound` otherwise) by its hash.
pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    new: &NewToken,
    token_hash: &str,
) -> Result<ApiToken> {
    let id = TokenId::generate();
    let inserted = Sql::new(
        "INSERT INTO api_tokens (id, account_id, user_id, name, token_hash, created_at, expires_at) \
         SELECT ",
    )
    .bind(id.to_string())
    .push(", account_id, contact_id, ")
    .bind(new.name.to_string())
    .push(", ")
    .bind(token_hash.to_owned())
    .push(", ")
    .bind(now_millis())
    .push(", ")
    .bind(new.expires_at.map(|t| t.timestamp_millis()))
    .push(" FROM users WHERE account_id = ")
    .bind(account.to_string())
    .push(" AND contact_id = ")
    .bind(user.to_string())
    .execute(&mut *db)
    .await
    .map_err(unique_as("token"))?;
    if inserted == 0 {
        return Err(StoreError::NotFound);
    }
    get(db, account, user, &id).await
}

/// The user's tokens, newest first.
pub async fn list(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
) -> Result<Vec<ApiToken>> {
    Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND user_id = ")
        .bind(user.to_string())
        .push(" ORDER BY id DESC")
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
}

/// One of the user's tokens; another user's or account's is `NotFound`.
pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    id: &TokenId,
) -> Result<ApiToken> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND user_id = ")
        .bind(user.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    token_from_row(&row)
}

/// Revokes one of the user's tokens; another user's or account's is `NotFound`.
pub async fn delete(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    id: &TokenId,
) -> Result<()> {
    let user = user.to_string();
    super::delete_owned_under(
        db,
        "api_tokens",
        account,
        Some(("user_id", &user)),
        id.as_str(),
    )
    .await
}

/// The user of the token with this hash, whatever its expiry (the caller decides).
pub async fn login_by_token(
    db: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<TokenLogin>> {
    let row = Sql::new(&format!(
        "SELECT t.id AS token_id, t.expires_at, t.last_used_at, l.* FROM api_tokens t \
         JOIN ({LOGIN}) l ON l.contact_id = t.user_id WHERE t.token_hash = "
    ))
    .bind(token_hash.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let token = TokenId::from_string(row.try_get::<String, _>("token_id")?);
    let (expires_at, last_used_at) = (
        optional_time(&row, "expires_at")?,
        optional_time(&row, "last_used_at")?,
    );
    Ok(login(db, Some(row)).await?.map(|login| TokenLogin {
        login,
        token,
        expires_at,
        last_used_at,
    }))
}

/// Records a use of the token at `at`, unless one at or after `stale` is recorded already
/// (parallel requests write it once).
pub async fn record_use(
    db: &mut AnyConnection,
    id: &TokenId,
    at: DateTime<Utc>,
    stale: DateTime<Utc>,
) -> Result<()> {
    Sql::new("UPDATE api_tokens SET last_used_at = ")
        .bind(at.timestamp_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .push(" AND (last_used_at IS NULL OR last_used_at < ")
        .bind(stale.timestamp_millis())
        .push(")")
        .execute(&mut *db)
        .await?;
    Ok(())
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<DateTime<Utc>>> {
    let millis: Option<i64> = row.try_get(column)?;
    millis
        .map(|m| DateTime::from_timestamp_millis(m).ok_or_else(|| super::corrupt(column)))
        .transpose()
}

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: TokenId::from_string(row.try_get::<String, _>("id")?),
        name: row.try_get("name")?,
        created_at: time(row, "created_at")?,
        expires_at: optional_time(row, "expires_at")?,
        last_used_at: optional_time(row, "last_used_at")?,
    })
}

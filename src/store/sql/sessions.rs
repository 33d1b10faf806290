use super::{Sql, users};
use crate::domain::{AccountId, ContactId};
use crate::store::{Login, LoginFailures, Result};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};

pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    id_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    Sql::new(
        "INSERT INTO sessions (id_hash, account_id, user_id, created_at, expires_at) VALUES (",
    )
    .bind(id_hash.to_owned())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(user.to_string())
    .push(", ")
    .bind(Utc::now().timestamp_millis())
    .push(", ")
    .bind(expires_at.timestamp_millis())
    .push(")")
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn login(
    db: &mut AnyConnection,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Login>> {
    let row = Sql::new(users::LOGIN)
        .push(" JOIN sessions s ON s.user_id = u.contact_id WHERE s.id_hash = ")
        .bind(id_hash.to_owned())
        .push(" AND s.expires_at > ")
        .bind(now.timestamp_millis())
        .fetch_optional(&mut *db)
        .await?;
    users::login(db, row).await
}

pub async fn delete(db: &mut AnyConnection, id_hash: &str) -> Result<()> {
    Sql::new("DELETE FROM sessions WHERE id_hash = ")
        .bind(id_hash.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Ends the web sessions of a user, all of them or all but the one whose id hash is `keep`.
pub async fn delete_for_user(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    keep: Option<&str>,
) -> Result<u64> {
    let mut sql = Sql::new("DELETE FROM sessions WHERE account_id = ");
    sql.bind(account.to_string())
        .push(" AND user_id = ")
        .bind(user.to_string());
    if let Some(keep) = keep {
        sql.push(" AND id_hash <> ").bind(keep.to_owned());
    }
    sql.execute(&mut *db).await
}

/// A user's sign-in email key (what sign-in tries are counted by) and stored password hash
/// (`None`: no password set); `None` when there is no such user.
pub async fn password_hash(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
) -> Result<Option<(String, Option<String>)>> {
    let row = Sql::new("SELECT email_key, password_hash FROM users WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(user.to_string())
        .fetch_optional(&mut *db)
        .await?;
    row.map(|row| Ok((row.try_get("email_key")?, row.try_get("password_hash")?)))
        .transpose()
}

/// What sign-in tries are counted by: the email typed, or the client's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriesOf {
    Email,
    Address,
}

impl TriesOf {
    /// The table and its key column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Email => ("login_failures", "email_key"),
            Self::Address => ("login_address_failures", "address"),
        }
    }
}

/// Counts a sign-in try for `key` before its password is checked, in one statement, so
/// parallel tries are counted one after the other. The count restarts when the last counted
/// try is at least `window` old. The answer's `failures` is this try's number; a try over
/// `limit` is not counted as a failure (the time of the last one stays) and its answer
/// carries `locked_until`, `window` after the last counted try. A try that succeeds is taken
/// back with [`forget_tries`] or [`take_back_try`].
pub async fn count_try(
    db: &mut AnyConnection,
    of: TriesOf,
    key: &str,
    limit: i64,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<LoginFailures> {
    let (table, column) = of.table();
    let now_ms = now.timestamp_millis();
    let stale = now_ms - window.num_milliseconds();
    let row = Sql::new(&format!(
        "INSERT INTO {table} ({column}, failures, last_failure_at) VALUES ("
    ))
    .bind(key.to_owned())
    .push(", 1, ")
    .bind(now_ms)
    .push(&format!(
        ") ON CONFLICT ({column}) DO UPDATE SET failures = CASE WHEN {table}.last_failure_at <= "
    ))
    .bind(stale)
    .push(&format!(
        " THEN 1 ELSE {table}.failures + 1 END, last_failure_at = CASE WHEN {table}.last_failure_at <= "
    ))
    .bind(stale)
    .push(&format!(" OR {table}.failures < "))
    .bind(limit)
    .push(" THEN ")
    .bind(now_ms)
    .push(&format!(
        " ELSE {table}.last_failure_at END RETURNING failures, last_failure_at"
    ))
    .fetch_optional(&mut *db)
    .await?;
    let Some(row) = row else {
        return Err(sqlx::Error::RowNotFound.into());
    };
    let failures: i64 = row.try_get("failures")?;
    let last: i64 = row.try_get("last_failure_at")?;
    let locked_until = (failures > limit)
        .then(|| DateTime::from_timestamp_millis(last + window.num_milliseconds()))
        .flatten();
    Ok(LoginFailures {
        failures,
        locked_until,
    })
}

/// Forgets the tries counted for `key` (a successful sign-in clears its email's count).
pub async fn forget_tries(db: &mut AnyConnection, of: TriesOf, key: &str) -> Result<()> {
    let (table, column) = of.table();
    Sql::new(&format!("DELETE FROM {table} WHERE {column} = "))
        .bind(key.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Takes back one counted try of `key` (a successful sign-in was not a failure of its
/// address).
pub async fn take_back_try(db: &mut AnyConnection, of: TriesOf, key: &str) -> Result<()> {
    let (table, column) = of.table();
    Sql::new(&format!(
        "UPDATE {table} SET failures = failures - 1 WHERE failures > 0 AND {column} = "
    ))
    .bind(key.to_owned())
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn create_password_link(
    db: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    Sql::new("INSERT INTO password_links (token_hash, account_id, user_id, expires_at) VALUES (")
        .bind(token_hash.to_owned())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(user.to_string())
        .push(", ")
        .bind(expires_at.timestamp_millis())
        .push(")")
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The user of an unused, unexpired link.
pub async fn password_link(
    db: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Login>> {
    let row = Sql::new(users::LOGIN)
        .push(" JOIN password_links p ON p.user_id = u.contact_id WHERE p.token_hash = ")
        .bind(token_hash.to_owned())
        .push(" AND p.used_at IS NULL AND p.expires_at > ")
        .bind(now.timestamp_millis())
        .fetch_optional(&mut *db)
        .await?;
    users::login(db, row).await
}

/// Uses the link once: sets the password and answers true, or answers false for a used,
/// expired or unknown link.
pub async fn use_password_link(
    db: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
    password_hash: &str,
) -> Result<bool> {
    let claimed = Sql::new("UPDATE password_links SET used_at = ")
        .bind(now.timestamp_millis())
        .push(" WHERE token_hash = ")
        .bind(token_hash.to_owned())
        .push(" AND used_at IS NULL AND expires_at > ")
        .bind(now.timestamp_millis())
        .execute(&mut *db)
        .await?;
    if claimed == 0 {
        return Ok(false);
    }
    Sql::new("UPDATE users SET password_hash = ")
        .bind(password_hash.to_owned())
        .push(" WHERE contact_id = (SELECT user_id FROM password_links WHERE token_hash = ")
        .bind(token_hash.to_owned())
        .push(")")
        .execute(&mut *db)
        .await?;
    Ok(true)
}

use super::{Sql, users};
use crate::domain::{AccountId, ContactId};
use crate::store::{Login, Result};
use chrono::{DateTime, Utc};
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
    fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Address => "address",
        }
    }
}

/// Takes `subject`'s turn until the transaction ends, so that concurrent tries read each
/// other's.
pub async fn lock_tries(db: &mut AnyConnection, of: TriesOf, subject: &str) -> Result<()> {
    super::take_turn(
        db,
        &format!("reach.tries\u{1f}{}\u{1f}{subject}", of.as_str()),
    )
    .await
}

/// The times of `subject`'s newest `limit` counted tries, newest first.
pub async fn recent_tries(
    db: &mut AnyConnection,
    of: TriesOf,
    subject: &str,
    limit: usize,
) -> Result<Vec<DateTime<Utc>>> {
    Sql::new("SELECT at FROM login_tries WHERE kind = ")
        .bind(of.as_str())
        .push(" AND subject = ")
        .bind(subject.to_owned())
        .push(" ORDER BY at DESC LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(|row| super::time(row, "at"))
        .collect()
}

/// Counts a try of `subject` at `at`; its id, to take it back if it succeeds.
pub async fn add_try(
    db: &mut AnyConnection,
    of: TriesOf,
    subject: &str,
    at: DateTime<Utc>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    Sql::new("INSERT INTO login_tries (id, kind, subject, at) VALUES (")
        .bind(id.clone())
        .push(", ")
        .bind(of.as_str())
        .push(", ")
        .bind(subject.to_owned())
        .push(", ")
        .bind(at.timestamp_millis())
        .push(")")
        .execute(&mut *db)
        .await?;
    Ok(id)
}

/// Forgets every try of `subject` (a successful sign-in clears its email's).
pub async fn forget_tries(db: &mut AnyConnection, of: TriesOf, subject: &str) -> Result<()> {
    Sql::new("DELETE FROM login_tries WHERE kind = ")
        .bind(of.as_str())
        .push(" AND subject = ")
        .bind(subject.to_owned())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Takes back one counted try (a successful sign-in was not a failure of its address).
pub async fn take_back_try(db: &mut AnyConnection, id: &str) -> Result<()> {
    Sql::new("DELETE FROM login_tries WHERE id = ")
        .bind(id.to_owned())
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

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

/// Failures older than this are forgotten.
const WINDOW_MINUTES: i64 = 15;
/// This many failures in the window lock the email for the window.
pub const LOCK_AFTER: i64 = 5;

pub async fn failures(
    db: &mut AnyConnection,
    email_key: &str,
    now: DateTime<Utc>,
) -> Result<LoginFailures> {
    let row = Sql::new(
        "SELECT failures, last_failure_at, locked_until FROM login_failures WHERE email_key = ",
    )
    .bind(email_key.to_owned())
    .fetch_optional(&mut *db)
    .await?;
    let Some(row) = row else {
        return Ok(LoginFailures {
            failures: 0,
            locked_until: None,
        });
    };
    let last: i64 = row.try_get("last_failure_at")?;
    let locked: Option<i64> = row.try_get("locked_until")?;
    let locked_until = locked
        .and_then(DateTime::from_timestamp_millis)
        .filter(|until| *until > now);
    let fresh =
        now.timestamp_millis() - last < Duration::minutes(WINDOW_MINUTES).num_milliseconds();
    Ok(LoginFailures {
        failures: if fresh || locked_until.is_some() {
            row.try_get("failures")?
        } else {
            0
        },
        locked_until,
    })
}

pub async fn record_failure(
    db: &mut AnyConnection,
    email_key: &str,
    now: DateTime<Utc>,
) -> Result<LoginFailures> {
    let failures = failures(db, email_key, now).await?.failures + 1;
    // Stored to the millisecond; answer what is stored.
    let locked_until = (failures >= LOCK_AFTER)
        .then(|| now + Duration::minutes(WINDOW_MINUTES))
        .and_then(|t| DateTime::from_timestamp_millis(t.timestamp_millis()));
    Sql::new(
        "INSERT INTO login_failures (email_key, failures, last_failure_at, locked_until) VALUES (",
    )
    .bind(email_key.to_owned())
    .push(", ")
    .bind(failures)
    .push(", ")
    .bind(now.timestamp_millis())
    .push(", ")
    .bind(locked_until.map(|t| t.timestamp_millis()))
    .push(
        ") ON CONFLICT (email_key) DO UPDATE SET failures = excluded.failures, \
               last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
    )
    .execute(&mut *db)
    .await?;
    Ok(LoginFailures {
        failures,
        locked_until,
    })
}

pub async fn clear_failures(db: &mut AnyConnection, email_key: &str) -> Result<()> {
    Sql::new("DELETE FROM login_failures WHERE email_key = ")
        .bind(email_key.to_owned())
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

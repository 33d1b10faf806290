//! Signing in and out of the web app, and setting a password with the one-time link an admin
//! gave a new user. None of these has a caller yet: the credentials, the session or the link
//! are the grant.

use super::{App, commit};
use crate::auth;
use crate::domain::{EmailAddress, Password};
use crate::error::AppError;
use crate::store;
use chrono::{DateTime, Duration, Utc};

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;

/// An argon2id hash of a random password, checked against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy";

/// How a sign-in ended.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the new session's token, for the cookie (only its hash is stored).
    Session(String),
    /// Too many failures: refused for about this many minutes (before or by this attempt).
    Locked { minutes: i64 },
    /// Unknown email, wrong password or disabled user: the answer does not say which.
    Failed,
}

/// Signs in with an email and password. Failures are counted per email; enough of them lock
/// the email for a while, and each one slows the answer a little more.
#[tracing::instrument(skip_all)]
pub async fn sign_in(app: &App, email: &EmailAddress, password: &str) -> Result<SignIn, AppError> {
    let key = email.key();
    let now = Utc::now();
    let login = {
        let mut db = app.store.read().await?;
        let failures = store::sessions::failures(&mut db, &key, now).await?;
        if let Some(until) = failures.locked_until {
            let minutes = (until - now).num_minutes().max(1);
            return Ok(SignIn::Locked { minutes });
        }
        store::users::login_by_email(&mut db, email).await?
    };
    let password = password.to_owned();
    let hash = login.as_ref().and_then(|l| l.password_hash.clone());
    // Hash even for unknown emails, so timing does not tell which emails exist.
    let verified = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            auth::verify_password(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    let mut tx = app.store.write().await?;
    let login = match login {
        Some(login) if verified && !login.disabled => login,
        _ => {
            let failures = store::sessions::record_failure(&mut tx, &key, now).await?;
            commit(tx).await?;
            // Each failure slows the next answer a little more, until the lock.
            let pause = 250 * u64::try_from(failures.failures.clamp(0, 8)).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            return Ok(match failures.locked_until {
                Some(until) => SignIn::Locked {
                    minutes: minutes_until(until, now),
                },
                None => SignIn::Failed,
            });
        }
    };
    store::sessions::clear_failures(&mut tx, &key).await?;
    let session = auth::generate_password() + &auth::generate_password();
    let expires = now + Duration::days(SESSION_DAYS);
    let hash = auth::hash_token(&session);
    store::sessions::create(&mut tx, &login.account_id, &login.user_id, &hash, expires).await?;
    commit(tx).await?;
    Ok(SignIn::Session(session))
}

/// Whole minutes from `now` until `until`, rounded up: a fresh lock reads as its full length.
fn minutes_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    ((until - now).num_seconds() + 59).div_euclid(60).max(1)
}

/// Whether `session` is an unexpired session of an enabled user.
pub async fn signed_in(app: &App, session: &str) -> Result<bool, AppError> {
    let mut db = app.store.read().await?;
    let login = store::sessions::login(&mut db, &auth::hash_token(session), Utc::now()).await?;
    Ok(login.is_some_and(|l| !l.disabled))
}

/// Signs out: the session stops working.
#[tracing::instrument(skip_all)]
pub async fn sign_out(app: &App, session: &str) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    store::sessions::delete(&mut tx, &auth::hash_token(session)).await?;
    commit(tx).await
}

/// Whether the set-password link `token` is unused and unexpired.
pub async fn password_link_valid(app: &App, token: &str) -> Result<bool, AppError> {
    let mut db = app.store.read().await?;
    let link =
        store::sessions::password_link(&mut db, &auth::hash_token(token), Utc::now()).await?;
    Ok(link.is_some())
}

/// Sets the password of the link's user and uses the link up; `false` (and nothing changed)
/// when the link is used, expired or unknown.
#[tracing::instrument(skip_all)]
pub async fn set_password_with_link(
    app: &App,
    token: &str,
    password: &Password,
) -> Result<bool, AppError> {
    let hash = auth::hash_password(password)?;
    let mut tx = app.store.write().await?;
    let used =
        store::sessions::use_password_link(&mut tx, &auth::hash_token(token), Utc::now(), &hash)
            .await?;
    commit(tx).await?;
    Ok(used)
}

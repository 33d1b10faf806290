//! Signing in and out of the web app, and setting a password with the one-time link an admin
//! gave a new user. None of these has a caller yet: the credentials, the session or the link
//! are the grant.

use super::{App, commit};
use crate::auth;
use crate::domain::{EmailAddress, Password, tries};
use crate::error::AppError;
use crate::store::{self, sessions::TriesOf};
use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;
/// How a sign-in ended.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the new session's token, for the cookie (only its hash is stored).
    Session(String),
    /// Too many failures: refused, without checking the password, for about this many minutes.
    Locked { minutes: i64, by: LockedBy },
    /// Unknown email, wrong password or disabled user: the answer does not say which.
    Failed,
}

/// What a refused sign-in was locked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedBy {
    Email,
    Address,
}

/// A try counted, or the lock that refused it.
pub(super) enum Try {
    /// Counted: its id (to take it back) and how many tries are now counted (up to the limit).
    Counted { id: String, count: usize },
    /// Refused, uncounted, until then.
    Locked(DateTime<Utc>),
}

/// Counts a try of `subject` on `tx` unless `domain::tries` says it is locked: the subject's
/// turn is taken first, so concurrent tries count each other's.
pub(super) async fn take_try(
    tx: &mut sqlx::AnyConnection,
    of: TriesOf,
    subject: &str,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Try, AppError> {
    store::sessions::lock_tries(tx, of, subject).await?;
    let recent = store::sessions::recent_tries(tx, of, subject, limit).await?;
    if let Some(until) = tries::locked_until(&recent, limit, now) {
        return Ok(Try::Locked(until));
    }
    let id = store::sessions::add_try(tx, of, subject, now).await?;
    Ok(Try::Counted {
        id,
        count: recent.len() + 1,
    })
}

/// Signs in with an email and password from the client at `client` (`None` when unknown,
/// e.g. in-process tests). Each try is counted against the email and the address before the
/// password is checked, in one transaction that holds both subjects' turns, so parallel
/// guesses get no more tries than serial ones; a locked try is refused without hashing and
/// counts for nothing. A success takes its try back: it clears the email's tries and
/// uncounts itself from the address's.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    app: &App,
    email: &EmailAddress,
    password: &str,
    client: Option<IpAddr>,
) -> Result<SignIn, AppError> {
    let key = email.key();
    let address = client.map(address_key);
    let now = Utc::now();
    let mut tx = app.store.write().await?;
    let mut address_try = None;
    if let Some(address) = &address {
        match take_try(
            &mut tx,
            TriesOf::Address,
            address,
            tries::ADDRESS_LIMIT,
            now,
        )
        .await?
        {
            Try::Locked(until) => {
                drop(tx); // Rolled back: a refused try counts for nothing.
                return Ok(locked(LockedBy::Address, until, now));
            }
            Try::Counted { id, .. } => address_try = Some(id),
        }
    }
    let failures = match take_try(&mut tx, TriesOf::Email, &key, tries::EMAIL_LIMIT, now).await? {
        Try::Locked(until) => {
            drop(tx);
            return Ok(locked(LockedBy::Email, until, now));
        }
        Try::Counted { count, .. } => count,
    };
    commit(tx).await?;

    let login = {
        let mut db = app.store.read().await?;
        store::users::login_by_email(&mut db, email).await?
    };
    // Checked against a dummy hash when there is none, so timing does not tell which emails
    // exist.
    let hash = login.as_ref().and_then(|l| l.password_hash.as_deref());
    let verified = auth::verify_password(password, hash)
        .await
        .map_err(AppError::Internal)?;
    let login = match login {
        Some(login) if verified && !login.disabled => login,
        _ => {
            // The try stays counted. Each failure slows the next answer a little more.
            let pause = 250 * u64::try_from(failures.min(8)).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            return Ok(SignIn::Failed);
        }
    };
    let mut tx = app.store.write().await?;
    store::sessions::forget_tries(&mut tx, TriesOf::Email, &key).await?;
    if let Some(id) = &address_try {
        store::sessions::take_back_try(&mut tx, id).await?;
    }
    let session = auth::generate_password() + &auth::generate_password();
    let expires = now + Duration::days(SESSION_DAYS);
    let hash = auth::hash_token(&session);
    store::sessions::create(&mut tx, &login.account_id, &login.user_id, &hash, expires).await?;
    commit(tx).await?;
    Ok(SignIn::Session(session))
}

fn locked(by: LockedBy, until: DateTime<Utc>, now: DateTime<Utc>) -> SignIn {
    SignIn::Locked {
        minutes: minutes_until(until, now),
        by,
    }
}

/// Whole minutes from `now` until `until`, rounded up: a fresh lock reads as its full length.
fn minutes_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    ((until - now).num_seconds() + 59).div_euclid(60).max(1)
}

/// What tries are counted by for a client address: an IPv4 address (also when mapped into
/// IPv6) as it is, an IPv6 address by its /64 network, which one client usually holds whole.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
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
/// Sets the password of the link's user and uses the link up; `false` (and nothing changed)
/// when the link is used, expired or unknown. The link is checked before the password is
/// hashed, so a bad link costs no hashing.
#[tracing::instrument(skip_all)]
pub async fn set_password_with_link(
    app: &App,
    token: &str,
    password: &Password,
) -> Result<bool, AppError> {
    let token_hash = auth::hash_token(token);
    {
        let mut db = app.store.read().await?;
        if store::sessions::password_link(&mut db, &token_hash, Utc::now())
            .await?
            .is_none()
        {
            return Ok(false);
        }
    }
    let hash = auth::hash_password(password)
        .await
        .map_err(AppError::Internal)?;
    // Claimed again on the write: of two uses at once, one wins.
    let mut tx = app.store.write().await?;
    let used = store::sessions::use_password_link(&mut tx, &token_hash, Utc::now(), &hash).await?;
    commit(tx).await?;
    Ok(used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_counted_by_client() {
        let key = |s: &str| address_key(s.parse().expect("address"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), key("2001:db8:1:2::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn locks_read_in_whole_minutes_rounded_up() {
        let now = Utc::now();
        assert_eq!(minutes_until(now + Duration::minutes(15), now), 15);
        assert_eq!(minutes_until(now + Duration::seconds(61), now), 2);
        assert_eq!(minutes_until(now, now), 1);
    }
}

//! Who a request is for: the signed-in user behind a session cookie, with what every page
//! shows (their language and zone, the companies they can see), or the user of an API token.

use super::App;
use crate::auth::{Caller, hash_token};
use crate::domain::{self, CompanyAccess};
use crate::error::AppError;
use crate::store::{self, Account, Company, Contact};

/// What a signed-in page needs about its user.
#[derive(Debug)]
pub struct PageUser {
    pub caller: Caller,
    pub me: Contact,
    pub account: Account,
    /// Every company the user can see, by name (all pages of them).
    pub companies: Vec<Company>,
}

/// The user of an unexpired session (`None`: sign in again; a disabled user too).
pub async fn page_user(app: &App, session: &str) -> Result<Option<PageUser>, AppError> {
    let mut db = app.store.read().await?;
    let login = store::sessions::login(&mut db, &hash_token(session), chrono::Utc::now()).await?;
    let Some(caller) = login.and_then(|l| Caller::from_login(l).ok()) else {
        return Ok(None);
    };
    let me =
        store::contacts::get(&mut db, &caller.account, &CompanyAccess::All, &caller.user).await?;
    let account = store::accounts::get(&mut db, &caller.account).await?;
    let companies = all_companies(&mut db, &caller).await?;
    Ok(Some(PageUser {
        caller,
        me,
        account,
        companies,
    }))
}

/// Every company in the caller's scope, by name.
pub(crate) async fn all_companies(
    db: &mut sqlx::AnyConnection,
    caller: &Caller,
) -> Result<Vec<Company>, AppError> {
    Ok(store::companies::all(db, &caller.account, &caller.scope()).await?)
}

/// The enabled user of an unexpired API token (`Unauthorized`: no such token, a revoked or
/// expired one, or a disabled user). A use is written down before the answer when the last
/// recorded one is unset or over a minute old (`domain::token::use_to_record`).
pub async fn caller_by_token(app: &App, token: &str) -> Result<Caller, AppError> {
    let now = chrono::Utc::now();
    let found = {
        let mut db = app.store.read().await?;
        store::tokens::login_by_token(&mut db, &hash_token(token)).await?
    };
    let found = found.ok_or(AppError::Unauthorized)?;
    if domain::token::expired(found.expires_at, now) {
        return Err(AppError::Unauthorized);
    }
    let mut caller = Caller::from_login(found.login)?;
    caller.token_expires_at = found.expires_at;
    if domain::token::use_to_record(found.last_used_at, now) {
        let mut tx = app.store.write().await?;
        let stale = now - domain::token::USE_PRECISION;
        store::tokens::record_use(&mut tx, &found.token, now, stale).await?;
        super::commit(tx).await?;
    }
    Ok(caller)
}

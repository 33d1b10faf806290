//! Who a web page is for: the signed-in user behind a session cookie, with what every page
//! shows (their language and zone, the companies they can see).

use super::App;
use crate::auth::{Caller, hash_token};
use crate::domain::CompanyAccess;
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

/// The enabled user of an API token (`Unauthorized`: no such token, or the user is disabled).
pub async fn caller_by_token(app: &App, token: &str) -> Result<Caller, AppError> {
    let mut db = app.store.read().await?;
    let login = store::users::login_by_token(&mut db, &hash_token(token)).await?;
    Caller::from_login(login.ok_or(AppError::Unauthorized)?)
}

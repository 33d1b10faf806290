//! Who a web page is for: the signed-in user behind a session cookie, with what every page
//! shows (their language and zone, the companies they can see).

use super::App;
use crate::auth::{Caller, hash_token};
use crate::domain::CompanyAccess;
use crate::error::AppError;
use crate::store::{self, Account, Company, Contact, PageRequest};

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
    let me = store::contacts::get(&mut db, &caller.account, &CompanyAccess::All, &caller.user).await?;
    let account = store::accounts::get(&mut db, &caller.account).await?;
    let companies = all_companies(&mut db, &caller).await?;
    Ok(Some(PageUser { caller, me, account, companies }))
}

/// Every company in the caller's scope, page after page.
pub(crate) async fn all_companies(
    db: &mut sqlx::AnyConnection,
    caller: &Caller,
) -> Result<Vec<Company>, AppError> {
    let scope = caller.scope();
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let request = PageRequest::largest_after(next.as_deref());
        let page = store::companies::list(db, &caller.account, &scope, &request).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => next = Some(cursor),
            None => return Ok(all),
        }
    }
}

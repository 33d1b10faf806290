//! The account's settings: everyone reads them, admins change them.

use super::{App, audit, commit};
use crate::auth::{Admin, Caller};
use crate::domain::AccountSettings;
use crate::error::AppError;
use crate::repr::AccountJson;
use crate::store::{self, Account};

pub async fn get(app: &App, caller: &Caller) -> Result<Account, AppError> {
    Ok(store::accounts::get(&mut *app.store.read().await?, &caller.account).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn update(
    app: &App,
    admin: &Admin,
    settings: &AccountSettings,
) -> Result<Account, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::accounts::get(&mut tx, &caller.account).await?;
    let after = store::accounts::update(&mut tx, &caller.account, settings).await?;
    let (b, a) = (AccountJson::from(&before), AccountJson::from(&after));
    audit::change(&mut tx, caller, "account", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

//! A user's own API tokens (SPEC §3 `/api/v1/tokens`): every role lists, creates and revokes
//! its own, and only its own (another user's token is not found). Creating and revoking are
//! audited without the secret, which is shown once and stored only as a hash.

use super::{App, audit, commit};
use crate::auth::{self, Caller};
use crate::config::Secret;
use crate::domain::TokenId;
use crate::domain::token::NewToken;
use crate::error::AppError;
use crate::repr::TokenJson;
use crate::store::tokens::ApiToken;
use crate::store::{self, SqlStore};

/// A token just made: what is stored, and the token itself (shown this once).
#[derive(Debug)]
pub struct CreatedToken {
    pub stored: ApiToken,
    pub token: Secret,
}

/// The caller's tokens, newest first.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<ApiToken>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::tokens::list(&mut db, &caller.account, &caller.user).await?)
}

/// Makes a token for the caller.
pub async fn create(app: &App, caller: &Caller, new: &NewToken) -> Result<CreatedToken, AppError> {
    create_in(&app.store, caller, new).await
}

/// [`create`] on a store without the web server's state (`reach token create`).
#[tracing::instrument(skip_all, fields(account = %caller.account, user = %caller.user))]
pub async fn create_in(
    store: &SqlStore,
    caller: &Caller,
    new: &NewToken,
) -> Result<CreatedToken, AppError> {
    crate::domain::token::within_maker(new, caller.token_expires_at)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let (token, hash) = auth::generate_token();
    let mut tx = store.write().await?;
    let stored = store::tokens::create(&mut tx, &caller.account, &caller.user, new, &hash).await?;
    audit::change(
        &mut tx,
        caller,
        "api_token",
        None,
        Some(&TokenJson::from(&stored)),
    )
    .await?;
    commit(tx).await?;
    Ok(CreatedToken {
        stored,
        token: Secret::from(token),
    })
}

/// Revokes one of the caller's tokens (404 for anyone else's); it answers 401 from then on.
#[tracing::instrument(skip_all, fields(account = %caller.account, user = %caller.user, token = %id))]
pub async fn revoke(app: &App, caller: &Caller, id: &TokenId) -> Result<ApiToken, AppError> {
    let mut tx = app.store.write().await?;
    let before = store::tokens::get(&mut tx, &caller.account, &caller.user, id).await?;
    store::tokens::delete(&mut tx, &caller.account, &caller.user, id).await?;
    audit::change(
        &mut tx,
        caller,
        "api_token",
        Some(&TokenJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(before)
}

/// One of the caller's tokens (for the revoke confirmation page).
pub async fn get(app: &App, caller: &Caller, id: &TokenId) -> Result<ApiToken, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::tokens::get(&mut db, &caller.account, &caller.user, id).await?)
}

//! Contact methods: anyone reads the methods of the contacts they see; admins manage anyone's
//! methods, everyone else only their own (`Caller::may_manage_methods_of`, checked here).

use super::{App, audit, commit};
use crate::auth::Caller;
use crate::domain::{ContactId, MethodId, NewMethod, ParseContext};
use crate::error::AppError;
use crate::repr::MethodJson;
use crate::store::{self, Contact, Method};
use sqlx::AnyConnection;

/// A changed method.
#[derive(Debug)]
pub struct Updated {
    pub method: Method,
    /// It has just become a webhook: its new signing secret is shown, this once.
    pub new_secret: bool,
}

/// The contact whose methods the caller manages: 404 when they cannot see it, 403 when they
/// see it but may not manage its methods.
pub(crate) async fn managed_on(
    db: &mut AnyConnection,
    caller: &Caller,
    contact: &ContactId,
) -> Result<Contact, AppError> {
    let found = store::contacts::get(db, &caller.account, &caller.scope(), contact).await?;
    caller.may_manage_methods_of(contact)?;
    Ok(found)
}

/// A method the caller manages, with its contact (404, 403, then 404 for the method).
pub(crate) async fn managed_method_on(
    db: &mut AnyConnection,
    caller: &Caller,
    contact: &ContactId,
    id: &MethodId,
) -> Result<(Contact, Method), AppError> {
    let found = managed_on(db, caller, contact).await?;
    let method = store::methods::get(db, &caller.account, contact, id).await?;
    Ok((found, method))
}

/// The contact whose methods the caller manages (forms, and checks made before parsing).
pub async fn contact(app: &App, caller: &Caller, contact: &ContactId) -> Result<Contact, AppError> {
    managed_on(&mut *app.store.read().await?, caller, contact).await
}

/// A method the caller manages, with its contact.
pub async fn managed(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    id: &MethodId,
) -> Result<(Contact, Method), AppError> {
    managed_method_on(&mut *app.store.read().await?, caller, contact, id).await
}

/// What parsing a typed method needs: the account's default region, the deployment's
/// loopback rule for webhooks.
pub async fn parse_context(app: &App, caller: &Caller) -> Result<ParseContext, AppError> {
    let account = store::accounts::get(&mut *app.store.read().await?, &caller.account).await?;
    Ok(ParseContext {
        default_region: account.default_region,
        allow_loopback: app.allow_loopback_webhooks,
    })
}

/// A method of a contact the caller sees.
pub async fn get(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    id: &MethodId,
) -> Result<Method, AppError> {
    let mut db = app.store.read().await?;
    store::contacts::get(&mut db, &caller.account, &caller.scope(), contact).await?;
    Ok(store::methods::get(&mut db, &caller.account, contact, id).await?)
}

/// Adds a method; it sends nothing. A webhook's `secret` is set (shown once).
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact))]
pub async fn add(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    new: &NewMethod,
) -> Result<Method, AppError> {
    let mut tx = app.store.write().await?;
    managed_on(&mut tx, caller, contact).await?;
    let added =
        store::methods::add(&mut tx, &caller.account, contact, new, app.keys.sealing()).await?;
    audit::change(
        &mut tx,
        caller,
        "method",
        None,
        Some(&MethodJson::from(&added)),
    )
    .await?;
    commit(tx).await?;
    Ok(added)
}

/// Changes a method; a new address clears its verification. A user's primary email keeps its
/// address (it changes with the user's email).
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact, method = %id))]
pub async fn update(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    id: &MethodId,
    new: &NewMethod,
) -> Result<Updated, AppError> {
    let mut tx = app.store.write().await?;
    let (_, before) = managed_method_on(&mut tx, caller, contact, id).await?;
    let after = store::methods::update(
        &mut tx,
        &caller.account,
        contact,
        id,
        new,
        app.keys.sealing(),
    )
    .await?;
    let (b, a) = (MethodJson::from(&before), MethodJson::from(&after));
    audit::change(&mut tx, caller, "method", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(Updated {
        new_secret: before.secret.is_none() && after.secret.is_some(),
        method: after,
    })
}

/// Deletes a method (a user's primary email cannot be deleted: 409).
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact, method = %id))]
pub async fn delete(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    id: &MethodId,
) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    let (_, before) = managed_method_on(&mut tx, caller, contact, id).await?;
    store::methods::delete(&mut tx, &caller.account, contact, id).await?;
    audit::change(
        &mut tx,
        caller,
        "method",
        Some(&MethodJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

//! Contacts and users as people to notify: everyone lists and reads those in their scope;
//! admins add contacts, change them and delete contacts or users (with their methods).
//! Users are added and changed in [`super::users`], which also has their own profile.

use super::{App, audit, commit};
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyAccess, ContactId, Name, NewContact};
use crate::error::AppError;
use crate::repr::ContactJson;
use crate::store::{self, Contact, ContactKind, ContactQuery, Page};

/// The audit object type of a contact: `user` or `contact`.
pub(crate) fn object_type(contact: &Contact) -> &'static str {
    match contact.kind() {
        ContactKind::User => "user",
        ContactKind::Contact => "contact",
    }
}

/// A user's name is theirs to change (`PATCH /api/v1/me`, My Account): an admin changing
/// another's contact may keep it, not replace it.
pub fn may_rename(current: &Contact, name: &Name) -> Result<(), AppError> {
    if current.user.is_some() && name.as_str() != current.name {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Users and contacts in the caller's scope, by name.
pub async fn list(
    app: &App,
    caller: &Caller,
    query: &ContactQuery,
) -> Result<Page<Contact>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::contacts::list(&mut db, &caller.account, &caller.scope(), query).await?)
}

/// A user or contact in the caller's scope.
/// Every contact the query finds in the caller's scope (all pages; its `page` is ignored).
pub async fn all(
    app: &App,
    caller: &Caller,
    query: &ContactQuery,
) -> Result<Vec<Contact>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::contacts::all(&mut db, &caller.account, &caller.scope(), query).await?)
}

pub async fn get(app: &App, caller: &Caller, id: &ContactId) -> Result<Contact, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::contacts::get(&mut db, &caller.account, &caller.scope(), id).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: &NewContact) -> Result<Contact, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let contact = store::contacts::create(&mut tx, &caller.account, new).await?;
    let after = ContactJson::from(&contact);
    audit::change(&mut tx, caller, "contact", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(contact)
}

/// Replaces a contact's (or a user's) name, companies, language and time zone. A user's name
/// must stay as it is ([`may_rename`]).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, contact = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &ContactId,
    new: &NewContact,
) -> Result<Contact, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::contacts::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?;
    may_rename(&before, &new.name)?;
    let after = store::contacts::update(&mut tx, &caller.account, id, new).await?;
    let (b, a) = (ContactJson::from(&before), ContactJson::from(&after));
    audit::change(&mut tx, caller, object_type(&before), Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

/// Deletes a contact or a user with their methods; the last enabled admin stays (409).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, contact = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &ContactId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::contacts::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?;
    match before.kind() {
        ContactKind::User => store::users::delete(&mut tx, &caller.account, id).await?,
        ContactKind::Contact => store::contacts::delete(&mut tx, &caller.account, id).await?,
    }
    let b = ContactJson::from(&before);
    audit::change(&mut tx, caller, object_type(&before), Some(&b), None).await?;
    commit(tx).await?;
    Ok(())
}

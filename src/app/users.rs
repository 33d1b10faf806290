//! Users: contacts who sign in. Admins add them and change their role, companies and disabled
//! flag; only the user changes their own name, primary email, language, time zone and
//! password (their profile). Deleting a user is [`super::contacts::delete`] too.

use super::{App, audit, commit};
use crate::auth::{self, Admin, Caller};
use crate::domain::{
    CompanyAccess, ContactId, EmailAddress, Errors, FieldError, Invalid, NewContact, NewUser,
    Password, Profile, Role, UserChange,
};
use crate::error::AppError;
use crate::repr::ContactJson;
use crate::store::sessions::TriesOf;
use crate::store::{self, Contact, ContactKind};

/// How long a set-password link lasts.
pub const LINK_DAYS: i64 = 7;

/// How a new user gets their first password.
#[derive(Debug)]
pub enum FirstPassword {
    /// Typed by the admin.
    Given(Password),
    /// None yet: they cannot sign in until one is set.
    Unset,
    /// A one-time link to set one, valid [`LINK_DAYS`] days, shown once to the admin.
    Link,
}

/// A user to add, as parsed.
#[derive(Debug)]
pub struct UserToAdd {
    pub contact: NewContact,
    /// Their login, unique in the deployment, and their primary email method.
    pub email: EmailAddress,
    pub role: Role,
    pub password: FirstPassword,
}

/// A user just added, with their set-password link when one was asked for.
#[derive(Debug)]
pub struct AddedUser {
    pub user: Contact,
    /// `{public_url}/set-password/{token}`: only its hash is kept, so it is shown now or never.
    pub link: Option<String>,
}

/// The argon2id hash of a password, computed off the async workers (and before any write
/// transaction is opened, so the database is not held while it runs).
async fn hash(password: &Password) -> Result<String, AppError> {
    auth::hash_password(password)
        .await
        .map_err(AppError::Internal)
}

/// Checks the caller's current password (SPEC §3: changing one's password or primary email
/// needs it): missing or empty is `Required`, anything but the stored one `WrongPassword`.
/// Each try counts against the user's sign-in email like a sign-in, before any hashing, so a
/// stolen session or token cannot guess the password faster than the sign-in page allows:
/// over the limit it is `TooManyTries` without checking; the right password takes its try back.
async fn check_current_password(
    app: &App,
    caller: &Caller,
    typed: Option<&str>,
) -> Result<(), AppError> {
    let refused = |error| AppError::Validation(vec![FieldError::new(CURRENT_PASSWORD, error)]);
    let typed = match typed {
        None | Some("") => return Err(refused(Invalid::Required)),
        Some(typed) => typed,
    };
    let now = chrono::Utc::now();
    let mut tx = app.store.write().await?;
    let (key, stored) = store::sessions::password_hash(&mut tx, &caller.account, &caller.user)
        .await?
        .ok_or(AppError::NotFound)?;
    let taken = super::signin::take_try(
        &mut tx,
        TriesOf::Email,
        &key,
        crate::domain::tries::EMAIL_LIMIT,
        now,
    )
    .await?;
    let super::signin::Try::Counted { id, .. } = taken else {
        drop(tx); // Rolled back: a refused try counts for nothing.
        return Err(refused(Invalid::TooManyTries));
    };
    commit(tx).await?;
    match auth::verify_password(typed, stored.as_deref()).await {
        Ok(true) => {
            let mut tx = app.store.write().await?;
            store::sessions::take_back_try(&mut tx, &id).await?;
            commit(tx).await
        }
        Ok(false) => Err(refused(Invalid::WrongPassword)),
        Err(e) => Err(AppError::Internal(e)),
    }
}

/// The field that proves a change of one's own password or primary email.
pub const CURRENT_PASSWORD: &str = "current_password";

/// Ends the caller's web sessions after a password change: all but `keep` (the session the
/// change was made in, on the web), or all of them (through the API). API tokens stay.
async fn end_other_sessions(
    tx: &mut store::Tx,
    caller: &Caller,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let keep = keep.map(auth::hash_token);
    store::sessions::delete_for_user(tx, &caller.account, &caller.user, keep.as_deref()).await?;
    Ok(())
}

/// The contact, if it is a user (else 404).
fn a_user(contact: Contact) -> Result<Contact, AppError> {
    match contact.kind() {
        ContactKind::User => Ok(contact),
        ContactKind::Contact => Err(AppError::NotFound),
    }
}

/// A user in the caller's scope.
pub async fn get(app: &App, caller: &Caller, id: &ContactId) -> Result<Contact, AppError> {
    let mut db = app.store.read().await?;
    a_user(store::contacts::get(&mut db, &caller.account, &caller.scope(), id).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: UserToAdd) -> Result<AddedUser, AppError> {
    let caller = &admin.0;
    let UserToAdd {
        contact,
        email,
        role,
        password,
    } = new;
    let (password_hash, link) = match password {
        FirstPassword::Given(p) => (Some(hash(&p).await?), None),
        FirstPassword::Unset => (None, None),
        FirstPassword::Link => {
            let token = auth::generate_password() + &auth::generate_password();
            (None, Some(token))
        }
    };
    let new = NewUser {
        contact,
        email,
        role,
        password_hash,
    };
    let mut tx = app.store.write().await?;
    let user = store::users::create(&mut tx, &caller.account, &new).await?;
    audit::change(
        &mut tx,
        caller,
        "user",
        None,
        Some(&ContactJson::from(&user)),
    )
    .await?;
    if let Some(token) = &link {
        let expires = chrono::Utc::now() + chrono::Duration::days(LINK_DAYS);
        let token_hash = auth::hash_token(token);
        store::sessions::create_password_link(
            &mut tx,
            &caller.account,
            &user.id,
            &token_hash,
            expires,
        )
        .await?;
    }
    commit(tx).await?;
    let link = link.map(|token| app.links.set_password_url(&token));
    Ok(AddedUser { user, link })
}

/// Sets a user's role, companies and disabled flag; the last enabled admin stays one (409).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, user = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &ContactId,
    change: &UserChange,
) -> Result<Contact, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before =
        a_user(store::contacts::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?)?;
    let after = store::users::update(&mut tx, &caller.account, id, change).await?;
    let (b, a) = (ContactJson::from(&before), ContactJson::from(&after));
    audit::change(&mut tx, caller, "user", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

/// Deletes a user with their methods; the last enabled admin stays (409).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, user = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &ContactId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before =
        a_user(store::contacts::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?)?;
    store::users::delete(&mut tx, &caller.account, id).await?;
    audit::change(
        &mut tx,
        caller,
        "user",
        Some(&ContactJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// The calling user.
pub async fn me(app: &App, caller: &Caller) -> Result<Contact, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::contacts::get(&mut db, &caller.account, &CompanyAccess::All, &caller.user).await?)
}

/// A change of the caller's own profile, as parsed.
#[derive(Debug)]
pub struct ProfileChange {
    pub profile: Profile,
    /// A new password, if one was given.
    pub password: Option<Password>,
    /// The current password, as typed: needed when the password or the primary email changes.
    pub current_password: Option<String>,
}

/// Changes the caller's own profile (a new email is also their primary email method's
/// address) and, if given, their password. A new password or primary email needs the
/// current password (422 on `current_password`, nothing changed); a new password ends the
/// caller's web sessions but `keep` (see [`end_other_sessions`]).
#[tracing::instrument(skip_all, fields(account = %caller.account, user = %caller.user))]
pub async fn update_profile(
    app: &App,
    caller: &Caller,
    change: &ProfileChange,
    keep: Option<&str>,
) -> Result<Contact, AppError> {
    let (account, user) = (&caller.account, &caller.user);
    let profile = &change.profile;
    let email_before = {
        let mut db = app.store.read().await?;
        let me = store::contacts::get(&mut db, account, &CompanyAccess::All, user).await?;
        me.user.map(|u| u.email).unwrap_or_default()
    };
    if change.password.is_some() || profile.email.to_string() != email_before {
        check_current_password(app, caller, change.current_password.as_deref()).await?;
    }
    let password_hash = match &change.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let mut tx = app.store.write().await?;
    let before = store::contacts::get(&mut tx, account, &CompanyAccess::All, user).await?;
    let after = store::users::update_profile(&mut tx, account, user, profile).await?;
    let (b, a) = (ContactJson::from(&before), ContactJson::from(&after));
    audit::change(&mut tx, caller, "user", Some(&b), Some(&a)).await?;
    if let Some(hash) = password_hash {
        store::users::set_password(&mut tx, account, user, &hash).await?;
        end_other_sessions(&mut tx, caller, keep).await?;
        audit::event(
            &mut tx,
            caller,
            "update",
            "password",
            user.as_str(),
            None,
            None,
        )
        .await?;
    }
    commit(tx).await?;
    Ok(after)
}

/// Changes the caller's password after checking their current one, and ends their web
/// sessions but `keep`. Refused fields come back together: `current_password` (missing or
/// wrong), then `new` (its own parse error).
#[tracing::instrument(skip_all, fields(account = %caller.account, user = %caller.user))]
pub async fn change_password(
    app: &App,
    caller: &Caller,
    current: &str,
    new: Result<Password, Invalid>,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = Errors::default();
    match check_current_password(app, caller, Some(current)).await {
        Ok(()) => {}
        Err(AppError::Validation(fields)) => {
            for f in fields {
                errors.push(&f.field, f.error);
            }
        }
        Err(other) => return Err(other),
    }
    let new = errors.check("new", new);
    let new = errors.finish(|| new)?;
    let hash = hash(&new).await?;
    let mut tx = app.store.write().await?;
    store::users::set_password(&mut tx, &caller.account, &caller.user, &hash).await?;
    end_other_sessions(&mut tx, caller, keep).await?;
    let id = caller.user.as_str();
    audit::event(&mut tx, caller, "update", "password", id, None, None).await?;
    commit(tx).await?;
    Ok(())
}

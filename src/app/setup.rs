//! First-run setup (SPEC §3): while the database has no account, `reach serve` prints a signed
//! setup link; its page creates the account and the first admin, and from then on answers 404.

use super::{App, commit};
use crate::auth;
use crate::domain::setup::NewSetup;
use crate::domain::{CompanyAccess, Locale, NewAccount, NewContact, NewUser, Region, Role};
use crate::error::AppError;
use crate::store::{self, NewAuditEntry};
use chrono::{Duration, Utc};

/// How long a printed setup link works (a restart prints a new one).
pub const LINK_LIFETIME: Duration = Duration::days(30);

/// The setup link to print at start, or `None` once an account exists.
pub async fn link(app: &App) -> Result<Option<String>, AppError> {
    let mut db = app.store.read().await?;
    if store::accounts::any(&mut db).await? {
        return Ok(None);
    }
    Ok(Some(app.links.setup_url(Utc::now() + LINK_LIFETIME)))
}

/// Whether the setup page may be shown: the token is ours and no account exists yet.
pub async fn open(app: &App, token: &str) -> Result<bool, AppError> {
    if !app.links.check_setup(token, Utc::now()) {
        return Ok(false);
    }
    let mut db = app.store.read().await?;
    Ok(!store::accounts::any(&mut db).await?)
}

/// Creates the account and its first admin (access to every company) in one transaction,
/// audited as the admin creating the account; `NotFound` when the link is not ours, expired
/// or an account already exists (nothing written). The password is hashed only for a valid
/// link, so the page is no lever for making the server hash.
#[tracing::instrument(skip_all)]
pub async fn create(app: &App, token: &str, new: &NewSetup) -> Result<(), AppError> {
    if !open(app, token).await? {
        return Err(AppError::NotFound);
    }
    let password_hash = auth::hash_password(&new.password).await?;
    let mut tx = app.store.write().await?;
    if store::accounts::any_for_setup(&mut tx).await? {
        return Err(AppError::NotFound);
    }
    let account = store::accounts::create(
        &mut tx,
        &NewAccount {
            name: new.account.clone(),
            default_region: Region::parse("US")
                .map_err(|e| AppError::Internal(anyhow::Error::msg(e)))?,
            locale: Locale::En,
            timezone: crate::domain::TimeZone::default(),
        },
    )
    .await?;
    let admin = NewUser {
        contact: NewContact {
            name: new.name.clone(),
            companies: CompanyAccess::All,
            locale: None,
            timezone: None,
        },
        email: new.email.clone(),
        role: Role::Admin,
        password_hash: Some(password_hash),
    };
    let user = store::users::create(&mut tx, &account.id, &admin).await?;
    let entry = NewAuditEntry {
        actor_id: user.id.clone(),
        actor_name: user.name.clone(),
        action: "create",
        object_type: "account",
        object_id: account.id.to_string(),
        before: None,
        after: Some(serde_json::json!({"name": account.name, "admin": new.email.as_str()})),
    };
    store::audit::record(&mut tx, &account.id, &entry).await?;
    commit(tx).await?;
    tracing::info!(account = %account.name, email = %new.email.as_str(), "first account set up");
    Ok(())
}

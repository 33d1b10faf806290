//! Companies (admins add, rename and delete; everyone sees those in their scope) and their
//! maintenance windows.

use super::{App, audit, commit};
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyAccess, CompanyId, Name, NewWindow, WindowId};
use crate::error::AppError;
use crate::repr::{CompanyJson, WindowJson};
use crate::store::{self, Company, MaintenanceWindow, Page, PageRequest};

pub async fn list(
    app: &App,
    caller: &Caller,
    page: &PageRequest,
) -> Result<Page<Company>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::companies::list(&mut db, &caller.account, &caller.scope(), page).await?)
}

pub async fn get(app: &App, caller: &Caller, id: &CompanyId) -> Result<Company, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::companies::get(&mut db, &caller.account, &caller.scope(), id).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, name: &Name) -> Result<Company, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let company = store::companies::create(&mut tx, &caller.account, name).await?;
    let after = CompanyJson::from(&company);
    audit::change(&mut tx, caller, "company", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(company)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, company = %id))]
pub async fn rename(
    app: &App,
    admin: &Admin,
    id: &CompanyId,
    name: &Name,
) -> Result<Company, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::companies::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?;
    let after = store::companies::rename(&mut tx, &caller.account, id, name).await?;
    let (b, a) = (CompanyJson::from(&before), CompanyJson::from(&after));
    audit::change(&mut tx, caller, "company", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

/// Deletes the company; it leaves every access set.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, company = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &CompanyId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::companies::get(&mut tx, &caller.account, &CompanyAccess::All, id).await?;
    // A heartbeat alerts only through its company: without it, missed pings would go unseen.
    let heartbeats = store::integrations::list(&mut tx, &caller.account).await?;
    if heartbeats.iter().any(|i| {
        i.kind == crate::domain::integration::IntegrationKind::Heartbeat
            && i.company_id.as_ref() == Some(id)
    }) {
        return Err(AppError::Refused(
            "A heartbeat integration alerts through this company: give it another company or delete it first.",
        ));
    }
    store::companies::delete(&mut tx, &caller.account, id).await?;
    audit::change(
        &mut tx,
        caller,
        "company",
        Some(&CompanyJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// A company in the caller's scope with its maintenance windows.
pub async fn windows(
    app: &App,
    caller: &Caller,
    company: &CompanyId,
) -> Result<(Company, Vec<MaintenanceWindow>), AppError> {
    let mut db = app.store.read().await?;
    let company = store::companies::get(&mut db, &caller.account, &caller.scope(), company).await?;
    let windows = store::alerts::list_maintenance(&mut db, &caller.account, &company.id).await?;
    Ok((company, windows))
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, company = %company))]
pub async fn add_window(
    app: &App,
    admin: &Admin,
    company: &CompanyId,
    window: &NewWindow,
) -> Result<MaintenanceWindow, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let company =
        store::companies::get(&mut tx, &caller.account, &CompanyAccess::All, company).await?;
    let id = store::alerts::add_maintenance(
        &mut tx,
        &caller.account,
        &company.id,
        window.starts_at,
        window.ends_at,
        window.reason.as_deref(),
    )
    .await?;
    let added = store::alerts::list_maintenance(&mut tx, &caller.account, &company.id)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(AppError::NotFound)?;
    audit::change(
        &mut tx,
        caller,
        "maintenance",
        None,
        Some(&WindowJson::from(&added)),
    )
    .await?;
    commit(tx).await?;
    Ok(added)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, company = %company))]
pub async fn delete_window(
    app: &App,
    admin: &Admin,
    company: &CompanyId,
    window_id: &WindowId,
) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::alerts::list_maintenance(&mut tx, &caller.account, company)
        .await?
        .into_iter()
        .find(|w| &w.id == window_id)
        .ok_or(AppError::NotFound)?;
    store::alerts::delete_maintenance(&mut tx, &caller.account, company, window_id).await?;
    audit::change(
        &mut tx,
        caller,
        "maintenance",
        Some(&WindowJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

//! Escalation policies (SPEC §2): admins create, change and delete them and give a company
//! one; every user of the account may read them.

use super::{App, audit, commit};
use crate::auth::{Admin, Caller};
use crate::domain::oncall::policy::NewPolicy;
use crate::domain::{CompanyAccess, CompanyId, Name, PolicyId};
use crate::error::AppError;
use crate::repr::{CompanyJson, PolicyJson};
use crate::store::policies::StoredPolicy;
use crate::store::{self, Company};
use chrono::Utc;

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<StoredPolicy>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::policies::list(&mut db, &caller.account).await?)
}

pub async fn get(app: &App, caller: &Caller, id: &PolicyId) -> Result<StoredPolicy, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::policies::get(&mut db, &caller.account, id).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: &NewPolicy) -> Result<StoredPolicy, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let made = store::policies::create(&mut tx, &caller.account, new, Utc::now()).await?;
    let after = PolicyJson::from(&made);
    audit::change(&mut tx, caller, "escalation_policy", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(made)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, policy = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &PolicyId,
    new: &NewPolicy,
) -> Result<StoredPolicy, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::policies::get(&mut tx, &caller.account, id).await?;
    let after = store::policies::update(&mut tx, &caller.account, id, new).await?;
    let (b, a) = (PolicyJson::from(&before), PolicyJson::from(&after));
    audit::change(&mut tx, caller, "escalation_policy", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

/// Deletes a policy; the companies that had it go back to the plain rule.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, policy = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &PolicyId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::policies::get(&mut tx, &caller.account, id).await?;
    store::policies::delete(&mut tx, &caller.account, id).await?;
    let b = PolicyJson::from(&before);
    audit::change(&mut tx, caller, "escalation_policy", Some(&b), None).await?;
    commit(tx).await?;
    Ok(())
}

/// Renames a company and/or gives it a policy (`Some(None)`: the plain rule), in one
/// transaction audited as one change of the company; the policy must be the account's.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, company = %company))]
pub async fn change_company(
    app: &App,
    admin: &Admin,
    company: &CompanyId,
    name: Option<&Name>,
    policy: Option<Option<&PolicyId>>,
) -> Result<Company, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let all = CompanyAccess::All;
    let before = store::companies::get(&mut tx, &caller.account, &all, company).await?;
    if let Some(name) = name {
        store::companies::rename(&mut tx, &caller.account, company, name).await?;
    }
    if let Some(policy) = policy {
        store::policies::set_for_company(&mut tx, &caller.account, company, policy).await?;
    }
    let after = store::companies::get(&mut tx, &caller.account, &all, company).await?;
    let (b, a) = (CompanyJson::from(&before), CompanyJson::from(&after));
    audit::change(&mut tx, caller, "company", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

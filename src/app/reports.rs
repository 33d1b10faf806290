//! Scheduled reports (admins): their definitions, Run now, and the runs with their deliveries.

use super::{App, audit, commit};
use crate::auth::Admin;
use crate::domain::report::NewReport;
use crate::domain::{CompanyAccess, ContactId, MethodId, NotificationId, ReportId};
use crate::error::AppError;
use crate::repr::ReportJson;
use crate::store::{self, Contact, ContactQuery, Report, ReportRun};

/// A delivery of a run: (contact, method, notification, state).
pub type Delivery = (ContactId, MethodId, NotificationId, String);

/// A run with a delivery per recipient method.
#[derive(Debug)]
pub struct RunDeliveries {
    pub run: ReportRun,
    pub deliveries: Vec<Delivery>,
}

/// The account's reports, by name.
pub async fn list(app: &App, admin: &Admin) -> Result<Vec<Report>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::reports::list(&mut db, &admin.0.account).await?)
}

pub async fn get(app: &App, admin: &Admin, id: &ReportId) -> Result<Report, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::reports::get(&mut db, &admin.0.account, id).await?)
}

/// Everyone who may receive reports: every contact and user of the account, by name (all
/// pages of them).
pub async fn recipients(app: &App, admin: &Admin) -> Result<Vec<Contact>, AppError> {
    let mut db = app.store.read().await?;
    let everyone = ContactQuery::default();
    Ok(store::contacts::all(&mut db, &admin.0.account, &CompanyAccess::All, &everyone).await?)
}

/// Defines a report; unknown company or recipient ids are field errors.
#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: &NewReport) -> Result<Report, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let report = store::reports::create(&mut tx, &caller.account, new, chrono::Utc::now()).await?;
    audit::change(
        &mut tx,
        caller,
        "report",
        None,
        Some(&ReportJson::from(&report)),
    )
    .await?;
    commit(tx).await?;
    Ok(report)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, report = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &ReportId,
    new: &NewReport,
) -> Result<Report, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::reports::get(&mut tx, &caller.account, id).await?;
    let after =
        store::reports::update(&mut tx, &caller.account, id, new, chrono::Utc::now()).await?;
    let (b, a) = (ReportJson::from(&before), ReportJson::from(&after));
    audit::change(&mut tx, caller, "report", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

/// Deletes a report and its runs.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, report = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &ReportId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::reports::get(&mut tx, &caller.account, id).await?;
    store::reports::delete(&mut tx, &caller.account, id).await?;
    audit::change(
        &mut tx,
        caller,
        "report",
        Some(&ReportJson::from(&before)),
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// Runs a report now: the run, with its deliveries queued for the workers.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, report = %id))]
pub async fn run_now(app: &App, admin: &Admin, id: &ReportId) -> Result<RunDeliveries, AppError> {
    let account = &admin.0.account;
    let report = get(app, admin, id).await?;
    let run = crate::reports::run_now(&app.store, &app.links, account, &report, chrono::Utc::now())
        .await?;
    app.work_queued().await;
    let mut db = app.store.read().await?;
    let deliveries = store::reports::run_deliveries(&mut db, &run.id).await?;
    Ok(RunDeliveries { run, deliveries })
}

/// A report's runs, newest first, with their deliveries.
pub async fn runs(app: &App, admin: &Admin, id: &ReportId) -> Result<Vec<RunDeliveries>, AppError> {
    let account = &admin.0.account;
    let mut db = app.store.read().await?;
    store::reports::get(&mut db, account, id).await?;
    let mut all = Vec::new();
    for run in store::reports::runs(&mut db, account, id).await? {
        let deliveries = store::reports::run_deliveries(&mut db, &run.id).await?;
        all.push(RunDeliveries { run, deliveries });
    }
    Ok(all)
}

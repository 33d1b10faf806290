//! Scheduled reports: the scheduler (claims due runs in the database, so each runs once even
//! with several nodes), and a run: for each recipient, the report scoped to the companies they
//! may see, in their language, as an email (HTML and text from one template, the numbers also
//! as a CSV attachment) to each of their email methods with `reports` on.
//!
//! This module holds a run (`run_now`, `execute`, the deliveries it queues, its period);
//! `tables` builds each kind's numbers (`alert_csv`, the alert summary's CSV rows; `oncall`, the
//! escalation policies' sections: coverage gaps, pages per person), `render` writes the email,
//! CSV and chart, and `scheduler` starts due runs.

mod alert_csv;
mod oncall;
mod render;
mod scheduler;
mod tables;

use crate::domain::{AccountId, CompanyAccess, CompanyId, ContactId, MethodId, MethodType, RunId};
use crate::i18n::Tr;
use crate::links::LinkSigner;
use crate::store::{self, Report, ReportRun, Result, SqlStore, StoreError};
use chrono::{DateTime, Duration, Utc};

pub use crate::delivery::message::{CHART_CID, ReportMail};
pub use alert_csv::{ALERT_CSV_COLUMNS, Csv};
pub use render::chart;
pub use scheduler::Scheduler;
pub use tables::{DayCounts, Section, Table};

use render::render;
use tables::build;

/// How long a report's unsubscribe link works.
pub const UNSUBSCRIBE_LIFETIME: Duration = Duration::days(90);

/// A run's period: since the previous run, or one day (week, month) before.
async fn period_start(
    store: &SqlStore,
    account: &AccountId,
    report: &Report,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let previous = store::reports::runs(&mut *store.read().await?, account, &report.id)
        .await?
        .into_iter()
        .map(|r| r.scheduled_for)
        .find(|t| *t < at);
    Ok(previous.unwrap_or_else(|| {
        let default = match &report.schedule {
            crate::domain::report::Schedule::Calendar { every, .. } => match every {
                crate::domain::report::Every::Day => Duration::days(1),
                crate::domain::report::Every::Week(_) => Duration::days(7),
                crate::domain::report::Every::Month(_) => Duration::days(30),
            },
            crate::domain::report::Schedule::Cron { .. } => Duration::days(1),
        };
        at - default
    }))
}

/// Runs a report now (Run now): the run, with its deliveries queued.
pub async fn run_now(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<ReportRun> {
    let start = period_start(store, account, report, now).await?;
    let run = {
        let mut tx = store.write().await?;
        let run = store::reports::start_run(&mut tx, account, &report.id, now, start, None, now)
            .await?
            .ok_or(StoreError::conflict("run"))?;
        tx.commit().await?;
        run
    };
    execute(store, links, account, report, &run, now).await?;
    store::reports::runs(&mut *store.read().await?, account, &report.id)
        .await?
        .into_iter()
        .find(|r| r.id == run.id)
        .ok_or(StoreError::NotFound)
}

/// Builds and queues every recipient's email, then records the run done (or failed).
pub async fn execute(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    run: &ReportRun,
    now: DateTime<Utc>,
) -> Result<()> {
    // Everything is built first; then the deliveries and the run's end land in one
    // transaction (a failed build records the run failed and queues nothing).
    let mut outcome = deliveries(store, links, account, report, run, now).await;
    if let Ok(deliveries) = &outcome {
        let mut tx = store.write().await?;
        match queue_all(&mut tx, account, &run.id, deliveries, now).await {
            Ok(()) => {
                store::reports::finish_run(&mut tx, &run.id, None, now).await?;
                tx.commit().await?;
                return Ok(());
            }
            // Nothing of this run is queued (the transaction rolls back); it is recorded failed.
            Err(e) => outcome = Err(e),
        }
    }
    let error = outcome.as_ref().err().map(ToString::to_string);
    let mut tx = store.write().await?;
    store::reports::finish_run(&mut tx, &run.id, error.as_deref(), now).await?;
    tx.commit().await?;
    outcome.map(drop)
}

async fn queue_all(
    tx: &mut sqlx::AnyConnection,
    account: &AccountId,
    run: &RunId,
    deliveries: &[(ContactId, MethodId, String)],
    now: DateTime<Utc>,
) -> Result<()> {
    for (contact, method, payload) in deliveries {
        store::reports::queue_delivery(tx, account, contact, method, run, payload, now).await?;
    }
    Ok(())
}

/// Each recipient's email for each of their email methods with reports on: (contact, method,
/// the queued payload).
async fn deliveries(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    run: &ReportRun,
    now: DateTime<Utc>,
) -> Result<Vec<(ContactId, MethodId, String)>> {
    let mut db = store.read().await?;
    let acc = store::accounts::get(&mut db, account).await?;
    let companies = store::companies::all(&mut db, account, &CompanyAccess::All).await?;
    let mut out = Vec::new();
    for recipient in &report.recipients {
        let contact =
            match store::contacts::get(&mut db, account, &CompanyAccess::All, recipient).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
        // Only what the recipient may see: their access and the report's companies.
        let scope: Vec<(CompanyId, String)> = companies
            .iter()
            .filter(|c| contact.companies.includes(&c.id) && report.companies.includes(&c.id))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        if scope.is_empty() {
            continue;
        }
        let tr = Tr::new(contact.locale.unwrap_or(acc.locale));
        let zone = contact.timezone.unwrap_or(acc.timezone);
        let table = build(
            &mut db,
            account,
            report.kind,
            &scope,
            run.period_start,
            run.period_end,
            &tr,
            zone,
        )
        .await?;
        for method in contact
            .methods
            .iter()
            .filter(|m| m.kind == MethodType::Email && m.reports)
        {
            let unsubscribe = links.unsubscribe_url(
                account.as_str(),
                contact.id.as_str(),
                method.id.as_str(),
                now + UNSUBSCRIBE_LIFETIME,
            );
            let mail = render(
                report,
                run,
                &table,
                &tr,
                zone,
                &contact.name,
                &acc.name,
                &unsubscribe,
            )?;
            let payload =
                serde_json::to_string(&mail).map_err(|e| StoreError::Content(e.to_string()))?;
            out.push((contact.id.clone(), method.id.clone(), payload));
        }
    }
    Ok(out)
}

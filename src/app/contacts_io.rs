//! Contacts import and export (admins; SPEC §3 "Contacts CSV"): the same files for the API,
//! the Contacts page and the command line. An import reads the whole file first (every bad
//! cell is reported and nothing is written), then plans and writes on one transaction, with
//! an audit entry per contact and method it adds or changes, as the single-object use cases
//! write them. A dry run plans on a read connection and writes nothing.

use super::{App, audit, commit, methods};
use crate::auth::{Admin, Caller};
use crate::domain::contacts_csv::{self, DirectoryEntry, EntryMethod, Plan, RowError};
use crate::domain::{CompanyAccess, CompanyId, ContactId, FieldError};
use crate::error::AppError;
use crate::repr::{ContactJson, MethodJson};
use crate::store::contacts_io::{CHUNK, MethodRow};
use crate::store::{self, Contact, Method, StoreError, Tx};
use chrono::Utc;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The contacts CSV, `text/csv; charset=utf-8`.
    Csv,
    /// vCard 4.0, `text/vcard`.
    Vcard,
}

impl Format {
    pub fn parse(text: &str) -> Result<Self, crate::domain::Invalid> {
        match text.trim() {
            "" | "csv" => Ok(Self::Csv),
            "vcard" => Ok(Self::Vcard),
            _ => Err(crate::domain::Invalid::OneOf {
                allowed: "csv, vcard",
            }),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Vcard => "text/vcard; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Vcard => "vcf",
        }
    }
}

/// Where a long import or export says how far it got (the command line's progress bars).
pub trait Progress: Send + Sync {
    /// A new step of `total` units (0 when not known).
    fn step(&self, name: &'static str, total: u64);
    fn advance(&self, by: u64);
}

/// Shows no progress (the API and the pages).
#[derive(Debug)]
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _: &'static str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Why an import was refused: the file's bad cells (422, by line and column), or anything else.
#[derive(Debug)]
pub enum ImportError {
    Rows(Vec<RowError>),
    App(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<ImportError> for AppError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Rows(rows) => {
                AppError::Validation(rows.into_iter().map(FieldError::from).collect())
            }
            ImportError::App(e) => e,
        }
    }
}

/// The account's contacts and users as a file (by name, as the Contacts page lists them).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, ?format))]
pub async fn export(
    app: &App,
    admin: &Admin,
    format: Format,
    progress: &dyn Progress,
) -> Result<String, AppError> {
    let account = &admin.0.account;
    progress.step("Reading contacts", 0);
    let mut db = app.store.read().await?;
    let (directory, companies) = load(&mut db, account).await?;
    drop(db);
    let entries: Vec<DirectoryEntry> = directory.iter().map(entry).collect();
    progress.step("Writing", entries.len() as u64);
    let tick = &mut |n| progress.advance(n);
    match format {
        Format::Csv => {
            let names: HashMap<CompanyId, String> = companies.into_iter().collect();
            contacts_csv::to_csv(&entries, &names, tick)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
        }
        Format::Vcard => Ok(contacts_csv::to_vcard(&entries, tick)),
    }
}

/// Imports a contacts CSV: every change it makes, or (`dry_run`) would make. A file with any
/// bad row is refused whole ([`ImportError::Rows`]) and nothing of it is written.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, dry_run))]
pub async fn import(
    app: &App,
    admin: &Admin,
    file: &[u8],
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Plan, ImportError> {
    let caller = &admin.0;
    let ctx = methods::parse_context(app, caller).await?;
    let companies = {
        let mut db = app.store.read().await?;
        store::companies::all(&mut db, &caller.account, &CompanyAccess::All).await?
    };
    let companies: Vec<_> = companies.into_iter().map(|c| (c.id, c.name)).collect();
    let lines = file.iter().filter(|b| **b == b'\n').count() as u64;
    progress.step("Reading rows", lines);
    let tick = &mut |n| progress.advance(n);
    let (rows, refused) = contacts_csv::read(file, &ctx, &companies, tick);
    if dry_run || !refused.is_empty() {
        // Planned on a read connection: a dry run, or a refused file whose every bad row is
        // still to be named (those the directory refuses too).
        let mut db = app.store.read().await?;
        let (directory, companies) = load(&mut db, &caller.account).await?;
        let entries: Vec<DirectoryEntry> = directory.iter().map(entry).collect();
        let plan = contacts_csv::plan(rows, refused, &entries, &companies);
        return plan.map_err(ImportError::Rows);
    }
    let mut tx = app.store.write().await?;
    store::contacts_io::take_import_turn(&mut tx, &caller.account).await?;
    let (directory, companies) = load(&mut tx, &caller.account).await?;
    let entries: Vec<DirectoryEntry> = directory.iter().map(entry).collect();
    let plan =
        contacts_csv::plan(rows, Vec::new(), &entries, &companies).map_err(ImportError::Rows)?;
    write(app, &mut tx, caller, &plan, &directory, progress).await?;
    commit(tx).await?;
    tracing::info!(changes = plan.changes.len(), "contacts imported");
    Ok(plan)
}

/// The directory and the companies (id, name) of the account.
async fn load(
    db: &mut AnyConnection,
    account: &crate::domain::AccountId,
) -> Result<(Vec<Contact>, Vec<(CompanyId, String)>), StoreError> {
    let directory = store::contacts_io::directory(&mut *db, account).await?;
    let companies = store::companies::all(db, account, &CompanyAccess::All).await?;
    Ok((
        directory,
        companies.into_iter().map(|c| (c.id, c.name)).collect(),
    ))
}

fn entry(contact: &Contact) -> DirectoryEntry {
    DirectoryEntry {
        id: contact.id.clone(),
        name: contact.name.clone(),
        login: contact.user.as_ref().map(|u| u.email.clone()),
        companies: contact.companies.clone(),
        locale: contact.locale,
        timezone: contact.timezone,
        methods: contact
            .methods
            .iter()
            .map(|m| EntryMethod {
                id: m.id.clone(),
                kind: m.kind,
                address: m.address.clone(),
                label: m.label.clone(),
                min_severity: m.min_severity,
                reports: m.reports,
                delay_minutes: m.delay_minutes,
                quiet_hours: m.quiet_hours,
            })
            .collect(),
    }
}

/// Writes the plan on `tx` in multi-row statements, each batch with its audit entries.
async fn write(
    app: &App,
    tx: &mut Tx,
    caller: &Caller,
    plan: &Plan,
    directory: &[Contact],
    progress: &dyn Progress,
) -> Result<(), AppError> {
    let account = &caller.account;
    let total = plan.new_contacts.len()
        + plan.contact_changes.len()
        + plan.methods_added()
        + plan.method_changes.len();
    progress.step("Writing", total as u64);
    let now = Utc::now();
    let new: Vec<(ContactId, crate::domain::NewContact)> = plan
        .new_contacts
        .iter()
        .map(|e| (ContactId::generate(), e.contact.clone()))
        .collect();
    for chunk in new.chunks(CHUNK) {
        store::contacts_io::insert_contacts(tx, account, chunk).await?;
        let mut entries = Vec::with_capacity(chunk.len());
        for (id, c) in chunk {
            let after = Contact {
                id: id.clone(),
                name: c.name.to_string(),
                companies: c.companies.clone(),
                locale: c.locale,
                timezone: c.timezone,
                user: None,
                methods: Vec::new(),
                created_at: now,
                updated_at: now,
            };
            entries.extend(audit::entry(
                caller,
                "contact",
                None,
                Some(&ContactJson::from(&after)),
            )?);
        }
        store::audit::record_many(tx, account, &entries).await?;
        progress.advance(chunk.len() as u64);
    }
    let added: Vec<MethodRow<'_>> = new
        .iter()
        .zip(&plan.new_contacts)
        .flat_map(|((id, _), e)| e.methods.iter().map(move |(_, m)| MethodRow::new(id, m)))
        .chain(
            plan.method_adds
                .iter()
                .map(|a| MethodRow::new(&a.contact, &a.method)),
        )
        .collect();
    for chunk in added.chunks(CHUNK) {
        store::contacts_io::insert_methods(tx, account, chunk, app.keys.sealing()).await?;
        let mut entries = Vec::with_capacity(chunk.len());
        for row in chunk {
            let after = method_of(row, now);
            entries.extend(audit::entry(
                caller,
                "method",
                None,
                Some(&MethodJson::from(&after)),
            )?);
        }
        store::audit::record_many(tx, account, &entries).await?;
        progress.advance(chunk.len() as u64);
    }
    let before: HashMap<&ContactId, &Contact> = directory.iter().map(|c| (&c.id, c)).collect();
    let mut entries = Vec::new();
    for change in &plan.contact_changes {
        let Some(current) = before.get(&change.id) else {
            continue;
        };
        store::contacts_io::update_contact(tx, account, &change.id, &change.contact).await?;
        let after = Contact {
            name: change.contact.name.to_string(),
            companies: change.contact.companies.clone(),
            locale: change.contact.locale,
            timezone: change.contact.timezone,
            updated_at: now,
            ..(*current).clone()
        };
        let (b, a) = (ContactJson::from(*current), ContactJson::from(&after));
        let kind = super::contacts::object_type(current);
        entries.extend(audit::entry(caller, kind, Some(&b), Some(&a))?);
        progress.advance(1);
    }
    for change in &plan.method_changes {
        let current = before
            .get(&change.contact)
            .and_then(|c| c.methods.iter().find(|m| m.id == change.id));
        let Some(current) = current else {
            continue;
        };
        store::contacts_io::update_method(tx, account, &change.id, &change.method).await?;
        let prefs = &change.method.prefs;
        let after = Method {
            label: change.method.label.as_ref().map(ToString::to_string),
            min_severity: prefs.min_severity,
            reports: prefs.reports,
            delay_minutes: prefs.delay.get(),
            ..current.clone()
        };
        let (b, a) = (MethodJson::from(current), MethodJson::from(&after));
        entries.extend(audit::entry(caller, "method", Some(&b), Some(&a))?);
        progress.advance(1);
    }
    store::audit::record_many(tx, account, &entries).await?;
    Ok(())
}

/// The method a [`MethodRow`] inserts, as the API shows it (its secret is never shown).
fn method_of(row: &MethodRow<'_>, now: chrono::DateTime<Utc>) -> Method {
    let m = row.method;
    Method {
        id: row.id.clone(),
        contact_id: row.contact.clone(),
        kind: m.address.method_type(),
        address: m.address.as_str().to_owned(),
        label: m.label.as_ref().map(ToString::to_string),
        min_severity: m.prefs.min_severity,
        reports: m.prefs.reports,
        delay_minutes: m.prefs.delay.get(),
        quiet_hours: m.prefs.quiet_hours,
        verified: false,
        primary: false,
        secret: None,
        created_at: now,
    }
}

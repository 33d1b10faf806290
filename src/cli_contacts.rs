//! `reach import contacts FILE [--dry-run] [--account NAME]` and `reach export contacts
//! [--format csv|vcard] [--account NAME]`: the contacts files of SPEC §3, run by the operator
//! as an admin of the account (audited as `command line`). Results go to standard output,
//! refused rows and progress bars (only on a terminal) to standard error.

use crate::app::App;
use crate::app::contacts_io::{self, Format, ImportError, Progress};
use crate::auth::Admin;
use crate::config::Settings;
use crate::domain::Name;
use crate::domain::contacts_csv::{ChangeKind, Plan};
use crate::runtime::Wakeup;
use crate::store::{self, Account};
use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;

/// `reach import contacts`: prints what changed (or, with `dry_run`, every change it would
/// make); a refused file prints one line per bad cell on `errors` and fails.
pub async fn import(
    settings: &Settings,
    file: &Path,
    dry_run: bool,
    account: Option<&str>,
    out: &mut impl Write,
    errors: &mut impl Write,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (app, admin) = open(settings, account).await?;
    let bars = Bars::new();
    let result = contacts_io::import(&app, &admin, &bytes, dry_run, &bars).await;
    bars.clear();
    match result {
        Ok(plan) => report(&plan, dry_run, out),
        Err(ImportError::Rows(rows)) => {
            for row in &rows {
                writeln!(errors, "{row}")?;
            }
            bail!(
                "{} refused: {} bad {}, nothing was imported",
                file.display(),
                rows.len(),
                if rows.len() == 1 { "cell" } else { "cells" }
            )
        }
        Err(ImportError::App(e)) => Err(anyhow!("the import failed: {e:#}")),
    }
}

/// `reach export contacts`: the file on `out`.
pub async fn export(
    settings: &Settings,
    format: &str,
    account: Option<&str>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let format = Format::parse(format).map_err(|e| anyhow!("--format: {e}"))?;
    let (app, admin) = open(settings, account).await?;
    let bars = Bars::new();
    let file = contacts_io::export(&app, &admin, format, &bars).await;
    bars.clear();
    let file = file.map_err(|e| anyhow!("the export failed: {e:#}"))?;
    out.write_all(file.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The app on the configured database, and the operator as an admin of the account named (or
/// of the only one).
async fn open(settings: &Settings, account: Option<&str>) -> anyhow::Result<(App, Admin)> {
    let wanted = account
        .map(Name::parse)
        .transpose()
        .map_err(|e| anyhow!("--account: {e}"))?;
    let store = crate::cli::open_store(settings).await?;
    let secret_key = crate::keys::deployment::after_migrations(settings, &store).await?;
    let account = pick_account(&store, wanted.as_ref()).await?;
    let app = App::new(
        store,
        secret_key,
        settings.webhook_allow_loopback,
        settings.public_url.as_str(),
        Wakeup::default(),
    );
    Ok((app, Admin::operator(account.id)))
}

async fn pick_account(store: &store::SqlStore, wanted: Option<&Name>) -> anyhow::Result<Account> {
    let mut db = store.read().await?;
    if let Some(name) = wanted {
        return store::accounts::by_name(&mut db, name)
            .await?
            .ok_or_else(|| anyhow!("--account: no account is named {name}"));
    }
    let mut all = store::accounts::all(&mut db).await?;
    match all.len() {
        0 => bail!("there is no account yet: create one with reach admin create"),
        1 => Ok(all.remove(0)),
        _ => {
            let names: Vec<String> = all.iter().map(|a| a.name.clone()).collect();
            bail!(
                "there are several accounts ({}): name one with --account",
                names.join(", ")
            )
        }
    }
}

/// The summary of an import, and for a dry run every change it would make.
fn report(plan: &Plan, dry_run: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let (contacts, methods) = (
        (plan.new_contacts.len(), plan.contact_changes.len()),
        (plan.methods_added(), plan.method_changes.len()),
    );
    if dry_run {
        writeln!(
            out,
            "Dry run: nothing was written. Importing the file would change:"
        )?;
        writeln!(
            out,
            "  contacts: {} to add, {} to update",
            contacts.0, contacts.1
        )?;
        writeln!(
            out,
            "  methods: {} to add, {} to update",
            methods.0, methods.1
        )?;
        writeln!(out, "  rows that change nothing: {}", plan.unchanged_rows)?;
        for change in &plan.changes {
            let what = match &change.method {
                None => format!("{} contact \"{}\"", verb(change.kind), change.contact),
                Some((kind, address)) => format!(
                    "{} {} {address} {} \"{}\"",
                    verb(change.kind),
                    kind.as_str(),
                    if change.kind == ChangeKind::AddMethod {
                        "to"
                    } else {
                        "of"
                    },
                    change.contact
                ),
            };
            writeln!(out, "line {}: {what}", change.line)?;
        }
    } else {
        writeln!(
            out,
            "Imported: contacts {} added, {} updated; methods {} added, {} updated; {} rows \
             changed nothing.",
            contacts.0, contacts.1, methods.0, methods.1, plan.unchanged_rows
        )?;
    }
    Ok(())
}

fn verb(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::AddContact | ChangeKind::AddMethod => "add",
        ChangeKind::UpdateContact | ChangeKind::UpdateMethod => "update",
    }
}

/// Progress bars on standard error, drawn only when it is a terminal.
struct Bars {
    on: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn new() -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        }
    }

    fn clear(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bars {
    fn step(&self, name: &'static str, total: u64) {
        if !self.on {
            return;
        }
        self.clear();
        let (bar, template) = if total > 0 {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            (bar, "{msg:16} [{bar:40}] {pos}/{len} ({eta})")
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            (bar, "{msg:16} {spinner} {elapsed}")
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name);
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, by: u64) {
        if let Some(bar) = self.bar.lock().ok().as_ref().and_then(|b| b.as_ref()) {
            bar.inc(by);
        }
    }
}

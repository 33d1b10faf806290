//! Configure > Contacts, import and export (admins): a file upload that first shows what the
//! file would change (or its bad cells by line and column), then an Apply button that imports
//! exactly that file (the preview carries it in a hidden field, so nothing is kept on the
//! server between the two); and the export links, CSV and vCard.

use super::contacts::LIST;
use super::upload::Upload;
use super::{AdminWeb, PageResult, Web, done, refused, render};
use crate::app;
use crate::app::contacts_io::{Format, ImportError, Quiet};
use crate::domain::contacts_csv::{Change, ChangeKind, Plan, RowError};
use crate::error::AppError;
use crate::http::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::sync::Arc;

/// The upload and apply forms post here (and so may carry a whole file).
pub const IMPORT: &str = "/configure/contacts/import";

/// A preview lists at most this many changes (the counts cover them all).
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "pages/contacts_import.html")]
struct ImportPage<'a> {
    web: &'a Web,
    /// The refused cells, worded; empty when the file can be imported.
    errors: Vec<String>,
    /// How many contacts and methods it adds and changes, worded.
    counts: Vec<String>,
    /// The first [`SHOWN`] changes, worded.
    changes: Vec<String>,
    /// How many more changes there are than shown.
    more: usize,
    /// The file, for the Apply form.
    content: String,
}

impl<'a> ImportPage<'a> {
    fn empty(web: &'a Web) -> Self {
        Self {
            web,
            errors: Vec::new(),
            counts: Vec::new(),
            changes: Vec::new(),
            more: 0,
            content: String::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

/// `GET /configure/contacts/export?format=csv|vcard`: the file, to download.
pub async fn export(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(query): Query<ExportQuery>,
) -> PageResult {
    let format = Format::parse(query.format.as_deref().unwrap_or_default())
        .map_err(|_| web.fail(AppError::NotFound))?;
    let file = app::contacts_io::export(&state, &admin, format, &Quiet)
        .await
        .map_err(|e| web.fail(e))?;
    let disposition = format!("attachment; filename=\"contacts.{}\"", format.extension());
    Ok((
        [
            (CONTENT_TYPE, format.content_type().to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}

/// `GET /configure/contacts/import`: the form lives on the Contacts page.
pub async fn back() -> Redirect {
    Redirect::to(LIST)
}

/// `POST /configure/contacts/import`: a chosen file is previewed (a dry run); the preview's
/// Apply (`apply=1` and the file as `content`) imports it.
pub async fn import(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    upload: Upload,
) -> PageResult {
    let apply = upload.text("apply") == "1";
    let Some(file) = upload.bytes("file").or_else(|| upload.bytes("content")) else {
        let mut page = ImportPage::empty(&web);
        page.errors.push(web.t("import-no-file"));
        return Ok(refused(render(&page)));
    };
    match app::contacts_io::import(&state, &admin, file, !apply, &Quiet).await {
        Ok(_) if apply => Ok(done(LIST, "contacts-imported")),
        Ok(plan) => Ok(render(&preview(&web, &plan, file))),
        Err(ImportError::Rows(rows)) => {
            let mut page = ImportPage::empty(&web);
            page.errors = rows.iter().map(|r| row_error(&web, r)).collect();
            Ok(refused(render(&page)))
        }
        Err(ImportError::App(e)) => Err(web.fail(e)),
    }
}

fn preview<'a>(web: &'a Web, plan: &Plan, file: &[u8]) -> ImportPage<'a> {
    let count = |id: &str, n: usize| web.tr.ta(id, &[("count", &n.to_string())]);
    ImportPage {
        web,
        errors: Vec::new(),
        counts: vec![
            count("import-count-contacts-added", plan.new_contacts.len()),
            count("import-count-contacts-updated", plan.contact_changes.len()),
            count("import-count-methods-added", plan.methods_added()),
            count("import-count-methods-updated", plan.method_changes.len()),
            count("import-count-unchanged", plan.unchanged_rows),
        ],
        changes: plan
            .changes
            .iter()
            .take(SHOWN)
            .map(|c| change(web, c))
            .collect(),
        more: plan.changes.len().saturating_sub(SHOWN),
        content: String::from_utf8_lossy(file).into_owned(),
    }
}

fn change(web: &Web, c: &Change) -> String {
    let line = c.line.to_string();
    let id = match c.kind {
        ChangeKind::AddContact => "import-add-contact",
        ChangeKind::UpdateContact => "import-update-contact",
        ChangeKind::AddMethod => "import-add-method",
        ChangeKind::UpdateMethod => "import-update-method",
    };
    let (kind, address) = match &c.method {
        Some((kind, address)) => (web.t(&format!("type-{}", kind.as_str())), address.as_str()),
        None => (String::new(), ""),
    };
    web.tr.ta(
        id,
        &[
            ("line", &line),
            ("name", &c.contact),
            ("type", &kind),
            ("address", address),
        ],
    )
}

fn row_error(web: &Web, e: &RowError) -> String {
    web.tr.ta(
        "import-error",
        &[
            ("line", &e.line.to_string()),
            ("column", &e.column),
            ("message", &web.tr.error(&e.error)),
        ],
    )
}

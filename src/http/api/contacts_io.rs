//! `GET /api/v1/contacts/export` and `POST /api/v1/contacts/import` (admins): the contacts CSV
//! and vCard files of SPEC §3, the same as the command line's.

use super::json::ImportJson;
use super::{ApiQuery, Problems};
use crate::app;
use crate::app::contacts_io::{Format, Quiet};
use crate::auth::Admin;
use crate::domain::{FieldError, Invalid};
use crate::error::AppError;
use crate::http::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// A contacts file may be this large (SPEC §3); 100,000 rows are about 12 MiB.
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// A contacts file (CSV or vCard), sent or answered as it is.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ContactsFile(Vec<u8>);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (the default) or `vcard`.
    format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `true`: answer what the import would change, and write nothing.
    dry_run: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/contacts/export", operation_id = "exportContacts",
    tag = "contacts",
    summary = "Export every contact and user as the contacts CSV or as vCard 4.0 (admins)",
    description = "CSV: the columns `name,kind,email_login,companies,locale,timezone,method_type,address,label,min_severity,reports,delay_minutes`, one row per method, a file `POST /api/v1/contacts/import` takes as it is. vCard: one card per contact with `FN`, `EMAIL`, `TEL;TYPE=text` (SMS), `TEL;TYPE=voice` (calls) and a `NOTE` per other method.",
    params(ExportParams),
    responses(
        (status = 200, description = "The file (`Content-Disposition: attachment`)",
            content((inline(ContactsFile) = "text/csv"), (inline(ContactsFile) = "text/vcard"))),
        Problems
    ))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, AppError> {
    let format = Format::parse(params.format.as_deref().unwrap_or_default())
        .map_err(|e| AppError::Validation(vec![FieldError::new("format", e)]))?;
    let file = app::contacts_io::export(&state, &admin, format, &Quiet).await?;
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

#[utoipa::path(post, path = "/api/v1/contacts/import", operation_id = "importContacts",
    tag = "contacts",
    summary = "Import a contacts CSV (admins): every change, or with dry_run=true what would change",
    description = "The body is the CSV (`text/csv`, UTF-8 with or without a BOM, `,` or `;` separated, up to 32 MiB) that `GET /api/v1/contacts/export?format=csv` gives. Contacts are matched by name, users by `email_login` (only their methods are added or changed), methods by type and address, so importing a file twice changes nothing. A file with any bad row is refused whole with 422, each error named `line N, column` (the header is line 1), and nothing is written.",
    params(ImportParams),
    request_body(content = inline(ContactsFile), content_type = "text/csv"),
    responses(
        (status = 200, description = "What changed, or with dry_run what would change",
            body = ImportJson),
        Problems
    ))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiQuery(params): ApiQuery<ImportParams>,
    CsvBody(file): CsvBody,
) -> Result<(StatusCode, Json<ImportJson>), AppError> {
    let dry_run = params.dry_run.unwrap_or(false);
    let plan = app::contacts_io::import(&state, &admin, &file, dry_run, &Quiet).await?;
    Ok((StatusCode::OK, Json(ImportJson::new(&plan, dry_run))))
}

/// A CSV body: 415 unless `text/csv` (or `text/plain`, `application/csv`), 413 above the
/// import's limit.
#[derive(Debug)]
pub struct CsvBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for CsvBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_csv = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| ["text/csv", "text/plain", "application/csv"].contains(&v.as_str()));
        if !is_csv {
            return Err(AppError::UnsupportedMediaType);
        }
        Bytes::from_request(req, state)
            .await
            .map(CsvBody)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::Validation(vec![FieldError::new("body", Invalid::Malformed)])
                }
            })
    }
}

//! Maintenance windows of a company: while one is on, the company's alerts are recorded and
//! their notifications `suppressed (maintenance)`.

use super::Problems;
use super::json::{ApiJson, WindowJson};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyId, Invalid, NewWindow, WindowId};
use crate::error::AppError;
use crate::http::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowBody {
    /// RFC 3339.
    #[schema(format = DateTime)]
    starts_at: String,
    /// RFC 3339, after `starts_at`.
    #[schema(format = DateTime)]
    ends_at: String,
    reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowList {
    pub items: Vec<WindowJson>,
    pub next_cursor: Option<String>,
}

fn instant(value: &str) -> Result<DateTime<Utc>, Invalid> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Invalid::DateTime)
}

#[utoipa::path(get, path = "/api/v1/companies/{id}/maintenance",
    operation_id = "listMaintenanceWindows", tag = "maintenance",
    summary = "A company's maintenance windows", params(("id" = String, Path)),
    responses(
        (status = 200, description = "The company's maintenance windows", body = WindowList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WindowList>, AppError> {
    let (_, windows) =
        app::companies::windows(&state, &caller, &CompanyId::from_string(id)).await?;
    Ok(Json(WindowList {
        items: windows.iter().map(WindowJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/maintenance",
    operation_id = "createMaintenanceWindow", tag = "maintenance",
    summary = "Add a maintenance window (admins)", params(("id" = String, Path)),
    request_body = WindowBody,
    responses(
        (status = 201, description = "The new maintenance window", body = WindowJson),
        Problems
    ))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WindowBody>,
) -> Result<(StatusCode, Json<WindowJson>), AppError> {
    let company = app::companies::get(&state, &admin.0, &CompanyId::from_string(id)).await?;
    let window = NewWindow::parse(
        instant(&body.starts_at),
        instant(&body.ends_at),
        body.reason.as_deref(),
    )?;
    let window =
        WindowJson::from(&app::companies::add_window(&state, &admin, &company.id, &window).await?);
    Ok((StatusCode::CREATED, Json(window)))
}

#[utoipa::path(delete, path = "/api/v1/companies/{id}/maintenance/{window_id}",
    operation_id = "deleteMaintenanceWindow", tag = "maintenance",
    summary = "Remove a maintenance window (admins)",
    params(("id" = String, Path), ("window_id" = String, Path)),
    responses((status = 204, description = "The maintenance window is removed"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, window_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    app::companies::delete_window(
        &state,
        &admin,
        &CompanyId::from_string(id),
        &WindowId::from_string(window_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

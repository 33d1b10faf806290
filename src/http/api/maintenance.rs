//! Maintenance windows of a company: while one is on, the company's alerts are recorded and
//! their notifications `suppressed (maintenance)`.

use super::json::{ApiJson, time};
use super::{Problems, audit};
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyId, Invalid, NewWindow};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{MaintenanceWindow, Store};
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
pub struct WindowJson {
    pub id: String,
    pub company_id: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub reason: Option<String>,
}

impl From<&MaintenanceWindow> for WindowJson {
    fn from(w: &MaintenanceWindow) -> Self {
        Self {
            id: w.id.clone(),
            company_id: w.company_id.to_string(),
            starts_at: time(w.starts_at),
            ends_at: time(w.ends_at),
            reason: w.reason.clone(),
        }
    }
}

impl crate::http::Audited for WindowJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
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

#[utoipa::path(get, path = "/api/v1/companies/{id}/maintenance", tag = "companies",
    summary = "A company's maintenance windows", params(("id" = String, Path)),
    responses((status = 200, body = WindowList), Problems))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WindowList>, AppError> {
    let company = state
        .store
        .company(
            &caller.account,
            &caller.scope(),
            &CompanyId::from_string(id),
        )
        .await?;
    let windows = state
        .store
        .list_maintenance(&caller.account, &company.id)
        .await?;
    Ok(Json(WindowList {
        items: windows.iter().map(WindowJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/maintenance", tag = "companies",
    summary = "Add a maintenance window (admins)", params(("id" = String, Path)),
    request_body = WindowBody, responses((status = 201, body = WindowJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WindowBody>,
) -> Result<(StatusCode, Json<WindowJson>), AppError> {
    let company = state
        .store
        .company(
            &caller.account,
            &caller.scope(),
            &CompanyId::from_string(id),
        )
        .await?;
    let window = NewWindow::parse(
        instant(&body.starts_at),
        instant(&body.ends_at),
        body.reason.as_deref(),
    )?;
    let window_id = state
        .store
        .add_maintenance(
            &caller.account,
            &company.id,
            window.starts_at,
            window.ends_at,
            window.reason.as_deref(),
        )
        .await?;
    let windows = state
        .store
        .list_maintenance(&caller.account, &company.id)
        .await?;
    let window = windows
        .iter()
        .find(|w| w.id == window_id)
        .map(WindowJson::from)
        .ok_or(AppError::NotFound)?;
    audit(&state, &caller, "maintenance", None, Some(&window)).await;
    Ok((StatusCode::CREATED, Json(window)))
}

#[utoipa::path(delete, path = "/api/v1/companies/{id}/maintenance/{window_id}", tag = "companies",
    summary = "Remove a maintenance window (admins)",
    params(("id" = String, Path), ("window_id" = String, Path)), responses((status = 204), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path((id, window_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let company = CompanyId::from_string(id);
    let windows = state
        .store
        .list_maintenance(&caller.account, &company)
        .await?;
    let before = windows
        .iter()
        .find(|w| w.id == window_id)
        .map(WindowJson::from)
        .ok_or(AppError::NotFound)?;
    state
        .store
        .delete_maintenance(&caller.account, &company, &window_id)
        .await?;
    audit(&state, &caller, "maintenance", Some(&before), None).await;
    Ok(StatusCode::NO_CONTENT)
}

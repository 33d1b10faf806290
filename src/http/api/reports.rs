//! Scheduled reports (admins): definitions, Run now, and the runs with their deliveries.

use super::Problems;
use super::json::{ApiJson, CompaniesJson, ReportJson, ReportList, RunJson, RunList};
use crate::app;
use crate::app::reports::RunDeliveries;
use crate::auth::Admin;
use crate::domain::ReportId;
use crate::domain::report::{ReportInput, ScheduleInput};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Report;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    name: Option<String>,
    /// `alert_summary`, `delivery_summary` or `coverage`.
    kind: Option<String>,
    companies: Option<CompaniesJson>,
    /// `{"every": "day"|"week"|"month", "weekday", "day", "at": "HH:MM", "timezone"}` or
    /// `{"cron": "MIN HOUR DOM MON DOW", "timezone"}`.
    schedule: Option<ScheduleInput>,
    /// Contact (or user) ids.
    recipients: Option<Vec<String>>,
    enabled: Option<bool>,
}

fn run_json(run: &RunDeliveries) -> RunJson {
    RunJson::new(&run.run, &run.deliveries)
}

fn input(body: ReportBody, current: Option<&Report>) -> ReportInput {
    ReportInput {
        name: body.name.or_else(|| current.map(|r| r.name.clone())),
        kind: body
            .kind
            .or_else(|| current.map(|r| r.kind.as_str().to_owned())),
        companies: body
            .companies
            .map(|c| c.input())
            .or_else(|| current.map(|r| CompaniesJson::from(&r.companies).input())),
        schedule: body
            .schedule
            .or_else(|| current.map(|r| r.schedule.to_json())),
        recipients: body
            .recipients
            .or_else(|| current.map(|r| r.recipients.iter().map(ToString::to_string).collect())),
        enabled: body.enabled.or_else(|| current.map(|r| r.enabled)),
    }
}

#[utoipa::path(get, path = "/api/v1/reports", operation_id = "listReports", tag = "reports",
    summary = "Scheduled reports (admins)",
    responses((status = 200, description = "The account's reports", body = ReportList), Problems))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    admin: Admin,
) -> Result<Json<ReportList>, AppError> {
    let reports = app::reports::list(&state, &admin).await?;
    Ok(Json(ReportList {
        items: reports.iter().map(ReportJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports", operation_id = "createReport", tag = "reports",
    summary = "Define a report (admins)", request_body = ReportBody,
    responses((status = 201, description = "The new report", body = ReportJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<(StatusCode, Json<ReportJson>), AppError> {
    let new = input(body, None).parse()?;
    let report = app::reports::create(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(ReportJson::from(&report))))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", operation_id = "getReport", tag = "reports",
    summary = "Read a report (admins)", params(("id" = String, Path)),
    responses((status = 200, description = "The report", body = ReportJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<ReportJson>, AppError> {
    let report = app::reports::get(&state, &admin, &ReportId::from_string(id)).await?;
    Ok(Json(ReportJson::from(&report)))
}

#[utoipa::path(patch, path = "/api/v1/reports/{id}", operation_id = "updateReport", tag = "reports",
    summary = "Change a report (admins)", params(("id" = String, Path)), request_body = ReportBody,
    responses(
        (status = 200, description = "The report after the change", body = ReportJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<ReportJson>, AppError> {
    let id = ReportId::from_string(id);
    let current = app::reports::get(&state, &admin, &id).await?;
    let new = input(body, Some(&current)).parse()?;
    let after = app::reports::update(&state, &admin, &id, &new).await?;
    Ok(Json(ReportJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/reports/{id}", operation_id = "deleteReport",
    tag = "reports", summary = "Delete a report and its runs (admins)",
    params(("id" = String, Path)),
    responses((status = 204, description = "The report and its runs are deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::reports::delete(&state, &admin, &ReportId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/run", operation_id = "runReport", tag = "reports",
    summary = "Run a report now (admins): the run, with a delivery per recipient method",
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "The run, queued, with a delivery per recipient method",
            body = RunJson),
        Problems
    ))]
pub async fn run(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RunJson>), AppError> {
    let run = app::reports::run_now(&state, &admin, &ReportId::from_string(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(run_json(&run))))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/runs", operation_id = "listReportRuns",
    tag = "reports", summary = "A report's runs, newest first (admins)",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The report's runs, newest first", body = RunList),
        Problems
    ))]
pub async fn runs(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<RunList>, AppError> {
    let runs = app::reports::runs(&state, &admin, &ReportId::from_string(id)).await?;
    Ok(Json(RunList {
        items: runs.iter().map(run_json).collect(),
        next_cursor: None,
    }))
}

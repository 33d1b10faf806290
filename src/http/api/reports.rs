//! Scheduled reports (admins): definitions, Run now, and the runs with their deliveries.

use super::json::{ApiJson, CompaniesJson, time};
use super::{Problems, audit};
use crate::auth::Admin;
use crate::domain::report::{ReportInput, ScheduleInput};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Report, ReportRun, Store};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportJson {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub companies: CompaniesJson,
    pub schedule: ScheduleInput,
    pub recipients: Vec<String>,
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub next_run_at: Option<String>,
}

impl From<&Report> for ReportJson {
    fn from(r: &Report) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            kind: r.kind.as_str().to_owned(),
            companies: CompaniesJson::from(&r.companies),
            schedule: r.schedule.to_json(),
            recipients: r.recipients.iter().map(ToString::to_string).collect(),
            enabled: r.enabled,
            next_run_at: r.next_run_at.map(time),
        }
    }
}

impl crate::http::Audited for ReportJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportJson>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryJson {
    pub contact_id: String,
    pub method_id: String,
    pub notification_id: String,
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunJson {
    pub id: String,
    pub report_id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    #[schema(format = DateTime)]
    pub scheduled_for: String,
    #[schema(format = DateTime)]
    pub period_start: String,
    #[schema(format = DateTime)]
    pub period_end: String,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub deliveries: Vec<DeliveryJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunList {
    pub items: Vec<RunJson>,
    pub next_cursor: Option<String>,
}

async fn run_json(state: &AppState, run: &ReportRun) -> Result<RunJson, AppError> {
    let deliveries = state
        .store
        .run_deliveries(&run.id)
        .await?
        .into_iter()
        .map(
            |(contact_id, method_id, notification_id, state)| DeliveryJson {
                contact_id,
                method_id,
                notification_id,
                state,
            },
        )
        .collect();
    Ok(RunJson {
        id: run.id.clone(),
        report_id: run.report_id.clone(),
        state: run.state.clone(),
        scheduled_for: time(run.scheduled_for),
        period_start: time(run.period_start),
        period_end: time(run.period_end),
        started_at: run.started_at.map(time),
        finished_at: run.finished_at.map(time),
        deliveries,
    })
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

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", summary = "Scheduled reports (admins)",
    responses((status = 200, body = ReportList), Problems))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
) -> Result<Json<ReportList>, AppError> {
    let reports = state.store.list_reports(&caller.account).await?;
    Ok(Json(ReportList {
        items: reports.iter().map(ReportJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", summary = "Define a report (admins)",
    request_body = ReportBody, responses((status = 201, body = ReportJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<(StatusCode, Json<ReportJson>), AppError> {
    let new = input(body, None).parse()?;
    let report = ReportJson::from(
        &state
            .store
            .create_report(&caller.account, &new, chrono::Utc::now())
            .await?,
    );
    audit(&state, &caller, "report", None, Some(&report)).await;
    Ok((StatusCode::CREATED, Json(report)))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", summary = "Read a report (admins)",
    params(("id" = String, Path)), responses((status = 200, body = ReportJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Json<ReportJson>, AppError> {
    Ok(Json(ReportJson::from(
        &state.store.report(&caller.account, &id).await?,
    )))
}

#[utoipa::path(patch, path = "/api/v1/reports/{id}", tag = "reports", summary = "Change a report (admins)",
    params(("id" = String, Path)), request_body = ReportBody,
    responses((status = 200, body = ReportJson), Problems))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<ReportJson>, AppError> {
    let current = state.store.report(&caller.account, &id).await?;
    let new = input(body, Some(&current)).parse()?;
    let after = ReportJson::from(
        &state
            .store
            .update_report(&caller.account, &id, &new, chrono::Utc::now())
            .await?,
    );
    audit(
        &state,
        &caller,
        "report",
        Some(&ReportJson::from(&current)),
        Some(&after),
    )
    .await;
    Ok(Json(after))
}

#[utoipa::path(delete, path = "/api/v1/reports/{id}", tag = "reports", summary = "Delete a report and its runs (admins)",
    params(("id" = String, Path)), responses((status = 204), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let current = state.store.report(&caller.account, &id).await?;
    state.store.delete_report(&caller.account, &id).await?;
    audit(
        &state,
        &caller,
        "report",
        Some(&ReportJson::from(&current)),
        None,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/run", tag = "reports",
    summary = "Run a report now (admins): the run, with a delivery per recipient method",
    params(("id" = String, Path)), responses((status = 202, body = RunJson), Problems))]
pub async fn run(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RunJson>), AppError> {
    let report = state.store.report(&caller.account, &id).await?;
    let run = crate::reports::run_now(
        &state.store,
        &state.links,
        &caller.account,
        &report,
        chrono::Utc::now(),
    )
    .await?;
    state.work_queued().await;
    Ok((StatusCode::ACCEPTED, Json(run_json(&state, &run).await?)))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/runs", tag = "reports", summary = "A report's runs, newest first (admins)",
    params(("id" = String, Path)), responses((status = 200, body = RunList), Problems))]
pub async fn runs(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Json<RunList>, AppError> {
    state.store.report(&caller.account, &id).await?;
    let mut items = Vec::new();
    for run in state.store.report_runs(&caller.account, &id).await? {
        items.push(run_json(&state, &run).await?);
    }
    Ok(Json(RunList {
        items,
        next_cursor: None,
    }))
}

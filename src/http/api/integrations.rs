//! Integrations (admins): a monitoring system's way in. The create and rotate answers carry
//! the secret `url` once; reads never carry the token.

use super::Problems;
use super::json::{ApiJson, nullable};
use crate::app;
use crate::auth::Admin;
use crate::domain::integration::{IntegrationKind, NewIntegration};
use crate::domain::{FieldError, IntegrationId};
use crate::error::AppError;
use crate::http::AppState;
use crate::repr::{IntegrationJson, IntegrationList, IntegrationUrlJson};
use crate::store::Integration;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationBody {
    /// 1–200 characters, unique in the account (case-blind).
    name: Option<String>,
    /// `alertmanager`, `grafana`, `zabbix`, `uptime_kuma`, `generic` or `heartbeat`.
    kind: Option<String>,
    /// The company of alerts whose company label names none (required for `heartbeat`);
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    company_id: Option<Option<String>>,
    /// The label (Zabbix: the tag) whose value names an alert's company, 1–100 characters
    /// (default `company`).
    company_label: Option<String>,
    /// `info`, `warning` (default) or `critical`.
    default_severity: Option<String>,
    /// `heartbeat` only (and required there): 1–10080 minutes without a ping open an alert.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    heartbeat_minutes: Option<Option<i64>>,
}

/// The body over the current settings (PATCH), or alone (POST), parsed as a whole.
fn parse(
    body: IntegrationBody,
    current: Option<&Integration>,
) -> Result<NewIntegration, Vec<FieldError>> {
    let name = body.name.or_else(|| current.map(|c| c.name.clone()));
    let kind = body
        .kind
        .or_else(|| current.map(|c| c.kind.as_str().to_owned()));
    let company_id = body
        .company_id
        .unwrap_or_else(|| current.and_then(|c| c.company_id.as_ref().map(ToString::to_string)));
    let company_label = body
        .company_label
        .or_else(|| current.map(|c| c.company_label.clone()));
    let default_severity = body
        .default_severity
        .or_else(|| current.map(|c| c.default_severity.as_str().to_owned()));
    // Kept only while the integration stays a heartbeat.
    let still_heartbeat =
        kind.as_deref().map(str::trim) == Some(IntegrationKind::Heartbeat.as_str());
    let heartbeat_minutes = body.heartbeat_minutes.unwrap_or_else(|| {
        current
            .filter(|_| still_heartbeat)
            .and_then(|c| c.heartbeat_minutes)
    });
    NewIntegration::parse(
        name.as_deref(),
        kind.as_deref(),
        company_id.as_deref(),
        company_label.as_deref(),
        default_severity.as_deref(),
        heartbeat_minutes,
    )
}

fn with_url(created: &app::integrations::WithUrl) -> IntegrationUrlJson {
    IntegrationUrlJson::new(&created.integration, created.url.expose())
}

#[utoipa::path(get, path = "/api/v1/integrations", operation_id = "listIntegrations",
    tag = "integrations",
    summary = "The account's integrations, by name (admins; never their tokens)",
    responses(
        (status = 200, description = "The account's integrations, by name", body = IntegrationList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    admin: Admin,
) -> Result<Json<IntegrationList>, AppError> {
    let all = app::integrations::list(&state, &admin).await?;
    Ok(Json(IntegrationList {
        items: all.iter().map(IntegrationJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/integrations", operation_id = "createIntegration",
    tag = "integrations",
    summary = "Create an integration (admins); the answer carries its secret `url`, this once",
    request_body = IntegrationBody,
    responses(
        (status = 201, description = "The new integration with its secret `url`, shown this once",
            body = IntegrationUrlJson),
        Problems
    ))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<IntegrationBody>,
) -> Result<(StatusCode, Json<IntegrationUrlJson>), AppError> {
    let new = parse(body, None)?;
    let created = app::integrations::create(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(with_url(&created))))
}

#[utoipa::path(get, path = "/api/v1/integrations/{id}", operation_id = "getIntegration",
    tag = "integrations", summary = "Read an integration (admins; never its token)",
    params(("id" = String, Path)),
    responses((status = 200, description = "The integration", body = IntegrationJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<IntegrationJson>, AppError> {
    let found = app::integrations::get(&state, &admin, &IntegrationId::from_string(id)).await?;
    Ok(Json(IntegrationJson::from(&found)))
}

#[utoipa::path(patch, path = "/api/v1/integrations/{id}", operation_id = "updateIntegration",
    tag = "integrations", summary = "Change an integration's settings (admins); its URL stays",
    params(("id" = String, Path)), request_body = IntegrationBody,
    responses(
        (status = 200, description = "The integration after the change", body = IntegrationJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IntegrationBody>,
) -> Result<Json<IntegrationJson>, AppError> {
    let id = IntegrationId::from_string(id);
    let current = app::integrations::get(&state, &admin, &id).await?;
    let new = parse(body, Some(&current))?;
    let after = app::integrations::update(&state, &admin, &id, &new).await?;
    Ok(Json(IntegrationJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/integrations/{id}", operation_id = "deleteIntegration",
    tag = "integrations",
    summary = "Delete an integration (admins): its URL answers 404 from then on",
    params(("id" = String, Path)),
    responses((status = 204, description = "The integration is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::integrations::delete(&state, &admin, &IntegrationId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/integrations/{id}/rotate",
    operation_id = "rotateIntegrationUrl", tag = "integrations",
    summary = "Give an integration a new secret `url` (admins), shown this once; the old one answers 404 from then on",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The integration with its new secret `url`, shown this once",
            body = IntegrationUrlJson),
        Problems
    ))]
pub async fn rotate(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<IntegrationUrlJson>, AppError> {
    let rotated =
        app::integrations::rotate(&state, &admin, &IntegrationId::from_string(id)).await?;
    Ok(Json(with_url(&rotated)))
}

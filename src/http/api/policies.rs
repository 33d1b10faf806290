//! Escalation policies (SPEC §2, §3): admins write them; every user of the account reads them.
//! A company takes one with `PATCH /api/v1/companies/{id}` (`escalation_policy_id`).

use super::Problems;
use super::json::ApiJson;
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::PolicyId;
use crate::domain::oncall::policy::{NewPolicy, PolicyInput, StepInput};
use crate::error::AppError;
use crate::http::AppState;
use crate::repr::{PolicyJson, PolicyList};
use crate::store::policies::StoredPolicy;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// 1–200 characters, unique in the account (case-blind).
    name: Option<String>,
    /// 1–10 steps, each `{"targets": [{"type": "schedule", "id"} | {"type": "contact", "id"} |
    /// {"type": "company_contacts"}], "wait_minutes": 1–1440}`.
    steps: Option<Vec<StepInput>>,
    /// 0–5 (default 0).
    repeat: Option<i64>,
}

/// The body over the current policy (PATCH), or alone (POST).
fn parse(body: PolicyBody, current: Option<&StoredPolicy>) -> Result<NewPolicy, AppError> {
    let shown = current.map(PolicyJson::from);
    let input = PolicyInput {
        name: body.name.or_else(|| shown.as_ref().map(|p| p.name.clone())),
        steps: body
            .steps
            .or_else(|| shown.as_ref().map(|p| p.steps.clone())),
        repeat: body.repeat.or_else(|| shown.as_ref().map(|p| p.repeat)),
    };
    Ok(input.parse()?)
}

#[utoipa::path(get, path = "/api/v1/escalation-policies", operation_id = "listEscalationPolicies",
    tag = "escalation-policies", summary = "The account's escalation policies, by name",
    responses(
        (status = 200, description = "The account's escalation policies, by name",
            body = PolicyList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<PolicyList>, AppError> {
    let all = app::policies::list(&state, &caller).await?;
    Ok(Json(PolicyList {
        items: all.iter().map(PolicyJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/escalation-policies", operation_id = "createEscalationPolicy",
    tag = "escalation-policies", summary = "Create an escalation policy (admins)",
    request_body = PolicyBody,
    responses(
        (status = 201, description = "The new escalation policy", body = PolicyJson),
        Problems
    ))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<(StatusCode, Json<PolicyJson>), AppError> {
    let new = parse(body, None)?;
    let made = app::policies::create(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(PolicyJson::from(&made))))
}

#[utoipa::path(get, path = "/api/v1/escalation-policies/{id}", operation_id = "getEscalationPolicy",
    tag = "escalation-policies", summary = "Read an escalation policy",
    params(("id" = String, Path)),
    responses((status = 200, description = "The escalation policy", body = PolicyJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PolicyJson>, AppError> {
    let found = app::policies::get(&state, &caller, &PolicyId::from_string(id)).await?;
    Ok(Json(PolicyJson::from(&found)))
}

#[utoipa::path(patch, path = "/api/v1/escalation-policies/{id}",
    operation_id = "updateEscalationPolicy", tag = "escalation-policies",
    summary = "Change an escalation policy (admins)", params(("id" = String, Path)),
    request_body = PolicyBody,
    responses(
        (status = 200, description = "The escalation policy after the change", body = PolicyJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<Json<PolicyJson>, AppError> {
    let id = PolicyId::from_string(id);
    let current = app::policies::get(&state, &admin.0, &id).await?;
    let new = parse(body, Some(&current))?;
    let after = app::policies::update(&state, &admin, &id, &new).await?;
    Ok(Json(PolicyJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/escalation-policies/{id}",
    operation_id = "deleteEscalationPolicy", tag = "escalation-policies",
    summary = "Delete an escalation policy (admins); its companies go back to telling everyone with access",
    params(("id" = String, Path)),
    responses((status = 204, description = "The escalation policy is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::policies::delete(&state, &admin, &PolicyId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

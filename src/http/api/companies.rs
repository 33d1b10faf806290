use super::json::{ApiJson, CompanyJson, CompanyList};
use super::{ApiQuery, Problems, page_request};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyId, Errors, Name};
use crate::error::AppError;
use crate::http::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–500 (default 50).
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyBody {
    /// 1–200 characters.
    name: String,
}

#[utoipa::path(get, path = "/api/v1/companies", operation_id = "listCompanies", tag = "companies",
    summary = "List the companies the caller can access, by name", params(PageParams),
    responses(
        (status = 200, description = "A page of companies, by name", body = CompanyList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<CompanyList>, AppError> {
    let mut errors = Errors::default();
    let page = page_request(
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    errors.finish(|| Some(()))?;
    let result = app::companies::list(&state, &caller, &page).await?;
    Ok(Json(CompanyList {
        items: result.items.iter().map(CompanyJson::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/companies", operation_id = "createCompany", tag = "companies",
    summary = "Add a company (admins)", request_body = CompanyBody,
    responses((status = 201, description = "The new company", body = CompanyJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<CompanyBody>,
) -> Result<(StatusCode, Json<CompanyJson>), AppError> {
    let name = Name::parse(&body.name).map_err(|e| field_error("name", e))?;
    let company = app::companies::create(&state, &admin, &name).await?;
    Ok((StatusCode::CREATED, Json(CompanyJson::from(&company))))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}", operation_id = "getCompany", tag = "companies",
    summary = "Read a company", params(("id" = String, Path)),
    responses((status = 200, description = "The company", body = CompanyJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CompanyJson>, AppError> {
    let company = app::companies::get(&state, &caller, &CompanyId::from_string(id)).await?;
    Ok(Json(CompanyJson::from(&company)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    /// 1–200 characters.
    name: Option<String>,
    /// An escalation policy of the account; `null`: everyone with access is told at once.
    #[serde(default, deserialize_with = "super::json::nullable")]
    #[schema(value_type = Option<String>)]
    escalation_policy_id: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/api/v1/companies/{id}", operation_id = "updateCompany",
    tag = "companies", summary = "Rename a company or give it an escalation policy (admins)",
    params(("id" = String, Path)), request_body = CompanyPatch,
    responses(
        (status = 200, description = "The company after the change", body = CompanyJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CompanyPatch>,
) -> Result<Json<CompanyJson>, AppError> {
    let id = CompanyId::from_string(id);
    app::companies::get(&state, &admin.0, &id).await?;
    let name = body
        .name
        .as_deref()
        .map(Name::parse)
        .transpose()
        .map_err(|e| field_error("name", e))?;
    let policy = body
        .escalation_policy_id
        .map(|p| p.map(crate::domain::PolicyId::from_string));
    let after = app::policies::change_company(
        &state,
        &admin,
        &id,
        name.as_ref(),
        policy.as_ref().map(Option::as_ref),
    )
    .await?;
    Ok(Json(CompanyJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/companies/{id}", operation_id = "deleteCompany",
    tag = "companies", summary = "Delete a company (admins); it leaves every access set",
    params(("id" = String, Path)),
    responses((status = 204, description = "The company is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::companies::delete(&state, &admin, &CompanyId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn field_error(field: &str, error: crate::domain::Invalid) -> AppError {
    AppError::Validation(vec![crate::domain::FieldError::new(field, error)])
}

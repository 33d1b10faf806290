use super::json::{ApiJson, CompanyJson, CompanyList};
use super::{ApiQuery, Problems, audit, page_request};
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyId, Errors, Name};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Store;
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

#[utoipa::path(get, path = "/api/v1/companies", tag = "companies",
    summary = "List the companies the caller can access, by name",
    params(PageParams), responses((status = 200, body = CompanyList), Problems))]
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
    let result = state
        .store
        .list_companies(&caller.account, &caller.scope(), &page)
        .await?;
    Ok(Json(CompanyList {
        items: result.items.iter().map(CompanyJson::from).collect(),
        next_cursor: result.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", summary = "Add a company (admins)",
    request_body = CompanyBody, responses((status = 201, body = CompanyJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    ApiJson(body): ApiJson<CompanyBody>,
) -> Result<(StatusCode, Json<CompanyJson>), AppError> {
    let name = Name::parse(&body.name).map_err(|e| field_error("name", e))?;
    let company = CompanyJson::from(&state.store.create_company(&caller.account, &name).await?);
    audit(&state, &caller, "company", None, Some(&company)).await;
    Ok((StatusCode::CREATED, Json(company)))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}", tag = "companies", summary = "Read a company",
    params(("id" = String, Path)), responses((status = 200, body = CompanyJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CompanyJson>, AppError> {
    let company = state
        .store
        .company(
            &caller.account,
            &caller.scope(),
            &CompanyId::from_string(id),
        )
        .await?;
    Ok(Json(CompanyJson::from(&company)))
}

#[utoipa::path(patch, path = "/api/v1/companies/{id}", tag = "companies", summary = "Rename a company (admins)",
    params(("id" = String, Path)), request_body = CompanyBody,
    responses((status = 200, body = CompanyJson), Problems))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CompanyBody>,
) -> Result<Json<CompanyJson>, AppError> {
    let id = CompanyId::from_string(id);
    let before = CompanyJson::from(
        &state
            .store
            .company(&caller.account, &caller.scope(), &id)
            .await?,
    );
    let name = Name::parse(&body.name).map_err(|e| field_error("name", e))?;
    let after = CompanyJson::from(
        &state
            .store
            .rename_company(&caller.account, &id, &name)
            .await?,
    );
    audit(&state, &caller, "company", Some(&before), Some(&after)).await;
    Ok(Json(after))
}

#[utoipa::path(delete, path = "/api/v1/companies/{id}", tag = "companies",
    summary = "Delete a company (admins); it leaves every access set",
    params(("id" = String, Path)), responses((status = 204), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id = CompanyId::from_string(id);
    let before = CompanyJson::from(
        &state
            .store
            .company(&caller.account, &caller.scope(), &id)
            .await?,
    );
    state.store.delete_company(&caller.account, &id).await?;
    audit(&state, &caller, "company", Some(&before), None).await;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn field_error(field: &str, error: crate::domain::Invalid) -> AppError {
    AppError::Validation(vec![crate::domain::FieldError::new(field, error)])
}

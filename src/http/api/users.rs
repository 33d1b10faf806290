use super::contacts::ListParams;
use super::json::{ApiJson, CompaniesJson, ContactJson, ContactList};
use super::{ApiQuery, Problems};
use crate::app;
use crate::app::users::{FirstPassword, UserToAdd};
use crate::auth::{Admin, Caller};
use crate::domain::{ContactId, ContactInput, EmailAddress, Errors, Password, Role, UserChange};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::ContactKind;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    name: String,
    /// Primary email: the login, unique in the deployment.
    email: String,
    /// `admin` or `technician`.
    role: String,
    /// `"all"` or a non-empty list of company ids.
    companies: CompaniesJson,
    /// At least 12 characters. Without it the user cannot sign in until one is set.
    password: Option<String>,
    locale: Option<String>,
    timezone: Option<String>,
}

/// What an admin may change. `name` and `email` are accepted only to answer 403: only the user
/// changes them, through `PATCH /api/v1/me`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    role: Option<String>,
    companies: Option<CompaniesJson>,
    disabled: Option<bool>,
    name: Option<String>,
    email: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", operation_id = "listUsers", tag = "users",
    summary = "List users the caller can see", params(ListParams),
    responses(
        (status = 200, description = "A page of users, by name", body = ContactList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ContactList>, AppError> {
    let query = params.query(Some(ContactKind::User))?;
    let page = app::contacts::list(&state, &caller, &query).await?;
    Ok(Json(ContactList::from(page)))
}

#[utoipa::path(post, path = "/api/v1/users", operation_id = "createUser", tag = "users",
    summary = "Add a user (admins)", request_body = UserBody,
    responses((status = 201, description = "The new user", body = ContactJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<UserBody>,
) -> Result<(StatusCode, Json<ContactJson>), AppError> {
    let mut errors = Errors::default();
    let contact = ContactInput {
        name: Some(body.name),
        companies: Some(body.companies.input()),
        locale: body.locale,
        timezone: body.timezone,
    }
    .parse()
    .map_err(|fields| {
        fields
            .into_iter()
            .for_each(|f| errors.push(&f.field, f.error))
    })
    .ok();
    let email = errors.check("email", EmailAddress::parse(&body.email));
    let role = errors.check("role", Role::parse(&body.role));
    let password = match &body.password {
        None => Some(FirstPassword::Unset),
        Some(p) => errors
            .check("password", Password::parse(p))
            .map(FirstPassword::Given),
    };
    let new = errors.finish(|| {
        Some(UserToAdd {
            contact: contact?,
            email: email?,
            role: role?,
            password: password?,
        })
    })?;
    let added = app::users::create(&state, &admin, new).await?;
    Ok((StatusCode::CREATED, Json(ContactJson::from(&added.user))))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "getUser", tag = "users",
    summary = "Read a user", params(("id" = String, Path)),
    responses(
        (status = 200, description = "The user, with their methods", body = ContactJson),
        Problems
    ))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContactJson>, AppError> {
    let user = app::users::get(&state, &caller, &ContactId::from_string(id)).await?;
    Ok(Json(ContactJson::from(&user)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "updateUser", tag = "users",
    summary = "Change a user's role, companies or disabled flag (admins); name or email: 403",
    params(("id" = String, Path)), request_body = UserPatch,
    responses(
        (status = 200, description = "The user after the change", body = ContactJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<ContactJson>, AppError> {
    if patch.name.is_some() || patch.email.is_some() {
        return Err(AppError::Forbidden);
    }
    let id = ContactId::from_string(id);
    let current = app::users::get(&state, &admin.0, &id).await?;
    let info = current.user.as_ref().ok_or(AppError::NotFound)?;
    let mut errors = Errors::default();
    let role = match &patch.role {
        None => Some(info.role),
        Some(r) => errors.check("role", Role::parse(r)),
    };
    let companies = match &patch.companies {
        None => Some(current.companies.clone()),
        Some(c) => errors.check("companies", c.input().parse()),
    };
    let change = errors.finish(|| {
        Some(UserChange {
            role: role?,
            companies: companies?,
            disabled: patch.disabled.unwrap_or(info.disabled),
        })
    })?;
    let after = app::users::update(&state, &admin, &id, &change).await?;
    Ok(Json(ContactJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", operation_id = "deleteUser", tag = "users",
    summary = "Delete a user (admins); the last enabled admin cannot be deleted",
    params(("id" = String, Path)),
    responses((status = 204, description = "The user is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::users::delete(&state, &admin, &ContactId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

use super::json::{
    ApiJson, CompaniesJson, ContactJson, ContactList, nullable, patched_preferences,
};
use super::{ApiQuery, Problems, page_request};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::{CompanyId, ContactId, ContactInput, Errors, Invalid, Name, NewContact};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Contact, ContactKind, ContactQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only contacts with access to this company.
    company: Option<String>,
    /// Text found in the name or a method's address, any case.
    q: Option<String>,
    /// `user` or `contact`.
    kind: Option<String>,
    /// Items per page, 1–500 (default 50).
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl ListParams {
    /// The store query, or field errors. `kind` may be fixed by the route (`/users`).
    pub(super) fn query(&self, fixed_kind: Option<ContactKind>) -> Result<ContactQuery, AppError> {
        let mut errors = Errors::default();
        let kind = match (fixed_kind, self.kind.as_deref().map(str::trim)) {
            (Some(k), _) => Some(k),
            (None, None | Some("")) => None,
            (None, Some("user")) => Some(ContactKind::User),
            (None, Some("contact")) => Some(ContactKind::Contact),
            (None, Some(_)) => {
                errors.push(
                    "kind",
                    Invalid::OneOf {
                        allowed: "user, contact",
                    },
                );
                None
            }
        };
        let page = page_request(self.limit.as_deref(), self.cursor.as_deref(), &mut errors);
        errors
            .finish(|| {
                Some(ContactQuery {
                    company: self
                        .company
                        .as_deref()
                        .filter(|c| !c.trim().is_empty())
                        .map(CompanyId::from_string),
                    text: self.q.clone(),
                    kind,
                    page,
                })
            })
            .map_err(AppError::from)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// 1–200 characters.
    name: String,
    /// `"all"` (including companies added later) or a non-empty list of company ids.
    companies: CompaniesJson,
    /// `en`, `es` or `null`.
    locale: Option<String>,
    /// IANA time zone or `null`.
    timezone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    name: Option<String>,
    companies: Option<CompaniesJson>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    locale: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    timezone: Option<Option<String>>,
}

#[utoipa::path(get, path = "/api/v1/contacts", operation_id = "listContacts", tag = "contacts",
    summary = "List users and contacts the caller can see, by name", params(ListParams),
    responses(
        (status = 200, description = "A page of contacts and users, by name", body = ContactList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ContactList>, AppError> {
    let query = params.query(None)?;
    let page = app::contacts::list(&state, &caller, &query).await?;
    Ok(Json(ContactList::from(page)))
}

#[utoipa::path(post, path = "/api/v1/contacts", operation_id = "createContact", tag = "contacts",
    summary = "Add a contact (admins)", request_body = ContactBody,
    responses((status = 201, description = "The new contact", body = ContactJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<(StatusCode, Json<ContactJson>), AppError> {
    let new = ContactInput {
        name: Some(body.name),
        companies: Some(body.companies.input()),
        locale: body.locale,
        timezone: body.timezone,
    }
    .parse()?;
    let contact = app::contacts::create(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(ContactJson::from(&contact))))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", operation_id = "getContact", tag = "contacts",
    summary = "Read a contact or user", params(("id" = String, Path)),
    responses(
        (status = 200, description = "The contact or user, with their methods", body = ContactJson),
        Problems
    ))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContactJson>, AppError> {
    let contact = app::contacts::get(&state, &caller, &ContactId::from_string(id)).await?;
    Ok(Json(ContactJson::from(&contact)))
}

/// The contact after a patch. A user's name changes only through `PATCH /api/v1/me`.
fn patched(current: &Contact, patch: ContactPatch) -> Result<NewContact, AppError> {
    let mut errors = Errors::default();
    let name = match &patch.name {
        None => Some(Name::parse(&current.name).map_err(|_| AppError::NotFound)?),
        Some(n) => errors.check("name", Name::parse(n)),
    };
    if let Some(name) = &name {
        app::contacts::may_rename(current, name)?;
    }
    let companies = match &patch.companies {
        None => Some(current.companies.clone()),
        Some(c) => errors.check("companies", c.input().parse()),
    };
    let preferences = patched_preferences(
        &mut errors,
        patch.locale,
        patch.timezone,
        (current.locale, current.timezone),
    );
    Ok(errors.finish(|| {
        Some(NewContact {
            name: name?,
            companies: companies?,
            locale: preferences?.0,
            timezone: preferences?.1,
        })
    })?)
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", operation_id = "updateContact",
    tag = "contacts",
    summary = "Change a contact (admins); a user's name and email change only through /me",
    params(("id" = String, Path)), request_body = ContactPatch,
    responses(
        (status = 200, description = "The contact after the change", body = ContactJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> Result<Json<ContactJson>, AppError> {
    let id = ContactId::from_string(id);
    let current = app::contacts::get(&state, &admin.0, &id).await?;
    let new = patched(&current, patch)?;
    let after = app::contacts::update(&state, &admin, &id, &new).await?;
    Ok(Json(ContactJson::from(&after)))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}", operation_id = "deleteContact",
    tag = "contacts", summary = "Delete a contact or user with their methods (admins)",
    params(("id" = String, Path)),
    responses((status = 204, description = "The contact and their methods are deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::contacts::delete(&state, &admin, &ContactId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

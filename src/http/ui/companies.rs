//! Configure > Companies: add, rename, delete (with confirmation). Admins only.

use super::{Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render};
use crate::domain::{CompanyId, FieldError, Name};
use crate::error::AppError;
use crate::http::api::json::CompanyJson;
use crate::http::{AppState, audit};
use crate::store::{Company, Store};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/companies";

#[derive(Debug, Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "pages/companies.html")]
struct CompaniesPage<'a> {
    web: &'a Web,
    status: Option<String>,
    name: String,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "pages/company_edit.html")]
struct CompanyEditPage<'a> {
    web: &'a Web,
    id: String,
    name: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list(web: Web, Query(query): Query<DoneQuery>) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let status = confirmation(&web, query.done.as_deref());
    Ok(render(&CompaniesPage {
        web: &web,
        status,
        name: String::new(),
        errors: FormErrors::default(),
    }))
}

fn field_errors(fields: &[FieldError], web: &Web) -> FormErrors {
    FormErrors::new(&web.tr, fields)
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    web: Web,
    Form(form): Form<NameForm>,
) -> PageResult {
    let admin = web.caller.admin().map_err(|e| web.fail(e))?;
    let result = match Name::parse(&form.name) {
        Ok(name) => state
            .store
            .create_company(&admin.0.account, &name)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Validation(vec![FieldError::new("name", e)])),
    };
    match result {
        Ok(company) => {
            let after = CompanyJson::from(&company);
            audit(&state, &web.caller, "company", None, Some(&after)).await;
            Ok(done(LIST, "company-added"))
        }
        Err(AppError::Validation(f) | AppError::Conflict(f)) => {
            Ok(refused(render(&CompaniesPage {
                web: &web,
                status: None,
                name: form.name,
                errors: field_errors(&f, &web),
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}

async fn company(
    state: &AppState,
    web: &Web,
    id: &str,
) -> Result<Company, axum::response::Response> {
    state
        .store
        .company(
            &web.caller.account,
            &web.caller.scope(),
            &CompanyId::from_string(id),
        )
        .await
        .map_err(|e| web.fail(e.into()))
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let company = company(&state, &web, &id).await?;
    Ok(render(&CompanyEditPage {
        web: &web,
        id,
        name: company.name,
        errors: FormErrors::default(),
    }))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let current = company(&state, &web, &id).await?;
    let result = match Name::parse(&form.name) {
        Ok(name) => state
            .store
            .rename_company(&web.caller.account, &current.id, &name)
            .await
            .map_err(AppError::from),
        Err(e) => Err(AppError::Validation(vec![FieldError::new("name", e)])),
    };
    match result {
        Ok(after) => {
            let (before, after) = (CompanyJson::from(&current), CompanyJson::from(&after));
            audit(&state, &web.caller, "company", Some(&before), Some(&after)).await;
            Ok(done(LIST, "company-saved"))
        }
        Err(AppError::Validation(f) | AppError::Conflict(f)) => {
            Ok(refused(render(&CompanyEditPage {
                web: &web,
                id,
                name: form.name,
                errors: field_errors(&f, &web),
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let company = company(&state, &web, &id).await?;
    let question = web
        .tr
        .ta("confirm-delete-company", &[("name", &company.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let current = company(&state, &web, &id).await?;
    state
        .store
        .delete_company(&web.caller.account, &current.id)
        .await
        .map_err(|e| web.fail(e.into()))?;
    let before = CompanyJson::from(&current);
    audit(&state, &web.caller, "company", Some(&before), None).await;
    Ok(done(LIST, "company-deleted"))
}

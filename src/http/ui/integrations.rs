//! Configure > Integrations (admins, SPEC §2 "Alerts in: integrations"): the list with what
//! each received, add, edit, rotate the URL and delete (both after a confirmation). The URL is
//! shown once, after adding and after rotating, inside the kind's configuration snippet.

use super::integration_form::{IntegrationForm, IntegrationRow, Snippet, kinds, severities};
use super::{
    AdminWeb, Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render,
};
use crate::app;
use crate::auth::Admin;
use crate::domain::IntegrationId;
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Integration;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/integrations";

#[derive(Template)]
#[template(path = "pages/integrations.html")]
struct IntegrationsPage<'a> {
    web: &'a Web,
    status: Option<String>,
    integrations: Vec<IntegrationRow>,
    form: IntegrationForm,
    errors: FormErrors,
    kinds: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "pages/integration_edit.html")]
struct EditPage<'a> {
    web: &'a Web,
    id: String,
    name: String,
    form: IntegrationForm,
    errors: FormErrors,
    kinds: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
    snippet: Snippet,
}

#[derive(Template)]
#[template(path = "pages/integration_url.html")]
struct UrlPage<'a> {
    web: &'a Web,
    status: String,
    name: String,
    snippet: Snippet,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn list_page(
    state: &AppState,
    web: &Web,
    admin: &Admin,
    status: Option<String>,
    form: IntegrationForm,
    errors: FormErrors,
) -> PageResult {
    let integrations = app::integrations::list(state, admin)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(render(&IntegrationsPage {
        integrations: integrations
            .iter()
            .map(|i| IntegrationRow::new(web, i))
            .collect(),
        kinds: kinds(web),
        severities: severities(web),
        web,
        status,
        form,
        errors,
    }))
}

fn edit_page(
    web: &Web,
    current: &Integration,
    form: IntegrationForm,
    errors: FormErrors,
) -> Response {
    render(&EditPage {
        id: current.id.to_string(),
        name: current.name.clone(),
        kinds: kinds(web),
        severities: severities(web),
        snippet: Snippet::new(web, current, None),
        web,
        form,
        errors,
    })
}

/// The page that shows the URL this once, in the kind's snippet (kept out of caches).
fn url_page(web: &Web, made: &app::integrations::WithUrl, done: &str) -> Response {
    let mut page = render(&UrlPage {
        status: web.t(done),
        name: made.integration.name.clone(),
        snippet: Snippet::new(web, &made.integration, Some(made.url.expose())),
        web,
    });
    page.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let status = confirmation(&web, q.done.as_deref());
    list_page(
        &state,
        &web,
        &admin,
        status,
        IntegrationForm::fresh(),
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<IntegrationForm>,
) -> PageResult {
    let result = match form.parse() {
        Ok(new) => app::integrations::create(&state, &admin, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(made) => Ok(url_page(&web, &made, "done-integration-added")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            list_page(&state, &web, &admin, None, form, errors)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

fn id_of(id: String) -> IntegrationId {
    IntegrationId::from_string(id)
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let current = app::integrations::get(&state, &admin, &id_of(id))
        .await
        .map_err(|e| web.fail(e))?;
    let form = IntegrationForm::of(&current);
    Ok(edit_page(&web, &current, form, FormErrors::default()))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<IntegrationForm>,
) -> PageResult {
    let id = id_of(id);
    let current = app::integrations::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let result = match form.parse() {
        Ok(new) => app::integrations::update(&state, &admin, &id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "integration-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            Ok(refused(edit_page(&web, &current, form, errors)))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn rotate_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = id_of(id);
    let current = app::integrations::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let question = web
        .tr
        .ta("confirm-rotate-integration", &[("name", &current.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/rotate"), LIST))
}

pub async fn rotate(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let made = app::integrations::rotate(&state, &admin, &id_of(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(url_page(&web, &made, "done-integration-rotated"))
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = id_of(id);
    let current = app::integrations::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let question = web
        .tr
        .ta("confirm-delete-integration", &[("name", &current.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::integrations::delete(&state, &admin, &id_of(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "integration-deleted"))
}

//! Configure > Companies: add, rename, delete (with confirmation). Admins only.

use super::{
    AdminWeb, Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render,
};
use crate::app;
use crate::domain::{CompanyId, FieldError, Name, NewWindow, PolicyId, WindowId};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Company;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/companies";

#[derive(Debug, Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
    /// The company page's policy choice (empty: none); absent from the add form, and then the
    /// policy stays as it is.
    #[serde(default, deserialize_with = "present")]
    escalation_policy_id: Option<String>,
}

/// A field that was sent, even empty (the form reader makes an empty value `None` otherwise,
/// which would read "None: notify everyone" as "leave the policy alone").
fn present<'de, D: serde::Deserializer<'de>>(field: D) -> Result<Option<String>, D::Error> {
    String::deserialize(field).map(Some)
}

impl NameForm {
    fn of(company: &Company) -> Self {
        Self {
            name: company.name.clone(),
            escalation_policy_id: Some(
                company
                    .escalation_policy_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
        }
    }
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
    title: String,
    form: NameForm,
    /// Every policy of the account: (id, name).
    policies: Vec<(String, String)>,
    errors: FormErrors,
    status: Option<String>,
    windows: Vec<WindowRow>,
    window: WindowForm,
    window_errors: FormErrors,
}

/// A maintenance window as the viewer reads it.
pub struct WindowRow {
    pub id: String,
    pub starts: String,
    pub ends: String,
    pub reason: String,
    /// `now`, `planned` or `past`.
    pub when: &'static str,
}

#[derive(Debug, Default, Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    reason: String,
}

async fn windows(
    state: &AppState,
    web: &Web,
    company: &CompanyId,
) -> Result<Vec<WindowRow>, axum::response::Response> {
    let now = chrono::Utc::now();
    Ok(app::companies::windows(state, &web.caller, company)
        .await
        .map_err(|e| web.fail(e))?
        .1
        .into_iter()
        .map(|w| WindowRow {
            starts: web.when(w.starts_at),
            ends: web.when(w.ends_at),
            reason: w.reason.unwrap_or_default(),
            when: if w.ends_at <= now {
                "past"
            } else if w.starts_at <= now {
                "now"
            } else {
                "planned"
            },
            id: w.id.to_string(),
        })
        .collect())
}

/// The edit page with its maintenance windows.
#[allow(clippy::too_many_arguments)]
async fn edit_page(
    state: &AppState,
    web: &Web,
    company: &Company,
    form: NameForm,
    errors: FormErrors,
    status: Option<String>,
    window: WindowForm,
    window_errors: FormErrors,
) -> Result<axum::response::Response, axum::response::Response> {
    let policies = app::policies::list(state, &web.caller)
        .await
        .map_err(|e| web.fail(e))?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    Ok(render(&CompanyEditPage {
        web,
        id: company.id.to_string(),
        title: company.name.clone(),
        form,
        policies,
        errors,
        status,
        windows: windows(state, web, &company.id).await?,
        window,
        window_errors,
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list(AdminWeb(web, _): AdminWeb, Query(query): Query<DoneQuery>) -> PageResult {
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
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<NameForm>,
) -> PageResult {
    let result = match Name::parse(&form.name) {
        Ok(name) => app::companies::create(&state, &admin, &name).await,
        Err(e) => Err(AppError::Validation(vec![FieldError::new("name", e)])),
    };
    match result {
        Ok(_) => Ok(done(LIST, "company-added")),
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
    app::companies::get(state, &web.caller, &CompanyId::from_string(id))
        .await
        .map_err(|e| web.fail(e))
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let company = company(&state, &web, &id).await?;
    let status = confirmation(&web, query.done.as_deref());
    edit_page(
        &state,
        &web,
        &company,
        NameForm::of(&company),
        FormErrors::default(),
        status,
        WindowForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn add_window(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<WindowForm>,
) -> PageResult {
    let company = company(&state, &web, &id).await?;
    let parsed = NewWindow::parse(
        web.instant(&form.starts_at),
        web.instant(&form.ends_at),
        Some(form.reason.as_str()),
    );
    let window = match parsed {
        Ok(w) => w,
        Err(fields) => {
            let errors = field_errors(&fields, &web);
            return edit_page(
                &state,
                &web,
                &company,
                NameForm::of(&company),
                FormErrors::default(),
                None,
                form,
                errors,
            )
            .await
            .map(refused);
        }
    };
    app::companies::add_window(&state, &admin, &company.id, &window)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(&format!("{LIST}/{id}/edit"), "maintenance-added"))
}

pub async fn delete_window(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path((id, window_id)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let company = company(&state, &web, &id).await?;
    let window_id = WindowId::from_string(window_id);
    app::companies::delete_window(&state, &admin, &company.id, &window_id)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(&format!("{LIST}/{id}/edit"), "maintenance-deleted"))
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> PageResult {
    let current = company(&state, &web, &id).await?;
    let policy = form
        .escalation_policy_id
        .as_deref()
        .map(|p| (!p.trim().is_empty()).then(|| PolicyId::from_string(p.trim())));
    let result = match Name::parse(&form.name) {
        Ok(name) => {
            app::policies::change_company(
                &state,
                &admin,
                &current.id,
                Some(&name),
                policy.as_ref().map(Option::as_ref),
            )
            .await
        }
        Err(e) => Err(AppError::Validation(vec![FieldError::new("name", e)])),
    };
    match result {
        Ok(_) => Ok(done(LIST, "company-saved")),
        Err(AppError::Validation(f) | AppError::Conflict(f)) => edit_page(
            &state,
            &web,
            &current,
            form,
            field_errors(&f, &web),
            None,
            WindowForm::default(),
            FormErrors::default(),
        )
        .await
        .map(refused),
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let company = company(&state, &web, &id).await?;
    let question = web
        .tr
        .ta("confirm-delete-company", &[("name", &company.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    // The use case reads it (404) on its own transaction.
    app::companies::delete(&state, &admin, &CompanyId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "company-deleted"))
}

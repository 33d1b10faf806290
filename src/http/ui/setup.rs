//! `/setup/{token}`: the first-run page `reach serve` links to while there is no account. One
//! form (account, name, email, password) creates the account and its first admin; then the
//! link answers 404 and the new admin signs in.

use super::{CsrfToken, Form, FormErrors, PageResult, Tr, refused, render, visitor_tr};
use crate::app;
use crate::domain::setup::{SetupInput, without_password};
use crate::error::AppError;
use crate::http::AppState;
use crate::links;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/setup.html")]
struct SetupPage {
    tr: Tr,
    csrf: String,
    action: String,
    /// `false`: the link is not ours, expired, or the account exists (a 404).
    valid: bool,
    form: SetupInput,
    errors: FormErrors,
}

/// One field of the form: name, label, input type, value shown, autocomplete.
type Field = (
    &'static str,
    &'static str,
    &'static str,
    String,
    &'static str,
);

impl SetupPage {
    fn fields(&self) -> Vec<Field> {
        let f = &self.form;
        vec![
            (
                "account",
                "setup-account",
                "text",
                f.account.clone(),
                "organization",
            ),
            ("name", "setup-name", "text", f.name.clone(), "name"),
            ("email", "field-email", "email", f.email.clone(), "email"),
            (
                "password",
                "field-password",
                "password",
                String::new(),
                "new-password",
            ),
        ]
    }
}

fn page(tr: Tr, csrf: &CsrfToken, token: &str, valid: bool, form: SetupInput) -> SetupPage {
    SetupPage {
        tr,
        csrf: csrf.0.clone(),
        action: links::fill(links::paths::SETUP, token),
        valid,
        form,
        errors: FormErrors::default(),
    }
}

fn gone(page: SetupPage) -> Response {
    (StatusCode::NOT_FOUND, render(&page)).into_response()
}

pub async fn form(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    let tr = visitor_tr(&headers);
    let valid = app::setup::open(&state, &token)
        .await
        .map_err(|e| internal(&tr, e))?;
    let shown = page(tr, &csrf, &token, valid, SetupInput::default());
    Ok(if valid { render(&shown) } else { gone(shown) })
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
    Form(input): Form<SetupInput>,
) -> PageResult {
    let tr = visitor_tr(&headers);
    let result = match input.parse() {
        Ok(new) => app::setup::create(&state, &token, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/?done=setup").into_response()),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&tr, &fields);
            let mut shown = page(tr, &csrf, &token, true, without_password(&input));
            shown.errors = errors;
            Ok(refused(render(&shown)))
        }
        Err(AppError::NotFound) => Ok(gone(page(tr, &csrf, &token, false, SetupInput::default()))),
        Err(e) => Err(internal(&tr, e)),
    }
}

fn internal(tr: &Tr, e: AppError) -> Response {
    tracing::error!(error = format!("{e:#}"), "first-run setup failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        tr.t("error-page-internal"),
    )
        .into_response()
}

//! `/set-password/{token}`: a new user sets their password with the one-time link an admin
//! gave them. No sign-in needed; the link works once and expires.

use super::{CsrfToken, Form, PageResult, Tr, refused, render, visitor_tr};
use crate::app::signin;
use crate::domain::Password;
use crate::error::AppError;
use crate::http::AppState;
use crate::links;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/set_password.html")]
struct SetPasswordPage {
    tr: Tr,
    csrf: String,
    action: String,
    /// `None` when the link is used, expired or unknown.
    valid: bool,
    error: Option<String>,
}

pub async fn form(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    let tr = visitor_tr(&headers);
    let valid = signin::password_link_valid(&state, &token)
        .await
        .map_err(|e| internal(&tr, e))?;
    let page = render(&SetPasswordPage {
        tr,
        csrf: csrf.0,
        action: links::fill(links::paths::SET_PASSWORD, &token),
        valid,
        error: None,
    });
    Ok(if valid {
        page
    } else {
        (StatusCode::NOT_FOUND, page).into_response()
    })
}

#[derive(Debug, Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    password: String,
}

pub async fn set(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
    Form(form): Form<NewPassword>,
) -> PageResult {
    let tr = visitor_tr(&headers);
    let again = |tr: Tr, valid: bool, error: Option<String>| {
        render(&SetPasswordPage {
            tr,
            csrf: csrf.0.clone(),
            action: links::fill(links::paths::SET_PASSWORD, &token),
            valid,
            error,
        })
    };
    let password = match Password::parse(&form.password) {
        Ok(p) => p,
        Err(e) => {
            let message = tr.error(&e);
            return Ok(refused(again(tr, true, Some(message))));
        }
    };
    let used = signin::set_password_with_link(&state, &token, &password)
        .await
        .map_err(|e| internal(&tr, e))?;
    if used {
        Ok(Redirect::to("/?done=password-set").into_response())
    } else {
        Ok((StatusCode::NOT_FOUND, again(tr, false, None)).into_response())
    }
}

fn internal(tr: &Tr, e: AppError) -> axum::response::Response {
    tracing::error!(error = format!("{e:#}"), "set-password link failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        tr.t("error-page-internal"),
    )
        .into_response()
}

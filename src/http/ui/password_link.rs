//! `/set-password/{token}`: a new user sets their password with the one-time link an admin
//! gave them. No sign-in needed; the link works once and expires.

use super::{CsrfToken, Form, PageResult, Tr, refused, render, visitor_tr};
use crate::auth;
use crate::domain::Password;
use crate::http::AppState;
use crate::store::Store;
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
    let valid = state
        .store
        .password_link(&auth::hash_token(&token), chrono::Utc::now())
        .await
        .map_err(|e| internal(&tr, e))?
        .is_some();
    let page = render(&SetPasswordPage {
        tr,
        csrf: csrf.0,
        action: format!("/set-password/{token}"),
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
            action: format!("/set-password/{token}"),
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
    let hash = auth::hash_password(&password).map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            tr.t("error-page-internal"),
        )
            .into_response()
    })?;
    let used = state
        .store
        .use_password_link(&auth::hash_token(&token), chrono::Utc::now(), &hash)
        .await
        .map_err(|e| internal(&tr, e))?;
    if used {
        Ok(Redirect::to("/?done=password-set").into_response())
    } else {
        Ok((StatusCode::NOT_FOUND, again(tr, false, None)).into_response())
    }
}

fn internal(tr: &Tr, e: crate::store::StoreError) -> axum::response::Response {
    tracing::error!(error = %e, "set-password link failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        tr.t("error-page-internal"),
    )
        .into_response()
}

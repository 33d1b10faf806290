//! Sign in, sign out, and the current-company switcher.

use super::{
    COMPANY_COOKIE, CsrfToken, Form, PageResult, SESSION_COOKIE, Tr, Web, render, visitor_tr,
};
use crate::auth;
use crate::domain::EmailAddress;
use crate::http::AppState;
use crate::store::Store;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{Duration, Utc};
use serde::Deserialize;
use std::sync::Arc;

/// How long a session lasts.
const SESSION_DAYS: i64 = 14;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    tr: Tr,
    csrf: String,
    /// A confirmation, e.g. after setting a password.
    status: Option<String>,
    email: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    done: Option<String>,
}

pub async fn home(
    state: State<Arc<AppState>>,
    jar: CookieJar,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(query): axum::extract::Query<HomeQuery>,
) -> Response {
    if let Some(session) = jar.get(SESSION_COOKIE) {
        let hash = auth::hash_token(session.value());
        if let Ok(Some(login)) = state.store.login_by_session(&hash, Utc::now()).await {
            if !login.disabled {
                return Redirect::to("/configure/contacts").into_response();
            }
        }
    }
    let tr = visitor_tr(&headers);
    let status = (query.done.as_deref() == Some("password-set")).then(|| tr.t("done-password-set"));
    render(&LoginPage {
        tr,
        csrf: csrf.0,
        status,
        email: String::new(),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let tr = visitor_tr(&headers);
    let again = |tr: Tr, error: String| {
        render(&LoginPage {
            tr,
            csrf: csrf.0.clone(),
            status: None,
            email: form.email.clone(),
            error: Some(error),
        })
    };
    let Ok(email) = EmailAddress::parse(&form.email) else {
        return Ok(again(tr.clone(), tr.t("login-failed")));
    };
    let key = email.key();
    let now = Utc::now();
    let internal = |e: crate::store::StoreError| {
        tracing::error!(error = %e, "sign-in failed");
        again(tr.clone(), tr.t("error-page-internal"))
    };
    let failures = state
        .store
        .login_failures(&key, now)
        .await
        .map_err(internal)?;
    if let Some(until) = failures.locked_until {
        let minutes = (until - now).num_minutes().max(1).to_string();
        return Ok(again(
            tr.clone(),
            tr.ta("login-locked", &[("minutes", &minutes)]),
        ));
    }
    let login = state.store.login_by_email(&email).await.map_err(internal)?;
    let password = form.password.clone();
    let hash = login.as_ref().and_then(|l| l.password_hash.clone());
    // Hash even for unknown emails, so timing does not tell which emails exist.
    let verified = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            auth::verify_password(&password, DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    let login = match login {
        Some(login) if verified && !login.disabled => login,
        _ => {
            let failures = state
                .store
                .record_login_failure(&key, now)
                .await
                .map_err(internal)?;
            // Each failure slows the next answer a little more, until the lock.
            let pause =
                std::time::Duration::from_millis(250 * failures.failures.clamp(0, 8) as u64);
            tokio::time::sleep(pause).await;
            let message = match failures.locked_until {
                Some(_) => tr.ta("login-locked", &[("minutes", "15")]),
                None => tr.t("login-failed"),
            };
            return Ok(again(tr.clone(), message));
        }
    };
    state
        .store
        .clear_login_failures(&key)
        .await
        .map_err(internal)?;
    let session = auth::generate_password() + &auth::generate_password();
    state
        .store
        .create_session(
            &login.account_id,
            &login.user_id,
            &auth::hash_token(&session),
            now + Duration::days(SESSION_DAYS),
        )
        .await
        .map_err(internal)?;
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        SESSION_DAYS * 24 * 3600
    );
    let mut response = Redirect::to("/configure/contacts").into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

/// An argon2id hash of a random password, checked against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy";

#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    Form(_): Form<Empty>,
) -> Response {
    if let Some(session) = jar.get(SESSION_COOKIE) {
        if let Err(e) = state
            .store
            .delete_session(&auth::hash_token(session.value()))
            .await
        {
            tracing::error!(error = %e, "could not delete a session");
        }
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) =
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0").parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    back: String,
}

/// Sets the current company (empty: all companies) and goes back to the page.
pub async fn switch_company(web: Web, Form(form): Form<CompanyForm>) -> Response {
    let company = web
        .companies
        .iter()
        .find(|c| c.id.as_str() == form.company)
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let back = if form.back.starts_with("/configure/") && !form.back.contains("//") {
        form.back
            .split('?')
            .next()
            .unwrap_or("/configure/contacts")
            .to_owned()
    } else {
        "/configure/contacts".to_owned()
    };
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = format!("{COMPANY_COOKIE}={company}; Path=/; HttpOnly; SameSite=Lax").parse()
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

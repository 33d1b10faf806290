//! Sign in, sign out, and the current-company switcher.

use super::{
    COMPANY_COOKIE, CsrfToken, Form, PageResult, SESSION_COOKIE, Tr, Web, render, visitor_tr,
};
use crate::app::signin::{self, LockedBy, SignIn};
use crate::domain::{EmailAddress, forwarded};
use crate::http::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

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
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(query): axum::extract::Query<HomeQuery>,
) -> Response {
    if let Some(session) = jar.get(SESSION_COOKIE) {
        if let Ok(true) = signin::signed_in(&state, session.value()).await {
            return Redirect::to("/configure/contacts").into_response();
        }
    }
    let tr = visitor_tr(&headers);
    let status = match query.done.as_deref() {
        Some("password-set") => Some(tr.t("done-password-set")),
        Some("setup") => Some(tr.t("done-setup")),
        _ => None,
    };
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

/// Signs in. Tries are counted by email and by the client's address: the TCP peer, present
/// when served with connect info (in-process tests may insert one, or none), or behind a
/// trusted reverse proxy the client it names in `X-Forwarded-For`.
pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = peer.map(|Extension(ConnectInfo(addr))| {
        forwarded::client_address(addr.ip(), &forwarded, &state.trusted_proxies)
    });
    let tr = visitor_tr(&headers);
    let again = |error: String| {
        render(&LoginPage {
            tr: tr.clone(),
            csrf: csrf.0.clone(),
            status: None,
            email: form.email.clone(),
            error: Some(error),
        })
    };
    let Ok(email) = EmailAddress::parse(&form.email) else {
        return Ok(again(tr.t("login-failed")));
    };
    let session = match signin::sign_in(&state, &email, &form.password, client).await {
        Ok(SignIn::Session(session)) => session,
        Ok(SignIn::Locked { minutes, by }) => {
            let minutes = minutes.to_string();
            let id = match by {
                LockedBy::Email => "login-locked",
                LockedBy::Address => "login-locked-address",
            };
            return Ok(again(tr.ta(id, &[("minutes", &minutes)])));
        }
        Ok(SignIn::Failed) => return Ok(again(tr.t("login-failed"))),
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            return Ok(again(tr.t("error-page-internal")));
        }
    };
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        signin::SESSION_DAYS * 24 * 3600
    );
    let mut response = Redirect::to("/configure/contacts").into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    Form(_): Form<Empty>,
) -> Response {
    if let Some(session) = jar.get(SESSION_COOKIE) {
        if let Err(e) = signin::sign_out(&state, session.value()).await {
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

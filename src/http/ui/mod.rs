//! The web app: server-rendered pages (askama), English and Spanish (Fluent), every form
//! working without JavaScript. Pages use the same permission code ([`Caller`]) and the same
//! domain parsing as the API; nothing here decides who may do what.

mod account;
mod ack;
mod alerts;
mod audit;
mod companies;
mod contacts;

mod method_link;
mod methods;
mod password_link;
mod reports;
mod session;
mod settings;
mod users;
mod verify;

pub use crate::i18n::{FormErrors, Tr};

use crate::auth::Caller;
use crate::domain::TimeZone;
use crate::error::AppError;
use crate::http::AppState;
use crate::app;
use crate::auth::Admin;
use crate::store::Company;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "reach_session";
const CSRF_COOKIE: &str = "reach_csrf";
const COMPANY_COOKIE: &str = "reach_company";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(session::home))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/company", post(session::switch_company))
        .route("/ack/{token}", get(ack::show).post(ack::acknowledge))
        .route(
            "/verify/{token}",
            get(method_link::verify_show).post(method_link::verify_confirm),
        )
        .route(
            "/unsubscribe/{token}",
            get(method_link::unsubscribe_show).post(method_link::unsubscribe_confirm),
        )
        .route("/alerts", get(alerts::list))
        .route("/alerts/{id}", get(alerts::detail))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/delivery", get(alerts::delivery))
        .route("/audit", get(audit::list))
        .route(
            "/set-password/{token}",
            get(password_link::form).post(password_link::set),
        )
        .route(
            "/configure/contacts",
            get(contacts::list).post(contacts::create),
        )
        .route(
            "/configure/contacts/{id}/edit",
            get(contacts::edit_form).post(contacts::edit),
        )
        .route(
            "/configure/contacts/{id}/delete",
            get(contacts::delete_form).post(contacts::delete),
        )
        .route(
            "/configure/contacts/{id}/methods/new",
            get(methods::form).post(methods::create),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/edit",
            get(methods::edit_form).post(methods::edit),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/verify",
            get(verify::form).post(verify::send),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/verify/confirm",
            post(verify::confirm),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/test",
            post(verify::test),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/delete",
            get(methods::delete_form).post(methods::delete),
        )
        .route(
            "/configure/account",
            get(account::page).post(account::update),
        )
        .route("/configure/account/password", post(account::password))
        .route(
            "/configure/companies",
            get(companies::list).post(companies::create),
        )
        .route(
            "/configure/companies/{id}/edit",
            get(companies::edit_form).post(companies::edit),
        )
        .route(
            "/configure/companies/{id}/maintenance",
            post(companies::add_window),
        )
        .route(
            "/configure/companies/{id}/maintenance/{window_id}/delete",
            post(companies::delete_window),
        )
        .route(
            "/configure/companies/{id}/delete",
            get(companies::delete_form).post(companies::delete),
        )
        .route("/configure/users", get(users::list).post(users::create))
        .route(
            "/configure/reports",
            get(reports::list).post(reports::create),
        )
        .route(
            "/configure/reports/{id}",
            get(reports::edit_form).post(reports::edit),
        )
        .route("/configure/reports/{id}/run", post(reports::run))
        .route(
            "/configure/reports/{id}/delete",
            get(reports::delete_form).post(reports::delete),
        )
        .route(
            "/configure/users/{id}/edit",
            get(users::edit_form).post(users::edit),
        )
        .route(
            "/configure/settings",
            get(settings::page).post(settings::update),
        )
        .route("/assets/style.css", get(stylesheet))
        .layer(middleware::from_fn(csrf_cookie))
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../assets/style.css"),
    )
        .into_response()
}

/// The CSRF token of this browser (double-submit: a cookie, repeated in every form).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Gives every browser a CSRF cookie and puts its value where forms can read it.
async fn csrf_cookie(jar: CookieJar, mut request: Request, next: Next) -> Response {
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 40 && v.chars().all(|c| c.is_ascii_alphanumeric()));
    let token = existing
        .clone()
        .unwrap_or_else(|| crate::auth::generate_password() + &crate::auth::generate_password());
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        if let Ok(value) = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax").parse()
        {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

fn csrf_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

/// The language for a visitor who is not signed in.
pub fn visitor_tr(headers: &HeaderMap) -> Tr {
    Tr::choose(
        None,
        headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    )
}

/// A signed-in user's page context: who they are, their language and zone, the companies they
/// can see and the current one, and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Web {
    pub caller: Caller,
    pub tr: Tr,
    pub csrf: String,
    pub user_name: String,
    pub timezone: TimeZone,
    pub companies: Vec<Company>,
    /// The company chosen in the top bar; `None` is all of them.
    pub current_company: Option<String>,
    /// The page's path, to mark the menu entry.
    pub path: String,
}

impl Web {
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn is_admin(&self) -> bool {
        self.caller.is_admin()
    }

    /// The name of a company id, for showing access sets.
    pub fn company_name(&self, id: &str) -> String {
        self.companies
            .iter()
            .find(|c| c.id.as_str() == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| self.t("company-hidden"))
    }

    pub fn is_current(&self, id: &str) -> bool {
        self.current_company.as_deref() == Some(id)
    }

    /// A date and time in the user's time zone.
    pub fn when(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&self.timezone.tz())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// An error as a page in the user's language.
    pub fn fail(&self, error: AppError) -> Response {
        let (status, message) = match &error {
            AppError::Forbidden => (StatusCode::FORBIDDEN, self.t("error-page-forbidden")),
            AppError::NotFound => (StatusCode::NOT_FOUND, self.t("error-page-not-found")),
            AppError::Refused(_) => (StatusCode::CONFLICT, self.t("error-page-refused")),
            AppError::Unauthorized => return Redirect::to("/").into_response(),
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.t("error-page-internal"),
                )
            }
            _ => (
                StatusCode::UNPROCESSABLE_ENTITY,
                self.t("error-page-invalid"),
            ),
        };
        let page = ErrorPage { web: self, message };
        (status, render(&page)).into_response()
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    web: &'a Web,
    message: String,
}

/// Renders a template; a template that fails to render is an internal error.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Web {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let to_login = || Redirect::to("/").into_response();
        let session = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .ok_or_else(to_login)?;
        let accept = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let user = app::session::page_user(state, &session)
            .await
            .map_err(|e| {
                let tr = Tr::choose(None, accept.as_deref());
                tracing::error!(error = %e, "loading the session failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    tr.t("error-page-internal"),
                )
                    .into_response()
            })?
            .ok_or_else(to_login)?;
        let app::session::PageUser {
            caller,
            me,
            account,
            companies,
        } = user;
        let current_company = jar
            .get(COMPANY_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|id| companies.iter().any(|c| c.id.as_str() == id));
        Ok(Self {
            tr: Tr::choose(me.locale, accept.as_deref()),
            csrf: csrf_of(parts),
            user_name: me.name.clone(),
            timezone: me.timezone.unwrap_or(account.timezone),
            companies,
            current_company,
            path: parts.uri.path().to_owned(),
            caller,
        })
    }
}

/// A signed-in admin's page: the [`Admin`] capability beside the page context; anyone else
/// gets the "not allowed" page before the handler runs (and before its form is read).
#[derive(Debug)]
pub struct AdminWeb(pub Web, pub Admin);

impl FromRequestParts<Arc<AppState>> for AdminWeb {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Response> {
        let web = Web::from_request_parts(parts, state).await?;
        match web.caller.admin() {
            Ok(admin) => Ok(Self(web, admin)),
            Err(e) => Err(web.fail(e)),
        }
    }
}

/// An `application/x-www-form-urlencoded` form whose `csrf` field matches the browser's
/// cookie; anything else is refused with 403 before the handler runs.
#[derive(Debug)]
pub struct Form<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<Arc<AppState>> for Form<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let tr = visitor_tr(&parts.headers);
        let expected = csrf_of(&parts);
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| e.into_response())?;
        let given: CsrfField = serde_html_form::from_bytes(&bytes).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        if expected.is_empty() || given.csrf != expected {
            return Err((StatusCode::FORBIDDEN, tr.t("error-page-csrf")).into_response());
        }
        serde_html_form::from_bytes(&bytes)
            .map(Form)
            .map_err(|_| (StatusCode::BAD_REQUEST, tr.t("error-page-invalid")).into_response())
    }
}

/// A page answered with 422: the same form again, with its field errors.
pub fn refused(mut page: Response) -> Response {
    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    page
}

/// Where to go after a change, with the confirmation to show at the top of that page.
pub fn done(path: &str, message: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}done={message}")).into_response()
}

/// The confirmation message for a `done` key, if it is one of ours.
pub fn confirmation(web: &Web, done: Option<&str>) -> Option<String> {
    let key = done?;
    key.chars()
        .all(|c| c.is_ascii_lowercase() || c == '-')
        .then(|| web.t(&format!("done-{key}")))
}

/// Shared by every confirmation page: "Delete X?" with OK (a POST) and Cancel (a link back).
#[derive(Debug, Template)]
#[template(path = "pages/confirm.html")]
pub struct ConfirmPage<'a> {
    pub web: &'a Web,
    pub title: String,
    pub question: String,
    pub action: String,
    pub cancel: String,
}

/// Renders the delete confirmation page.
pub fn confirm(web: &Web, question: String, action: String, cancel: &str) -> Response {
    render(&ConfirmPage {
        web,
        title: web.t("confirm-title"),
        question,
        action,
        cancel: cancel.to_owned(),
    })
}

pub(crate) type PageResult = Result<Response, Response>;

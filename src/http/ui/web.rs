//! The signed-in page context: [`Web`] (and [`AdminWeb`] for admin-only pages), extracted from
//! the session cookie before a handler runs, with the user's language ([`Tr`]), zone, companies
//! and the error page in their language; [`visitor_tr`] for visitors who are not signed in.

use super::form::csrf_of;
use super::{COMPANY_COOKIE, SESSION_COOKIE, Tr, render};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::{Invalid, TimeZone};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Company;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use std::sync::Arc;

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
    /// Who is on call now for the current company (its policy's first schedule).
    pub oncall: Option<String>,
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

    /// A `datetime-local` value read in the viewer's time zone.
    pub fn instant(&self, value: &str) -> Result<chrono::DateTime<chrono::Utc>, Invalid> {
        self.timezone.local_instant(value)
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
        let oncall = oncall(state, &caller, &companies, current_company.as_deref()).await;
        Ok(Self {
            oncall,
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

/// Who is on call now for the chosen company, if it has a policy with a schedule; a failure
/// to find out is logged and shows nothing (the page itself does not depend on it).
async fn oncall(
    state: &AppState,
    caller: &Caller,
    companies: &[Company],
    current: Option<&str>,
) -> Option<String> {
    let company = companies.iter().find(|c| Some(c.id.as_str()) == current)?;
    let policy = company.escalation_policy_id.as_ref()?;
    app::schedules::first_oncall(state, caller, policy, chrono::Utc::now())
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "finding who is on call failed"))
        .ok()
        .flatten()
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

//! CSRF protection (double-submit): every browser gets a token cookie ([`csrf_cookie`]), and
//! every form is read through [`Form`], which refuses a `csrf` field that does not repeat it.

use super::visitor_tr;
use crate::http::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use std::sync::Arc;

const CSRF_COOKIE: &str = "reach_csrf";

/// The CSRF token of this browser (double-submit: a cookie, repeated in every form).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Gives every browser a CSRF cookie and puts its value where forms can read it.
pub(super) async fn csrf_cookie(jar: CookieJar, mut request: Request, next: Next) -> Response {
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

/// The token the CSRF middleware put on this request; empty when it did not run.
pub(super) fn csrf_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
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

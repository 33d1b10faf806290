//! CSRF protection: every form carries a token bound to the browser. Signed in, it is
//! HMAC-SHA256 under the deployment's key of the session cookie, so only this server can make
//! it and a token taken from another session is worth nothing. A visitor not signed in (the
//! sign-in and signed-link pages) gets a random per-browser cookie that the form repeats
//! (double submit; [`csrf_cookie`]). [`Form`] reads every form and refuses, before the handler
//! runs, one whose `csrf` field is not the token of the browser it arrives from (compared in
//! constant time).

use super::{SESSION_COOKIE, visitor_tr};
use crate::http::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq as _;

const CSRF_COOKIE: &str = "reach_csrf";

/// The CSRF token of this request's session, for the forms a page shows.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// What the token of this request is bound to.
#[derive(Debug, Clone)]
pub(super) enum CsrfBinding {
    /// The session cookie: the token is its MAC.
    Session(String),
    /// A visitor's CSRF cookie: the token is the cookie.
    Visitor(String),
}

/// The deployment's key for CSRF tokens (derived from the secret key for this purpose only).
fn csrf_key(state: &AppState) -> &[u8] {
    state.keys.csrf()
}

fn session_mac(state: &AppState, session: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(csrf_key(state))
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(b"csrf.session.");
    mac.update(session.as_bytes());
    mac
}

fn token(state: &AppState, binding: &CsrfBinding) -> String {
    match binding {
        CsrfBinding::Session(session) => {
            URL_SAFE_NO_PAD.encode(session_mac(state, session).finalize().into_bytes())
        }
        CsrfBinding::Visitor(cookie) => cookie.clone(),
    }
}

/// Whether `given` is the token for `binding`, compared in constant time.
pub(super) fn is_token(state: &AppState, binding: &CsrfBinding, given: &str) -> bool {
    match binding {
        CsrfBinding::Session(session) => URL_SAFE_NO_PAD
            .decode(given)
            .is_ok_and(|tag| session_mac(state, session).verify_slice(&tag).is_ok()),
        CsrfBinding::Visitor(cookie) => bool::from(cookie.as_bytes().ct_eq(given.as_bytes())),
    }
}

/// Works out this request's CSRF token and puts it where pages and [`Form`] read it: bound to
/// the session cookie when there is one, else the visitor cookie (given to browsers that have
/// neither).
pub(super) async fn csrf_cookie(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let session = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty());
    let visitor = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 40 && v.chars().all(|c| c.is_ascii_alphanumeric()));
    let (binding, new_visitor) = match (session, visitor) {
        (Some(session), _) => (CsrfBinding::Session(session), None),
        (None, Some(visitor)) => (CsrfBinding::Visitor(visitor), None),
        (None, None) => {
            let visitor = crate::auth::generate_password() + &crate::auth::generate_password();
            (CsrfBinding::Visitor(visitor.clone()), Some(visitor))
        }
    };
    request
        .extensions_mut()
        .insert(CsrfToken(token(&state, &binding)));
    request.extensions_mut().insert(binding);
    let mut response = next.run(request).await;
    if let Some(visitor) = new_visitor {
        if let Ok(value) =
            format!("{CSRF_COOKIE}={visitor}; Path=/; HttpOnly; SameSite=Lax").parse()
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

/// An `application/x-www-form-urlencoded` form whose `csrf` field is this session's token;
/// anything else is refused with 403 before the handler runs.
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
        let binding = parts.extensions.get::<CsrfBinding>().cloned();
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| e.into_response())?;
        let given: CsrfField = serde_html_form::from_bytes(&bytes).unwrap_or(CsrfField {
            csrf: String::new(),
        });
        if !binding.is_some_and(|b| is_token(state, &b, &given.csrf)) {
            return Err((StatusCode::FORBIDDEN, tr.t("error-page-csrf")).into_response());
        }
        serde_html_form::from_bytes(&bytes)
            .map(Form)
            .map_err(|_| (StatusCode::BAD_REQUEST, tr.t("error-page-invalid")).into_response())
    }
}

//! The JSON API under `/api/v1`, one file per resource. Every handler is annotated for the
//! OpenAPI document, takes a [`Caller`] or an [`Admin`](crate::auth::Admin) for permissions,
//! parses its input into domain types, calls the store and records the change in the audit log.

mod account;
pub mod alerts;
mod audit;
mod companies;
mod contacts;
pub mod contacts_io;
pub mod docs;
pub mod integrations;
pub mod json;
pub mod maintenance;
mod me;
mod methods;
pub mod policies;
pub mod reports;
pub mod schedules;
mod tokens;
mod users;
pub mod verification;

pub use json::parse_json;

use crate::domain::{FieldError, Invalid};
use crate::error::{AppError, Problem, ProblemField};
use crate::http::AppState;
use crate::store::{Cursor, PageRequest};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reach API",
        version = "1",
        description = "Who must be told and how to reach them. Send an API token from \
            `reach token create` as `Authorization: Bearer <token>`; it acts with its user's role. \
            Errors are RFC 9457 problem documents."
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "me", description = "The calling user"),
        (name = "account", description = "Account settings"),
        (name = "companies", description = "The customers or sites the account supports"),
        (name = "maintenance", description = "Companies' maintenance windows: alerts recorded, nothing sent"),
        (name = "contacts", description = "Contacts and users; the directory as a CSV or vCard file"),
        (name = "methods", description = "Contact methods: add, change, test and verify"),
        (name = "users", description = "Contacts who can log in"),
        (name = "audit", description = "Who changed what"),
        (name = "alerts", description = "Alerts in, acknowledgements"),
        (name = "notifications", description = "The delivery log: every message sent or held back"),
        (name = "reports", description = "Scheduled reports and their runs"),
        (name = "tokens", description = "The caller's own API tokens"),
        (name = "integrations", description = "Monitoring systems' ways in: secret URLs taking their own formats"),
        (name = "schedules", description = "On-call schedules: rotations, overrides, who is on call"),
        (name = "escalation-policies", description = "Who is told, in which order, until an alert is acknowledged"),
    )
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every route of the API with its OpenAPI description.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::get, me::update))
        .routes(routes!(account::get, account::update))
        .routes(routes!(companies::list, companies::create))
        .routes(routes!(
            companies::get,
            companies::update,
            companies::delete
        ))
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts_io::export))
        .routes(
            routes!(contacts_io::import).layer(axum::extract::DefaultBodyLimit::max(
                contacts_io::IMPORT_BODY_LIMIT,
            )),
        )
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(methods::create))
        .routes(routes!(methods::get, methods::update, methods::delete))
        .routes(routes!(verification::test))
        .routes(routes!(verification::start))
        .routes(routes!(verification::confirm))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(audit::list))
        .routes(
            routes!(alerts::ingest, alerts::list).layer(axum::extract::DefaultBodyLimit::max(
                alerts::ALERTS_BODY_LIMIT,
            )),
        )
        .routes(routes!(alerts::get))
        .routes(routes!(alerts::acknowledge))
        .routes(routes!(alerts::notifications))
        .routes(routes!(maintenance::list, maintenance::create))
        .routes(routes!(maintenance::delete))
        .routes(routes!(reports::list, reports::create))
        .routes(routes!(reports::get, reports::update, reports::delete))
        .routes(routes!(reports::run))
        .routes(routes!(reports::runs))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::delete))
        .routes(routes!(integrations::list, integrations::create))
        .routes(routes!(
            integrations::get,
            integrations::update,
            integrations::delete
        ))
        .routes(routes!(integrations::rotate))
        .routes(routes!(schedules::list, schedules::create))
        .routes(routes!(
            schedules::get,
            schedules::update,
            schedules::delete
        ))
        .routes(routes!(schedules::oncall))
        .routes(routes!(schedules::shifts))
        .routes(routes!(schedules::overrides, schedules::add_override))
        .routes(routes!(schedules::delete_override))
        .routes(routes!(policies::list, policies::create))
        .routes(routes!(policies::get, policies::update, policies::delete))
}

/// The error answers every endpoint may give, documented once.
#[derive(Debug, IntoResponses)]
#[allow(dead_code)]
pub enum Problems {
    /// The body is not JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(Problem),
    /// No token, or an unknown or disabled one.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller's role may not do this; nothing changed.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Unknown, foreign or out-of-scope object.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// A unique value is taken, or the change would remove the last admin.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The body is over 64 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Some fields are not valid; `errors` names them. Nothing was stored.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// Query parameters; a malformed query string is a 422, not axum's plain-text 400.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| {
                AppError::Validation(vec![FieldError::new(
                    "query",
                    Invalid::Type {
                        message: e.body_text(),
                    },
                )])
            })
    }
}

/// Parses `limit` and `cursor`, reporting bad ones as field errors.
pub fn page_request(
    limit: Option<&str>,
    cursor: Option<&str>,
    errors: &mut crate::domain::Errors,
) -> PageRequest {
    let limit = match limit.map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => errors.check(
            "limit",
            l.parse::<i64>().map_err(|_| Invalid::Range {
                min: 1,
                max: i64::from(PageRequest::MAX_LIMIT),
            }),
        ),
    };
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .and_then(|c| errors.check("cursor", Cursor::parse(c)));
    errors
        .check("limit", PageRequest::new(limit, cursor))
        .unwrap_or_default()
}

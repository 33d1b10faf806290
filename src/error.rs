//! One error type for HTTP handlers and its RFC 9457 `application/problem+json` response.
//! Internal errors are logged with their whole cause chain and show the client nothing of it.

use crate::domain::FieldError;
use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The JSON could not be read at all (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The body is not the format an integration takes (400): what was expected.
    #[error("not the format: {0}")]
    NotTheFormat(String),
    /// No token, or an unknown or disabled one (401).
    #[error("unauthorized")]
    Unauthorized,
    /// The caller's role may not do this (403).
    #[error("forbidden")]
    Forbidden,
    /// Unknown, foreign or out-of-scope object (404).
    #[error("not found")]
    NotFound,
    /// A unique value is taken (409, with the field).
    #[error("conflict")]
    Conflict(Vec<FieldError>),
    /// The object's state refuses the change, e.g. removing the last admin (409).
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Bad field values (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Too many test or verification messages (429, with `Retry-After`): nothing was sent.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(field) => Self::Conflict(vec![field]),
            StoreError::Invalid(fields) => Self::Validation(fields),
            StoreError::Protected(why) => Self::Refused(why),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is unavailable");
                Self::Unavailable
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(fields: Vec<FieldError>) -> Self {
        Self::Validation(fields)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what happened.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields that were refused, for 409 and 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemField>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The JSON field (`name`, `companies`, `quiet_hours.from`, `[3].severity`).
    pub field: String,
    pub message: String,
}

fn fields(list: &[FieldError]) -> Option<Vec<ProblemField>> {
    Some(
        list.iter()
            .map(|f| ProblemField {
                field: f.field.clone(),
                message: f.error.to_string(),
            })
            .collect(),
    )
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, detail, errors) = match &self {
            Self::Malformed(why) => (
                StatusCode::BAD_REQUEST,
                format!("The body is not valid JSON: {why}"),
                None,
            ),
            Self::NotTheFormat(expected) => (
                StatusCode::BAD_REQUEST,
                format!("The body is not what this integration takes: {expected}"),
                None,
            ),
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "Send a valid API token as `Authorization: Bearer <token>`.".to_owned(),
                None,
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "Your role may not do this.".to_owned(),
                None,
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "There is nothing here.".to_owned(),
                None,
            ),
            Self::Conflict(f) => (
                StatusCode::CONFLICT,
                "That is already in use.".to_owned(),
                fields(f),
            ),
            Self::Refused(why) => (StatusCode::CONFLICT, format!("Refused: {why}."), None),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The body is too large.".to_owned(),
                None,
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json (a contacts import: text/csv).".to_owned(),
                None,
            ),
            Self::Validation(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Some fields are not valid.".to_owned(),
                fields(f),
            ),
            Self::TooManyRequests { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many test and verification messages to this method or address; \
                     nothing was sent. Try again in {retry_after_secs} seconds."
                ),
                None,
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot answer right now. Try again shortly.".to_owned(),
                None,
            ),
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.".to_owned(),
                    None,
                )
            }
        };
        let mut response = problem(status, detail, errors, matches!(self, Self::Unauthorized));
        if let Self::TooManyRequests { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// A problem+json response.
pub fn problem(
    status: StatusCode,
    detail: String,
    errors: Option<Vec<ProblemField>>,
    ask_for_token: bool,
) -> Response {
    let body = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response();
    if ask_for_token {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

//! One error type for HTTP handlers and its RFC 9457 `application/problem+json` response.
//! Internal errors are logged with their whole cause chain and show the client nothing of it.

use crate::domain::FieldError;
use crate::store::StoreError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict(Vec<FieldError>),
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
            other => Self::Internal(other.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, detail, fields) = match &self {
            Self::Validation(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Some fields are not valid.",
                Some(f),
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "There is nothing here.", None),
            Self::Conflict(f) => (StatusCode::CONFLICT, "That is already in use.", Some(f)),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The service cannot answer right now.",
                None,
            ),
            Self::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                    None,
                )
            }
        };
        let mut body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
        });
        if let Some(fields) = fields {
            body["errors"] = fields
                .iter()
                .map(|f| json!({"field": f.field, "message": f.error.to_string()}))
                .collect();
        }
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

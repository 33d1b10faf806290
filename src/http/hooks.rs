//! `POST /hooks/{token}`: what monitoring systems call (SPEC §2 "Alerts in: integrations").
//! The secret in the path is the only credential. The body is read as an HTML form when it
//! says so (`generic` takes forms) and otherwise as JSON whatever its content type (Grafana
//! and Uptime Kuma may send JSON as `text/plain` or with none); a body that is not JSON is
//! handed on as `null`, which every kind but `heartbeat` (any POST is a ping) refuses with a
//! 400 saying what it expected. Not in the OpenAPI document: it is not part of the
//! token-authenticated API, and each kind's body is the sender's own format.

use super::AppState;
use crate::app;
use crate::domain::integration::Body;
use crate::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{MethodRouter, post};
use serde_json::{Value, json};
use std::sync::Arc;

/// Bodies up to 1 MiB, like `POST /api/v1/alerts` (413 beyond).
pub const HOOKS_BODY_LIMIT: usize = 1024 * 1024;

/// The route's method router, with its own body limit.
pub fn route() -> MethodRouter<Arc<AppState>> {
    post(receive).layer(DefaultBodyLimit::max(HOOKS_BODY_LIMIT))
}

/// 202 `{"accepted": N}` once the alerts and their notifications are stored.
async fn receive(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let bytes = bytes.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::Malformed(e.body_text())
        }
    })?;
    let accepted = if is_form(&headers) {
        // A form that cannot be read (not UTF-8) is a form without fields.
        let fields: Vec<(String, String)> = serde_html_form::from_bytes(&bytes).unwrap_or_default();
        app::hooks::receive(&state, &token, Body::Form(&fields)).await?
    } else {
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        app::hooks::receive(&state, &token, Body::Json(&value)).await?
    };
    Ok((StatusCode::ACCEPTED, Json(json!({ "accepted": accepted }))))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

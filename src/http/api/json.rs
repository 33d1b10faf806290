//! What the API reads: request extractors and helpers; the JSON shapes of answers are
//! [`crate::repr`], re-exported here.

use crate::domain::{Errors, FieldError, Invalid, Locale, TimeZone};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// A JSON body: 415 unless it is `application/json`, 413 above the limit, 400 when it is not
/// JSON, 422 naming the field when a value has the wrong type or an unknown field is sent.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body as it came (checked as [`ApiJson`] checks it, not parsed yet), for a handler
/// that reads it in a shape of its own choosing.
#[derive(Debug)]
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBytes)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge
                } else {
                    AppError::Malformed(e.body_text())
                }
            })
    }
}

/// Reads JSON, telling syntax errors (400) from values of the wrong shape (422 on the field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(shape_error)?;
    deserializer
        .end()
        .map_err(|e| AppError::Malformed(e.to_string()))?;
    Ok(value)
}

/// Reads a value already parsed as JSON into `T` (422 naming the field on a wrong shape).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = e.inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return AppError::Malformed(inner.to_string());
    }
    let path = e.path().to_string();
    let message = inner.to_string();
    // serde names a missing field in its message and the parent in the path.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let field = match (path.as_str(), missing) {
        (".", Some(name)) => name.to_owned(),
        (_, Some(name)) => format!("{path}.{name}"),
        (".", None) => String::new(),
        (_, None) => path,
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    AppError::Validation(vec![FieldError::new(field, Invalid::Type { message })])
}

/// For `Option<Option<T>>` fields: absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A contact's language and time zone after a patch: a field left out keeps its current value,
/// `null` or blank unsets it. Bad values are recorded in `errors` (and answer `None`).
pub fn patched_preferences(
    errors: &mut Errors,
    locale: Option<Option<String>>,
    timezone: Option<Option<String>>,
    current: (Option<Locale>, Option<TimeZone>),
) -> Option<(Option<Locale>, Option<TimeZone>)> {
    let value = |given: Option<Option<String>>, current: Option<&str>| {
        given
            .unwrap_or(current.map(str::to_owned))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let locale = match value(locale, current.0.map(Locale::as_str)) {
        None => Some(None),
        Some(l) => errors.check("locale", Locale::parse(&l)).map(Some),
    };
    let timezone = match value(timezone, current.1.map(TimeZone::as_str)) {
        None => Some(None),
        Some(t) => errors.check("timezone", TimeZone::parse(&t)).map(Some),
    };
    Some((locale?, timezone?))
}

pub use crate::repr::*;

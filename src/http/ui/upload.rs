//! [`Upload`]: a `multipart/form-data` form (a file input), read whole and refused with 403
//! before the handler runs unless its `csrf` field is this browser's token, as [`Form`] does
//! for ordinary forms (whose extractor cannot read multipart bodies).
//!
//! [`Form`]: super::Form

use super::form::{CsrfBinding, is_token};
use super::visitor_tr;
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// The fields of a multipart form by name (the first of each name), files and text alike.
#[derive(Debug)]
pub struct Upload {
    fields: HashMap<String, Bytes>,
}

impl Upload {
    /// A field's bytes; `None` when absent or empty (a file input with no file chosen).
    pub fn bytes(&self, name: &str) -> Option<&Bytes> {
        self.fields.get(name).filter(|b| !b.is_empty())
    }

    /// A text field, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
}

impl FromRequest<Arc<AppState>> for Upload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState>) -> Result<Self, Response> {
        let tr = visitor_tr(request.headers());
        let binding = request.extensions().get::<CsrfBinding>().cloned();
        let refuse = |status: StatusCode| {
            let message = match status {
                StatusCode::PAYLOAD_TOO_LARGE => tr.t("import-too-large"),
                _ => tr.t("error-page-invalid"),
            };
            (status, message).into_response()
        };
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|_| refuse(StatusCode::BAD_REQUEST))?;
        let mut fields = HashMap::new();
        while let Some(field) = form.next_field().await.map_err(|e| refuse(e.status()))? {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| refuse(e.status()))?;
            fields.entry(name).or_insert(bytes);
        }
        let upload = Self { fields };
        if !binding.is_some_and(|b| is_token(state, &b, &upload.text("csrf"))) {
            return Err((StatusCode::FORBIDDEN, tr.t("error-page-csrf")).into_response());
        }
        Ok(upload)
    }
}

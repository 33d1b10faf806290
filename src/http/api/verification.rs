//! Send test, and verification by a six-digit code sent through the method itself (SPEC §1):
//! the code expires after 10 minutes and locks after 5 wrong tries.

use super::Problems;
use super::json::{ApiJson, MethodJson, NotificationJson};
use crate::app;
use crate::auth::Caller;
use crate::domain::{ContactId, MethodId};
use crate::error::{AppError, Problem};
use crate::http::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoResponses, ToSchema};

/// The rate limit's answer to a test or verification message, documented once.
#[derive(Debug, IntoResponses)]
#[allow(dead_code)]
pub enum TooMany {
    /// Too many test and verification messages to this method (one a minute) or address (five
    /// an hour); nothing was sent. `Retry-After` says in how many seconds it would be allowed.
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds until the message would be allowed"))
    )]
    TooManyRequests(Problem),
}

fn ids(contact: String, method: String) -> (ContactId, MethodId) {
    (
        ContactId::from_string(contact),
        MethodId::from_string(method),
    )
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/test",
    operation_id = "sendMethodTest", tag = "methods",
    summary = "Send a test message through the method now (also to unverified methods); the notification, in the delivery log",
    description = "Rate limited with verification codes: one of either per method per minute, five per address (type and address) per account per hour, flood digests included.",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses(
        (status = 202, description = "The test message's notification, queued",
            body = NotificationJson),
        TooMany,
        Problems
    ))]
pub async fn test(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<NotificationJson>), AppError> {
    let (contact, method) = ids(id, method_id);
    let queued = app::verification::send_test(&state, &caller, &contact, &method).await?;
    Ok((StatusCode::ACCEPTED, Json(NotificationJson::from(&queued))))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/verification",
    operation_id = "startMethodVerification", tag = "methods",
    summary = "Send a 6-digit code through the method (valid 10 minutes; asking again replaces it)",
    description = "Rate limited with test messages: one of either per method per minute, five per address (type and address) per account per hour, flood digests included.",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses(
        (status = 202, description = "The code's notification, queued", body = NotificationJson),
        TooMany,
        Problems
    ))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<NotificationJson>), AppError> {
    let (contact, method) = ids(id, method_id);
    let queued = app::verification::start(&state, &caller, &contact, &method).await?;
    Ok((StatusCode::ACCEPTED, Json(NotificationJson::from(&queued))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The six digits received.
    code: String,
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/verification/confirm",
    operation_id = "confirmMethodVerification", tag = "methods",
    summary = "Type back the code: the method is verified (422 with a field error on code when wrong, expired or used)",
    params(("id" = String, Path), ("method_id" = String, Path)), request_body = CodeBody,
    responses(
        (status = 200, description = "The contact method, verified", body = MethodJson),
        Problems
    ))]
pub async fn confirm(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Json<MethodJson>, AppError> {
    let (contact, method) = ids(id, method_id);
    let verified =
        app::verification::confirm(&state, &caller, &contact, &method, &body.code).await?;
    Ok(Json(MethodJson::from(&verified)))
}

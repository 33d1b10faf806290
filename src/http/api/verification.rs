//! Send test, and verification by a six-digit code sent through the method itself (SPEC §1):
//! the code expires after 10 minutes and locks after 5 wrong tries.

use super::alerts::NotificationJson;
use super::json::{ApiJson, MethodJson};
use super::{Problems, audit};
use crate::auth::Caller;
use crate::domain::{ContactId, FieldError, Invalid, MethodId};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Store, VerifyOutcome};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rand::Rng as _;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// How long a verification code works.
pub const CODE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The contact and method the caller may act on (admins: anyone's; others: their own).
async fn method(
    state: &AppState,
    caller: &Caller,
    contact: &str,
    method: &str,
) -> Result<(ContactId, MethodId), AppError> {
    let contact = ContactId::from_string(contact);
    state
        .store
        .contact(&caller.account, &caller.scope(), &contact)
        .await?;
    caller.may_manage_methods_of(&contact)?;
    let method = MethodId::from_string(method);
    state
        .store
        .method(&caller.account, &contact, &method)
        .await?;
    Ok((contact, method))
}

async fn queued(state: &AppState, caller: &Caller, id: &str) -> Result<NotificationJson, AppError> {
    state.work_queued().await;
    Ok(NotificationJson::from(
        &state.store.notification(&caller.account, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/test", tag = "contacts",
    summary = "Send a test message through the method now (also to unverified methods); the notification, in the delivery log",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 202, body = NotificationJson), Problems))]
pub async fn test(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<NotificationJson>), AppError> {
    let (contact, method) = self::method(&state, &caller, &id, &method_id).await?;
    let queued_id = state
        .store
        .queue_test(&caller.account, &contact, &method, chrono::Utc::now())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(queued(&state, &caller, &queued_id).await?),
    ))
}

/// A new six-digit code.
pub fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/verification", tag = "contacts",
    summary = "Send a 6-digit code through the method (valid 10 minutes; asking again replaces it)",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 202, body = NotificationJson), Problems))]
pub async fn start(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<NotificationJson>), AppError> {
    let (contact, method) = self::method(&state, &caller, &id, &method_id).await?;
    let code = new_code();
    let now = chrono::Utc::now();
    let queued_id = state
        .store
        .start_verification(
            &caller.account,
            &contact,
            &method,
            &code,
            &state.links.code_hash(method.as_str(), &code),
            now + CODE_LIFETIME,
            now,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(queued(&state, &caller, &queued_id).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// The six digits received.
    code: String,
}

/// The field error for a code that did not verify.
pub fn code_error(outcome: VerifyOutcome) -> Option<AppError> {
    let error = match outcome {
        VerifyOutcome::Verified => return None,
        VerifyOutcome::Wrong => Invalid::CodeWrong,
        VerifyOutcome::Expired => Invalid::CodeExpired,
        VerifyOutcome::Locked => Invalid::CodeLocked,
        VerifyOutcome::NoCode => Invalid::CodeUnknown,
    };
    Some(AppError::Validation(vec![FieldError::new("code", error)]))
}

/// Checks a typed code: the verified method, or the field error.
pub async fn check_code(
    state: &AppState,
    caller: &Caller,
    contact: &ContactId,
    method: &MethodId,
    code: &str,
) -> Result<crate::store::Method, AppError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let outcome = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        state
            .store
            .confirm_verification(
                &caller.account,
                contact,
                method,
                &state.links.code_hash(method.as_str(), &code),
                chrono::Utc::now(),
            )
            .await?
    } else {
        VerifyOutcome::Wrong
    };
    if let Some(error) = code_error(outcome) {
        return Err(error);
    }
    let before = state.store.method(&caller.account, contact, method).await?;
    let mut unverified = MethodJson::from(&before);
    unverified.verified = false;
    let after = MethodJson::from(&before);
    audit(state, caller, "method", Some(&unverified), Some(&after)).await;
    Ok(before)
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods/{method_id}/verification/confirm", tag = "contacts",
    summary = "Type back the code: the method is verified (422 with a field error on code when wrong, expired or used)",
    params(("id" = String, Path), ("method_id" = String, Path)), request_body = CodeBody,
    responses((status = 200, body = MethodJson), Problems))]
pub async fn confirm(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Json<MethodJson>, AppError> {
    let (contact, method) = self::method(&state, &caller, &id, &method_id).await?;
    let verified = check_code(&state, &caller, &contact, &method, &body.code).await?;
    Ok(Json(MethodJson::from(&verified)))
}

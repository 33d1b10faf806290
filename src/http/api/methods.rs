use super::json::{ApiJson, MethodJson, nullable};
use super::{Problems, audit};
use crate::auth::Caller;
use crate::domain::{ContactId, MethodId, MethodInput, ParseContext, QuietHours};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{Contact, Method, Store};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursBody {
    /// `HH:MM`, in the contact's time zone.
    from: String,
    to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodBody {
    /// `email`, `sms`, `phone` or `webhook`.
    #[serde(rename = "type")]
    kind: String,
    /// An email address, a phone number (without `+`: read in the account's region) or an
    /// `https` URL.
    address: String,
    label: Option<String>,
    /// `info`, `warning`, `critical`, or `null` for no alerts. Default: `warning` for email and
    /// webhook, `critical` for sms and phone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    min_severity: Option<Option<String>>,
    /// Scheduled reports (email only). Default: on for email.
    reports: Option<bool>,
    /// Send only if still unacknowledged this many minutes after the alert opened (0–1440).
    delay_minutes: Option<i64>,
    /// During these hours only critical alerts go out.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<QuietHoursBody>)]
    quiet_hours: Option<Option<QuietHoursBody>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodPatch {
    #[serde(rename = "type")]
    kind: Option<String>,
    address: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    label: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    min_severity: Option<Option<String>>,
    reports: Option<bool>,
    delay_minutes: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<QuietHoursBody>)]
    quiet_hours: Option<Option<QuietHoursBody>>,
}

/// The contact whose methods the caller wants to change: 404 when they cannot see it, 403 when
/// they see it but may not manage its methods.
async fn managed_contact(
    state: &AppState,
    caller: &Caller,
    id: &ContactId,
) -> Result<Contact, AppError> {
    let contact = state
        .store
        .contact(&caller.account, &caller.scope(), id)
        .await?;
    caller.may_manage_methods_of(id)?;
    Ok(contact)
}

async fn parse_context(state: &AppState, caller: &Caller) -> Result<ParseContext, AppError> {
    let account = state.store.account(&caller.account).await?;
    Ok(ParseContext {
        default_region: account.default_region,
        allow_loopback: state.allow_loopback_webhooks,
    })
}

fn quiet(q: Option<QuietHoursBody>) -> Option<(String, String)> {
    q.map(|q| (q.from, q.to))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods", tag = "contacts",
    summary = "Add a contact method (admins: anyone's; others: their own). Sends nothing.",
    params(("id" = String, Path)), request_body = MethodBody,
    responses((status = 201, body = MethodJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> Result<(StatusCode, Json<MethodJson>), AppError> {
    let contact = ContactId::from_string(id);
    managed_contact(&state, &caller, &contact).await?;
    let new = MethodInput {
        kind: Some(body.kind),
        address: Some(body.address),
        label: body.label,
        min_severity: body.min_severity,
        reports: body.reports,
        delay_minutes: body.delay_minutes,
        quiet_hours: body.quiet_hours.and_then(quiet),
    }
    .parse(&parse_context(&state, &caller).await?)?;
    let added = state
        .store
        .add_method(&caller.account, &contact, &new)
        .await?;
    let method = MethodJson::from(&added);
    audit(&state, &caller, "method", None, Some(&method)).await;
    Ok((StatusCode::CREATED, Json(method.with_secret(&added))))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/methods/{method_id}", tag = "contacts",
    summary = "Read a contact method",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 200, body = MethodJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<Json<MethodJson>, AppError> {
    let contact = ContactId::from_string(id);
    state
        .store
        .contact(&caller.account, &caller.scope(), &contact)
        .await?;
    let method = state
        .store
        .method(&caller.account, &contact, &MethodId::from_string(method_id))
        .await?;
    Ok(Json(MethodJson::from(&method)))
}

/// The method as typed input, with the patch over its current values.
fn patched(current: &Method, patch: MethodPatch) -> MethodInput {
    let current_quiet = current
        .quiet_hours
        .map(|q| (QuietHours::format(q.from), QuietHours::format(q.to)));
    MethodInput {
        kind: Some(
            patch
                .kind
                .unwrap_or_else(|| current.kind.as_str().to_owned()),
        ),
        address: Some(patch.address.unwrap_or_else(|| current.address.clone())),
        label: patch.label.unwrap_or_else(|| current.label.clone()),
        min_severity: Some(
            patch
                .min_severity
                .unwrap_or_else(|| current.min_severity.map(|s| s.as_str().to_owned())),
        ),
        reports: Some(patch.reports.unwrap_or(current.reports)),
        delay_minutes: Some(
            patch
                .delay_minutes
                .unwrap_or(i64::from(current.delay_minutes)),
        ),
        quiet_hours: match patch.quiet_hours {
            Some(given) => quiet(given),
            None => current_quiet,
        },
    }
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}/methods/{method_id}", tag = "contacts",
    summary = "Change a contact method; a new address clears its verification",
    params(("id" = String, Path), ("method_id" = String, Path)), request_body = MethodPatch,
    responses((status = 200, body = MethodJson), Problems))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
    ApiJson(patch): ApiJson<MethodPatch>,
) -> Result<Json<MethodJson>, AppError> {
    let contact = ContactId::from_string(id);
    managed_contact(&state, &caller, &contact).await?;
    let method_id = MethodId::from_string(method_id);
    let current = state
        .store
        .method(&caller.account, &contact, &method_id)
        .await?;
    let new = patched(&current, patch).parse(&parse_context(&state, &caller).await?)?;
    let after = state
        .store
        .update_method(&caller.account, &contact, &method_id, &new)
        .await?;
    let (before, answer) = (MethodJson::from(&current), MethodJson::from(&after));
    audit(&state, &caller, "method", Some(&before), Some(&answer)).await;
    // A method that has just become a webhook shows its new secret, once.
    Ok(Json(if current.secret.is_none() {
        answer.with_secret(&after)
    } else {
        answer
    }))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}/methods/{method_id}", tag = "contacts",
    summary = "Delete a contact method (a user's primary email cannot be deleted)",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 204), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let contact = ContactId::from_string(id);
    managed_contact(&state, &caller, &contact).await?;
    let method_id = MethodId::from_string(method_id);
    let current = state
        .store
        .method(&caller.account, &contact, &method_id)
        .await?;
    state
        .store
        .delete_method(&caller.account, &contact, &method_id)
        .await?;
    let before = MethodJson::from(&current);
    audit(&state, &caller, "method", Some(&before), None).await;
    Ok(StatusCode::NO_CONTENT)
}

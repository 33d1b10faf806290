use super::Problems;
use super::json::{ApiJson, MethodJson, nullable};
use crate::app;
use crate::auth::Caller;
use crate::domain::{ContactId, MethodId, MethodInput, QuietHours};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Method;
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
    /// `email`, `sms`, `phone`, `webhook`, `slack`, `teams`, `discord`, `ntfy`, `telegram` or
    /// `matrix`.
    #[serde(rename = "type")]
    kind: String,
    /// An email address, a phone number (without `+`: read in the account's region), an
    /// `https` URL (webhook, Slack, Teams, Discord, ntfy topic), a Telegram chat id
    /// (`-1001234567890` or `@channel`) or a Matrix room id (`!abc:example.org`).
    address: String,
    label: Option<String>,
    /// `info`, `warning`, `critical`, or `null` for no alerts. Default: `critical` for sms and
    /// phone, `warning` for the others.
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

fn quiet(q: Option<QuietHoursBody>) -> Option<(String, String)> {
    q.map(|q| (q.from, q.to))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/methods", operation_id = "createContactMethod",
    tag = "methods",
    summary = "Add a contact method (admins: anyone's; others: their own). Sends nothing.",
    params(("id" = String, Path)), request_body = MethodBody,
    responses(
        (status = 201, description = "The new contact method, unverified", body = MethodJson),
        Problems
    ))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MethodBody>,
) -> Result<(StatusCode, Json<MethodJson>), AppError> {
    let contact = ContactId::from_string(id);
    app::methods::contact(&state, &caller, &contact).await?;
    let new = MethodInput {
        kind: Some(body.kind),
        address: Some(body.address),
        label: body.label,
        min_severity: body.min_severity,
        reports: body.reports,
        delay_minutes: body.delay_minutes,
        quiet_hours: body.quiet_hours.and_then(quiet),
    }
    .parse(&app::methods::parse_context(&state, &caller).await?)?;
    let added = app::methods::add(&state, &caller, &contact, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(MethodJson::from(&added).with_secret(&added)),
    ))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/methods/{method_id}",
    operation_id = "getContactMethod", tag = "methods", summary = "Read a contact method",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 200, description = "The contact method", body = MethodJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<Json<MethodJson>, AppError> {
    let (contact, method_id) = (ContactId::from_string(id), MethodId::from_string(method_id));
    let method = app::methods::get(&state, &caller, &contact, &method_id).await?;
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

#[utoipa::path(patch, path = "/api/v1/contacts/{id}/methods/{method_id}",
    operation_id = "updateContactMethod", tag = "methods",
    summary = "Change a contact method; a new address clears its verification",
    params(("id" = String, Path), ("method_id" = String, Path)), request_body = MethodPatch,
    responses(
        (status = 200, description = "The contact method after the change", body = MethodJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
    ApiJson(patch): ApiJson<MethodPatch>,
) -> Result<Json<MethodJson>, AppError> {
    let (contact, method_id) = (ContactId::from_string(id), MethodId::from_string(method_id));
    let (_, current) = app::methods::managed(&state, &caller, &contact, &method_id).await?;
    let ctx = app::methods::parse_context(&state, &caller).await?;
    let new = patched(&current, patch).parse(&ctx)?;
    let saved = app::methods::update(&state, &caller, &contact, &method_id, &new).await?;
    let answer = MethodJson::from(&saved.method);
    // A method that has just become a webhook shows its new secret, once.
    Ok(Json(if saved.new_secret {
        answer.with_secret(&saved.method)
    } else {
        answer
    }))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}/methods/{method_id}",
    operation_id = "deleteContactMethod", tag = "methods",
    summary = "Delete a contact method (a user's primary email cannot be deleted)",
    params(("id" = String, Path), ("method_id" = String, Path)),
    responses((status = 204, description = "The contact method is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((id, method_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let (contact, method_id) = (ContactId::from_string(id), MethodId::from_string(method_id));
    app::methods::delete(&state, &caller, &contact, &method_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
